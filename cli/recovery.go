package cli

import (
	"fmt"
	"time"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// resumeNotices tells the operator, on stderr, what a resume found: a
// suspension (a halt) the session resumes in, an action that a quit or a
// signal interrupted, and an action from before the break whose process
// group still runs. Every text from the journal is shown through termtext.
func resumeNotices(stdio IO, e *session.Engine) {
	if e.Suspended() {
		fmt.Fprintf(stdio.Err, "handrail: the session was halted at step %s: %s\n", termtext.Line(e.HaltStep()), termtext.Line(e.HaltReason()))
		fmt.Fprintf(stdio.Err, "handrail: it resumes suspended: the step's checks run again; it goes on only when you continue it, with a reason\n")
	}
	step, _, _ := e.Current()
	if d := e.Interrupted(); d != nil {
		fmt.Fprintf(stdio.Err, "handrail: the action of step %s (%s) was interrupted by %s: %s\n",
			termtext.Line(d.Step), termtext.Line(d.Describe), termtext.Line(d.Cause), termtext.Line(d.Stopped))
	}
	if p := e.RunningProcess(); p != nil && e.OrphanAlive() {
		fmt.Fprintf(stdio.Err, "handrail: the action of step %s is still running (process group %d, started %s): it will not be run again, and its outcome cannot be attested, until it has ended\n",
			termtext.Line(step.Key), p.PGID, p.Started.Local().Format(time.DateTime))
	} else if st, _ := e.Action(); st == session.ActionUnknown {
		fmt.Fprintf(stdio.Err, "handrail: the outcome of step %s's action is unknown: check what happened, then attest it\n", termtext.Line(step.Key))
	}
}
