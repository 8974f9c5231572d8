package serve

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
)

// A person's name is what the picker, the console's header, the report and
// the journal's approver show. Two people whose names render alike could
// pass for each other (an approver named "bob\u200b" beside "bob"), so the
// team file refuses names that hide characters or mix scripts, and any two
// names that look alike (docs/serve.md, "The team file").

// seenName is a name already accepted, by its look-alike skeleton.
type seenName struct {
	name string
	line int
}

// checkName adds findings for a person's (non-empty) name: hidden
// characters, mixed scripts, a name that looks like one before it.
func checkName(y *steps.YAMLFile, e steps.YAMLEntry, ctx, name string, names map[string]seenName) {
	if !utf8.ValidString(name) {
		y.Errorf(e, "%s: the name is not valid UTF-8 (%s)", ctx, termtext.Line(name))
		return
	}
	if !termtext.IsSafe(name) {
		// The YAML loader has already named the control or bidi character.
	} else if i, r, ok := firstHidden(name); ok {
		y.Errorf(e, "%s: the name holds an invisible or control character (%U at character %d): a name must show every character it has", ctx, r, i)
	} else if mix := mixedScripts(name); mix != "" {
		y.Errorf(e, "%s: the name mixes scripts (%s): write it in one script, so it cannot pass for another name", ctx, mix)
	}
	key := nameSkeleton(name)
	prev, dup := names[key]
	switch {
	case dup && cases.Fold().String(prev.name) == cases.Fold().String(name):
		y.Errorf(e, "%s: the name is listed twice (names must be unique: they are who the journal names)", ctx)
	case dup:
		y.Errorf(e, "%s: the name looks like %s at line %d: names must not pass for each other", ctx, quoteName(prev.name), prev.line)
	default:
		names[key] = seenName{name: name, line: e.Line()}
	}
}

// quoteName quotes a name for a finding with every hidden character
// escaped, as %q escapes the characters it does not print.
func quoteName(name string) string {
	if !utf8.ValidString(name) {
		return strconv.Quote(name)
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range name {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case hidden(r) || !strconv.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hidden reports whether r may not appear in a name: it does not show, or
// it controls the terminal or the text's direction. That is the controls
// (Cc), the format characters (Cf: zero-width space and joiners, bidi
// controls, the byte order mark, tags), the line and paragraph separators,
// the variation selectors and the other default-ignorable characters
// (Hangul fillers, the combining grapheme joiner), and private use.
func hidden(r rune) bool {
	return termtext.Unsafe(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// firstHidden is the first hidden character of s and its 1-based position
// in characters.
func firstHidden(s string) (int, rune, bool) {
	i := 0
	for _, r := range s {
		i++
		if hidden(r) {
			return i, r, true
		}
	}
	return 0, 0, false
}

// scriptNames is every Unicode script but Common and Inherited (the
// characters every script shares: digits, punctuation, combining marks),
// sorted, so a character's script is found the same way every time.
var scriptNames = func() []string {
	var out []string
	for n := range unicode.Scripts {
		if n != "Common" && n != "Inherited" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}()

// scriptOf is r's script, or "" for Common and Inherited.
func scriptOf(r rune) string {
	for _, n := range scriptNames {
		if unicode.Is(unicode.Scripts[n], r) {
			return n
		}
	}
	return ""
}

// mixes a name may have: Unicode's "highly restrictive" level (UTS #39,
// 5.2): one script, or Latin with the scripts Japanese, Chinese or Korean
// writing uses together.
var allowedMixes = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// mixedScripts describes the scripts s mixes, each with its first
// character ("Cyrillic U+0430 'а', Latin U+006C 'l'"), or "" when s is
// written in one script (or an allowed mix).
func mixedScripts(s string) string {
	var scripts []string
	first := map[string]rune{}
	for _, r := range s {
		sc := scriptOf(r)
		if sc == "" || slices.Contains(scripts, sc) {
			continue
		}
		scripts = append(scripts, sc)
		first[sc] = r
	}
	if len(scripts) < 2 {
		return ""
	}
	for _, mix := range allowedMixes {
		if subset(scripts, mix) {
			return ""
		}
	}
	parts := make([]string, len(scripts))
	for i, sc := range scripts {
		parts[i] = fmt.Sprintf("%s %U %q", sc, first[sc], first[sc])
	}
	return strings.Join(parts, ", ")
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// homoglyphs maps Cyrillic and Greek letters that are drawn like a Latin
// letter to that letter, so that "АВЕ" (Cyrillic) and "ABE" are seen as
// alike. These are the common ones, not Unicode's whole confusables table.
var homoglyphs = map[rune]rune{
	// Cyrillic capitals and small letters.
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ү': 'Y',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ј': 'j',
	'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ү': 'y',
	// Greek capitals and small letters.
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
	'ο': 'o', 'ν': 'v', 'ρ': 'p', 'ι': 'i', 'κ': 'k', 'υ': 'u', 'α': 'a',
}

// nameSkeleton is what a name looks like: without its hidden characters,
// NFKC-normalized (full-width and styled letters become plain ones),
// look-alike Cyrillic and Greek letters as Latin ones, case-folded, with
// runs of spaces as one. Two names with the same skeleton look alike.
func nameSkeleton(name string) string {
	s := strings.Map(func(r rune) rune {
		if hidden(r) {
			return -1
		}
		return r
	}, name)
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if l, ok := homoglyphs[r]; ok {
			return l
		}
		return r
	}, s)
	s = norm.NFKC.String(cases.Fold().String(s))
	return strings.Join(strings.Fields(s), " ")
}
