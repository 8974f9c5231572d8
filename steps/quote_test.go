package steps

import (
	"os/exec"
	"strings"
	"testing"
)

func TestShellRefsPlaces(t *testing.T) {
	cases := []struct {
		line  string
		want  []placedRef // start/end ignored
		error string
	}{
		{line: "ls ${dir}", want: []placedRef{{name: "dir", place: shellBare, wordStart: true}}},
		{line: "ls -l ${dir}/bin --x=${x}", want: []placedRef{{name: "dir", place: shellBare, wordStart: true}, {name: "x", place: shellBare}}},
		{line: "echo '${a}' \"${b}\" '-${c}'", want: []placedRef{{name: "a", place: shellSingle, wordStart: true}, {name: "b", place: shellDouble, wordStart: true}, {name: "c", place: shellSingle}}},
		{line: "cd /x && rm ${f};echo ${g}|cat", want: []placedRef{{name: "f", place: shellBare, wordStart: true}, {name: "g", place: shellBare, wordStart: true}}},
		{line: "x=$(date) ; echo \"$HOME ${a}\" # done", want: []placedRef{{name: "a", place: shellDouble}}},
		{line: "echo \"it's ${a}\" 'say \"${b}\"'", want: []placedRef{{name: "a", place: shellDouble}, {name: "b", place: shellSingle}}},
		{line: "echo x # ${a}", error: "${a} is inside a comment"},
		{line: "echo $(ls ${a})", error: "${a} is inside a command substitution"},
		{line: "echo \"$(ls ${a})\"", error: "${a} is inside a command substitution"},
		{line: "echo `ls ${a}`", error: "${a} is inside a command substitution"},
		{line: "echo \"`ls ${a}`\"", error: "${a} is inside a command substitution"},
		{line: "cat <<EOF\n${a}\nEOF", error: "${a} comes after a here-document"},
		{line: "echo \\${a}", error: "${a} follows a backslash"},
		{line: "echo \"\\${a}\"", error: "${a} follows a backslash"},
		{line: "echo $${a}", error: "${a} follows a '$'"},
		{line: "echo $'${a}'", error: "${a} is inside $'…'"},
		{line: "echo $(case x in x) echo ;; esac) ${a}", error: "${a} comes after a case inside $( … )"},
		{line: "echo $(echo (x)) ${a}", want: []placedRef{{name: "a", place: shellBare, wordStart: true}}},
	}
	for _, c := range cases {
		got, err := shellRefs(c.line)
		if c.error != "" {
			if err == nil || !strings.Contains(err.Error(), c.error) {
				t.Errorf("shellRefs(%q) error %v, want %q", c.line, err, c.error)
			}
			continue
		}
		if err != nil {
			t.Errorf("shellRefs(%q): %v", c.line, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("shellRefs(%q) = %+v, want %+v", c.line, got, c.want)
			continue
		}
		for i := range got {
			g := got[i]
			if g.name != c.want[i].name || g.place != c.want[i].place || g.wordStart != c.want[i].wordStart || c.line[g.start:g.end] != "${"+g.name+"}" {
				t.Errorf("shellRefs(%q)[%d] = %+v, want %+v", c.line, i, g, c.want[i])
			}
		}
	}
}

func TestSQLRefsPlaces(t *testing.T) {
	cases := []struct {
		stmt  string
		want  []refPlace
		error string
	}{
		{stmt: "SELECT '${a}', `${b}`", want: []refPlace{sqlString, sqlName}},
		{stmt: "SELECT 'it''s ${a}' -- fine\n, 'x''y ${b}'", want: []refPlace{sqlString, sqlString}},
		{stmt: "SELECT `a\\b`, '${d}'", want: []refPlace{sqlString}}, // no escapes inside `…` in any mode
		// Under NO_BACKSLASH_ESCAPES 'x\' ends at the second quote and ${b} stands outside.
		{stmt: "SELECT 'x\\'y ${b}'", error: "${b} is in a statement whose quoted text holds a backslash"},
		{stmt: "INSERT INTO t VALUES('path C:\\dir\\'${a}')", error: "NO_BACKSLASH_ESCAPES"},
		{stmt: "SELECT 'a\\'', '${b}'", error: "${b} is in a statement whose quoted text holds a backslash"},
		{stmt: "SELECT \"a\\\"\", '${b}'", error: "ANSI_QUOTES"},
		{stmt: "CHANGE MASTER TO MASTER_HOST='${h}', MASTER_PORT=3306", want: []refPlace{sqlString}},
		{stmt: "SELECT ${a}", error: "${a} stands outside quotes"},
		{stmt: "SELECT \"${a}\"", error: "${a} is inside \"…\""},
		{stmt: "SELECT 1 -- ${a}", error: "${a} is inside a comment"},
		{stmt: "SELECT 1 # '${a}'", error: "${a} is inside a comment"},
		{stmt: "SELECT /*! '${a}' */ 1", error: "${a} is inside a /* … */ comment"},
		{stmt: "SELECT '\\${a}'", error: "${a} follows a backslash"},
		{stmt: "SELECT 1--${a}", error: "${a} stands outside quotes"},
	}
	for _, c := range cases {
		got, err := sqlRefs(c.stmt)
		if c.error != "" {
			if err == nil || !strings.Contains(err.Error(), c.error) {
				t.Errorf("sqlRefs(%q) error %v, want %q", c.stmt, err, c.error)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("sqlRefs(%q) = %+v, %v; want places %v", c.stmt, got, err, c.want)
			continue
		}
		for i := range got {
			if got[i].place != c.want[i] {
				t.Errorf("sqlRefs(%q)[%d] place %d, want %d", c.stmt, i, got[i].place, c.want[i])
			}
		}
	}
}

// hostile are the values the issue names, plus the quotes and escapes of
// each place: none may ever run as code or change the words.
var hostile = []string{"'; touch pwned #", "$(touch pwned)", "`touch pwned`", "x\ntouch pwned\n", `"; touch pwned; "`,
	`\'; touch pwned; #`, "-rf", "", "a'b\"c$d`e\\f", "✔ ünï \t tab"}

// TestShellQuotingRoundTrips runs the bound line in a real sh: each place
// gives back exactly the value, as one word, and nothing runs.
func TestShellQuotingRoundTrips(t *testing.T) {
	dir := t.TempDir()
	line := `printf '[%s]' ${v} '${v}' "${v}" x${v} "a ${v} b"`
	refs, err := shellRefs(line)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range hostile {
		bound := substitutePlaced(line, refs, map[string]string{"v": v})
		cmd := exec.Command("sh", "-c", bound)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", bound, err)
		}
		want := "[" + v + "][" + v + "][" + v + "][x" + v + "][a " + v + " b]"
		if string(out) != want {
			t.Errorf("value %q: sh printed %q, want %q (line %q)", v, out, want, bound)
		}
	}
	if entries, _ := exec.Command("ls", "-A", dir).Output(); len(entries) > 0 {
		t.Fatalf("a value ran as a command: %s", entries)
	}
}

// mysqlString reads the '…' literal that starts at s[i] the way MySQL does,
// by default or under sql_mode NO_BACKSLASH_ESCAPES (nbe), and returns its
// text and the index after its closing quote (-1 when it never closes).
func mysqlString(s string, i int, nbe bool) (string, int) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\' && !nbe && j+1 < len(s):
			j++
			b.WriteByte(s[j]) // the escapes of letters (\n, \t...) do not matter here
		case c == '\'' && j+1 < len(s) && s[j+1] == '\'':
			j++
			b.WriteByte('\'')
		case c == '\'':
			return b.String(), j + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), -1
}

// TestSQLQuotingHoldsInEverySQLMode binds hostile values into a literal of a
// statement the loader accepts and reads it back under both backslash
// modes: each value the value rules let through (no backslash, no NUL) is
// exactly the literal's text, and the statement goes on as written. A
// value with a backslash is refused before binding (values_test.go), since
// the two modes would read its escape differently.
func TestSQLQuotingHoldsInEverySQLMode(t *testing.T) {
	stmt := "SELECT 'a ${v} b', 'tail'"
	refs, err := sqlRefs(stmt)
	if err != nil {
		t.Fatal(err)
	}
	values := append([]string{"'", "''", "x'), ('y", "' OR '1'='1", "\"'\"", "`'`", "'; DROP TABLE t; -- "}, hostile...)
	for _, v := range values {
		if strings.ContainsAny(v, "\\\x00") {
			if errs := valueRules(&Param{Name: "v"}, &valueUse{sql: true}, v, "v"); len(errs) == 0 {
				t.Errorf("value %q with a backslash or NUL is not refused in SQL", v)
			}
			continue
		}
		bound := substitutePlaced(stmt, refs, map[string]string{"v": v})
		for _, nbe := range []bool{false, true} {
			got, end := mysqlString(bound, strings.IndexByte(bound, '\''), nbe)
			if got != "a "+v+" b" || end < 0 || bound[end:] != ", 'tail'" {
				t.Errorf("value %q, NO_BACKSLASH_ESCAPES=%v: %q reads as %q then %q", v, nbe, bound, got, bound[max(end, 0):])
			}
		}
	}
	// What the loader now refuses: a backslash of the statement's own makes
	// the two modes end the literal in different places.
	bad := "INSERT INTO t VALUES('C:\\dir\\'x'), ('y')"
	_, def := mysqlString(bad, strings.IndexByte(bad, '\''), false)
	_, nbe := mysqlString(bad, strings.IndexByte(bad, '\''), true)
	if def == nbe {
		t.Fatalf("the model reads %q the same in both modes", bad)
	}
}
