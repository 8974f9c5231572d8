package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/handrail/handrail/checks"
)

// ActionProcess records the process group the running action started
// (action.process), as the driver reported it once the child ran. A
// resumed session uses it to tell whether the action is still running.
func (e *Engine) ActionProcess(p checks.ActionProcess) error {
	if err := e.live(); err != nil {
		return err
	}
	if e.action != ActionRunning {
		return fmt.Errorf("%w: no action is running", ErrNoAction)
	}
	return e.emit(EvActionProcess, ActionProcessData{Step: e.units[e.cur].Key, Process: p})
}

// ActionInterrupted records that the running action was stopped because
// handrail was quit or signalled (cause: "quit", "end of input", "SIGHUP",
// …), how it was stopped, and what the driver returned. The action's
// outcome is then unknown: the operator attests it before the step can be
// left.
func (e *Engine) ActionInterrupted(cause, stopped string, grace time.Duration, res checks.ActionResult) error {
	if err := e.live(); err != nil {
		return err
	}
	if e.action != ActionRunning {
		return fmt.Errorf("%w: no action is running", ErrNoAction)
	}
	u := e.units[e.cur]
	d := ActionInterruptedData{Step: u.Key, Cause: cause, Stopped: stopped, GraceNS: grace, Process: e.actionProc, Result: res}
	if a := u.Step.Action; a != nil {
		d.Describe = a.Describe()
	}
	if err := e.emit(EvActionInterrupted, d); err != nil {
		return err
	}
	_, err := e.updateGate()
	return err
}

// Interrupted is the interruption of the current step's action (nil if
// none): what resume shows.
func (e *Engine) Interrupted() *ActionInterruptedData { return e.interrupted }

// InterruptedAt is when the current step's action was interrupted, on the
// session's clock (zero when it was not).
func (e *Engine) InterruptedAt() time.Time {
	if e.interrupted == nil {
		return time.Time{}
	}
	return e.interruptedAt
}

// RunningProcess is the current action's process group, as journaled
// (nil when none was reported).
func (e *Engine) RunningProcess() *checks.ActionProcess { return e.actionProc }

// OrphanAlive reports whether an action started before a break is still
// running in its process group. While it is, the action is neither run
// again nor attested, and the gate stays closed.
func (e *Engine) OrphanAlive() bool { return e.orphanAlive }

// orphan describes, at resume, an action that started and never ended:
// its process group and whether it is still alive.
func (e *Engine) orphan() *OrphanData {
	if e.cur < 0 || (e.action != ActionRunning && e.action != ActionUnknown) {
		return nil
	}
	u := e.units[e.cur]
	o := &OrphanData{Step: u.Key, Process: e.actionProc, Interrupted: e.interrupted}
	if a := u.Step.Action; a != nil {
		o.Describe = a.Describe()
	}
	if e.actionProc != nil {
		o.Alive = e.cfg.ProcessAlive(*e.actionProc)
	}
	return o
}

// refreshOrphan looks again whether the action from before the break is
// still alive; it reports whether that changed.
func (e *Engine) refreshOrphan() bool {
	if !e.orphanAlive || e.actionProc == nil {
		return false
	}
	if e.cfg.ProcessAlive(*e.actionProc) {
		return false
	}
	e.orphanAlive = false
	return true
}

// errOrphanAlive says the action from before the break still runs.
func (e *Engine) errOrphanAlive(what string) error {
	p := e.actionProc
	return fmt.Errorf("%s: %w: the action started before the break is still running (process group %d, started %s): wait until it has ended",
		what, errActionAlive, p.PGID, p.Started.Local().Format("15:04:05"))
}

var errActionAlive = errors.New("the action is still running")
