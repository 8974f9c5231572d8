package tui

import (
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
)

// TestPanelSaysWhyBeforeTheEmptyRows: an unreachable server's error is shown
// before the rows it left empty, so a small screen still shows it.
func TestPanelSaysWhyBeforeTheEmptyRows(t *testing.T) {
	ts := newTestSession(t)
	m := New(ts.live, Options{ASCII: true})
	c := CheckView{
		Check:     checks.Check{ID: "replica-stopped", Kind: checks.KindMySQLReplica, Target: "slave"},
		HasResult: true,
		Result: checks.Result{Status: checks.StatusWaiting,
			Obs: checks.Observation{Error: "dial tcp 127.0.0.1:1: connect: connection refused"},
			Verdict: checks.Verdict{Reason: "connection refused", Fields: []checks.FieldVerdict{
				{Field: "Slave_IO_Running", Expected: "= No", Missing: true},
			}}},
	}
	out := m.panel(c, true, false, 60)
	e, row := strings.Index(out, "connection refused"), strings.Index(out, "Slave_IO_Running")
	if e < 0 || row < 0 {
		t.Fatalf("panel lacks the error or the row:\n%s", out)
	}
	if e > row {
		t.Errorf("the error comes after the empty rows:\n%s", out)
	}
}
