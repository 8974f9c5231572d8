package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps/session"
)

// longHalt is a halt instruction three lines long at 80 columns, as the
// manuals write them.
const longHalt = "In case of different output, refer to your Database Administrator. STOP THINMAN UPDATE " +
	"until the replica is checked by hand: SHOW SLAVE STATUS on the slave must say Slave_IO_Running Yes " +
	"and Slave_SQL_Running Yes, and Seconds_Behind_Master must fall to 0. Then call the DBA on duty, " +
	"who decides whether the update goes on. END-OF-INSTRUCTION"

// TestHaltInstructionReadableWhole: at 80x24 the banner cuts a long halt
// instruction to two lines; the second says "enter: read it whole", the
// footer offers enter for it, and enter shows every word of it, on the
// steps and on a halted rehearsal's debrief alike.
func TestHaltInstructionReadableWhole(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	words := strings.Join(strings.Fields(longHalt), " ")
	check := func(t *testing.T, m Model) {
		t.Helper()
		out := plain(m)
		if !strings.Contains(out, "HALTED: In case of different output") || !strings.Contains(out, "… enter: read it whole") {
			t.Errorf("the banner does not say where the rest is:\n%s", out)
		}
		if strings.Contains(out, "END-OF-INSTRUCTION") {
			t.Fatalf("the banner shows it whole: the test needs it cut:\n%s", out)
		}
		lines := strings.Split(out, "\n")
		if f := lines[len(lines)-1]; !strings.Contains(f, "enter the halt in full") {
			t.Errorf("the footer does not say how to read the halt whole: %q", f)
		}
		m = doKey(t, m, "enter")
		if m.values == nil {
			t.Fatalf("enter did not open the viewer:\n%s", plain(m))
		}
		if y := m.values.vp.YOffset(); y != 0 {
			t.Errorf("the viewer opens at line %d, not on the halt", y)
		}
		shown := strings.Join(strings.Fields(plain(m)), " ")
		if !strings.Contains(shown, words) {
			t.Errorf("the viewer does not show the instruction whole:\n%s", plain(m))
		}
	}
	// Enough checks that the first failing value lies below the first
	// screen: the viewer still opens on the halt.
	snap := manyChecksSnapshot(4, now)
	snap.Ended, snap.Current, snap.Advice = session.EndHalted, 0, longHalt
	t.Run("steps", func(t *testing.T) {
		m := New(&staticRuntime{snap: snap}, Options{Now: now, Dark: true})
		check(t, step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}))
	})
	t.Run("debrief", func(t *testing.T) {
		s := snap
		s.Rehearsal = true
		rt := &staticSim{staticRuntime: staticRuntime{snap: s}, debrief: "# Rehearsal debrief\n\n**Score 40/100**\n"}
		m := step(t, New(rt, Options{Now: now, Dark: true}), tea.WindowSizeMsg{Width: 80, Height: 24})
		_, cmd := m.Update(clockMsg(now))
		m = feed(t, m, cmd, func(msg tea.Msg) bool { _, ok := msg.(debriefMsg); return ok })
		if m.debriefShown() {
			t.Fatalf("a halt opened the debrief over the failure:\n%s", plain(m))
		}
		if out := plain(m); !strings.Contains(out, "the graded debrief is ready: press d") {
			t.Errorf("the halted rehearsal does not say its debrief is ready:\n%s", out)
		}
		m = step(t, m, tea.KeyPressMsg{Code: 'd', Text: "d"})
		if !m.debriefShown() {
			t.Fatalf("d did not open the debrief:\n%s", plain(m))
		}
		check(t, m)
	})
	t.Run("short", func(t *testing.T) {
		s := snap
		s.Advice = "Call the DBA."
		m := step(t, New(&staticRuntime{snap: s}, Options{Now: now, Dark: true}), tea.WindowSizeMsg{Width: 80, Height: 24})
		if out := plain(m); strings.Contains(out, "read it whole") || !strings.Contains(out, "HALTED: Call the DBA.") {
			t.Errorf("a short halt: %s", out)
		}
	})
}
