package serve

import (
	"slices"
	"testing"

	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// TestServedRehearsalResumesItsWorldExactly: a rehearsal driven through
// serve runs on the simulator's clock (every record carries its simulated
// time), and a resume from the picker rebuilds the simulated world as it
// was when the connection dropped, as a local resume does.
func TestServedRehearsalResumesItsWorldExactly(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	// Tick the first step's items and go on, twice: the world follows.
	for range 2 {
		snap := hs.live.Snapshot()
		for _, c := range snap.Checks {
			if c.Check.Kind == "manual" {
				if _, err := hs.live.Tick(c.Check.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := hs.live.Advance(); err != nil {
			t.Fatal(err)
		}
	}
	before := hs.drv.(*rehearsal.Driver).Hosts()
	hs.Close("alice's connection dropped")

	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if session.SimTime(r).IsZero() {
			t.Fatalf("record %d %s has no simulated time: the served rehearsal is not on the simulator's clock", r.Seq, r.Type)
		}
	}

	p, err := h.PlanResume(hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := h.Resume(p, tui.FormResult{}, who(alice, "alice"), nil)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	defer rs.Close("")
	after := rs.drv.(*rehearsal.Driver).Hosts()
	if !slices.Equal(before, after) {
		t.Errorf("the world after the resume differs:\nbefore %v\nafter  %v", before, after)
	}
}

// TestServedRehearsalShowsItsWorld: the console of a rehearsal driven
// through serve sees the simulated machines, as a local rehearsal's
// console does.
func TestServedRehearsalShowsItsWorld(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	v, ok := hs.live.WorldView()
	if !ok || len(v.Hosts) == 0 {
		t.Fatalf("WorldView = %+v, %v: the served rehearsal's console has no world", v, ok)
	}
}
