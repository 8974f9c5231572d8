package session

import "github.com/handrail/handrail/checks"

// A check's `within` deadline is the time its step gives the world to
// change. On a step with an action, what the checks wait for is usually
// what the action does, so their deadline runs from the action's end (an
// action.end that reached its target, OK or not, or an attested outcome
// other than not-run), never from the step's entry: an operator reading a
// long step before running its action must not see it fail, and halt, on a
// deadline. Until then the checks poll and show their values, a fail_when
// verdict still fails at once (a replica already broken is broken), and
// stable_for runs as usual. A step without an action keeps its deadlines
// from its entry (or from a resume, as the poller starts again then).

// DeadlinesWaitForAction reports whether the current step's `within`
// deadlines wait for its action: the step has one, and it has not run on
// this visit. The runner then polls with the deadlines held
// (checks.Poller.StartHeld), and the console says the checks wait for the
// action.
func (e *Engine) DeadlinesWaitForAction() bool {
	if e.cur < 0 || e.ended != "" || e.st[e.cur].state != StateCurrent {
		return false
	}
	return e.units[e.cur].Step.Action != nil && !e.actionRan
}

// holdDeadline makes sure no deadline fails a check while the deadlines
// wait for the action, whatever judged the result: a fail that is not a
// fail_when verdict can only be a deadline's, so it is still waiting.
func (e *Engine) holdDeadline(r checks.Result) checks.Result {
	if r.Status == checks.StatusFail && !r.Verdict.Final && e.DeadlinesWaitForAction() {
		r.Status, r.Left = checks.StatusWaiting, 0
	}
	return r
}

// on_fail fires once per decision: a step's first failure fires it (a
// halt, or the goto's offer), and a continue, the operator's new decision
// after a halt, arms it again. A check already failing when the session
// was continued (its evidence says fail) does not fire it again for the
// same failure, or the session would halt again at the next poll of the
// check the operator chose to go on with; its failure is new, and fires,
// once it is a fail_when verdict where it was a deadline's (a replica
// that now reports error 1236), or once the check has answered without
// failing and then fails again.

// rearmOnFail is session.continue applied to on_fail's arming.
func (e *Engine) rearmOnFail(d ContinueData) {
	e.onFailFired, e.excused = false, nil
	for _, ev := range d.Evidence {
		if ev.Status != checks.StatusFail.String() {
			continue
		}
		if e.excused == nil {
			e.excused = map[string]bool{}
		}
		e.excused[ev.Check] = ev.Verdict.Final
	}
}

// newFailure reports whether r, a fail, is new since the last continue.
func (e *Engine) newFailure(r checks.Result) bool {
	final, excused := e.excused[r.CheckID]
	return !excused || (!final && r.Verdict.Final)
}

// endsExcuse reports whether r ends a continued failure: the check
// answered and does not fail.
func (e *Engine) endsExcuse(r checks.Result) bool {
	_, excused := e.excused[r.CheckID]
	return excused && e.endsExcuseStatus(r.Status)
}

// endsExcuseStatus: a check answered with data that does not fail.
func (e *Engine) endsExcuseStatus(st checks.Status) bool {
	return st != checks.StatusFail && st != checks.StatusUnreachable && st != checks.StatusPending
}

// clearExcuse is a journaled check.status applied to on_fail's arming.
func (e *Engine) clearExcuse(id string, st checks.Status) {
	if _, ok := e.excused[id]; ok && e.endsExcuseStatus(st) {
		delete(e.excused, id)
		if len(e.excused) == 0 {
			e.excused = nil
		}
	}
}
