package rehearsal

import (
	"testing"
	"time"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestReadinessTable: the last rehearsal per operator (names matched
// without case) and runbook, the last passed one of the runbook's current
// hash, whether the runbook changed since the last; Ready's window of
// days, with a pass backdated past it.
func TestReadinessTable(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	rs := []Rehearsed{
		{Session: "a", Operator: "Ann", Runbook: "rb", SHA: "old", Started: now.Add(-40 * day), End: "completed", Graded: true, Passed: true, Score: 90},
		{Session: "b", Operator: "ann", Runbook: "rb", SHA: "new", Started: now.Add(-10 * day), End: "completed", Graded: true, Passed: true, Score: 80},
		{Session: "c", Operator: "Ann", Runbook: "rb", SHA: "new", Started: now.Add(-1 * day), End: "halted", Graded: true, Passed: false, Score: 50},
		{Session: "d", Operator: "Bob", Runbook: "rb", SHA: "old", Started: now.Add(-2 * day), End: "completed", Graded: true, Passed: true, Score: 100},
		{Session: "e", Operator: "Bob", Runbook: "gone", SHA: "x", Started: now.Add(-3 * day), End: "quit"},
	}
	current := func(id string) string {
		if id == "rb" {
			return "new"
		}
		return "" // the runbook cannot be loaded now
	}
	rows := ReadinessTable(rs, current)
	type row struct {
		op, rb, last, lastPassed string
		changed                  bool
	}
	var got []row
	for _, r := range rows {
		lp := "-"
		if r.LastPassed != nil {
			lp = r.LastPassed.Session
		}
		got = append(got, row{r.Operator, r.Runbook, r.Last.Session, lp, r.Changed})
	}
	want := []row{
		{"Ann", "rb", "c", "b", false},   // the last did not pass; b did, at the current hash
		{"Bob", "gone", "e", "-", false}, // unknown now: not said to have changed
		{"Bob", "rb", "d", "-", true},    // passed, but the runbook changed since
	}
	if len(got) != len(want) {
		t.Fatalf("rows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	for _, tt := range []struct {
		name, op, sha string
		window        time.Duration
		want          string // "" none
	}{
		{"a pass 10 days ago, 30-day window", "ANN", "new", 30 * day, "b"},
		{"a pass 10 days ago, 7-day window", "Ann", "new", 7 * day, ""},
		{"a pass backdated 40 days, 30-day window", "Ann", "old", 30 * day, ""},
		{"the same pass, 60-day window", "Ann", "old", 60 * day, "a"},
		{"a pass of another hash only", "Bob", "new", 30 * day, ""},
	} {
		r, ok := Ready(rs, tt.op, "rb", tt.sha, tt.window, now)
		if got := map[bool]string{true: r.Session}[ok]; got != tt.want {
			t.Errorf("%s: Ready = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// writeJournal writes recs to dir as a real journal (hash-chained), at
// their own times.
func writeJournal(t *testing.T, dir, id string, recs []journal.Record) {
	t.Helper()
	i := 0
	clock := journal.WithClock(func() time.Time { return recs[i].Time })
	path := journal.SessionPath(dir, id)
	w, _, err := journal.Create(path, recs[0].Type, recs[0].Data, clock, journal.WithLockDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i = 1; i < len(recs); i++ {
		if _, err := w.Append(recs[i].Type, recs[i].Data); err != nil {
			t.Fatal(err)
		}
	}
	i = len(recs) - 1
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadinessHaltedHappyRehearsalIsNotReady: a rehearsal of the happy
// scenario that halted at step 3 (STOP REPLICA refused, the check's
// deadline ran out) scores 95 but did not pass: `handrail readiness` and the
// check before a live run find no passed rehearsal. One halted by the
// manual's stop on a fault that struck (stop-error) does pass.
func TestReadinessHaltedHappyRehearsalIsNotReady(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, "thinman-dual-db", "happy")
	h.untilStep("stop-replica")
	h.pollAfterRefusedAction(5 * time.Minute)
	if h.e.Ended() != session.EndHalted {
		t.Fatalf("ended %q, want halted", h.e.Ended())
	}
	writeJournal(t, dir, "halted-happy", h.records())
	h2 := newHarness(t, "thinman-dual-db", "stop-error")
	h2.runToEnd(false, time.Hour)
	if h2.e.Ended() != session.EndHalted {
		t.Fatalf("stop-error ended %q, want halted", h2.e.Ended())
	}

	load := func(d session.StartData) (*steps.Runbook, *Scenario) {
		rb, err := steps.LoadBundled(bundled, d.Runbook.ID)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := LoadScenario(bundled, d.Runbook.ID, d.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		return rb, sc
	}
	rs, problems, err := Rehearsals(dir, load, 0)
	if err != nil || len(problems) > 0 || len(rs) != 1 {
		t.Fatalf("rehearsals %+v, problems %v, err %v", rs, problems, err)
	}
	r := rs[0]
	if !r.Graded || r.Passed || r.Score != 95 || r.End != session.EndHalted {
		t.Fatalf("the halted happy rehearsal: %+v; want graded, 95, not passed", r)
	}
	now := r.Started.Add(time.Hour)
	if got, ok := Ready(rs, r.Operator, r.Runbook, r.SHA, 30*24*time.Hour, now); ok {
		t.Errorf("READY on a rehearsal that halted at step 3 with no fault: %+v", got)
	}
	if rows := ReadinessTable(rs, func(string) string { return r.SHA }); len(rows) != 1 || rows[0].LastPassed != nil {
		t.Errorf("readiness rows %+v: want no last passed rehearsal", rows)
	}

	// The manual's own stop on the fault: passed, and ready.
	writeJournal(t, dir, "stop-error", h2.records())
	rs, _, err = Rehearsals(dir, load, 0)
	if err != nil || len(rs) != 2 {
		t.Fatalf("rehearsals %+v, err %v", rs, err)
	}
	if got, ok := Ready(rs, r.Operator, r.Runbook, r.SHA, 30*24*time.Hour, now); !ok || got.Scenario != "stop-error" {
		t.Errorf("Ready = %+v, %v; want the stop-error rehearsal, halted where the manual stops", got, ok)
	}
}
