package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// Live is the Runtime of a session being driven: the session engine and
// the session.Runner that polls its checks and runs its actions. The engine
// is not safe for concurrent use, so Live serialises every call to it (and
// to the runner's Feed/Sync) with a mutex; the console calls Live only from
// tea.Cmds, never from Update.
type Live struct {
	mu  sync.Mutex
	r   *session.Runner
	rb  *steps.Runbook
	seq uint64
	// changed wakes Wait when the session changed from outside the
	// console (a decision through the approval socket, approval.go).
	changed chan struct{}
	// rh is a rehearsal's simulated world and debrief (world.go).
	rh rehearsalHooks
}

// NewLive wraps a runner (over a fresh or resumed engine). rb is the
// session's runbook, for the text of steps other than the current one; nil
// means the engine's own. The caller closes the runner and the driver.
func NewLive(r *session.Runner, rb *steps.Runbook) *Live {
	return &Live{r: r, rb: rb, changed: make(chan struct{}, 1)}
}

// Snapshot is the session now.
func (l *Live) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snapshotLocked()
}

func (l *Live) snapshotLocked() Snapshot {
	l.seq++
	return buildSnapshot(l.r.Engine(), l.rb, l.seq, false)
}

// refreshEvery is how often Wait re-judges the gate while no result comes,
// so a result going stale closes the gate on screen too.
const refreshEvery = time.Second

// Wait blocks for the next poll result, feeds it to the engine and returns
// the new state. When ctx has a deadline (the console gathering one frame's
// results), it feeds every result that arrives until then and copies the
// session out once, at the deadline; with none, it returns ErrClosed then.
// Copying the session is most of what a result costs the console: with 40
// checks every 100 ms, one copy a frame instead of one a result.
func (l *Live) Wait(ctx context.Context) (Event, error) {
	_, gather := ctx.Deadline()
	t := time.NewTimer(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return Event{}, ErrClosed
		case <-l.changed:
			return Event{Snap: l.Snapshot()}, nil
		case <-t.C:
			l.mu.Lock()
			changed, err := l.r.Engine().Refresh()
			l.r.Sync()
			if err != nil || changed {
				s := l.snapshotLocked()
				l.mu.Unlock()
				return Event{Snap: s}, err
			}
			l.mu.Unlock()
			t.Reset(refreshEvery)
		case res := <-l.r.Results():
			last, err := l.feed(res)
		more:
			for gather && err == nil {
				select {
				case res, ok := <-l.r.Results():
					if !ok {
						break more
					}
					var r *checks.Result
					if r, err = l.feed(res); r != nil {
						last = r
					}
				case <-ctx.Done():
					break more
				}
			}
			if err == nil && last == nil {
				continue // answers for a step already left
			}
			l.mu.Lock()
			s := l.snapshotLocked()
			l.mu.Unlock()
			if err != nil {
				return Event{Snap: s}, err
			}
			return Event{Result: last, Snap: s}, nil
		}
	}
}

// feed hands res, and every result already waiting behind it, to the
// engine; last is the newest one it took (nil: all were for a step already
// left).
func (l *Live) feed(res checks.Result) (last *checks.Result, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		var fed bool
		fed, err = l.r.Feed(res)
		l.r.Sync()
		if fed {
			r := res
			last = &r
		}
		if err != nil {
			return last, err
		}
		var ok bool
		select {
		case res, ok = <-l.r.Results():
		default:
		}
		if !ok {
			return last, nil
		}
	}
}

func (l *Live) do(op func(*session.Engine) error) (Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := op(l.r.Engine())
	l.r.Sync()
	return l.snapshotLocked(), mapErr(err)
}

// mapErr turns the engine's gate refusal into the console's GateError.
func mapErr(err error) error {
	var ge *session.GateClosedError
	if errors.As(err, &ge) {
		out := &GateError{Reason: err.Error()}
		var why []string
		for _, b := range ge.Blocking {
			id := b.Check
			if id == "" {
				id = session.BlockActionKey
			}
			out.Blocking = append(out.Blocking, id)
			why = append(why, b.String())
		}
		out.Reason = strings.Join(why, "; ")
		return out
	}
	return err
}

// Advance is Engine.Next.
func (l *Live) Advance() (Snapshot, error) { return l.do((*session.Engine).Next) }

// Override records the operator's override; the console has already asked
// for the second confirmation.
func (l *Live) Override(o Override) (Snapshot, error) {
	return l.do(func(e *session.Engine) error {
		return e.Override(session.OverrideRequest{Checks: o.Checks, Category: o.Category, Reason: o.Reason, Confirmed: true})
	})
}

// Annotate is Engine.Note.
func (l *Live) Annotate(text string) (Snapshot, error) {
	return l.do(func(e *session.Engine) error { return e.Note(text) })
}

// Tick is Engine.Tick.
func (l *Live) Tick(id string, ticked bool) (Snapshot, error) {
	return l.do(func(e *session.Engine) error { return e.Tick(id, ticked) })
}

// Attest records what happened to an action whose end was never journaled.
func (l *Live) Attest(outcome, text string) (Snapshot, error) {
	return l.do(func(e *session.Engine) error { return e.AttestUnknown(outcome, text) })
}

// RunAction journals action.start and has the runner run the action in the
// background; the lock is not held meanwhile (a slow action must not freeze
// the panels). Its result is journaled as action.end.
func (l *Live) RunAction(ctx context.Context) (checks.ActionResult, Snapshot, error) {
	l.mu.Lock()
	a, _, err := l.r.Engine().ActionStart(true)
	if err != nil {
		s := l.snapshotLocked()
		l.mu.Unlock()
		return checks.ActionResult{}, s, err
	}
	l.r.RunAction(a)
	l.mu.Unlock()

	var res checks.ActionResult
wait:
	for {
		select {
		case res = <-l.r.ActionResults():
			break wait
		case p := <-l.r.ActionProcesses():
			// The action's process group goes on the record at once.
			l.mu.Lock()
			err := l.r.RecordProcess(p)
			l.mu.Unlock()
			if err != nil {
				return checks.ActionResult{}, l.Snapshot(), err
			}
		case <-ctx.Done():
			// The console is closing: Interrupt gives the action its grace
			// period and journals what happened to it.
			return checks.ActionResult{}, l.Snapshot(), ctx.Err()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err = l.r.FinishAction(res)
	return res, l.snapshotLocked(), err
}

// Repoll makes every check poll now.
func (l *Live) Repoll() { l.r.Poke() }

// Quit journals session.end (quit); polling stops. A running action is
// given its grace period, then stopped and journaled as interrupted.
func (l *Live) Quit() (Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.r.Quit("quit")
	return l.snapshotLocked(), err
}

// Interrupt is for a console that stopped without a quit (a signal): a
// running action is given its grace period, then stopped and journaled as
// interrupted (cause: "SIGHUP", "SIGTERM", …). The session stays
// resumable.
func (l *Live) Interrupt(cause string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Interrupt(cause)
}

// buildSnapshot copies what the screen needs out of an engine.
func buildSnapshot(eng *session.Engine, rb *steps.Runbook, seq uint64, readOnly bool) Snapshot {
	start := eng.Start()
	if rb == nil {
		rb = runbookOf(eng)
	}
	es := eng.Snapshot()
	s := Snapshot{
		Seq:        seq,
		Runbook:    rb,
		SessionID:  eng.SessionID(),
		Operator:   es.Operator.Name, // who drives now: a resume may be another person's
		Rehearsal:  start.Mode == session.ModeRehearsal,
		Scenario:   start.Scenario,
		ReadOnly:   readOnly,
		Started:    es.Started,
		Params:     start.Params,
		Targets:    map[string]checks.Target{},
		Current:    -1,
		Ended:      eng.Ended(),
		StepCount:  eng.StepCount(),
		HaltReason: eng.HaltReason(),
		LastRecord: eng.LastRecord(),
		Clock:      SessionClock{Simulated: eng.Simulated(), Now: eng.Now(), Wall: time.Now(), Speed: eng.Speed()},
		Plan:       eng.Plan(),
	}
	for _, w := range eng.Warnings() {
		s.Warnings = append(s.Warnings, w.Text)
	}
	if s.Operator == "" {
		s.Operator = start.Operator.User
	}
	for name, t := range rb.Targets {
		if bound, ok := eng.Target(name); ok {
			t = bound
		}
		t.Name = name
		s.Targets[name] = t
	}
	// A foreach step's copies name their own targets ("server@tc-m1"):
	// the screen says where those are too.
	for name, t := range eng.Targets() {
		if _, ok := s.Targets[name]; !ok {
			t.Name = name
			s.Targets[name] = t
		}
	}
	curView, curStep, hasCur := eng.Current()
	for _, v := range eng.Steps() {
		sv := StepView{ID: v.ID, Item: v.Item, Number: v.Number, Section: v.Section, State: stepState(v.State), SkipReason: v.Reason}
		if hasCur && v.Index == curView.Index {
			sv.Step = curStep
			s.Current = v.Index
		} else {
			sv.Step, _ = eng.StepAt(v.Index)
		}
		s.Steps = append(s.Steps, sv)
	}
	for _, c := range eng.Checks() {
		cv := CheckView{Check: c.Check, Ticked: c.Ticked, AwaitsAction: c.AwaitsAction}
		if c.Last != nil {
			cv.Result, cv.HasResult = *c.Last, true
		}
		s.Checks = append(s.Checks, cv)
	}
	g := eng.Gate()
	s.Gate.Open = g.Open && s.Ended == ""
	s.Gate.Overridden = g.Overridden
	var why []string
	for _, b := range g.Blocking {
		id := b.Check
		if id == "" {
			id = session.BlockActionKey
		}
		s.Gate.Blocking = append(s.Gate.Blocking, id)
		why = append(why, b.String())
	}
	if len(why) > 0 {
		s.Gate.Reason = why[0]
		if len(why) > 1 {
			s.Gate.Reason += " …"
		}
	}
	if g.OnFail != nil {
		s.Advice = g.OnFail.Say
		if g.OnFail.Goto != "" {
			s.Advice += " (the runbook says: go to step " + g.OnFail.Goto + ")"
		}
	} else if of := eng.OnFail(); of != nil && s.Ended == session.EndHalted {
		// A halted session's gate says only that it ended: the runbook's
		// instruction is what the operator must read.
		s.Advice = of.Say
	}
	s.Downtime = Downtime{Running: eng.DowntimeRunning(), Since: es.DowntimeSince, Total: es.DowntimeTotal}
	if act, last := eng.Action(); act == session.ActionUnknown {
		s.ActionUnknown = true
		s.Interruption = interruptionOf(eng)
		s.Notice = s.Interruption.Notice()
	} else if act == session.ActionRunning {
		s.ActionRunning = true
		s.Notice = "the action is running"
	} else if last != nil && last.Unreachable {
		s.Notice = actionNotRun(*last)
	} else if last != nil && !last.OK() {
		s.Notice = "the last action failed: " + actionFailure(*last)
	}
	if r := eng.HaltReason(); r != "" {
		s.Notice = "halted: " + r
	}
	s.Approval = approvalOf(eng)
	s.Recovery = recoveryOf(eng)
	return s
}

func stepState(s session.StepState) StepState {
	switch s {
	case session.StateCurrent:
		return StepCurrent
	case session.StateDone:
		return StepDone
	case session.StateSkipped:
		return StepSkipped
	case session.StateOverridden:
		return StepOverridden
	case session.StateFailed:
		return StepFailed
	default: // session.StatePending, or a state this view does not know: not reached yet
		return StepPending
	}
}

// runbookOf is the engine's runbook, or a stub named after session.start
// when the engine was built without one.
func runbookOf(eng *session.Engine) *steps.Runbook {
	if rb := eng.Runbook(); rb != nil {
		return rb
	}
	ref := eng.Start().Runbook
	return &steps.Runbook{ID: ref.ID, Title: ref.Title, Source: ref.Source, Path: ref.Path, SHA256: ref.SHA256, Targets: eng.Targets()}
}
