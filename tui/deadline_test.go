package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestStatusLineSaysTheDeadlineWaitsForTheAction: before the step's action
// ran, a waiting check with `within` says it waits for the action (x) and
// when its deadline will run, never a time left counting down; once the
// action ran, the time left is shown.
func TestStatusLineSaysTheDeadlineWaitsForTheAction(t *testing.T) {
	ts := newTestSession(t)
	m := New(ts.live, Options{ASCII: true})
	c := CheckView{
		Check:        checks.Check{ID: "replica-stopped", Kind: checks.KindMySQLReplica, Target: "slave", Within: checks.Duration(time.Minute)},
		HasResult:    true,
		Result:       checks.Result{Status: checks.StatusWaiting},
		AwaitsAction: true,
	}
	line := m.statusLine(c)
	if !strings.Contains(line, "waiting for the action (x)") || !strings.Contains(line, "within 1m of the action's end") || strings.Contains(line, "left") {
		t.Errorf("before the action: %q", line)
	}
	c.AwaitsAction, c.Result.Left = false, 31*time.Second
	if line := m.statusLine(c); strings.Contains(line, "for the action") || !strings.Contains(line, "left 31s") {
		t.Errorf("after the action: %q", line)
	}
}
