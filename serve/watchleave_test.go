package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestCloseJournalsTheWatchersLeave: a watcher still on a session when it
// stops being driven here (the operator dropped, serve stopped) gets its
// watch.leave then, before the journal closes, and nothing else is
// journaled; leaving afterwards adds nothing; a watcher who left before
// is not journaled twice.
func TestCloseJournalsTheWatchersLeave(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	carolV := &Viewer{Who: who(carol, "carol"), Role: RoleObserver, Since: time.Now()}
	bobV := &Viewer{Who: who(bob, "bob"), Role: RoleApprover, Since: time.Now()}
	hs.Join(carolV)
	hs.Join(bobV)
	hs.Leave(bobV)
	before := journalTypes(t, hs.Path)

	hs.Close("alice's connection dropped")
	after := journalTypes(t, hs.Path)
	added := after[len(before):]
	if strings.Join(added, ",") != session.EvWatchLeave {
		t.Fatalf("records added by the close: %v, want one watch.leave", added)
	}
	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	if last := recs[len(recs)-1]; !strings.Contains(string(last.Data), `"name":"carol"`) {
		t.Errorf("the close's watch.leave is not carol's: %s", last.Data)
	}
	if s := journal.Summarize(hs.Path); s.State != journal.StateInterrupted {
		t.Errorf("state after close = %s, want interrupted", s.State)
	}
	if res, err := journal.VerifyFile(hs.Path, ""); err != nil || !res.OK {
		t.Errorf("verify after the close: %v %+v", err, res)
	}

	hs.Leave(carolV)
	if n := len(journalTypes(t, hs.Path)); n != len(after) {
		t.Errorf("carol leaving the closed session added %d records", n-len(after))
	}
	if got := h.Watching(hs.ID); len(got) != 0 {
		t.Errorf("Watching after everyone left = %v", got)
	}
}
