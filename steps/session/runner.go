package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// DefaultActionGrace is how long a running action is given to finish on
// its own when handrail is quit or signalled, before it is stopped.
const DefaultActionGrace = 5 * time.Second

// Runner glues an engine to a Driver: it polls the current step's checks
// through a checks.Poller and runs confirmed actions, off the engine's
// goroutine, delivering what they produce on channels. The goroutine that
// owns the engine reads those channels and hands each value back through
// Feed and FinishAction, then calls Sync so polling follows the engine to
// its current step. Plain mode uses it; the TUI may too (wrapping the
// channel reads in tea.Cmds).
type Runner struct {
	e   *Engine
	drv checks.Driver
	p   *checks.Poller

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	results chan checks.Result
	actions chan checks.ActionResult
	procs   chan checks.ActionProcess

	// act is the action in flight (nil when none); owned by the engine's
	// goroutine. Grace is how long Interrupt lets it finish on its own.
	act   *inflight
	Grace time.Duration

	// What the poller polls: the engine generation it started for and the
	// poller's own generation, which tags the results it hands out.
	engGen  uint64
	pollGen uint64
	polling bool
}

// NewRunner starts a runner for e over d. clock is the poller's time source
// for `within` and `stable_for` (nil: the session's clock, e.SessionClock:
// the simulator's in a rehearsal on it, else the wall clock). Close stops
// it; the caller closes the Driver.
func NewRunner(e *Engine, d checks.Driver, clock func() time.Time) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	pc := e.SessionClock()
	if clock != nil {
		pc = checks.ClockFunc(clock)
	}
	r := &Runner{e: e, drv: d, p: checks.NewPollerOn(d, pc), ctx: ctx, cancel: cancel,
		results: make(chan checks.Result), actions: make(chan checks.ActionResult, 1),
		procs: make(chan checks.ActionProcess, 1), Grace: DefaultActionGrace}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			res, ok := r.p.Next(ctx)
			if !ok {
				return
			}
			select {
			case r.results <- res:
			case <-ctx.Done():
				return
			}
		}
	}()
	r.Sync()
	return r
}

// Engine is the engine the runner serves (after a resume, SetEngine).
func (r *Runner) Engine() *Engine { return r.e }

// Results delivers poll results; hand each to Feed.
func (r *Runner) Results() <-chan checks.Result { return r.results }

// ActionResults delivers the result of an action started with RunAction;
// hand it to FinishAction.
func (r *Runner) ActionResults() <-chan checks.ActionResult { return r.actions }

// Sync makes polling follow the engine: when the engine entered another
// step (or resumed) since the last Sync, polling restarts for the current
// step's checks; when the session ended, polling stops.
func (r *Runner) Sync() {
	e := r.e
	v, st, ok := e.Current()
	if e.Ended() != "" || !ok || v.State != StateCurrent {
		if r.polling {
			r.p.Stop()
			r.polling = false
		}
		return
	}
	if r.polling && r.engGen == e.Generation() {
		r.startDeadlines()
		return
	}
	r.engGen = e.Generation()
	// On a step whose action has not run yet (a resume too: the journal
	// says whether it ran), the checks' `within` deadlines wait for it.
	if e.DeadlinesWaitForAction() {
		r.pollGen = r.p.StartHeld(r.ctx, v.Key, st.Checks)
	} else {
		r.pollGen = r.p.Start(r.ctx, v.Key, st.Checks)
	}
	r.polling = true
}

// startDeadlines starts the held `within` deadlines once the engine says
// the step's action has run (its end, or an attested outcome).
func (r *Runner) startDeadlines() {
	if r.polling && !r.e.DeadlinesWaitForAction() && r.p.DeadlinesHeld() {
		r.p.StartDeadlines()
	}
}

// Feed hands a poll result to the engine, retagged with the engine's
// generation (the poller numbers its own). A result of an earlier poll is
// dropped.
func (r *Runner) Feed(res checks.Result) (bool, error) {
	if !r.polling || res.Gen != r.pollGen {
		return false, nil
	}
	res.Gen = r.engGen
	return r.e.Observe(res)
}

// Poke re-polls every check now.
func (r *Runner) Poke() { r.p.PokeAll() }

// inflight is one running action.
type inflight struct {
	cancel   context.CancelFunc
	done     chan struct{}       // closed when the driver returned
	res      checks.ActionResult // valid once done is closed
	finished bool                // its end (or interruption) is journaled
}

// RunAction runs a confirmed action (the engine journaled action.start)
// in the background; its result arrives on ActionResults. The action's own
// timeout bounds it (5 minutes when it has none). When the driver runs it
// as a child process, the process group arrives on ActionProcesses.
func (r *Runner) RunAction(a checks.Action) {
	timeout := time.Duration(a.Timeout)
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(r.ctx, timeout)
	inf := &inflight{cancel: cancel, done: make(chan struct{})}
	r.act = inf
	ctx = checks.WithProcessHook(ctx, func(p checks.ActionProcess) {
		select {
		case r.procs <- p:
		default: // one action at a time: never more than one waits
		}
	})
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		inf.res = r.drv.Run(ctx, a)
		close(inf.done)
		select {
		case r.actions <- inf.res:
		case <-r.ctx.Done():
		}
	}()
}

// ActionProcesses delivers the process group of an action started with
// RunAction, once it runs; hand it to RecordProcess.
func (r *Runner) ActionProcesses() <-chan checks.ActionProcess { return r.procs }

// RecordProcess journals the running action's process group
// (action.process), so a resume after a crash can tell whether it still
// runs. A report for an action already ended is dropped.
func (r *Runner) RecordProcess(p checks.ActionProcess) error {
	if r.act == nil || r.act.finished || r.e.RunningProcess() != nil {
		return nil
	}
	if st, _ := r.e.Action(); st != ActionRunning {
		return nil
	}
	return r.e.ActionProcess(p)
}

// recordPendingProcess journals a process report nobody has handed over
// yet (before the action's end is journaled).
func (r *Runner) recordPendingProcess() error {
	select {
	case p := <-r.procs:
		return r.RecordProcess(p)
	default:
		return nil
	}
}

// FinishAction journals an action's result and re-polls the checks at
// once: the action is usually what they wait for. A result whose action
// was already journaled as interrupted is dropped.
func (r *Runner) FinishAction(res checks.ActionResult) error {
	if r.act == nil || r.act.finished {
		return nil
	}
	if err := r.recordPendingProcess(); err != nil {
		return err
	}
	if err := r.e.ActionEnd(res); err != nil {
		return err
	}
	r.act.finished = true
	// The checks' `within` deadlines run from the action's end.
	r.startDeadlines()
	r.p.PokeAll()
	return nil
}

// ActionInFlight reports whether an action started with RunAction has not
// been journaled as ended yet.
func (r *Runner) ActionInFlight() bool { return r.act != nil && !r.act.finished }

// Interrupt is called when handrail must stop while an action may run
// (cause: "quit", "end of input", "SIGHUP", "SIGTERM", …). It gives the
// action Grace to finish on its own (then its end is journaled as usual);
// otherwise it stops it (the driver kills its process group) and journals
// action.interrupted: what was stopped, why, how, and what it had printed.
// With no action in flight it does nothing.
func (r *Runner) Interrupt(cause string) error {
	inf := r.act
	if inf == nil || inf.finished {
		return nil
	}
	if err := r.recordPendingProcess(); err != nil {
		return err
	}
	grace := r.Grace
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-inf.done:
		return r.FinishAction(inf.res)
	case <-t.C:
	}
	inf.cancel()
	stopped := fmt.Sprintf("cancelled after a %s grace period", grace)
	if r.e.RunningProcess() != nil {
		stopped = fmt.Sprintf("killed its process group (SIGKILL) after a %s grace period", grace)
	}
	res := checks.ActionResult{ExitCode: -1, Error: "the driver did not return after the action was stopped"}
	select {
	case <-inf.done:
		res = inf.res
	case <-time.After(grace):
	}
	inf.finished = true
	return r.e.ActionInterrupted(cause, stopped, grace, res)
}

// Quit stops the session for now: it interrupts a running action (see
// Interrupt) and journals session.end.
func (r *Runner) Quit(cause string) error {
	if err := r.Interrupt(cause); err != nil && !errors.Is(err, ErrEnded) {
		return err
	}
	err := r.e.Quit()
	r.Sync()
	return err
}

// LoginJudge is a driver that can tell, before it takes re-entered
// credentials, whether the target will take the login with them: the
// simulator, whose servers know their password. Runner.SetCredentials
// journals the verdict (CredentialsData.LoginGood, never the value), so
// that the login is a world input a rehearsal rebuilt from its journal
// replays.
type LoginJudge interface {
	LoginGood(target string, c checks.Credentials) (good, known bool)
}

// SetCredentials hands re-entered credentials for a target to the driver
// (checks.CredentialSetter), after journaling that they were re-entered
// (credentials.reentered, never their value; with the login's verdict
// when the driver is a LoginJudge), and re-polls every check at once.
func (r *Runner) SetCredentials(target string, c checks.Credentials) error {
	cs, ok := r.drv.(checks.CredentialSetter)
	if !ok {
		return errors.New("credentials: this session's driver takes no credentials (a rehearsal needs none)")
	}
	var loginGood *bool
	if j, ok := r.drv.(LoginJudge); ok {
		if good, known := j.LoginGood(target, c); known {
			loginGood = &good
		}
	}
	if err := r.e.credentialsReentered(target, c, loginGood); err != nil {
		return err
	}
	if err := cs.SetCredentials(target, c); err != nil {
		return fmt.Errorf("credentials for %s: %w", termtext.Line(target), err)
	}
	r.p.PokeAll()
	return nil
}

// Close stops polling and waits for the runner's goroutines. A running
// action is cancelled; its end is then never journaled, and a resume asks
// the operator to attest its outcome.
func (r *Runner) Close() {
	r.cancel()
	r.p.Close()
	r.wg.Wait()
}
