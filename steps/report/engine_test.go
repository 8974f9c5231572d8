package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestReportOfARealEngineSession drives the session engine (not hand-made
// records) into a file journal and reports on it: the contract between the
// engine's events and the report's reading of them.
func TestReportOfARealEngineSession(t *testing.T) {
	const secret = "Canary-Engine-Pw-4410"
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	rb := &steps.Runbook{
		ID: "engine-rb", Title: "Engine runbook", Source: "x.txt", Path: "x.yaml", SHA256: strings.Repeat("cd", 32),
		Params:  []steps.Param{{Name: "slave_host"}, {Name: "admin_pw", Secret: true}},
		Targets: map[string]checks.Target{"slave": {Kind: checks.TargetMySQL, Host: "${slave_host}", Port: 3306, PasswordEnv: "SLAVE_PASSWORD"}},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "prep", Title: "Prepare", Checks: []checks.Check{{ID: "backup-ok", Kind: checks.KindManual, Attest: "A fresh backup exists"}}},
			{ID: "catch-up", Title: "Wait for ${slave_host} to catch up", On: "slave", Checks: []checks.Check{
				{ID: "lag", Kind: checks.KindMySQLReplica, Target: "slave", Expect: checks.Expectations{{Field: "Seconds_Behind_Master", Expect: checks.Expect{Equals: ptr("0")}}}},
			}},
		}}},
	}
	path := filepath.Join(t.TempDir(), "20261122-030000-0001.jsonl")
	red := checks.NewRedactor(secret)
	fj := &session.FileJournal{Path: path, Opts: []journal.Option{journal.WithRedactor(func(b []byte) []byte { return []byte(red.Redact(string(b))) }), journal.WithClock(clock)}}
	e, err := session.New(session.Config{SessionID: "20261122-030000-0001", Runbook: rb,
		Params:   map[string]string{"slave_host": "db2", "admin_pw": secret},
		Operator: session.Operator{Name: "Cleo", User: "cleo", Host: "bastion"}, Ticket: "CHG-9", Mode: session.ModeRehearsal,
		Journal: fj, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer fj.Close()
	step := func(d time.Duration) { at = at.Add(d) }
	step(5 * time.Second)
	if err := e.Tick("backup-ok", true); err != nil {
		t.Fatal(err)
	}
	if err := e.Note("backup taken by " + secret + " <i>job</i>"); err != nil {
		t.Fatal(err)
	}
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	step(10 * time.Second)
	v, _, _ := e.Current()
	lag := checks.FieldVerdict{Field: "Seconds_Behind_Master", Expected: "= 0", Actual: "97"}
	if _, err := e.Observe(checks.Result{Step: v.Key, CheckID: "lag", Gen: e.Generation(), Status: checks.StatusFail,
		Verdict: checks.Verdict{Fields: []checks.FieldVerdict{lag}, Reason: "Seconds_Behind_Master is 97"}, Obs: checks.Observation{At: at}}); err != nil {
		t.Fatal(err)
	}
	step(20 * time.Second)
	if err := e.Override(session.OverrideRequest{Checks: []string{"lag"}, Category: session.CategoryAcceptedRisk, Reason: "Lag from the nightly batch, agreed with the DBA on call", Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if err := fj.Close(); err != nil {
		t.Fatal(err)
	}

	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the secret reached the journal")
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var md, page bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Log("\n" + md.String())
	}
	for name, out := range map[string]string{"md": md.String(), "html": page.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("%s report shows the secret", name)
		}
		for _, want := range []string{"REHEARSAL", "Overrides (1)", "accepted-risk", "Lag from the nightly batch", "97", "CHG-9", "Cleo", "chain intact", "Prepare", "ticked backup-ok", "via manual"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
		if strings.Index(out, "Overrides (1)") > strings.Index(out, "Timeline") {
			t.Errorf("%s: overrides after the timeline", name)
		}
	}
	if !r.Integrity.OK || len(r.Overrides) != 1 || r.Overrides[0].Evidence[0].Fields[0].Actual != "97" {
		t.Fatalf("report model: integrity %+v, overrides %+v", r.Integrity, r.Overrides)
	}
}

func ptr(s string) *string { return &s }
