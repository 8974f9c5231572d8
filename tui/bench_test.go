package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// BenchmarkFirstFrame: a real engine over the bundled ThinMan runbook, the
// console built over it, sized, and its first frame rendered.
func BenchmarkFirstFrame(b *testing.B) {
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		b.Fatal(err)
	}
	eng, err := session.New(session.Config{SessionID: "20261122-020000-abcd", Runbook: rb,
		Params:   map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "7.1.2"},
		Operator: session.Operator{Name: "alice"}, Mode: session.ModeLive, Journal: &session.MemoryJournal{}})
	if err != nil {
		b.Fatal(err)
	}
	r := session.NewRunner(eng, newFakeDriver(), nil)
	defer r.Close()
	live := NewLive(r, rb)
	b.ResetTimer()
	for b.Loop() {
		m := New(live, Options{Dark: true})
		out, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		_ = out.View()
	}
}

// benchKeys measures one key press and the frame after it, while a live
// check result streams in before each key: the event's Update, the key's
// Update and the View that follows.
func benchKeys(b *testing.B, snap Snapshot, w, h int) {
	now := snap.Checks[0].Result.Obs.At
	m := New(&staticRuntime{snap: snap}, Options{Dark: true, Now: now})
	m = step(b, m, tea.WindowSizeMsg{Width: w, Height: h})
	_ = m.View()
	keys := []tea.KeyPressMsg{{Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}}
	i := 0
	for b.Loop() {
		i++
		s := snap
		s.Seq = uint64(i + 1)
		s.Checks = append([]CheckView(nil), snap.Checks...)
		s.Checks[i%len(s.Checks)].Result.Obs.At = now.Add(time.Duration(i) * time.Millisecond)
		m = step(b, m, eventMsg{ev: Event{Snap: s}, n: 1})
		m = step(b, m, keys[i%2])
		_ = m.View()
	}
}

// BenchmarkKeyWith20Checks: 20 replica checks at 200x50.
func BenchmarkKeyWith20Checks(b *testing.B) {
	benchKeys(b, manyChecksSnapshot(20, time.Now()), 200, 50)
}

// BenchmarkKeyWith40Checks: 40 replica checks at 120x40, where most panels
// are below the screen.
func BenchmarkKeyWith40Checks(b *testing.B) {
	benchKeys(b, manyChecksSnapshot(40, time.Now()), 120, 40)
}

// BenchmarkKeyWith5MBOutput: a command check whose observation holds 5 MB
// of output (in its stdout field, its raw text and its error), at 200x50;
// the frame must still answer within 16 ms.
func BenchmarkKeyWith5MBOutput(b *testing.B) {
	benchKeys(b, bigOutputSnapshot(5<<20, time.Now()), 200, 50)
}

// bigOutput is n bytes of command output: many lines, each with a tab, a
// carriage return and escape sequences (a colour, clear the screen).
func bigOutput(n int) string {
	line := "row\tvalue \x1b[31mred\x1b[0m \x1b[2J" + strings.Repeat("x", 40) + "\r\n"
	return strings.Repeat(line, n/len(line)+1)[:n]
}

// BenchmarkResultFrame10Checks: what one poll result that changes nothing
// on screen but the age of its data costs the console: its Update and the
// View after it, 10 replica checks at 120x40 (the idle console).
func BenchmarkResultFrame10Checks(b *testing.B) {
	now := time.Now()
	snap := manyChecksSnapshot(10, now)
	m := New(&staticRuntime{snap: snap}, Options{Dark: true, Now: now})
	m = step(b, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	_ = m.View()
	i := 0
	for b.Loop() {
		i++
		s := snap
		s.Seq = uint64(i + 1)
		s.Checks = append([]CheckView(nil), snap.Checks...)
		s.Checks[i%len(s.Checks)].Result.Obs.At = now.Add(time.Duration(i) * time.Millisecond)
		m = step(b, m, eventMsg{ev: Event{Snap: s}, n: 1})
		_ = m.View()
	}
}
