package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// TestDebriefOffersNothingForTheHiddenStep: once a rehearsal has ended and
// its debrief is shown, the footer offers no key that acts on the step
// hidden behind it (copy, tab, ←/→), and those keys change nothing: tab
// does not move the debrief's scroll, ←/→ do not shift the hidden
// commands, j/k do not browse.
func TestDebriefOffersNothingForTheHiddenStep(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal, snap.Ended, snap.Current = true, session.EndCompleted, -1
	long := "/opt/thinman/bin/" + strings.Repeat("very-long-path-segment-", 8) + "restart.sh"
	for i := range snap.Steps {
		snap.Steps[i].Step.Commands = []steps.Command{{On: "db", Run: long}, {On: "db", Run: "STOP SLAVE;"}, {On: "db", Run: "START SLAVE;"}}
	}
	var md strings.Builder
	md.WriteString("# Rehearsal debrief: ThinMan\n\n**Score 85/100: passed**\n\n")
	for i := range 60 {
		md.WriteString("- finding " + strings.Repeat("x", i%7) + "\n")
	}
	rt := &staticSim{staticRuntime: staticRuntime{snap: snap}, debrief: md.String()}
	m := New(rt, Options{Now: now, Dark: true})
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	footer := func(m Model) string {
		lines := strings.Split(plain(m), "\n")
		return lines[len(lines)-1]
	}
	// Behind the debrief, the steps offer copy, tab and sideways scroll.
	for _, want := range []string{"y copy command", "tab next", "←/→"} {
		if f := footer(m); !strings.Contains(f, want) {
			t.Fatalf("the steps' footer lacks %q (the test's premise): %q", want, f)
		}
	}
	_, cmd := m.Update(clockMsg(now))
	m = feed(t, m, cmd, func(msg tea.Msg) bool { _, ok := msg.(debriefMsg); return ok })
	if !m.debriefShown() {
		t.Fatalf("no debrief:\n%s", plain(m))
	}
	f := footer(m)
	for _, bad := range []string{"copy", "tab", "←/→", "browse", "enter"} {
		if strings.Contains(f, bad) {
			t.Errorf("the debrief's footer offers %q: %q", bad, f)
		}
	}
	for _, want := range []string{"d back to the steps", "pgdn/pgup scroll", "? help", "q quit"} {
		if !strings.Contains(f, want) {
			t.Errorf("the debrief's footer lacks %q: %q", want, f)
		}
	}
	before := plain(m)
	for _, k := range []string{"tab", "shift+tab", "right", "left", "y", "enter", "c", "home"} {
		m = doKey(t, m, k)
		if got := plain(m); got != before || m.values != nil || m.cmdShift != 0 || m.focus != 0 || m.list.browse >= 0 {
			t.Errorf("%s on the debrief changed the screen or the hidden step:\n%s", k, got)
		}
	}
	// The debrief scrolls with pgdn and ↓/↑, and never past its end.
	m = doKey(t, m, "pgdown")
	if m.pane.offset == 0 {
		t.Error("pgdn did not scroll the debrief")
	}
	off := m.pane.offset
	m = doKey(t, m, "down")
	if m.pane.offset != off+1 || m.list.browse >= 0 {
		t.Errorf("↓ on the debrief: offset %d (was %d), browse %d", m.pane.offset, off, m.list.browse)
	}
	for range 40 {
		m = doKey(t, m, "down")
	}
	if m.pane.offset != m.debriefMaxOffset(m.bodyHeight()) {
		t.Errorf("↓ scrolled past the end: %d > %d", m.pane.offset, m.debriefMaxOffset(m.bodyHeight()))
	}
	m = doKey(t, m, "d")
	if f := footer(m); !strings.Contains(f, "d debrief") {
		t.Errorf("d did not go back to the steps: %q", f)
	}
}
