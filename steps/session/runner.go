package session

import (
	"context"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
)

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

	// What the poller polls: the engine generation it started for and the
	// poller's own generation, which tags the results it hands out.
	engGen  uint64
	pollGen uint64
	polling bool
}

// NewRunner starts a runner for e over d. clock is the poller's time source
// for `within` and `stable_for` (nil: time.Now). Close stops it; the caller
// closes the Driver.
func NewRunner(e *Engine, d checks.Driver, clock func() time.Time) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{e: e, drv: d, p: checks.NewPoller(d, clock), ctx: ctx, cancel: cancel,
		results: make(chan checks.Result), actions: make(chan checks.ActionResult, 1)}
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
		return
	}
	r.engGen = e.Generation()
	r.pollGen = r.p.Start(r.ctx, v.Key, st.Checks)
	r.polling = true
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

// RunAction runs a confirmed action (the engine journaled action.start)
// in the background; its result arrives on ActionResults. The action's own
// timeout bounds it (5 minutes when it has none).
func (r *Runner) RunAction(a checks.Action) {
	timeout := time.Duration(a.Timeout)
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, timeout)
		defer cancel()
		res := r.drv.Run(ctx, a)
		select {
		case r.actions <- res:
		case <-r.ctx.Done():
		}
	}()
}

// FinishAction journals an action's result and re-polls the checks at
// once: the action is usually what they wait for.
func (r *Runner) FinishAction(res checks.ActionResult) error {
	if err := r.e.ActionEnd(res); err != nil {
		return err
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
