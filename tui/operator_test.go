package tui

import (
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestHeaderNamesWhoDrivesNow: a session resumed by another person names
// that person in the header, not the one who started it.
func TestHeaderNamesWhoDrivesNow(t *testing.T) {
	ts := newTestSession(t)
	if _, err := ts.live.Quit(); err != nil {
		t.Fatal(err)
	}
	if err := ts.fj.Close(); err != nil {
		t.Fatal(err)
	}
	w, recs, _, err := journal.Open(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ts.cfg
	fj := &session.FileJournal{Path: ts.path, W: w}
	cfg.Journal = fj
	t.Cleanup(func() { fj.Close() })
	cfg.Operator = session.Operator{Name: "Bob Roe", User: "bob"}
	eng, err := session.Resume(cfg, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	r := session.NewRunner(eng, newFakeDriver(), nil)
	t.Cleanup(r.Close)
	live := NewLive(r, nil)
	if got := live.Snapshot().Operator; got != "Bob Roe" {
		t.Errorf("snapshot operator = %q, want the person who resumed", got)
	}
	m := New(live, Options{Dark: true})
	m.width, m.height = 120, 34
	if head := strings.SplitN(m.Render(), "\n", 3)[1]; !strings.Contains(head, "Bob Roe") || strings.Contains(head, "alice") {
		t.Errorf("the header does not name who drives now: %q", head)
	}
}
