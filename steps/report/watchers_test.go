package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestWatchedBy: the report lists every watch visit (who, key, address,
// from when to when), and "—" for a session nobody watched.
func TestWatchedBy(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	clock := func() time.Time { at = at.Add(time.Minute); return at }
	path := filepath.Join(t.TempDir(), "20261122-021500-ab12.jsonl")
	start := session.StartData{Session: "20261122-021500-ab12", Runbook: session.RunbookRef{ID: "rb", Title: "RB"},
		Operator: session.Operator{Name: "alice", Key: "SHA256:alice"}, Mode: session.ModeRehearsal}
	w, _, err := journal.Create(path, session.EvSessionStart, start, journal.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	carol := session.WatchData{Who: session.Operator{Name: "carol", Key: "SHA256:carolkey", SSHClient: "10.0.0.9 40000"}, Role: "observer"}
	bob := session.WatchData{Who: session.Operator{Name: "bob", Key: "SHA256:bobkey", SSHClient: "10.0.0.8 41000"}, Role: "approver"}
	for _, r := range []struct {
		typ string
		d   session.WatchData
	}{{session.EvWatchJoin, carol}, {session.EvWatchJoin, bob}, {session.EvWatchLeave, carol}} {
		if _, err := w.Append(r.typ, r.d); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := r.WatchedBy()
	want := "carol (SHA256:carolkey, from 10.0.0.9 40000) 02:17:00–02:19:00; bob (SHA256:bobkey, from 10.0.0.8 41000) 02:18:00–the end"
	if got != want {
		t.Errorf("WatchedBy = %q\nwant        %q", got, want)
	}
	var md bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| Watched by | carol (") {
		t.Errorf("the Markdown report does not list who watched:\n%s", md.String())
	}

	nobody := filepath.Join(t.TempDir(), "20261122-021500-cd34.jsonl")
	w, _, err = journal.Create(nobody, session.EvSessionStart, start)
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	if r, err := Load(nobody); err != nil || r.WatchedBy() != "—" {
		t.Errorf("nobody watched: %v, %q", err, r.WatchedBy())
	}
}
