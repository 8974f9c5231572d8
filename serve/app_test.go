package serve

import (
	"io"
	"log/slog"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/tui"
)

// TestWrapGen: a child's quit returns to the picker, its own messages are
// tagged with its generation, Bubble Tea's batches are wrapped item by item
// and other messages pass as they are.
func TestWrapGen(t *testing.T) {
	quit := wrapGen(3, tea.Quit)()
	if q, ok := quit.(childQuit); !ok || q.gen != 3 {
		t.Errorf("tea.Quit became %#v, want childQuit{3}", quit)
	}
	own := wrapGen(3, func() tea.Msg { return tui.Snapshot{SessionID: "x"} })()
	if tg, ok := own.(tagged); !ok || tg.gen != 3 {
		t.Errorf("a tui message became %#v, want tagged{3}", own)
	}
	other := wrapGen(3, func() tea.Msg { return tea.WindowSizeMsg{Width: 80} })()
	if _, ok := other.(tea.WindowSizeMsg); !ok {
		t.Errorf("a foreign message became %#v", other)
	}
	batch := wrapGen(3, tea.Batch(tea.Quit, func() tea.Msg { return tui.Snapshot{} }))()
	b, ok := batch.(tea.BatchMsg)
	if !ok || len(b) != 2 {
		t.Fatalf("a batch became %#v", batch)
	}
	if _, ok := b[0]().(childQuit); !ok {
		t.Error("a quit inside a batch was not turned into childQuit")
	}
	if wrapGen(3, nil) != nil {
		t.Error("a nil command was wrapped")
	}

	// A late message of a console already left never reaches the next.
	a := &app{gen: 4}
	if _, cmd := a.Update(tagged{gen: 3, msg: tui.Snapshot{}}); cmd != nil {
		t.Error("a stale child message produced a command")
	}
	if _, cmd := a.Update(childQuit{gen: 3}); cmd != nil || a.busy != "" {
		t.Error("a stale child quit was acted on")
	}
}

// TestWatchFollowsTheJournalOfASessionNotDrivenHere: a session nobody
// drives in this serve is watched through its journal, listed as watched
// while the console is open.
func TestWatchFollowsTheJournalOfASessionNotDrivenHere(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	hs.Close("")
	c := &conn{srv: &Server{hub: h, log: slog.New(slog.NewTextHandler(io.Discard, nil))}, person: carol, who: who(carol, "carol")}
	msg := c.watch(hs.ID)()
	om, ok := msg.(openedMsg)
	if !ok || om.err != nil {
		t.Fatalf("watch = %#v", msg)
	}
	if _, isWatch := om.att.rt.(*tui.Watch); !isWatch || om.att.hosted != nil {
		t.Errorf("a session not driven here should be followed through its journal, got %T", om.att.rt)
	}
	if !om.att.rt.Snapshot().ReadOnly {
		t.Error("the journal watch is not read-only")
	}
	if got := h.Watching(hs.ID); len(got) != 1 || got[0] != "carol" {
		t.Errorf("Watching = %v", got)
	}
	c.release(c.detach(), "")
	if got := h.Watching(hs.ID); len(got) != 0 {
		t.Errorf("after leaving Watching = %v", got)
	}
}
