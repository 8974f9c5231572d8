package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/rehearsal"
)

// TestSkipOfferedOnlyWhenScheduled: s (skip the wait) is in the footer of
// a simulated rehearsal only while the simulated world has an event
// scheduled: with none, pressing it could only say "nothing to skip".
func TestSkipOfferedOnlyWhenScheduled(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	s := manyChecksSnapshot(1, now)
	s.Rehearsal, s.Clock = true, SessionClock{Simulated: true, Now: now, Wall: now, Speed: 20}
	m := New(&recoveringRuntime{staticRuntime{snap: s}}, Options{Now: now, ASCII: true})
	m = step(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
	if got := ansi.Strip(m.footerView()); strings.Contains(got, "skip the wait") {
		t.Errorf("s is offered before the world is read: %q", got)
	}
	m = step(t, m, worldMsg{w: WorldView{}, at: now})
	if got := ansi.Strip(m.footerView()); strings.Contains(got, "skip the wait") {
		t.Errorf("s is offered with nothing scheduled: %q", got)
	}
	m = step(t, m, worldMsg{w: WorldView{HasNext: true, Next: rehearsal.Skipped{By: time.Minute, What: "tm-secondary: installer running"}}, at: now.Add(time.Second)})
	if got := ansi.Strip(m.footerView()); !strings.Contains(got, "s skip the wait") {
		t.Errorf("s is not offered with an event scheduled: %q", got)
	}
}
