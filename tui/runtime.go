// Package tui is handrail's operator console: a Bubble Tea view over a
// session runtime (the engine, its poller and its driver). It never touches
// a journal, a socket or a file itself: every request to the runtime runs
// inside a tea.Cmd, and what comes back is an immutable Snapshot.
package tui

import (
	"context"
	"errors"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// Runtime is the session the console drives. The cli adapts the session
// engine (steps/session) plus its poller and driver to it; tests use an
// in-memory fake. Every method may block (journal fsync, a probe, an
// action), so the console only calls them from inside a tea.Cmd; an
// implementation must be safe for concurrent use.
type Runtime interface {
	// Snapshot is the session as it stands now.
	Snapshot() Snapshot
	// Wait blocks until something changes (a check result arrived and was
	// applied, a journal record was followed) and returns it. It returns
	// ErrClosed once the runtime has nothing more to say.
	Wait(ctx context.Context) (Event, error)
	// Advance moves to the next step; it fails with a *GateError when the
	// gate is closed.
	Advance() (Snapshot, error)
	// Override opens the current step's gate despite failing checks (the
	// step stays current; Advance then leaves it via override).
	Override(o Override) (Snapshot, error)
	// Annotate adds a note to the journal for the current step.
	Annotate(text string) (Snapshot, error)
	// Tick sets a manual check's attestation.
	Tick(checkID string, ticked bool) (Snapshot, error)
	// RunAction runs the current step's action (already confirmed by the
	// operator), journaling its start and end.
	RunAction(ctx context.Context) (checks.ActionResult, Snapshot, error)
	// Attest records what happened to an action whose end was never
	// journaled (outcome: one of AttestOutcomes).
	Attest(outcome, text string) (Snapshot, error)
	// Repoll asks the poller to poll the current step's checks now.
	Repoll()
	// Quit ends the session for now (it stays resumable).
	Quit() (Snapshot, error)
}

// ErrClosed is what Runtime.Wait returns when no more events will come.
var ErrClosed = errors.New("session runtime closed")

// ErrReadOnly is what a read-only runtime (watch mode) answers to every
// request that would change the session.
var ErrReadOnly = errors.New("watch mode is read-only")

// GateError says why the gate refused to open.
type GateError struct {
	Blocking []string // ids of the checks that hold the gate
	Reason   string   // in words
}

func (e *GateError) Error() string { return e.Reason }

// Event is one change the runtime reports.
type Event struct {
	// Result is the check result that caused the change, if any; it is
	// tagged with its step, check and poller generation.
	Result *checks.Result
	Snap   Snapshot
}

// Override is the operator's explicit decision to pass a closed gate.
type Override struct {
	Checks   []string
	Category string
	Reason   string
}

// OverrideCategories are the kinds of override an operator may choose (the
// engine's), so an auditor can count them; the reason says the rest.
var OverrideCategories = session.Categories

// AttestOutcomes are what an operator may attest about an action whose end
// was never journaled.
var AttestOutcomes = session.Outcomes

// MinReasonLen is the shortest override reason accepted, in characters.
const MinReasonLen = session.MinReason

// StepState is where a step stands in the session.
type StepState int

// Step states, as the step list shows them.
const (
	StepPending StepState = iota
	StepCurrent
	StepDone
	StepSkipped
	StepOverridden
	StepFailed
)

// StepView is one step (one foreach item of it) as the session sees it.
type StepView struct {
	ID   string
	Item string // the foreach item, "" otherwise
	// Number is the step's number in the runbook (Snapshot.StepCount is
	// the total): the one number the console, plain mode, show, list, the
	// report and the debrief give it. Foreach copies share it.
	Number  int
	Section string // the section title
	State   StepState
	// Step is bound: no ${param} is left in its text, commands or checks.
	Step steps.Step
	// SkipReason says why a skipped step was skipped.
	SkipReason string
}

// Title is the step's title, with its foreach item.
func (s StepView) Title() string {
	if s.Item != "" {
		return s.Step.Title + " [" + s.Item + "]"
	}
	return s.Step.Title
}

// CheckView is one check of the current step with its latest result.
type CheckView struct {
	Check     checks.Check // bound
	Result    checks.Result
	HasResult bool
	Ticked    bool // manual checks
	// Polling is set while an attempt is under way (when the runtime
	// knows); the console also shows a spinner when an answer is overdue.
	Polling bool
	// AwaitsAction: the check's `within` deadline waits for the step's
	// action, which has not run yet (session.CheckView.AwaitsAction).
	AwaitsAction bool
}

// Gate is whether the current step may be left.
type Gate struct {
	Open     bool
	Blocking []string // check ids holding it
	Reason   string   // why it is closed, in words
	// Overridden names the checks an override of this visit covers: the
	// gate is open by override, and n leaves the step via override.
	Overridden []string
}

// Downtime is the downtime clock.
type Downtime struct {
	Running bool
	Since   time.Time     // when the running period started
	Total   time.Duration // accumulated, excluding the running period
}

// Snapshot is an immutable copy of the session for the screen. Seq grows
// with every change so that an older snapshot arriving late (requests run
// concurrently) never replaces a newer one.
type Snapshot struct {
	Seq       uint64
	Runbook   *steps.Runbook // read-only
	SessionID string
	Operator  string
	Rehearsal bool
	Scenario  string
	ReadOnly  bool // watch mode
	Started   time.Time
	Params    map[string]string // secrets already replaced by "[secret]"
	Targets   map[string]checks.Target
	Steps     []StepView
	// StepCount is how many steps the runbook has: the total beside a
	// StepView's Number.
	StepCount int
	Current   int // index into Steps; -1 once the session has ended
	Checks    []CheckView
	Gate      Gate
	Downtime  Downtime
	// Ended is "", "completed", "quit" or "halted".
	Ended string
	// HaltReason is why the session halted (the runbook's instruction).
	HaltReason string
	// LastRecord is the wall-clock time of the journal's last record: a
	// watcher sees how long ago the operator's session last wrote, and
	// after a write failure nothing later is on the record.
	LastRecord time.Time
	// Advice is the current step's on_fail advice when its checks fail.
	Advice string
	// ActionUnknown: the step's action started before a break and its
	// outcome is unknown; the operator must attest it (x).
	ActionUnknown bool
	// Interruption is what is known of that action: whether it was
	// interrupted (why, how, when) and whether its group still runs (nil
	// unless ActionUnknown; interruption.go).
	Interruption *InterruptionView
	// ActionRunning: the current step's action is running now; quitting
	// gives it its grace period, then stops it (action.interrupted).
	ActionRunning bool
	// Notice is the latest thing the engine wants the operator to read
	// (an action result, a goto, a resume warning).
	Notice string
	// Approval is the current step's latest approval request (approval.go).
	Approval *ApprovalView
	// Clock is the session's clock when the snapshot was taken: a
	// rehearsal runs on simulated time (Started, Downtime.Since and the
	// observations' times are simulated instants then); SessionNow
	// carries it on.
	Clock SessionClock
	// Plan is where the session stands against its forecast (the expected
	// time left, ahead or behind plan, the maintenance window).
	Plan session.Plan
	// Warnings are the warnings journaled in the session (readiness, the
	// forecast passing the maintenance window).
	Warnings []string
	// Recovery is where the session stands on the manual's recovery
	// paths (recovery.go).
	Recovery RecoveryView
	// JournalAlarm, in watch mode, says the followed journal no longer
	// verifies ("the journal no longer verifies at line N: …"): what the
	// snapshot shows is as of the last record that did (watchalarm.go).
	JournalAlarm string
}

// SessionClock is the session's clock at a snapshot.
type SessionClock struct {
	// Simulated is set in a rehearsal on the simulator's clock.
	Simulated bool
	// Now is the session's time at the snapshot, Wall the wall clock's.
	Now, Wall time.Time
	// Speed is simulated seconds per wall second (0: not recorded).
	Speed float64
}

// SessionNow is the session's time at the wall-clock instant wall: the
// wall clock itself live, the simulated clock carried on at its speed in
// a rehearsal (until the next snapshot says where it is).
func (s Snapshot) SessionNow(wall time.Time) time.Time {
	c := s.Clock
	if !c.Simulated || c.Wall.IsZero() {
		return wall
	}
	speed := c.Speed
	if speed <= 0 {
		speed = 1
	}
	return c.Now.Add(time.Duration(float64(wall.Sub(c.Wall)) * speed))
}

// CurrentStep returns the current step, or ok=false once ended.
func (s Snapshot) CurrentStep() (StepView, bool) {
	if s.Current < 0 || s.Current >= len(s.Steps) {
		return StepView{}, false
	}
	return s.Steps[s.Current], true
}

// Check returns the current step's check by id.
func (s Snapshot) Check(id string) (CheckView, bool) {
	for _, c := range s.Checks {
		if c.Check.ID == id {
			return c, true
		}
	}
	return CheckView{}, false
}

// FailingChecks lists the current step's checks that do not pass, for the
// override dialog.
func (s Snapshot) FailingChecks() []CheckView {
	var out []CheckView
	for _, c := range s.Checks {
		if c.Check.Kind == checks.KindManual {
			if !c.Ticked {
				out = append(out, c)
			}
			continue
		}
		if !c.HasResult || c.Result.Status != checks.StatusPass {
			out = append(out, c)
		}
	}
	return out
}
