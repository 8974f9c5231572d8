package steps

import (
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
)

func loadFull(t *testing.T) *Runbook {
	t.Helper()
	rb, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func TestValidateParams(t *testing.T) {
	rb := loadFull(t)
	tests := []struct {
		name   string
		values map[string]string
		want   []string // substrings, one per error, in order
	}{
		{"defaults and required given", map[string]string{"token": "s3cret"}, nil},
		{"required missing", map[string]string{}, []string{`param "token" is required`}},
		{"undeclared", map[string]string{"token": "x", "tokn": "y"}, []string{`param "tokn" is not declared by runbook full-example (did you mean "token"?)`}},
		{"enum", map[string]string{"token": "x", "upgrade_kind": "major"}, []string{`param "upgrade_kind": "major" is not one of version-level, fix-pack`}},
		{"pattern", map[string]string{"token": "x", "new_version": "v7"}, []string{`param "new_version": "v7" does not match ^\d+(\.\d+)*$`}},
		{"list items twice", map[string]string{"token": "x", "mirrors": "a, b, a"}, []string{`param "mirrors": item "a" is given twice`}},
		{"list of nothing", map[string]string{"token": "x", "mirrors": " , "}, []string{`param "mirrors" is required`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := rb.ValidateParams(tt.values)
			if len(errs) != len(tt.want) {
				t.Fatalf("want %d errors, got %v", len(tt.want), errs)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tt.want[i])
				}
			}
		})
	}
}

func TestValidateParamsNeverShowsSecret(t *testing.T) {
	rb, err := Parse("s.yaml", []byte(`
id: s
title: S
params:
  - {name: pin, secret: true, pattern: '^[0-9]{4}$'}
steps: [{id: a, title: A}]
`))
	if err != nil {
		t.Fatal(err)
	}
	errs := rb.ValidateParams(map[string]string{"pin": "hunter2"})
	if len(errs) != 1 {
		t.Fatalf("want one error, got %v", errs)
	}
	if strings.Contains(errs[0].Error(), "hunter2") {
		t.Errorf("the secret leaked into %q", errs[0])
	}
}

func TestBindSubstitutesEverywhere(t *testing.T) {
	rb := loadFull(t)
	b, err := rb.Bind(map[string]string{"token": "x", "slave_host": "db1.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Targets["slave"].Host; got != "db1.example" {
		t.Errorf("target host = %q", got)
	}
	if got := b.Sections[0].Steps[0].Body; !strings.Contains(got, "**db1.example**") {
		t.Errorf("body = %q", got)
	}
	// The original is untouched.
	if got := rb.Targets["slave"].Host; got != "${slave_host}" {
		t.Errorf("Bind changed the runbook it was given: host = %q", got)
	}
	// ${item} is left for Expand.
	if got := b.Targets["mirror"].Host; got != "${item}" {
		t.Errorf("mirror host = %q, want ${item} left in place", got)
	}
}

func TestBindRejectsBadValues(t *testing.T) {
	rb := loadFull(t)
	_, err := rb.Bind(map[string]string{"upgrade_kind": "major"})
	if err == nil {
		t.Fatal("Bind accepted an invalid value")
	}
	for _, want := range []string{`"token" is required`, `"major" is not one of`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestExpandForeachAndWhen(t *testing.T) {
	rb := loadFull(t)
	// The items are ssh hosts (target mirror): one with a space is refused
	// before anything runs.
	if _, err := Expand(rb, map[string]string{"token": "x", "mirrors": "m1,m 2;rm -rf ~"}); err == nil ||
		!strings.Contains(err.Error(), `param "mirrors": "m 2;rm -rf ~" holds a space or a control character: it is the host ssh connects to`) {
		t.Fatalf("a host with a space: %v", err)
	}
	// An item with a shell metacharacter must stay one argv element.
	hostile := "m2;rm~"
	p, err := Expand(rb, map[string]string{"token": "x", "mirrors": "m1," + hostile})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	want := []string{"stop-replica", "row-count", "s2-convert", "sync-mirror@m1", "sync-mirror@" + hostile, "check-api", "local-shell"}
	if !slices.Equal(ids, want) {
		t.Fatalf("steps = %q\nwant    %q", ids, want)
	}
	s1 := p.Steps[3]
	if s1.BaseID != "sync-mirror" || s1.Item != "m1" || s1.Section != 1 {
		t.Errorf("copy = base %q item %q section %d", s1.BaseID, s1.Item, s1.Section)
	}
	if s1.Title != "Sync m1" {
		t.Errorf("title = %q", s1.Title)
	}
	if got := s1.Checks[0].ID; got != "mirror-synced@m1" {
		t.Errorf("check id = %q", got)
	}
	if s1.On != "mirror@m1" || s1.Action.Target != "mirror@m1" || s1.Checks[0].Target != "mirror@m1" {
		t.Errorf("targets not renamed per item: on %q action %q check %q", s1.On, s1.Action.Target, s1.Checks[0].Target)
	}
	if tg := p.Targets["mirror@m1"]; tg.Host != "m1" || tg.Name != "mirror@m1" || tg.SSHUser != "ops" {
		t.Errorf("per-item target = %+v", tg)
	}
	if _, ok := p.Targets["mirror"]; ok {
		t.Error("the unbound per-item target is in the plan")
	}
	argv := p.Steps[4].Action.Argv
	if len(argv) != 4 || argv[3] != hostile+":/data/" {
		t.Errorf("argv = %q: the value must stay one element", argv)
	}
	// upgrade_kind defaults to fix-pack.
	if s := p.Steps[2]; !s.Skip || s.SkipReason != `upgrade_kind is "fix-pack", not "version-level"` {
		t.Errorf("s2-convert skip=%v reason %q", s.Skip, s.SkipReason)
	}
	if p.Steps[5].Skip {
		t.Errorf("check-api skipped: %s", p.Steps[5].SkipReason)
	}
	if s := p.Steps[6]; !s.Skip || s.SkipReason != `upgrade_kind is "fix-pack"` {
		t.Errorf("local-shell skip=%v reason %q", s.Skip, s.SkipReason)
	}
	if i := p.Find("sync-mirror"); i != 3 {
		t.Errorf("Find(sync-mirror) = %d, want the first copy (3)", i)
	}
	if i := p.Find("sync-mirror@" + hostile); i != 4 {
		t.Errorf("Find(copy) = %d", i)
	}
	if i := p.Find("nope"); i != -1 {
		t.Errorf("Find(nope) = %d", i)
	}
	// The runbook as loaded is untouched.
	if rb.Sections[1].Steps[1].ID != "sync-mirror" || rb.Sections[1].Steps[1].Checks[0].ID != "mirror-synced" {
		t.Error("Expand changed the loaded runbook")
	}
}

func TestBindQuotesValuesInRegex(t *testing.T) {
	rb, err := Parse("r.yaml", []byte(`
id: r
title: R
params: [{name: host, default: db1.example}]
targets: {db: {kind: mysql, host: "${host}"}}
steps:
  - id: a
    title: A
    checks:
      - id: c
        kind: mysql.replica
        target: db
        expect: {Master_Host: {match: '^${host}$'}, Master_User: "${host}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := rb.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := b.Sections[0].Steps[0].Checks[0].Expect
	if got := ex[0].Expect.Match; got != `^db1\.example$` {
		t.Errorf("match = %q, want the value quoted", got)
	}
	if got := *ex[1].Expect.Equals; got != "db1.example" {
		t.Errorf("equals = %q", got)
	}
}

func TestPortFromParam(t *testing.T) {
	src := `id: port-ref
title: Port from a param
params:
  - {name: db_port, default: "3306"}
targets:
  db: {kind: mysql, host: 127.0.0.1, port: "${db_port}", user: root}
steps:
  - id: up
    title: Up
    checks:
      - {id: open, kind: tcp, target: db, expect: {state: open}}
`
	rb, err := Parse("port-ref.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, err := rb.Bind(map[string]string{"db_port": "33061"})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Targets["db"]; got.Port != 33061 || got.PortRef != "" {
		t.Errorf("bound target port = %d (ref %q), want 33061", got.Port, got.PortRef)
	}
	if b, _ := rb.Bind(nil); b.Targets["db"].Port != 3306 {
		t.Errorf("default port not applied: %d", b.Targets["db"].Port)
	}
	_, err = rb.Bind(map[string]string{"db_port": "33o6"})
	if err == nil || !strings.Contains(err.Error(), `"33o6", not a port number`) {
		t.Errorf("a non-numeric port gave %v", err)
	}
	// A reference to no param is a finding with its position.
	_, err = Parse("port-ref.yaml", []byte(strings.Replace(src, `"${db_port}"`, `"${db_prot}"`, 1)))
	if err == nil || !strings.Contains(err.Error(), "port-ref.yaml:6:") || !strings.Contains(err.Error(), "${db_prot} names no param") {
		t.Errorf("unknown port reference gave %v", err)
	}
}

func TestSectionForeachRepeatsTheWholeSectionPerItem(t *testing.T) {
	src := `id: per-mirror
title: Each mirror in turn
params:
  - {name: mirrors, list: true}
targets:
  server: {kind: host, host: "${item}"}
sections:
  - id: mirrors
    title: Upgrade each mirror
    foreach: {param: mirrors}
    steps:
      - id: stop
        title: Stop ${item}
        on: server
      - id: start
        title: Start ${item}
        checks:
          - id: synced
            kind: command
            target: server
            argv: [server-stat.sh, -s, "${item}"]
            parse: kv
            expect: {"${item}.state": PASSIVE-STANDBY}
  - id: after
    title: Afterwards
    steps:
      - {id: done, title: Done}
`
	rb, err := Parse("per-mirror.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Expand(rb, map[string]string{"mirrors": "m1, m2"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.ID+" "+s.Title)
	}
	want := []string{"stop@m1 Stop m1", "start@m1 Start m1", "stop@m2 Stop m2", "start@m2 Start m2", "done Done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	c := p.Steps[3].Checks[0]
	if c.ID != "synced@m2" || c.Target != "server@m2" || c.Expect[0].Field != "m2.state" || c.Argv[2] != "m2" {
		t.Errorf("second item's check not bound: %+v", c)
	}
	if p.Targets["server@m2"].Host != "m2" {
		t.Errorf("per-item target: %+v", p.Targets)
	}
	if p.Steps[3].Item != "m2" || p.Steps[3].BaseID != "start" {
		t.Errorf("item/base id: %+v", p.Steps[3])
	}

	// A step cannot repeat again inside a repeating section.
	bad := strings.Replace(src, "        title: Stop ${item}\n", "        title: Stop ${item}\n        foreach: {param: mirrors}\n", 1)
	_, err = Parse("per-mirror.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), `per-mirror.yaml:14:19: step "stop": foreach: section "mirrors" already repeats per item`) {
		t.Errorf("nested foreach: %v", err)
	}
	// ${item} outside a repeating section is still refused.
	bad = strings.Replace(src, "title: Done}", "title: \"Done ${item}\"}", 1)
	if _, err = Parse("per-mirror.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "${item} is only set inside a foreach step") {
		t.Errorf("${item} outside: %v", err)
	}
}

func TestForeachWithWalksListsInStep(t *testing.T) {
	src := `id: pairs
title: Each active with its mirror
params:
  - {name: actives, list: true}
  - {name: mirrors, list: true}
targets:
  active: {kind: host, host: "${item}"}
  mirror: {kind: host, host: "${mirror}"}
sections:
  - id: actives
    title: Each active in turn
    foreach: {param: actives, with: {mirror: mirrors}}
    steps:
      - id: stop
        title: Stop ${item}; ${mirror} takes over
        on: active
      - id: took-over
        title: ${mirror} is active
        checks:
          - id: active-now
            kind: command
            target: mirror
            argv: [server-stat.sh, -s, "${mirror}"]
            parse: kv
            expect: {"${mirror}.role": ACTIVE}
`
	rb, err := Parse("pairs.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Expand(rb, map[string]string{"actives": "a1,a2", "mirrors": "m1,m2"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.ID+" "+s.Title)
	}
	want := []string{"stop@a1 Stop a1; m1 takes over", "took-over@a1 m1 is active", "stop@a2 Stop a2; m2 takes over", "took-over@a2 m2 is active"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	c := p.Steps[3].Checks[0]
	if c.Target != "mirror@a2" || p.Targets["mirror@a2"].Host != "m2" || c.Expect[0].Field != "m2.role" {
		t.Errorf("the second pair's check is not bound to its mirror: %+v, targets %+v", c, p.Targets)
	}

	_, err = Expand(rb, map[string]string{"actives": "a1,a2", "mirrors": "m1"})
	if err == nil || !strings.Contains(err.Error(), "foreach walks actives (2 items) with mirrors (1 items)") {
		t.Errorf("lists of different lengths: %v", err)
	}
	bad := strings.Replace(src, "with: {mirror: mirrors}", "with: {mirror: mirrorz}", 1)
	if _, err := Parse("pairs.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), `with mirror: param "mirrorz" is not declared (did you mean "mirrors"?)`) {
		t.Errorf("unknown with param: %v", err)
	}
	bad = strings.Replace(src, `argv: [server-stat.sh, -s, "${mirror}"]`, `argv: [server-stat.sh, -s, "${mirorr}"]`, 1)
	if _, err := Parse("pairs.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), `${mirorr} names no param (did you mean "mirror"?)`) {
		t.Errorf("misspelt with name: %v", err)
	}
}

// TestFailWhenLoadsAndBinds: a check's fail_when is decoded in the order
// written and bound like its expectations.
func TestFailWhenLoadsAndBinds(t *testing.T) {
	rb, err := Load("testdata/valid/fail-when.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := rb.Sections[0].Steps[0].Checks[0]
	if c.ID != "replica-running" || len(c.FailWhen) != 2 {
		t.Fatalf("check %s fail_when = %+v", c.ID, c.FailWhen)
	}
	if fw := c.FailWhen[0]; fw.Field != "Last_IO_Errno" || fw.Expect.Ne == nil || *fw.Expect.Ne != "0" {
		t.Errorf("first fail_when = %+v", fw)
	}
	if fw := c.FailWhen[1]; fw.Field != "Last_SQL_Errno" || fw.Expect.Gt == nil || *fw.Expect.Gt != 0 {
		t.Errorf("second fail_when = %+v", fw)
	}
	c.FailWhen = append(c.FailWhen, checks.FieldExpect{Field: "Master_Host", Expect: checks.Expect{Ne: new("${slave_host}")}})
	rb.Sections[0].Steps[0].Checks[0] = c
	b, err := rb.Bind(map[string]string{"slave_host": "db1.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Sections[0].Steps[0].Checks[0].FailWhen[2].Expect.Ne; got == nil || *got != "db1.example" {
		t.Errorf("fail_when not bound: %v", got)
	}
}
