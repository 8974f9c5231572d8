package rehearsal

import (
	"testing"
	"time"
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
