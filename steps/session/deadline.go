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
