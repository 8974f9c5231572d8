package rehearsal

import (
	"errors"

	"github.com/handrail/handrail/checks"
)

// unreachedError is what a client says when it never reached the simulated
// server (an outage, a server that is down): a probe then has the state
// unreachable, and an action did not run (checks.ActionResult.Unreachable),
// as with the live drivers.
type unreachedError struct{ msg string }

func (e unreachedError) Error() string { return e.msg }

func unreached(err error) bool {
	var u unreachedError
	return errors.As(err, &u)
}

// errObservation is a probe's observation of err: no data, and the state
// unreachable when the target was never reached.
func errObservation(err error) checks.Observation {
	obs := checks.Observation{Error: err.Error()}
	if unreached(err) {
		obs.State = checks.StateUnreachable
	}
	return obs
}

// errResult is an action's result for err, which stopped it before it ran
// to an answer.
func errResult(err error) checks.ActionResult {
	return checks.ActionResult{Error: err.Error(), ExitCode: -1, Unreachable: unreached(err)}
}
