package steps

import (
	"fmt"
	"strings"
)

// A parameter never becomes code. In a `shell:` line a ${param} reaches the
// shell as one quoted word; in `sql:` and `query:` as a quoted SQL literal
// (or a quoted name). The loader reads each shell line and statement the
// way sh and MySQL will, finds where every reference stands, and refuses a
// reference it cannot quote there (a comment, a command substitution, a
// here-document, SQL outside quotes...). The binder then quotes each value
// for the place it stands in:
//
//	shell, outside quotes   ${dir}     'v'  (a ' inside becomes '\'')
//	shell, inside '…'       '${dir}'   v    (a ' inside becomes '\'')
//	shell, inside "…"       "${dir}"   v    (\ " $ ` each get a \ before them)
//	SQL, inside '…'         '${host}'  v    (' becomes '', \ becomes \\)
//	SQL, inside `…`         `${db}`    v    (` becomes ``)
//
// docs/runbook-format.md states the rule for authors.

// refPlace is where a ${...} stands.
type refPlace int

const (
	shellBare   refPlace = iota // outside quotes: the value becomes a quoted word
	shellSingle                 // inside '…'
	shellDouble                 // inside "…"
	sqlString                   // inside a SQL '…' literal
	sqlName                     // inside a SQL `…` name
)

// placedRef is one ${name} of a shell line or a statement.
type placedRef struct {
	start, end int // byte offsets of `${name}`
	name       string
	place      refPlace
	// wordStart: the value begins a shell word (an argument of its own,
	// where a leading '-' would read as an option).
	wordStart bool
}

// refError says why a reference cannot be made safe where it stands.
type refError struct {
	name, why string
}

func (e *refError) Error() string {
	return fmt.Sprintf("${%s} %s", e.name, e.why)
}

// refAt reads `${name}` at s[i:], returning its name and end, or ok false.
func refAt(s string, i int) (name string, end int, ok bool) {
	if !strings.HasPrefix(s[i:], "${") {
		return "", 0, false
	}
	j := strings.IndexByte(s[i+2:], '}')
	if j < 0 {
		return "", 0, false
	}
	return s[i+2 : i+2+j], i + 3 + j, true
}

// shellRefs finds every ${name} in a POSIX shell line and where it stands,
// or says why the first one that cannot be quoted safely cannot.
func shellRefs(s string) ([]placedRef, error) {
	type frame struct {
		kind  byte // '\'' single, '"' double, '(' $( … ), '`' backticks
		odd   bool // $'…' or $"…": quoting rules of its own
		start int  // where its opening quote is
		depth int  // open parentheses inside a $( … )
	}
	var (
		refs      []placedRef
		stack     []frame
		wordBegin = 0  // where the current top-level word began
		opaque    = "" // once set, no later reference can be placed: why
	)
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	bare := func() bool { f := top(); return f == nil || f.kind == '(' }
	for i := 0; i < len(s); {
		c := s[i]
		if name, end, ok := refAt(s, i); ok {
			r := placedRef{start: i, end: end, name: name}
			why := opaque
			f := top()
			switch {
			case why != "":
			case i > 0 && s[i-1] == '\\' && (f == nil || f.kind != '\''):
				why = "follows a backslash, which would take the first character of its quoted value"
			case i > 0 && s[i-1] == '$':
				why = "follows a '$', which would make its quoted value part of a $'…' or a variable"
			case len(stack) == 0:
				r.place, r.wordStart = shellBare, i == wordBegin
			case len(stack) == 1 && f.odd:
				why = "is inside $'…' or $\"…\", whose quoting differs from shell to shell"
			case len(stack) == 1 && f.kind == '\'':
				r.place, r.wordStart = shellSingle, f.start == wordBegin && i == f.start+1
			case len(stack) == 1 && f.kind == '"':
				r.place, r.wordStart = shellDouble, f.start == wordBegin && i == f.start+1
			default:
				why = "is inside a command substitution ($( … ) or `…`), where its quoting would not hold"
			}
			if why != "" {
				return nil, &refError{name, why}
			}
			refs = append(refs, r)
			i = end
			continue
		}
		f := top()
		switch {
		case f != nil && f.kind == '\'':
			if c == '\'' {
				stack = stack[:len(stack)-1]
			}
			i++
			continue
		case f != nil && f.kind == '"':
			switch {
			case c == '\\':
				if err := escapedRef(s, i); err != nil {
					return nil, err
				}
				i += 2
				continue
			case c == '"':
				stack = stack[:len(stack)-1]
			case c == '`':
				stack = append(stack, frame{kind: '`', start: i})
			case strings.HasPrefix(s[i:], "$("):
				stack = append(stack, frame{kind: '(', start: i})
				i += 2
				continue
			}
			i++
			continue
		case f != nil && f.kind == '`':
			switch c {
			case '\\':
				if err := escapedRef(s, i); err != nil {
					return nil, err
				}
				i += 2
				continue
			case '`':
				stack = stack[:len(stack)-1]
			}
			i++
			continue
		}
		// Outside quotes: at the top, or inside a $( … ).
		atWord := bare() && (i == 0 || strings.IndexByte(" \t\n;&|()<>", s[i-1]) >= 0)
		if f == nil && strings.IndexByte(" \t\n;&|()<>", c) >= 0 {
			wordBegin = i + 1
		}
		switch {
		case c == '\\':
			if err := escapedRef(s, i); err != nil {
				return nil, err
			}
			i += 2
			continue
		case c == '\'':
			stack = append(stack, frame{kind: '\'', start: i})
		case c == '"':
			stack = append(stack, frame{kind: '"', start: i})
		case c == '`':
			stack = append(stack, frame{kind: '`', start: i})
		case c == '$' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"'):
			stack = append(stack, frame{kind: s[i+1], odd: true, start: i + 1})
			i += 2
			continue
		case strings.HasPrefix(s[i:], "$("):
			stack = append(stack, frame{kind: '(', start: i})
			i += 2
			continue
		case c == '(' && f != nil:
			f.depth++
		case c == ')' && f != nil:
			if f.depth == 0 {
				stack = stack[:len(stack)-1]
			} else {
				f.depth--
			}
		case c == '#' && atWord:
			// A comment: a newline in a value would end it and run the rest.
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				nl = len(s) - i
			}
			if k := strings.Index(s[i:i+nl], "${"); k >= 0 {
				name, _, _ := refAt(s, i+k)
				return nil, &refError{name, "is inside a comment, which a line break in its value would end"}
			}
			i += nl
			continue
		case strings.HasPrefix(s[i:], "<<") && !strings.HasPrefix(s[i:], "<<<"):
			opaque = "comes after a here-document (<<), whose text the shell does not unquote"
		case f != nil && atWord && strings.HasPrefix(s[i:], "case") && (i+4 == len(s) || strings.IndexByte(" \t\n", s[i+4]) >= 0):
			// case patterns end in ')': past this the end of $( … ) is not
			// found by counting parentheses.
			opaque = "comes after a case inside $( … ), where handrail cannot tell which quoting applies"
		}
		i++
	}
	return refs, nil
}

// sqlRefs finds every ${name} in a MySQL statement and where it stands, or
// says why the first one that cannot be quoted safely cannot. The statement
// is read as MySQL reads it by default (a backslash escapes inside quotes).
// A statement with a reference must not hold a backslash inside '…' or
// "…": where such a string ends depends on the server's sql_mode
// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES), and so would whether a value stays
// inside its literal. Without one, every mode reads the quotes the same
// way: a value's ' is doubled, which every mode reads as one quote.
func sqlRefs(s string) ([]placedRef, error) {
	var refs []placedRef
	var quote byte   // 0, '\'', '"' or '`'
	escaped := false // a backslash inside '…' or "…"
	for i := 0; i < len(s); {
		c := s[i]
		if name, end, ok := refAt(s, i); ok {
			switch {
			case quote == '\'' && s[i-1] == '\\':
				return nil, &refError{name, "follows a backslash, which would take the first character of its quoted value"}
			case quote == '\'':
				refs = append(refs, placedRef{start: i, end: end, name: name, place: sqlString})
			case quote == '`':
				refs = append(refs, placedRef{start: i, end: end, name: name, place: sqlName})
			case quote == '"':
				return nil, &refError{name, "is inside \"…\", which MySQL reads as a name under ANSI_QUOTES and as text otherwise: write '${" + name + "}' for a value"}
			default:
				return nil, &refError{name, "stands outside quotes: write '${" + name + "}' for a value (it is quoted as a string literal) or `${" + name + "}` for a name"}
			}
			i = end
			continue
		}
		switch {
		case quote != 0:
			switch {
			case c == '\\' && quote != '`':
				if err := escapedRef(s, i); err != nil {
					return nil, err
				}
				escaped = true
				i += 2
				continue
			case c == quote && i+1 < len(s) && s[i+1] == quote:
				i += 2 // a doubled quote stays inside
				continue
			case c == quote:
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '#' || (strings.HasPrefix(s[i:], "--") && (i+2 == len(s) || s[i+2] <= ' ')):
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				nl = len(s) - i
			}
			if k := strings.Index(s[i:i+nl], "${"); k >= 0 {
				name, _, _ := refAt(s, i+k)
				return nil, &refError{name, "is inside a comment, which a line break in its value would end"}
			}
			i += nl
			continue
		case strings.HasPrefix(s[i:], "/*"):
			e := strings.Index(s[i+2:], "*/")
			if e < 0 {
				e = len(s) - i - 2
			}
			if k := strings.Index(s[i:i+2+e], "${"); k >= 0 {
				name, _, _ := refAt(s, i+k)
				return nil, &refError{name, "is inside a /* … */ comment (MySQL runs /*! … */ ones)"}
			}
			i += e + 4
			continue
		}
		i++
	}
	if escaped && len(refs) > 0 {
		return nil, &refError{refs[0].name, "is in a statement whose quoted text holds a backslash, which MySQL reads as an escape by default " +
			"but as a plain character under sql_mode NO_BACKSLASH_ESCAPES (and inside \"…\" under ANSI_QUOTES): where a string ends, " +
			"and so whether the value stays inside it, would depend on the server; write a backslash as CHAR(92) " +
			"(CONCAT('C:', CHAR(92), 'dir')) and a quote inside '…' as ''"}
	}
	return refs, nil
}

// escapedRef refuses a reference right after the backslash at s[i]: the
// backslash would escape its '$' (or the first character of its value).
func escapedRef(s string, i int) error {
	if name, _, ok := refAt(s, i+1); ok {
		return &refError{name, "follows a backslash, which would take the first character of its quoted value"}
	}
	return nil
}

// quoteFor returns v quoted for where it stands.
func quoteFor(place refPlace, v string) string {
	switch place {
	case shellBare:
		return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
	case shellSingle:
		return strings.ReplaceAll(v, "'", `'\''`)
	case shellDouble:
		return shellDoubleEscaper.Replace(v)
	case sqlString:
		return sqlStringEscaper.Replace(v)
	case sqlName:
		return strings.ReplaceAll(v, "`", "``")
	}
	panic("steps: unknown reference place")
}

var (
	shellDoubleEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	sqlStringEscaper   = strings.NewReplacer(`'`, `''`, `\`, `\\`)
)

// substitutePlaced replaces each reference whose name is in vars with its
// value quoted for its place, and leaves the others as written (a foreach
// item, bound later).
func substitutePlaced(s string, refs []placedRef, vars map[string]string) string {
	if len(refs) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, r := range refs {
		v, ok := vars[r.name]
		if !ok {
			continue
		}
		b.WriteString(s[last:r.start])
		b.WriteString(quoteFor(r.place, v))
		last = r.end
	}
	b.WriteString(s[last:])
	return b.String()
}
