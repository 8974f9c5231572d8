package tui

import (
	"errors"
	"fmt"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
)

// A watcher must never show a journal that stopped verifying as if it
// were still being followed: the session it shows is as of the last record
// that verified, and the gate bar says so for as long as the watch runs.

// raise keeps the alarm (the first one) and returns the snapshot that
// carries it; the caller holds mu.
func (w *Watch) raise(alarm string) Event {
	if w.alarm == "" {
		w.alarm = alarm
	}
	return Event{Snap: w.snapshotLocked()}
}

// Alarm is why the followed journal no longer verifies, or "".
func (w *Watch) Alarm() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alarm
}

// watchAlarm says why following the journal stopped.
func watchAlarm(err error) string {
	var ce *journal.ChainError
	if errors.As(err, &ce) {
		return fmt.Sprintf("the journal no longer verifies at line %d: %s", ce.Result.BadLine, termtext.Line(ce.Result.Problem))
	}
	return "the journal can no longer be followed: " + termtext.Line(err.Error())
}

// replayAlarm says that record seq verified but cannot be part of the
// session (in a journal that verifies, record seq is on line seq).
func replayAlarm(seq uint64, err error) string {
	return fmt.Sprintf("the journal no longer verifies at line %d: the record cannot be replayed: %s", seq, termtext.Line(err.Error()))
}

// watchAlarmLine is the watcher's gate bar once the journal stopped
// verifying ("" while it verifies).
func (m Model) watchAlarmLine() string {
	if m.snap.JournalAlarm == "" {
		return ""
	}
	return m.styles.Fail.Render(m.styles.Sym.Fail + " " + oneLine(m.snap.JournalAlarm+"; what is shown is as of the last record that verified ("+m.command("verify")+")", m.width))
}

// watchGoodbye is what a watch leaves on the terminal.
func (m Model) watchGoodbye() string {
	if m.snap.JournalAlarm != "" {
		return "Stopped watching session " + m.snap.SessionID + ": " + m.snap.JournalAlarm + ". Check it with: " + m.command("verify") + "\n"
	}
	return "Stopped watching session " + m.snap.SessionID + ".\n"
}

// journalChanged tells whether the journal write failed because someone
// else changed the journal under the session (journal.ErrChanged).
func journalChanged(err error) bool { return errors.Is(err, journal.ErrChanged) }

// journalWayOn is the short way on once the journal cannot be written: a
// full disk is freed and the session resumed; a journal someone else
// changed is left as it is for the audit, and the work goes on in a new
// session (resuming would build on bytes this session never wrote).
func (m Model) journalWayOn() string {
	if journalChanged(m.journalErr) {
		return "someone else changed the journal: leave it as it is for the audit, and start a new session"
	}
	return "free space, then resume (" + m.command("resume") + ")"
}

// journalWayOnSentence is journalWayOn as the sentence the quit dialog and
// the goodbye end with.
func (m Model) journalWayOnSentence() string {
	if journalChanged(m.journalErr) {
		return "Someone else changed the journal: leave the file as it is for the audit, and start a new session."
	}
	return "Free space, then resume it with: " + m.command("resume")
}

// changedCause is the gate bar's short cause for a journal changed by
// someone else.
func changedCause(err error) (string, bool) {
	var ce *journal.ChangedError
	if !errors.As(err, &ce) {
		return "", false
	}
	return fmt.Sprintf("someone else changed it since seq %d at byte %d", ce.Seq, ce.Size), true
}
