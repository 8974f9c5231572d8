package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestReportShowsSuspensionAndRecovery drives the engine through a halt,
// a suspended resume and a continue, an override that ends its step by
// itself, an interrupted action and a heartbeat, and reports on it.
func TestReportShowsSuspensionAndRecovery(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	rb := &steps.Runbook{
		ID: "suspend-rb", Title: "Suspend runbook", SHA256: strings.Repeat("ab", 32),
		Targets: map[string]checks.Target{"slave": {Kind: checks.TargetMySQL, Host: "db2", Port: 3306}},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "start", Title: "Start the replica", Action: &checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "START SLAVE"},
				Checks: []checks.Check{{ID: "io", Kind: checks.KindMySQLReplica, Target: "slave",
					Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: ptr("Yes")}}}}},
				OnFail: &steps.OnFail{Say: "Suspend the update until the replica starts.", Halt: true}},
			{ID: "later", Title: "Later", Checks: []checks.Check{{ID: "ok", Kind: checks.KindMySQLQuery, Target: "slave", Query: "SELECT 1"}}},
		}}},
	}
	path := filepath.Join(t.TempDir(), "20261122-030000-0002.jsonl")
	fj := &session.FileJournal{Path: path, Opts: []journal.Option{journal.WithClock(clock)}}
	e, err := session.New(session.Config{SessionID: "20261122-030000-0002", Runbook: rb, Operator: session.Operator{Name: "Cleo"}, Journal: fj, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	obs := func(st checks.Status) {
		at = at.Add(time.Second)
		v, _, _ := e.Current()
		if _, err := e.Observe(checks.Result{Step: v.Key, CheckID: "io", Gen: e.Generation(), Status: st,
			Verdict: checks.Verdict{Pass: st == checks.StatusPass}, Obs: checks.Observation{At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.ActionStart(true); err != nil {
		t.Fatal(err)
	}
	if err := e.ActionInterrupted("SIGHUP", "cancelled after a 5s grace period", 5*time.Second, checks.ActionResult{ExitCode: -1}); err != nil {
		t.Fatal(err)
	}
	if err := e.AttestUnknown(session.OutcomeSucceeded, "SHOW SLAVE STATUS shows it started"); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		obs(checks.StatusWaiting)
	}
	obs(checks.StatusFail) // halts
	if e.Ended() != session.EndHalted {
		t.Fatalf("ended = %q", e.Ended())
	}
	if err := fj.Close(); err != nil {
		t.Fatal(err)
	}
	w, recs, _, err := journal.Open(path, journal.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	fj = &session.FileJournal{Path: path, W: w}
	defer fj.Close()
	e, err = session.Resume(session.Config{Runbook: rb, Journal: fj, Clock: clock, Operator: session.Operator{Name: "Dan"}}, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obs(checks.StatusPass)
	if err := e.Continue("the DBA restarted the IO thread by hand"); err != nil {
		t.Fatal(err)
	}
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	_ = fj.Close()

	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Suspensions) != 1 || r.Suspensions[0].Continued.IsZero() || len(r.Suspensions[0].Resumed) != 1 {
		t.Fatalf("suspensions = %+v", r.Suspensions)
	}
	var md, page bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"md": md.String(), "html": page.String()} {
		for _, want := range []string{"Suspensions (1)", "halted at step", "Suspend the update until the replica starts.",
			"resumed, suspended", "continued at", "by Dan (its checks passed): the DBA restarted the IO thread by hand",
			"ACTION INTERRUPTED by SIGHUP: START SLAVE"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
		if strings.Contains(out, session.EvCheckFresh) {
			t.Errorf("%s report lists the heartbeat", name)
		}
	}
}
