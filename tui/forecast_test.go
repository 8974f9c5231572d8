package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps/session"
)

// TestForecastLinesPartial: a live session with no history for some steps
// says in the header and the panel that the forecast is partial, and gives
// neither a finish time nor an ahead/behind verdict.
func TestForecastLinesPartial(t *testing.T) {
	now := time.Date(2026, 11, 22, 16, 0, 0, 0, time.Local)
	snap := manyChecksSnapshot(1, now)
	snap.Plan = session.Plan{Known: true, Left: 35 * time.Minute, LeftP90: 50 * time.Minute, Finish: now.Add(35 * time.Minute),
		FinishP90: now.Add(50 * time.Minute), Ahead: -9 * time.Minute, Steps: 14, Unknown: 8}
	m := New(&staticRuntime{snap: snap}, Options{Now: now})
	m = step(t, m, tea.WindowSizeMsg{Width: 160, Height: 50})
	got := plain(m)
	for _, want := range []string{
		"~35m left for 6 of 14 steps left; 8 have no history",
		"Forecast (partial): 35m left (p90 50m) for 6 of 14 steps left; 8 have no history: no finish time, no ahead or behind",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"behind plan", "finish about", "16:35"} {
		if strings.Contains(got, bad) {
			t.Errorf("a partial forecast shows %q:\n%s", bad, got)
		}
	}
}

// TestForecastFinishNeverBeforeTheClock: a rehearsal's plan, made when the
// snapshot was taken, is read while the simulated clock runs on (x20): its
// finish is never shown earlier than the clock, and steps planned on the
// scenario's reference time are named as such.
func TestForecastFinishNeverBeforeTheClock(t *testing.T) {
	now := time.Date(2026, 11, 22, 16, 14, 0, 0, time.Local)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal = true
	snap.Clock = SessionClock{Simulated: true, Now: now, Wall: now, Speed: 20}
	snap.Plan = session.Plan{Known: true, Left: 30 * time.Second, LeftP90: 30 * time.Second, Finish: now.Add(30 * time.Second),
		FinishP90: now.Add(30 * time.Second), Steps: 1, Referenced: 1}
	// Three wall seconds later the simulated clock reads 16:15:00.
	m := New(&staticRuntime{snap: snap}, Options{Now: now.Add(3 * time.Second)})
	m = step(t, m, tea.WindowSizeMsg{Width: 160, Height: 50})
	got := plain(m)
	for _, want := range []string{
		"~30s left (reference times), on plan",
		"Forecast: 30s left (p90 30s), finish about 16:15, on plan (1 of 1 steps left on the scenario's reference time",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "finish about 16:14") {
		t.Errorf("the finish is earlier than the simulated clock (16:15):\n%s", got)
	}
}

// TestHeaderKeepsTheSessionOverThePlan: on a narrow terminal the header
// leaves the plan out (the panel says it) and keeps the session's id.
func TestHeaderKeepsTheSessionOverThePlan(t *testing.T) {
	now := time.Date(2026, 11, 22, 16, 0, 0, 0, time.Local)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal = true
	snap.Clock = SessionClock{Simulated: true, Now: now, Wall: now, Speed: 1}
	snap.Started = now
	snap.Plan = session.Plan{Known: true, Left: 30 * time.Minute, LeftP90: 30 * time.Minute, Finish: now.Add(30 * time.Minute),
		FinishP90: now.Add(30 * time.Minute), Steps: 14, Referenced: 14}
	for _, tt := range []struct {
		width    int
		withPlan bool
	}{{80, false}, {160, true}} {
		m := New(&staticRuntime{snap: snap}, Options{Now: now})
		m = step(t, m, tea.WindowSizeMsg{Width: tt.width, Height: 40})
		header := strings.Split(plain(m), "\n")[1]
		if !strings.Contains(header, "session "+snap.SessionID) {
			t.Errorf("width %d: the header lost the session's id: %q", tt.width, header)
		}
		if got := strings.Contains(header, "~30m left (reference times), on plan"); got != tt.withPlan {
			t.Errorf("width %d: plan in the header %v, want %v: %q", tt.width, got, tt.withPlan, header)
		}
	}
}
