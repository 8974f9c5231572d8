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

// Live is the Runtime of a session being driven: the session engine, the
// poller that feeds it and the driver that runs actions. The engine is not
// safe for concurrent use, so Live serialises every call to it with a mutex;
// the console calls Live only from tea.Cmds, never from Update.
type Live struct {
	mu     sync.Mutex
	eng    *session.Engine
	poller *checks.Poller
	drv    checks.Driver
	ctx    context.Context
	rb     *steps.Runbook
	seq    uint64

	// The poller's generation for the engine generation it polls: results
	// are re-stamped with the engine's generation before Observe.
	engGen, pollGen uint64
	pollKey         string
	polling         bool
}

// NewLive wraps an engine (fresh or resumed), a poller over drv and drv
// itself. ctx bounds the polling. The caller closes the driver.
func NewLive(ctx context.Context, rb *steps.Runbook, eng *session.Engine, poller *checks.Poller, drv checks.Driver) *Live {
	l := &Live{eng: eng, poller: poller, drv: drv, ctx: ctx, rb: rb}
	l.mu.Lock()
	l.syncPoller()
	l.mu.Unlock()
	return l
}

// syncPoller points the poller at the engine's current step (with l.mu
// held): a new step or a new generation restarts it.
func (l *Live) syncPoller() {
	view, st, ok := l.eng.Current()
	if !ok || l.eng.Ended() != "" {
		if l.polling {
			l.poller.Stop()
			l.polling = false
		}
		return
	}
	if l.polling && l.pollKey == view.Key && l.engGen == l.eng.Generation() {
		return
	}
	l.pollKey, l.engGen = view.Key, l.eng.Generation()
	l.pollGen = l.poller.Start(l.ctx, view.Key, st.Checks)
	l.polling = true
}

// Snapshot is the session now.
func (l *Live) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snapshotLocked()
}

func (l *Live) snapshotLocked() Snapshot {
	l.seq++
	return buildSnapshot(l.eng, l.rb, l.seq, false)
}

// Wait blocks for the next poll result, feeds it to the engine and returns
// the new state. While no result comes it re-judges the gate every second,
// so a result going stale closes the gate on screen too.
func (l *Live) Wait(ctx context.Context) (Event, error) {
	for {
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		r, ok := l.poller.Next(wctx)
		timedOut := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		if !ok && !timedOut {
			return Event{}, ErrClosed
		}
		l.mu.Lock()
		if !ok {
			changed, err := l.eng.Refresh()
			if err != nil || changed {
				s := l.snapshotLocked()
				l.mu.Unlock()
				return Event{Snap: s}, err
			}
			l.mu.Unlock()
			continue
		}
		if r.Gen != l.pollGen || r.Step != l.pollKey {
			l.mu.Unlock()
			continue // an answer for a step already left
		}
		r.Gen = l.engGen
		changed, err := l.eng.Observe(r)
		l.syncPoller()
		s := l.snapshotLocked()
		l.mu.Unlock()
		if err != nil {
			return Event{Snap: s}, err
		}
		_ = changed // every result updates a panel, changed or not
		return Event{Result: &r, Snap: s}, nil
	}
}

func (l *Live) do(op func() error) (Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := op()
	l.syncPoller()
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
func (l *Live) Advance() (Snapshot, error) { return l.do(l.eng.Next) }

// Override records the operator's override; the console has already asked
// for the second confirmation.
func (l *Live) Override(o Override) (Snapshot, error) {
	return l.do(func() error {
		return l.eng.Override(session.OverrideRequest{Checks: o.Checks, Category: o.Category, Reason: o.Reason, Confirmed: true})
	})
}

// Annotate is Engine.Note.
func (l *Live) Annotate(text string) (Snapshot, error) {
	return l.do(func() error { return l.eng.Note(text) })
}

// Tick is Engine.Tick.
func (l *Live) Tick(id string, ticked bool) (Snapshot, error) {
	return l.do(func() error { return l.eng.Tick(id, ticked) })
}

// Attest records what happened to an action whose end was never journaled.
func (l *Live) Attest(outcome, text string) (Snapshot, error) {
	return l.do(func() error { return l.eng.AttestUnknown(outcome, text) })
}

// RunAction journals action.start, runs the action through the driver
// without holding the lock (a slow action must not freeze the panels),
// journals action.end and polls at once to show its effect.
func (l *Live) RunAction(ctx context.Context) (checks.ActionResult, Snapshot, error) {
	l.mu.Lock()
	a, _, err := l.eng.ActionStart(true)
	if err != nil {
		s := l.snapshotLocked()
		l.mu.Unlock()
		return checks.ActionResult{}, s, err
	}
	l.mu.Unlock()

	timeout := 5 * time.Minute
	if a.Timeout > 0 {
		timeout = time.Duration(a.Timeout)
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	res := l.drv.Run(actx, a)
	cancel()

	l.mu.Lock()
	defer l.mu.Unlock()
	err = l.eng.ActionEnd(res)
	l.poller.PokeAll()
	return res, l.snapshotLocked(), err
}

// Repoll makes every check poll now.
func (l *Live) Repoll() { l.poller.PokeAll() }

// Quit journals session.end (quit) and stops polling.
func (l *Live) Quit() (Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.eng.Quit()
	l.poller.Stop()
	l.polling = false
	return l.snapshotLocked(), err
}

// Engine runs fn with the engine locked, for callers (the cli) that need it
// after the console has ended.
func (l *Live) Engine(fn func(*session.Engine)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(l.eng)
}

// buildSnapshot copies what the screen needs out of an engine.
func buildSnapshot(eng *session.Engine, rb *steps.Runbook, seq uint64, readOnly bool) Snapshot {
	start := eng.Start()
	es := eng.Snapshot()
	s := Snapshot{
		Seq:       seq,
		Runbook:   rb,
		SessionID: eng.SessionID(),
		Operator:  start.Operator.Name,
		Rehearsal: start.Mode == session.ModeRehearsal,
		Scenario:  start.Scenario,
		ReadOnly:  readOnly,
		Started:   es.Started,
		Params:    start.Params,
		Targets:   map[string]checks.Target{},
		Current:   -1,
		Ended:     eng.Ended(),
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
	raw := map[string]steps.Step{}
	for _, st := range rb.AllSteps() {
		raw[st.ID] = st
	}
	curView, curStep, hasCur := eng.Current()
	for _, v := range eng.Steps() {
		sv := StepView{ID: v.ID, Item: v.Item, Section: v.Section, State: stepState(v.State), SkipReason: v.Reason}
		if hasCur && v.Index == curView.Index {
			sv.Step = curStep
			s.Current = v.Index
		} else {
			sv.Step = bindForDisplay(raw[v.ID], start.Params, v.Item)
			sv.Step.Title = v.Title
		}
		s.Steps = append(s.Steps, sv)
	}
	for _, c := range eng.Checks() {
		cv := CheckView{Check: c.Check, Ticked: c.Ticked}
		if c.Last != nil {
			cv.Result, cv.HasResult = *c.Last, true
		}
		s.Checks = append(s.Checks, cv)
	}
	g := eng.Gate()
	s.Gate.Open = g.Open && s.Ended == ""
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
	}
	s.Downtime = Downtime{Running: eng.DowntimeRunning(), Since: es.DowntimeSince, Total: es.DowntimeTotal}
	if act, last := eng.Action(); act == session.ActionUnknown {
		s.ActionUnknown = true
		s.Notice = "the action started before the break and its outcome is unknown: press x to attest what happened"
	} else if act == session.ActionRunning {
		s.Notice = "the action is running"
	} else if last != nil && !last.OK() {
		s.Notice = "the last action failed: " + actionFailure(*last)
	}
	if r := eng.HaltReason(); r != "" {
		s.Notice = "halted: " + r
	}
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
	}
	return StepPending
}

// bindForDisplay substitutes the session's (non-secret) params into a step
// the operator browses but is not on: only the text shown, never anything
// that runs.
func bindForDisplay(st steps.Step, params map[string]string, item string) steps.Step {
	var pairs []string
	for k, v := range params {
		pairs = append(pairs, "${"+k+"}", v)
	}
	if item != "" {
		as := "item"
		if st.Foreach != nil && st.Foreach.As != "" {
			as = st.Foreach.As
		}
		pairs = append(pairs, "${"+as+"}", item)
	}
	r := strings.NewReplacer(pairs...)
	st.Body = r.Replace(st.Body)
	st.Title = r.Replace(st.Title)
	cmds := make([]steps.Command, len(st.Commands))
	for i, c := range st.Commands {
		cmds[i] = steps.Command{On: c.On, Run: r.Replace(c.Run)}
	}
	st.Commands = cmds
	return st
}
