package serve

import (
	"context"
	"fmt"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// consoleRT is the tui.Runtime of one console on a hosted session. The
// driver's calls go to the session's tui.Live and their results are
// published to every other console; a watcher's are refused (read-only),
// except a decision on an approval request by a person with the approver
// role (tui.Decider).
type consoleRT struct {
	h      *Hosted
	sub    *subscription
	who    session.Operator
	person *Person
	driver bool
}

func newConsoleRT(h *Hosted, who session.Operator, p *Person, driver bool) *consoleRT {
	return &consoleRT{h: h, sub: h.subscribe(driver), who: who, person: p, driver: driver}
}

var _ tui.Decider = (*consoleRT)(nil)

func (rt *consoleRT) view(s tui.Snapshot) tui.Snapshot {
	if !rt.driver {
		s.ReadOnly = true
	}
	return s
}

// Snapshot is the session now (the newest published one for a watcher).
func (rt *consoleRT) Snapshot() tui.Snapshot {
	if rt.driver {
		return rt.h.live.Snapshot()
	}
	return rt.view(rt.h.Latest())
}

// Wait returns the next published event; ErrClosed once the session is no
// longer driven here (its last event says why).
func (rt *consoleRT) Wait(ctx context.Context) (tui.Event, error) {
	select {
	case <-ctx.Done():
		return tui.Event{}, tui.ErrClosed
	case u, ok := <-rt.sub.ch:
		if !ok {
			return tui.Event{}, tui.ErrClosed
		}
		u.ev.Snap = rt.view(u.ev.Snap)
		return u.ev, u.err
	}
}

// close stops the console's subscription.
func (rt *consoleRT) close() { rt.h.unsubscribe(rt.sub) }

// done publishes the result of a driver's request to the watchers (the
// driver's console has it as the request's answer).
func (rt *consoleRT) done(s tui.Snapshot, err error) (tui.Snapshot, error) {
	rt.h.publish(tui.Event{Snap: s}, nil, false)
	return s, err
}

func (rt *consoleRT) readOnly() (tui.Snapshot, error) { return rt.Snapshot(), tui.ErrReadOnly }

// Advance is the driver's `n`.
func (rt *consoleRT) Advance() (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Advance())
}

// Override is the driver's override.
func (rt *consoleRT) Override(o tui.Override) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Override(o))
}

// Annotate is the driver's note.
func (rt *consoleRT) Annotate(text string) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Annotate(text))
}

// Tick is the driver's tick of a manual item.
func (rt *consoleRT) Tick(id string, ticked bool) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Tick(id, ticked))
}

// Attest is the driver's attestation of an action's unknown outcome.
func (rt *consoleRT) Attest(outcome, text string) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Attest(outcome, text))
}

// RunAction runs the step's action for the driver. The action is cancelled
// (and its outcome left to attest) if the session stops being driven here.
func (rt *consoleRT) RunAction(ctx context.Context) (checks.ActionResult, tui.Snapshot, error) {
	if !rt.driver {
		s, err := rt.readOnly()
		return checks.ActionResult{}, s, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-rt.h.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	rt.h.publish(tui.Event{Snap: rt.h.live.Snapshot()}, nil, false)
	res, s, err := rt.h.live.RunAction(ctx)
	s, err = rt.done(s, err)
	return res, s, err
}

// Repoll polls now; a watcher never probes the systems.
func (rt *consoleRT) Repoll() {
	if rt.driver {
		rt.h.live.Repoll()
	}
}

// Quit ends the session for now (driver), or stops watching.
func (rt *consoleRT) Quit() (tui.Snapshot, error) {
	if !rt.driver {
		return rt.Snapshot(), nil
	}
	return rt.done(rt.h.live.Quit())
}

// MayDecide: the approver role, and never the requester.
func (rt *consoleRT) MayDecide(a tui.ApprovalView) (bool, string) {
	switch {
	case !rt.person.Has(RoleApprover):
		return false, fmt.Sprintf("approval #%d: only a person with the approver role decides (the team file gives %s: %v)", a.ID, rt.person.Name, rt.person.Roles)
	case session.SamePerson(a.Requester, rt.who):
		return false, fmt.Sprintf("approval #%d: you asked for it; a different person with the approver role must decide", a.ID)
	}
	return true, ""
}

// Decide records this person's decision; the engine refuses the
// requester's own whatever the console shows.
func (rt *consoleRT) Decide(id uint64, grant bool, reason string) (tui.Snapshot, error) {
	if !rt.person.Has(RoleApprover) {
		return rt.Snapshot(), fmt.Errorf("only a person with the approver role decides approval requests")
	}
	s, err := rt.h.live.DecideAs(rt.who, id, grant, reason)
	rt.h.publish(tui.Event{Snap: s}, nil, true)
	return rt.view(s), err
}
