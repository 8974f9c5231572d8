package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// startConsole runs the console over rt in a teatest program with the ASCII
// colour profile, so assertions compare plain text.
func startConsole(t *testing.T, rt Runtime, w, h int) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, New(rt, Options{Dark: true}),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

// waitText waits until the console has drawn every text (since the last
// wait: output is consumed as it is read).
func waitText(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(8*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "space":
			tm.Send(tea.KeyPressMsg{Code: ' ', Text: " "})
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "tab":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		case "shift+tab":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
		case "up":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyUp})
		case "right":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyRight})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		default:
			tm.Type(k)
		}
	}
}

// armed waits out a dialog's debounce.
func armed() { time.Sleep(dialogArmDelay + 150*time.Millisecond) }

// toStopReplica ticks the backup and enters the stop-replica step directly
// through the runtime, so a flow test can start there.
func toStopReplica(t *testing.T, ts *testSession) {
	t.Helper()
	if _, err := ts.live.Tick("backup-done", true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.live.Advance(); err != nil {
		t.Fatal(err)
	}
}

func TestGateBlockedThenOpenedByCheckResult(t *testing.T) {
	ts := newTestSession(t)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Back up the server", "blocked")

	press(tm, "n")
	waitText(t, tm, "gate closed")

	press(tm, "space") // tick the focused manual item
	waitText(t, tm, "ready: press n")
	press(tm, "n")
	waitText(t, tm, "Slave_IO_Running:", "Yes", "blocked")

	// Repeated presses never pass the closed gate.
	press(tm, "n", "n", "n")
	time.Sleep(200 * time.Millisecond)
	if hasRecord(ts.records(t), session.EvStepDone, `"stop-replica"`) {
		t.Fatal("n passed a closed gate")
	}

	ts.drv.set("No", "No") // the replica stops: the next poll opens the gate
	waitText(t, tm, "ready: press n")
	recs := ts.records(t)
	if !hasRecord(recs, session.EvManualTick, `"backup-done"`) {
		t.Error("the tick was not journaled")
	}
	if !hasRecord(recs, session.EvGateOpen, `"stop-replica"`) {
		t.Error("gate.open for stop-replica was not journaled")
	}
	noSecretOnDisk(t, ts.path)
}

func TestOverrideRefusesShortReasonAndAcceptsProperOne(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 100, 36)
	waitText(t, tm, "Slave_IO_Running:", "blocked")

	press(tm, "o")
	waitText(t, tm, "Override the gate", "replica-stopped")
	press(tm, "enter") // ignored: the dialog is not armed yet
	armed()
	press(tm, "tab", "tab") // checks -> category: none is chosen for the operator
	waitText(t, tm, "choose a category")
	press(tm, "right", "tab") // known-issue, then the reason
	press(tm, "too short", "tab", "enter")
	waitText(t, tm, "too short: 9 characters")

	press(tm, "up", " - DBA confirmed on the phone", "tab", "enter")
	waitText(t, tm, "type yes")
	press(tm, "no", "enter")
	waitText(t, tm, "type yes and press enter")
	for range 2 {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	press(tm, "yes", "enter")
	// The override opens the gate; the operator stays on the step.
	waitText(t, tm, "override recorded", "Stop the database replica", "press n")
	recs := ts.records(t)
	if !hasRecord(recs, session.EvOverride, "too short - DBA confirmed on the phone") {
		t.Fatalf("override with the reason not journaled: %v", types(recs))
	}
	if hasRecord(recs, session.EvStepDone, `"stop-replica"`) {
		t.Fatalf("the override left the step before n: %v", types(recs))
	}
	time.Sleep(stepSettle)
	press(tm, "n")
	waitText(t, tm, "Tell the users")
	if !hasRecord(ts.records(t), session.EvStepDone, `"via":"override"`) {
		t.Errorf("n after the override did not leave via override: %v", types(ts.records(t)))
	}
}

func TestNoteIsJournaled(t *testing.T) {
	ts := newTestSession(t)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Back up the server")
	press(tm, "a")
	waitText(t, tm, "Add a note")
	armed()
	press(tm, "Backup tape 42 is in the safe.", "tab", "enter")
	waitText(t, tm, "note recorded")
	if !hasRecord(ts.records(t), session.EvNote, "Backup tape 42 is in the safe.") {
		t.Fatal("note not journaled")
	}
}

func TestActionNeedsExplicitConfirmation(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Slave_IO_Running:")

	press(tm, "x")
	waitText(t, tm, "handrail will run, on slave", "STOP SLAVE")
	armed()
	press(tm, "x", "enter") // focus starts on Cancel: enter cancels
	waitText(t, tm, "cancelled")
	if len(ts.drv.actions()) != 0 {
		t.Fatal("the action ran without confirmation")
	}

	press(tm, "x")
	waitText(t, tm, "handrail will run")
	armed()
	press(tm, "right", "enter")
	waitText(t, tm, "ready: press n")
	recs := ts.records(t)
	if !hasRecord(recs, session.EvActionStart, "STOP SLAVE") || !hasRecord(recs, session.EvActionEnd, "stop-replica") {
		t.Fatalf("action not journaled: %v", types(recs))
	}
}

// TestReplicaWordsSaidBeforeTheActionRuns: a replica-control action's
// confirmation says which words another server is sent (the runbook's STOP
// SLAVE goes to a new server as STOP REPLICA). The step's own line stays
// one line: at 80x24 the panel's rows must stay in view.
func TestReplicaWordsSaidBeforeTheActionRuns(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 120, 34)
	waitText(t, tm, "x runs on slave")
	press(tm, "x")
	waitText(t, tm, "handrail will run", "Sent as STOP REPLICA on MySQL", "records which ran.")
	press(tm, "esc")
}

// TestActionThatNeverRanSaysSo: an action whose target could not be reached
// is shown as not run, with the way on (x again), never as failed; run
// again once the target answers, it runs.
func TestActionThatNeverRanSaysSo(t *testing.T) {
	ts := newTestSession(t)
	ts.drv.mu.Lock()
	ts.drv.unreached = "dial tcp db2:3306: connect: connection refused"
	ts.drv.mu.Unlock()
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 120, 34)
	waitText(t, tm, "Slave_IO_Running:")
	press(tm, "x")
	waitText(t, tm, "handrail will run")
	armed()
	press(tm, "right", "enter")
	waitText(t, tm, "action NOT RUN: could not reach the target (dial tcp db2:3306: connect: connection refused); press x to run it again")
	if len(ts.drv.actions()) != 0 {
		t.Fatal("the driver ran the action")
	}
	ts.drv.mu.Lock()
	ts.drv.unreached = ""
	ts.drv.mu.Unlock()
	time.Sleep(time.Second)
	press(tm, "x")
	waitText(t, tm, "handrail will run")
	armed()
	press(tm, "right", "enter")
	waitText(t, tm, "ready: press n")
	if got := ts.drv.actions(); len(got) != 1 {
		t.Fatalf("actions run = %v, want one", got)
	}
}

// TestQuitWarnsOfARunningAction: q while an action runs says so, and what
// quitting does to it; staying lets the action finish.
func TestQuitWarnsOfARunningAction(t *testing.T) {
	ts := newTestSession(t)
	ts.drv.block = make(chan struct{})
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Slave_IO_Running:")
	press(tm, "x")
	waitText(t, tm, "handrail will run")
	armed()
	press(tm, "right", "enter")
	waitText(t, tm, "running")
	press(tm, "q")
	waitText(t, tm, "An action is running at step", "kills its process group", "handrail resume 20261122-020000-abcd")
	armed()
	press(tm, "enter") // focus starts on Stay
	close(ts.drv.block)
	waitText(t, tm, "ready: press n")
	if got := ts.drv.actions(); len(got) != 1 {
		t.Fatalf("actions run = %v, want the one", got)
	}
	if !hasRecord(ts.records(t), session.EvActionEnd, "stop-replica") {
		t.Fatal("the action's end is not journaled after staying")
	}
}

func TestQuitThenResume(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "Slave_IO_Running:")
	press(tm, "q")
	waitText(t, tm, "handrail resume 20261122-020000-abcd")
	armed()
	press(tm, "right", "enter")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(Model)
	if final.Snapshot().Ended != session.EndQuit {
		t.Fatalf("ended = %q, want quit", final.Snapshot().Ended)
	}
	if !strings.Contains(final.Render(), "Resume it with: handrail resume 20261122-020000-abcd") {
		t.Errorf("last frame does not say how to resume:\n%s", final.Render())
	}
	// The first run's journal must close cleanly before the resume opens it.
	if err := ts.fj.Close(); err != nil {
		t.Fatal(err)
	}

	// Resume: replay the journal into a new engine and drive it again.
	w, recs, _, err := journal.Open(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ts.cfg
	fj := &session.FileJournal{Path: ts.path, W: w}
	cfg.Journal = fj
	t.Cleanup(func() { fj.Close() })
	eng, err := session.Resume(cfg, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	drv := newFakeDriver()
	drv.set("No", "No")
	r := session.NewRunner(eng, drv, nil)
	t.Cleanup(r.Close)
	tm2 := startConsole(t, NewLive(r, nil), 100, 30)
	waitText(t, tm2, "Stop the database replica", "ready: press n")
	if !hasRecord(readAll(t, ts.path), session.EvSessionResume, "alice") {
		t.Error("session.resume not journaled")
	}
}

func readAll(t *testing.T, path string) []journal.Record {
	t.Helper()
	recs, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func types(recs []journal.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

func TestHangingTargetKeepsConsoleResponsive(t *testing.T) {
	ts := newTestSession(t)
	ts.drv.mu.Lock()
	ts.drv.hang = true
	ts.drv.mu.Unlock()
	toStopReplica(t, ts)
	tm := startConsole(t, ts.live, 100, 30)
	waitText(t, tm, "polling")
	start := time.Now()
	press(tm, "?")
	waitText(t, tm, "Keys")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("help took %s while the target hangs", d)
	}
}

func TestTooSmallTerminalSaysSo(t *testing.T) {
	ts := newTestSession(t)
	m := New(ts.live, Options{})
	m = step(t, m, tea.WindowSizeMsg{Width: 50, Height: 15})
	if got := plain(m); !strings.Contains(got, "at least 60x18") || !strings.Contains(got, "50x15") {
		t.Fatalf("small terminal frame:\n%s", got)
	}
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if got := plain(m); !strings.Contains(got, "Back up the server") {
		t.Fatalf("frame after growing:\n%s", got)
	}
}

func TestWatchFollowsTheJournalReadOnly(t *testing.T) {
	ts := newTestSession(t)
	cfg := ts.cfg
	cfg.Journal = nil
	w, err := NewWatch(t.Context(), cfg, ts.path)
	if err != nil {
		t.Fatal(err)
	}
	tm := startConsole(t, w, 100, 30)
	waitText(t, tm, "WATCHING", "Back up the server")

	toStopReplica(t, ts) // the operator, elsewhere, moves on
	waitText(t, tm, "Stop the database replica on the slave", "Slave_IO_Running:")

	press(tm, "n")
	waitText(t, tm, "read-only")
	if _, err := w.Advance(); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Advance in watch mode: %v", err)
	}
	if hasRecord(ts.records(t), session.EvStepDone, `"stop-replica"`) {
		t.Fatal("the watcher moved the session")
	}
}
