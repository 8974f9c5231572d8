package rehearsal

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "runbook: r\ntitle: t\nwrold: {}\n", "s.yaml:3:1"},
		{"bad duration", "runbook: r\ntitle: t\nsteps:\n  a: {reference: soon}\n", `s.yaml:4:18: want a duration like "60s", got "soon"`},
		{"no runbook", "title: t\n", "`runbook` is required"},
		{"unknown fault kind", "runbook: r\ntitle: t\nfaults:\n  - {id: f, kind: disk.full, target: x}\n", `kind "disk.full" is not one of`},
		{"fault without target", "runbook: r\ntitle: t\nfaults:\n  - {id: f, kind: mysql.io_error}\n", "`target` is required"},
		{"bad trigger", "runbook: r\ntitle: t\nsteps:\n  a:\n    do:\n      - {when: later, on: x, run: y}\n", `when "later" is not one of`},
		{"outage without its length", "runbook: r\ntitle: t\nfaults:\n  - {id: f, kind: network.outage, target: slave, step: a}\n", "a network.outage needs `step`"},
		{"sql error without a step", "runbook: r\ntitle: t\nfaults:\n  - {id: f, kind: mysql.sql_error, target: slave}\n", "a mysql.sql_error needs `step`"},
		{"effect without run", "runbook: r\ntitle: t\nsteps:\n  a:\n    do:\n      - {on: x}\n", "`on` (a target) and `run`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario("s.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadScenarioExtendsAndLists(t *testing.T) {
	fsys := fstest.MapFS{
		"scenarios/r/happy.yaml":  {Data: []byte("runbook: r\ntitle: Happy\nparams: {a: '1', b: '2'}\nsteps:\n  s1: {reference: 1m}\n")},
		"scenarios/r/broken.yaml": {Data: []byte("runbook: r\nextends: happy\ntitle: Broken\nparams: {b: '3'}\nfaults:\n  - {id: f, kind: mysql.io_error, target: slave}\n")},
		"scenarios/r/loop1.yaml":  {Data: []byte("runbook: r\nextends: loop2\ntitle: L1\n")},
		"scenarios/r/loop2.yaml":  {Data: []byte("runbook: r\nextends: loop1\ntitle: L2\n")},
		"scenarios/r/wrong.yaml":  {Data: []byte("runbook: other\ntitle: W\n")},
	}
	if got := strings.Join(Scenarios(fsys, "r"), ","); got != "happy,broken,loop1,loop2,wrong" {
		t.Errorf("Scenarios = %s, want happy first", got)
	}
	sc, err := LoadScenario(fsys, "r", "broken")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Params["a"] != "1" || sc.Params["b"] != "3" || sc.Reference("s1").String() != "1m0s" || len(sc.Faults) != 1 || sc.Title != "Broken" {
		t.Errorf("merged scenario: %+v", sc)
	}
	if _, err := LoadScenario(fsys, "r", "loop1"); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Errorf("extends loop: %v", err)
	}
	if _, err := LoadScenario(fsys, "r", "wrong"); err == nil || !strings.Contains(err.Error(), `runbook is "other"`) {
		t.Errorf("scenario of another runbook: %v", err)
	}
	if _, err := LoadScenario(fsys, "r", "missing"); err == nil || !strings.Contains(err.Error(), "have: happy, broken") {
		t.Errorf("missing scenario: %v", err)
	}
	if _, err := LoadScenario(fsys, "r", "../etc"); err == nil {
		t.Error("a path as a scenario name was accepted")
	}
}

func TestSplitShell(t *testing.T) {
	segs, err := splitShell(`cd /opt && tar zxf "kit 1.tgz" || echo 'no kit'; a | grep x &`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range segs {
		got = append(got, strings.Join(s.argv, "_")+"["+s.op+"]")
	}
	want := "cd_/opt[&&] tar_zxf_kit 1.tgz[||] echo_no kit[;] a[|] grep_x[;]"
	if strings.Join(got, " ") != want {
		t.Errorf("splitShell:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if _, err := splitShell(`echo 'open`); err == nil {
		t.Error("unterminated quote accepted")
	}
}
