package steps

import (
	"strings"
	"testing"
)

const valuesRunbook = `
id: values
title: Where values go
params:
  - {name: file}
  - {name: flags, allow_leading_dash: true}
  - {name: word}
  - {name: host}
  - {name: login}
  - {name: name}
  - {name: state}
  - {name: mirrors, list: true}
targets:
  box: {kind: host, host: "${host}", ssh_user: "${login}"}
  db: {kind: mysql, host: db1, user: root}
  s1: {kind: soliddb, host: s1}
  mirror: {kind: host, host: "${item}"}
steps:
  - id: a
    title: A
    action: {kind: command, target: box, argv: [rm, "${file}", "${flags}", "--word=${word}"]}
    checks:
      - id: q
        kind: mysql.query
        target: db
        query: "SELECT '${name}' AS n"
        expect: {n: x}
      - id: s
        kind: soliddb
        target: s1
        admin: "hsb ${state}"
        expect: {RC: "0"}
      - id: sh
        kind: command
        target: box
        shell: "ls ${word}"
        expect: {exit_code: "0"}
  - id: m
    title: Mirror
    foreach: {param: mirrors}
    on: mirror
`

// TestValueRules: a value is refused where it is used unsafely, before
// anything runs, with a message that names the param and what to do.
func TestValueRules(t *testing.T) {
	rb, err := Parse("values.yaml", []byte(valuesRunbook))
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"file": "/tmp/x", "flags": "-rf", "word": "w", "host": "db2.example", "login": "ops",
		"name": "it's", "state": "state", "mirrors": "m1,m2"}
	if errs := rb.ValidateParams(good); len(errs) > 0 {
		t.Fatalf("good values refused: %v", errs)
	}
	cases := []struct {
		param, value, want string
	}{
		{"file", "-rf", `param "file": "-rf" starts with '-': it begins a command's argument`},
		{"word", "--help", `param "word": "--help" starts with '-': it begins a command's argument`},
		{"host", "-oProxyCommand=touch pwned", `param "host": "-oProxyCommand=touch pwned" starts with '-': it is the host ssh connects to`},
		{"host", "db2 -v", `param "host": "db2 -v" holds a space or a control character: it is the host ssh connects to`},
		{"login", "-x", `param "login": "-x" starts with '-': it is the login ssh uses`},
		{"mirrors", "m1,-oProxyCommand=x", `param "mirrors": "-oProxyCommand=x" starts with '-': it is the host ssh connects to`},
		{"name", `a\'b`, `param "name": "a\\'b" holds a backslash or a NUL byte`},
		{"state", "x'; drop", `param "state": "x'; drop" holds a quote, a semicolon or a line break`},
	}
	for _, c := range cases {
		vals := map[string]string{}
		for k, v := range good {
			vals[k] = v
		}
		vals[c.param] = c.value
		var msgs []string
		for _, e := range rb.ValidateParams(vals) {
			msgs = append(msgs, e.Error())
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], c.want) {
			t.Errorf("%s=%q: errors %q, want one with %q", c.param, c.value, msgs, c.want)
		}
		if _, err := Expand(rb, vals); err == nil {
			t.Errorf("%s=%q: Expand accepted it", c.param, c.value)
		}
	}
}

// TestBindQuotesShellAndSQL: what Bind puts in a shell line and a statement
// is each value quoted for its place.
func TestBindQuotesShellAndSQL(t *testing.T) {
	rb, err := Parse("q.yaml", []byte(`
id: q
title: Q
params: [{name: v}]
targets:
  db: {kind: mysql, host: db1, user: root}
  box: {kind: host}
steps:
  - id: a
    title: A
    action: {kind: command, target: box, shell: "echo ${v} '${v}' \"${v}\""}
    checks:
      - id: q
        kind: mysql.query
        target: db
        query: "SELECT '${v}' AS v FROM `+"`${v}`"+`"
        expect: {v: x}
  - id: b
    title: B
    action: {kind: mysql.exec, target: db, sql: "SET @x = '${v}'"}
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Expand(rb, map[string]string{"v": "it's \"$(x)\" `y`"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Steps[0].Action.Shell, `echo 'it'\''s "$(x)" `+"`y`"+`' 'it'\''s "$(x)" `+"`y`"+`' "it's \"\$(x)\" \`+"`y\\`"+`"`; got != want {
		t.Errorf("shell\n got %s\nwant %s", got, want)
	}
	if got, want := p.Steps[0].Checks[0].Query, "SELECT 'it''s \"$(x)\" `y`' AS v FROM `it's \"$(x)\" ``y```"; got != want {
		t.Errorf("query\n got %s\nwant %s", got, want)
	}
	if got, want := p.Steps[1].Action.SQL, "SET @x = 'it''s \"$(x)\" `y`'"; got != want {
		t.Errorf("sql\n got %s\nwant %s", got, want)
	}
}

// TestForeachItemsAreQuotedToo: a foreach item in a shell line is quoted
// like a param, after the params were (two passes, one per binding).
func TestForeachItemsAreQuotedToo(t *testing.T) {
	rb, err := Parse("f.yaml", []byte(`
id: f
title: F
params:
  - {name: files, list: true}
  - {name: dir}
targets:
  box: {kind: host}
steps:
  - id: a
    title: A
    foreach: {param: files}
    action: {kind: command, target: box, shell: "ls ${dir}/${item} \"${item}\""}
`))
	if err != nil {
		t.Fatal(err)
	}
	// A "${" in a param's value would be read as the item's reference when
	// the items are bound: refused.
	if _, err := Expand(rb, map[string]string{"files": "x", "dir": "/d ${item}"}); err == nil || !strings.Contains(err.Error(), `param "dir": "/d ${item}" holds "${"`) {
		t.Errorf("a value with ${: %v", err)
	}
	p, err := Expand(rb, map[string]string{"files": "x y, it's", "dir": "/d $x"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{p.Steps[0].Action.Shell, p.Steps[1].Action.Shell}
	want := []string{`ls '/d $x'/'x y' "x y"`, `ls '/d $x'/'it'\''s' "it's"`}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
