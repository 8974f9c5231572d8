package session

import (
	"fmt"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
)

// Blocker is one reason the gate is closed. Check is "" for a blocker that
// is not a check (a running action, an action of unknown outcome).
type Blocker struct {
	Check  string
	Status string
	Reason string
}

func (b Blocker) String() string {
	if b.Check == "" {
		return b.Reason
	}
	return fmt.Sprintf("%s: %s (%s)", b.Check, b.Status, b.Reason)
}

// Blocker statuses besides the check statuses (pending, waiting, holding,
// fail).
const (
	BlockStale     = "stale"
	BlockUnticked  = "unticked"
	BlockAction    = "action-running"
	BlockUnknown   = "unknown-outcome"
	BlockEnded     = "ended"
	BlockActionKey = "action" // the id gate.closed lists for an action blocker
	// BlockSuspended: a halt suspended the session; Continue ends it.
	BlockSuspended = "suspended"
	// BlockActionAlive: an action from before the break still runs.
	BlockActionAlive = "action-alive"
	// BlockSuspendedKey is the id gate.closed lists for a suspension.
	BlockSuspendedKey = "suspended"
)

// Gate says whether the current step may be left with Next, and if not,
// why. OnFail is the step's on_fail advice once one of its checks has
// failed.
type Gate struct {
	Open     bool
	Blocking []Blocker
	OnFail   *steps.OnFail
	// Overridden names the checks an override of this visit covers: the
	// gate is open by override, and next leaves via override.
	Overridden []string
}

// MaxAge is how old a check's latest result may be and still hold the gate
// open: two poll intervals plus one attempt's timeout. A poller that is
// alive always delivers within that; an older result means the probe hangs
// or the poller stopped, and the gate must not stay open on old news.
func MaxAge(c checks.Check) time.Duration {
	return 2*c.PollInterval() + c.AttemptTimeout()
}

// Gate is the gate of the current step, now.
func (e *Engine) Gate() Gate { return e.gateAt(e.clock()) }

func (e *Engine) gateAt(now time.Time) Gate {
	if e.ended != "" {
		return Gate{Blocking: []Blocker{{Status: BlockEnded, Reason: "the session has ended (" + e.ended + ")"}}}
	}
	if e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return Gate{Blocking: []Blocker{{Status: BlockEnded, Reason: "no current step"}}}
	}
	u := e.units[e.cur]
	var g Gate
	if e.onFail != nil {
		g.OnFail = u.Step.OnFail
	}
	g.Overridden = sortedKeys(e.overridden)
	if e.suspended {
		g.Blocking = append(g.Blocking, Blocker{Status: BlockSuspended,
			Reason: "the session is suspended (" + termtext.Line(e.haltReason) + "): once the condition is fixed, continue it with a reason"})
	}
	switch {
	case e.action == ActionNone:
		// No action in flight: only the checks below can block.
	case e.action == ActionRunning:
		g.Blocking = append(g.Blocking, Blocker{Status: BlockAction, Reason: "the step's action is still running"})
	case e.orphanAlive && e.actionProc != nil:
		g.Blocking = append(g.Blocking, Blocker{Status: BlockActionAlive,
			Reason: fmt.Sprintf("the action started before the break is still running (process group %d): wait until it has ended, then attest what happened", e.actionProc.PGID)})
	case e.action == ActionUnknown:
		g.Blocking = append(g.Blocking, Blocker{Status: BlockUnknown,
			Reason: "the action started before the break and its outcome is unknown: attest what happened"})
	}
	for _, c := range u.Step.Checks {
		cs := e.chk[c.ID]
		if e.overridden[c.ID] {
			continue // the operator's override covers it for this visit
		}
		if c.Kind == checks.KindManual {
			if !c.Optional && !cs.ticked {
				what := c.Attest
				if what == "" {
					what = c.Title
				}
				g.Blocking = append(g.Blocking, Blocker{Check: c.ID, Status: BlockUnticked, Reason: "not ticked: " + what})
			}
			continue
		}
		if c.Optional {
			continue
		}
		if b, blocked := checkBlocker(c, cs, now); blocked {
			g.Blocking = append(g.Blocking, b)
		}
	}
	g.Open = len(g.Blocking) == 0
	return g
}

func checkBlocker(c checks.Check, cs *checkState, now time.Time) (Blocker, bool) {
	if cs.last == nil {
		return Blocker{Check: c.ID, Status: checks.StatusPending.String(), Reason: "no result yet"}, true
	}
	r := cs.last
	if r.Status == checks.StatusUnreachable {
		// No data to judge. Only a probe that never got through says
		// "cannot reach"; a server that answered with an error (access
		// denied, a missing privilege) was reached.
		why := "cannot reach " + termtext.Line(c.Target)
		if r.Obs.State != checks.StateUnreachable && r.Obs.Error != "" {
			why = "the server answered with an error"
		}
		if r.Obs.Error != "" {
			why += ": " + termtext.Line(r.Obs.Error)
		}
		if !r.Since.IsZero() {
			why += fmt.Sprintf(" (for %s)", now.Sub(r.Since).Round(time.Second))
		}
		return Blocker{Check: c.ID, Status: r.Status.String(), Reason: why}, true
	}
	if r.Status != checks.StatusPass {
		why := r.Verdict.Reason
		if r.Obs.Error != "" {
			why = r.Obs.Error
		}
		if why == "" && r.Status == checks.StatusHolding {
			why = fmt.Sprintf("holds for %s of %s", r.Held.Round(time.Second), c.StableFor)
		}
		if why == "" {
			why = "expectations do not hold"
		}
		return Blocker{Check: c.ID, Status: r.Status.String(), Reason: why}, true
	}
	if age := now.Sub(cs.at); age > MaxAge(c) {
		return Blocker{Check: c.ID, Status: BlockStale,
			Reason: fmt.Sprintf("last result is %s old; fresh means at most %s", age.Round(time.Second), MaxAge(c))}, true
	}
	return Blocker{}, false
}

// updateGate journals gate.open or gate.closed when the gate changed.
func (e *Engine) updateGate() (bool, error) {
	if e.ended != "" || e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return false, nil
	}
	g := e.Gate()
	key := e.units[e.cur].Key
	switch {
	case g.Open && !e.gateOpen:
		return true, e.emit(EvGateOpen, GateOpenData{Step: key, Evidence: e.evidence(nil)})
	case !g.Open && e.gateOpen:
		ids := make([]string, 0, len(g.Blocking))
		for _, b := range g.Blocking {
			switch {
			case b.Check != "":
				ids = append(ids, b.Check)
			case b.Status == BlockSuspended:
				ids = append(ids, BlockSuspendedKey)
			default:
				ids = append(ids, BlockActionKey)
			}
		}
		return true, e.emit(EvGateClosed, GateClosedData{Step: key, Blocking: ids})
	}
	return false, nil
}

// evidence is the latest observation of each named check of the current
// step (every check when ids is nil).
func (e *Engine) evidence(ids []string) []Evidence {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := []Evidence{}
	for _, c := range e.units[e.cur].Step.Checks {
		if ids != nil && !want[c.ID] {
			continue
		}
		cs := e.chk[c.ID]
		ev := Evidence{Check: c.ID, Status: checks.StatusPending.String(), Ticked: cs.ticked}
		if c.Kind == checks.KindManual {
			ev.Status = BlockUnticked
			if cs.ticked {
				ev.Status = "ticked"
			}
		}
		if cs.last != nil {
			ev.Status = cs.last.Status.String()
			ev.Verdict = cs.last.Verdict
			ev.Observation = cs.last.Obs
		}
		out = append(out, ev)
	}
	return out
}
