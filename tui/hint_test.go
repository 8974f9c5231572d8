package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestHintsNameTheStateDir: a session kept in a state directory of its own
// (--state-dir st): every command the console prints to reach it again
// (the quit dialog, the goodbye, the halted gate bar, the journal-failure
// banner, a watcher's line) names that directory, so that it works as
// printed.
func TestHintsNameTheStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the default is elsewhere
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	snap := manyChecksSnapshot(1, now)
	id := snap.SessionID
	place := journal.Place{StateDir: dir, Path: journal.SessionPath(dir, id)}
	resume := "handrail resume " + id + " --state-dir " + dir
	report := "handrail report " + id + " --state-dir " + dir
	console := func(snap Snapshot) Model {
		m := New(&staticRuntime{snap: snap}, Options{Dark: true, Now: now, Place: place})
		return step(t, m, tea.WindowSizeMsg{Width: 200, Height: 30})
	}

	m := console(snap)
	qm, _ := m.openQuit()
	// The dialog wraps the line: read it as words.
	if got := strings.Join(strings.Fields(strings.ReplaceAll(plain(qm.(Model)), "║", " ")), " "); !strings.Contains(got, resume) {
		t.Errorf("the quit dialog lacks %q:\n%s", resume, got)
	}
	if got := m.Goodbye(); !strings.Contains(got, "Resume it with: "+resume+"\n") {
		t.Errorf("the goodbye = %q, want %q", got, resume)
	}
	m.interrupted = true
	if got := m.Goodbye(); !strings.Contains(got, resume) {
		t.Errorf("the goodbye after ctrl+c = %q, want %q", got, resume)
	}

	jm := console(snap)
	jm.journalErr = session.ErrJournalWrite
	if got := plain(jm); !strings.Contains(got, resume) {
		t.Errorf("the journal-failure banner lacks %q:\n%s", resume, got)
	}
	if got := jm.Goodbye(); !strings.Contains(got, resume) {
		t.Errorf("the goodbye after a journal failure = %q, want %q", got, resume)
	}

	halted := snap
	halted.Ended, halted.HaltReason = session.EndHalted, "the replica did not stop"
	hm := console(halted)
	if got := plain(hm); !strings.Contains(got, resume) {
		t.Errorf("the halted gate bar lacks %q:\n%s", resume, got)
	}
	if got := hm.Goodbye(); !strings.Contains(got, report) {
		t.Errorf("the goodbye of a halted session = %q, want %q", got, report)
	}

	done := snap
	done.Ended = session.EndCompleted
	if got := console(done).Goodbye(); !strings.Contains(got, report) {
		t.Errorf("the goodbye of a completed session = %q, want %q", got, report)
	}

	watched := snap
	watched.ReadOnly, watched.Ended = true, session.EndQuit
	if got := plain(console(watched)); !strings.Contains(got, resume) {
		t.Errorf("the watcher's line lacks %q:\n%s", resume, got)
	}
}
