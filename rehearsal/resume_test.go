package rehearsal

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// cut is a rehearsal stopped after a step: the journal so far, the
// simulated instant, and the world's state then.
type cut struct {
	step  string
	recs  []journal.Record
	at    time.Time
	state string
}

// TestResumeRestoresTheWorldExactly: for every scenario of every bundled
// runbook, stop after each step, rebuild the world from the journal alone
// (Restore), and compare it with the uninterrupted run's world at that
// instant; then resume the session on the rebuilt world, carry it to its
// end, and compare the final worlds too.
func TestResumeRestoresTheWorldExactly(t *testing.T) {
	rbs, err := steps.ListBundled(bundled)
	if err != nil {
		t.Fatal(err)
	}
	for _, rb := range rbs {
		for _, name := range Scenarios(bundled, rb.ID) {
			t.Run(rb.ID+"/"+name, func(t *testing.T) {
				h := newHarness(t, rb.ID, name)
				var cuts []cut
				h.runThrough(func() {
					v, _, _ := h.e.Current()
					cuts = append(cuts, cut{step: v.Key, recs: h.records(), at: h.clock.Now(), state: h.drv.State()})
				})
				final := h.drv.State()
				if len(cuts) < 2 {
					t.Fatalf("only %d steps rehearsed", len(cuts))
				}
				for _, c := range cuts {
					drv, clock := restored(t, h.rb, h.sc, c.recs)
					if got := drv.RestoredAt(); !got.Equal(c.at) {
						t.Fatalf("stopped at %s: restored to %s, want %s", c.step, got, c.at)
					}
					if got := drv.State(); got != c.state {
						t.Fatalf("stopped at %s: the restored world differs:\n%s", c.step, diffLines(c.state, got))
					}
					// Resume the session on the restored world and carry it
					// through: it must end in the same world.
					h2 := resumed(t, h, drv, clock, c.recs)
					h2.runThrough(func() {})
					if got := drv.State(); got != final {
						t.Fatalf("resumed at %s: the final world differs from the uninterrupted run's:\n%s", c.step, diffLines(final, got))
					}
				}
			})
		}
	}
}

// runThrough carries the session on as far as it goes, calling before
// each step: it follows on_fail gotos, and when a refused login holds a
// step's gate (credentials.wrong) it re-enters the right password, as the
// trainee does, and goes on; it stops at a halt or a gate that holds
// otherwise.
func (h *harness) runThrough(before func()) {
	h.t.Helper()
	for n := 0; h.e.Ended() == "" && n < 400; n++ {
		before()
		out, _ := h.step(2 * time.Hour)
		switch out {
		case outOnFail:
			if err := h.e.Goto(h.e.OnFail().Goto); err != nil {
				h.t.Fatal(err)
			}
		case outBlocked:
			if !h.reenterRefused() {
				return
			}
		case outHalted:
			return
		}
	}
}

// reenterRefused re-enters the right password of every target whose
// login the world refuses (false: none).
func (h *harness) reenterRefused() bool {
	h.t.Helper()
	did := false
	for _, f := range h.sc.Faults {
		h.drv.w.mu.Lock()
		refused := h.drv.w.badLogin[f.Target]
		h.drv.w.mu.Unlock()
		if f.Kind != FaultWrongPassword || !refused {
			continue
		}
		for _, m := range h.sc.World.MySQL {
			if m.Target == f.Target {
				h.reenter(f.Target, m.Password)
				did = true
			}
		}
	}
	return did
}

// restored builds a world from a journal alone, on a clock held at the
// session's start, as `handrail resume` does.
func restored(t *testing.T, rb *steps.Runbook, sc *Scenario, recs []journal.Record) (*Driver, *ManualClock) {
	t.Helper()
	clock := NewManualClock(session.RecordTime(recs[0]))
	drv, err := New(rb, sc, clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		drv.Restore(r)
	}
	clock.Advance(drv.RestoredAt().Sub(clock.Now()))
	return drv, clock
}

// resumed resumes h's session from recs on drv.
func resumed(t *testing.T, h *harness, drv *Driver, clock *ManualClock, recs []journal.Record) *harness {
	t.Helper()
	mj := &session.MemoryJournal{Clock: clock.Now}
	e, err := session.Resume(session.Config{Runbook: h.rb, Journal: HookJournal(mj, drv), Clock: clock.Now, SimClock: clock,
		Operator: session.Operator{Name: "trainee"}}, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	return &harness{t: t, rb: h.rb, sc: h.sc, clock: clock, drv: drv, mj: mj, e: e}
}

// diffLines shows the lines of got that differ from want.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}
