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
// from when to when). A journal with no watch record says that none was
// recorded and why, in Markdown and HTML: a local `handrail watch` leaves
// no record, so a bare "—" would read as "unwatched".
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
	r, err = Load(nobody)
	if err != nil {
		t.Fatal(err)
	}
	if r.WatchedBy() != "" {
		t.Errorf("no watch record: WatchedBy = %q, want \"\"", r.WatchedBy())
	}
	md.Reset()
	var page bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"md":   "| Watched by | — (none recorded: `handrail serve` journals who watches a session it drives; a local `handrail watch` reads the journal and leaves no record) |",
		"html": "<tr><th>Watched by</th><td>— (none recorded: <code>handrail serve</code> journals who watches a session it drives; a local <code>handrail watch</code> reads the journal and leaves no record)</td></tr>",
	} {
		out := map[string]string{"md": md.String(), "html": page.String()}[name]
		if !strings.Contains(out, want) {
			t.Errorf("%s report without a watch record lacks\n%s\n%s", name, want, out)
		}
	}
}
