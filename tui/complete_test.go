package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// completeTestSession drives the console's test runbook to its end as an
// operator would: tick, next, the replica stops, next, tick, next.
func completeTestSession(t *testing.T) (*testSession, *teatest.TestModel) {
	t.Helper()
	ts := newTestSession(t)
	ts.drv.set("No", "No")
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Back up the server")
	press(tm, "space")
	waitText(t, tm, "ready: press n")
	press(tm, "n")
	waitText(t, tm, "Slave_IO_Running:", "pass")
	time.Sleep(stepSettle)
	press(tm, "n")
	waitText(t, tm, "blocked")
	time.Sleep(stepSettle)
	press(tm, "space")
	waitText(t, tm, "ready: press n")
	press(tm, "n")
	waitText(t, tm, "procedure complete")
	return ts, tm
}

// TestCompletedSessionKeepsTheLastStepsEvidence: once the procedure is
// complete the screen still shows the last step as it was done: its manual
// item ticked, its check results as they passed.
func TestCompletedSessionKeepsTheLastStepsEvidence(t *testing.T) {
	_, tm := completeTestSession(t)
	press(tm, "q")
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok {
		t.Fatal("final model is not a tui.Model")
	}
	snap := fm.Snapshot()
	if snap.Ended != "completed" {
		t.Fatalf("ended %q, want completed", snap.Ended)
	}
	if len(snap.Checks) == 0 {
		t.Fatal("the completed session shows no checks for its last step")
	}
	for _, c := range snap.Checks {
		if c.Check.ID == "users-told" && !c.Ticked {
			t.Errorf("the last step's manual item lost its tick: %+v", c)
		}
	}
	if out := fm.Render(); !strings.Contains(out, "Procedure complete. Report: handrail report") {
		t.Errorf("goodbye screen:\n%s", out)
	}
}

// TestCompletedScreenShowsTheEvidence renders the final frame of a
// completed session: the last step's item is shown ticked and its check's
// values are shown, not "?".
func TestCompletedScreenShowsTheEvidence(t *testing.T) {
	ts, _ := completeTestSession(t)
	m := New(ts.live, Options{ASCII: true})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = next.(Model)
	m.snap = ts.live.Snapshot()
	m.refreshBody()
	out := m.Render()
	if !strings.Contains(out, "procedure complete") {
		t.Fatalf("not the completed screen:\n%s", out)
	}
	if !strings.Contains(out, m.styles.Sym.Ticked) || strings.Contains(out, m.styles.Sym.Unticked+" The users know") {
		t.Errorf("the last step's item is not shown ticked:\n%s", out)
	}
	if strings.Contains(out, "space ticks it") {
		t.Errorf("a completed session still invites a tick:\n%s", out)
	}
}
