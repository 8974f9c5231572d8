package checks

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MaxBackoff is how far the interval stretches while a target keeps
// failing: the interval doubles on each failed attempt up to this factor,
// and snaps back on the first answer.
const MaxBackoff = 8

// Poller polls the checks of one step at a time. Each check runs in its own
// goroutine on its own interval, one attempt at a time, each attempt with
// its deadline (Check.AttemptTimeout). Results are tagged with the step,
// the check and a generation; Start and Stop bump the generation, so a
// result of an earlier step (or an earlier Start of the same step) is never
// handed out by Next.
//
// The same poller serves the plain mode (a loop around Next) and the TUI
// (a tea.Cmd that blocks on Next and returns the Result as a message). It
// sleeps on timers between attempts: an idle poller costs no CPU.
type Poller struct {
	d     Driver
	clock Clock
	out   chan Result
	done  chan struct{}
	gen   atomic.Uint64

	mu        sync.Mutex // guards everything below, and serialises Start/Stop
	step      string
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	pokes     map[string]chan struct{}
	deadline  *deadlineStart // the current generation's `within` clock
	closed    bool
	closeOnce sync.Once
}

// NewPoller returns a poller over d. clock is the time source used for
// `within` and `stable_for` (time.Now when nil); tests inject their own.
// Its timers run on the wall clock: NewPollerOn takes a whole Clock.
func NewPoller(d Driver, clock func() time.Time) *Poller {
	if clock == nil {
		return NewPollerOn(d, WallClock{})
	}
	return NewPollerOn(d, ClockFunc(clock))
}

// NewPollerOn returns a poller over d whose deadlines, stability windows
// and poll intervals all run on clock: the wall clock live, the simulator's
// clock in a rehearsal (a jump of that clock fires the timers it passes, so
// the checks poll at once).
func NewPollerOn(d Driver, clock Clock) *Poller {
	if clock == nil {
		clock = WallClock{}
	}
	return &Poller{
		d:     d,
		clock: clock,
		// A little slack so checks finishing together do not wait on each
		// other; a slow consumer still applies back-pressure.
		out:  make(chan Result, 16),
		done: make(chan struct{}),
	}
}

// Start stops whatever was polling, begins a new generation and polls cs
// (manual checks excepted: the operator ticks them) for step. It returns the
// new generation. Polling stops when ctx ends, at Stop, the next Start, or
// Close. The checks' `within` deadlines run from now.
func (p *Poller) Start(ctx context.Context, step string, cs []Check) uint64 {
	return p.start(ctx, step, cs, false)
}

// StartHeld is Start with the `within` deadlines held: the checks poll and
// are judged as usual (pass, holding, fail_when, unreachable), but data
// that does not hold stays waiting, with no time left counted, until
// StartDeadlines starts their clock. A session holds them on a step whose
// action has not run yet: a deadline must not pass before the operator
// did what the checks wait for.
func (p *Poller) StartHeld(ctx context.Context, step string, cs []Check) uint64 {
	return p.start(ctx, step, cs, true)
}

// StartDeadlines starts the held `within` deadlines of the current
// generation now, and polls every check at once so that their status shows
// it. Deadlines already running are left as they are.
func (p *Poller) StartDeadlines() {
	p.mu.Lock()
	dl := p.deadline
	p.mu.Unlock()
	if dl != nil && dl.startAt(p.clock.Now()) {
		p.PokeAll()
	}
}

// DeadlinesHeld reports whether the current generation's `within`
// deadlines are held (StartHeld, and StartDeadlines not called yet).
func (p *Poller) DeadlinesHeld() bool {
	p.mu.Lock()
	dl := p.deadline
	p.mu.Unlock()
	if dl == nil {
		return false
	}
	_, running := dl.get()
	return !running
}

func (p *Poller) start(ctx context.Context, step string, cs []Check, held bool) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
	gen := p.gen.Add(1)
	if p.closed {
		return gen
	}
	ctx, cancel := context.WithCancel(ctx)
	p.step, p.cancel = step, cancel
	p.deadline = &deadlineStart{}
	if !held {
		p.deadline.startAt(p.clock.Now())
	}
	dl := p.deadline
	p.pokes = make(map[string]chan struct{}, len(cs))
	for _, c := range cs {
		if c.Kind == KindManual {
			continue
		}
		poke := make(chan struct{}, 1)
		p.pokes[c.ID] = poke
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.poll(ctx, gen, step, c, poke, dl)
		}()
	}
	return gen
}

// Gen is the current generation.
func (p *Poller) Gen() uint64 { return p.gen.Load() }

// Step is the step being polled ("" when stopped).
func (p *Poller) Step() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.step
}

// Stop stops polling, bumps the generation (so nothing already queued is
// handed out) and waits for every probe goroutine to return.
func (p *Poller) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
	p.gen.Add(1)
}

func (p *Poller) stopLocked() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	// Probe goroutines never take p.mu, so waiting under it is safe.
	p.wg.Wait()
	p.step, p.pokes, p.deadline = "", nil, nil
}

// Close stops polling for good: Next returns ok=false from now on. It does
// not close the Driver, which the caller owns.
func (p *Poller) Close() {
	p.mu.Lock()
	p.closed = true
	p.stopLocked()
	p.gen.Add(1)
	p.mu.Unlock()
	p.closeOnce.Do(func() { close(p.done) })
}

// Poke makes a check poll now instead of at its next tick (the operator
// pressed "re-check"). Unknown ids are ignored.
func (p *Poller) Poke(checkID string) {
	p.mu.Lock()
	ch := p.pokes[checkID]
	p.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default: // a poke is already pending
		}
	}
}

// PokeAll pokes every polled check.
func (p *Poller) PokeAll() {
	p.mu.Lock()
	chs := make([]chan struct{}, 0, len(p.pokes))
	for _, ch := range p.pokes {
		chs = append(chs, ch)
	}
	p.mu.Unlock()
	for _, ch := range chs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Next blocks until a result of the current generation arrives and returns
// it; results of earlier generations are dropped on the way. It returns
// ok=false when ctx ends or the poller is closed. Between steps (after Stop)
// it simply waits for the next Start's results.
func (p *Poller) Next(ctx context.Context) (Result, bool) {
	for {
		select {
		case r := <-p.out:
			if r.Gen == p.gen.Load() {
				return r, true
			}
		case <-ctx.Done():
			return Result{}, false
		case <-p.done:
			return Result{}, false
		}
	}
}

// deadlineStart is when a generation's `within` clock started: shared by
// its checks' trackers, unset while the deadline is held (StartHeld).
type deadlineStart struct {
	mu  sync.Mutex
	at  time.Time
	set bool
}

// startAt starts the clock at t; false when it already runs.
func (d *deadlineStart) startAt(t time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set {
		return false
	}
	d.at, d.set = t, true
	return true
}

// get is when the clock started, and whether it has.
func (d *deadlineStart) get() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.at, d.set
}

// tracker turns a stream of verdicts into a Status, applying `within`,
// `stable_for` and fail_when, and keeping "no data" apart from "wrong
// data". It is the poller's judgement, kept apart so it can be tested with
// a plain clock.
type tracker struct {
	within, stableFor time.Duration
	deadline          *deadlineStart // when the `within` clock started (unset: held)
	heldSince         time.Time      // zero while the expectations do not hold
	downSince         time.Time      // zero while the target answers
	paused            time.Duration  // time spent unreachable after the clock started, added to the deadline
}

func newTracker(c Check, start time.Time) *tracker {
	d := &deadlineStart{}
	d.startAt(start)
	return newHeldTracker(c, d)
}

// newHeldTracker is a tracker whose `within` clock starts when d does.
func newHeldTracker(c Check, d *deadlineStart) *tracker {
	return &tracker{within: time.Duration(c.Within), stableFor: time.Duration(c.StableFor), deadline: d}
}

// outcome is what one attempt gave the tracker.
type outcome int

const (
	outNoData outcome = iota // no data: the target was not reached
	outFail                  // data, and the expectations do not hold
	outPass                  // data, and the expectations hold
	outFinal                 // data, and a fail_when condition matched
)

func outcomeOf(o Observation, v Verdict) outcome {
	switch {
	case o.Unreachable():
		return outNoData
	case v.Final:
		return outFinal
	case v.Pass:
		return outPass
	default:
		return outFail
	}
}

// judged is the tracker's answer for one attempt.
type judged struct {
	status     Status
	held, left time.Duration
	since      time.Time // set while unreachable
}

// judge returns the status for an outcome seen at now, with how long the
// expectations have held, the time left before the `within` deadline, and
// since when the target has been unreachable.
//
//   - No data is Unreachable, never Fail: the deadline stops while the
//     target cannot be reached (the time is added to it when data comes
//     back), and a stability window starts over.
//   - A fail_when match is Fail at once, deadline or not.
//   - Data that holds is Holding until it has held for stable_for, then
//     Pass. Holding is not failed at the deadline: the answer is right and
//     is only being confirmed.
//   - Data that does not hold is Waiting until `within` has passed, then
//     Fail (without `within` it waits for ever: the gate stays shut but
//     nothing is called failed). While the deadline is held (StartHeld)
//     it stays Waiting, with no time left counted: the clock has not
//     started.
func (t *tracker) judge(o outcome, now time.Time) judged {
	start, running := t.deadline.get()
	if o == outNoData {
		if t.downSince.IsZero() {
			t.downSince = now
		}
		t.heldSince = time.Time{}
		return judged{status: StatusUnreachable, left: t.leftAt(now, start, running, t.outage(now, start, running)), since: t.downSince}
	}
	if !t.downSince.IsZero() {
		t.paused += t.outage(now, start, running)
		t.downSince = time.Time{}
	}
	left := t.leftAt(now, start, running, 0)
	if o == outFinal {
		t.heldSince = time.Time{}
		return judged{status: StatusFail}
	}
	if o == outPass {
		if t.heldSince.IsZero() {
			t.heldSince = now
		}
		held := now.Sub(t.heldSince)
		if held < t.stableFor {
			return judged{status: StatusHolding, held: held, left: left}
		}
		return judged{status: StatusPass, held: held, left: left}
	}
	t.heldSince = time.Time{}
	if t.within > 0 && running && left == 0 {
		return judged{status: StatusFail}
	}
	return judged{status: StatusWaiting, left: left}
}

// outage is how much of the current outage counts against the deadline:
// the part since the clock started (none while it is held).
func (t *tracker) outage(now, start time.Time, running bool) time.Duration {
	if !running || t.downSince.IsZero() {
		return 0
	}
	from := t.downSince
	if start.After(from) {
		from = start
	}
	return max(now.Sub(from), 0)
}

// leftAt is the time left before the deadline at now, with the time spent
// unreachable (paused, plus the current outage) added to the deadline; 0
// without `within` or while the clock is held.
func (t *tracker) leftAt(now, start time.Time, running bool, outage time.Duration) time.Duration {
	if t.within <= 0 || !running {
		return 0
	}
	left := start.Add(t.within + t.paused + outage).Sub(now)
	return max(left, 0)
}

// Judge is the poller's judgement of one check's attempts: Evaluate, then
// within, stable_for, fail_when and unreachable, exactly as the poller hands
// results out. It is exported for callers that attempt a check on a clock
// of their own (the simulator's tests carry out whole procedures on a
// manual clock); it is not safe for concurrent use.
type Judge struct {
	c Check
	t *tracker
}

// NewJudge starts judging c's attempts; start is when polling began (the
// `within` deadline counts from it).
func NewJudge(c Check, start time.Time) *Judge { return &Judge{c: c, t: newTracker(c, start)} }

// NewHeldJudge starts judging c's attempts with its `within` deadline held
// until StartDeadline (Poller.StartHeld).
func NewHeldJudge(c Check) *Judge {
	return &Judge{c: c, t: newHeldTracker(c, &deadlineStart{})}
}

// StartDeadline starts a held `within` deadline at t (no-op when it runs).
func (j *Judge) StartDeadline(t time.Time) { j.t.deadline.startAt(t) }

// Result judges one attempt's observation, seen at now, and returns it as
// the poller hands it out: judged on the whole answer, then capped
// (CapResult), so the operator, the journal and a watcher all see the same
// data.
func (j *Judge) Result(step string, gen uint64, obs Observation, now time.Time) Result {
	v := Evaluate(j.c, obs)
	jd := j.t.judge(outcomeOf(obs, v), now)
	return CapResult(Result{Step: step, CheckID: j.c.ID, Gen: gen, Obs: obs, Verdict: v, Status: jd.status,
		Held: jd.held, Left: jd.left, Since: jd.since}, j.c.Named)
}

// poll is one check's loop: attempt, judge, deliver, sleep.
func (p *Poller) poll(ctx context.Context, gen uint64, step string, c Check, poke <-chan struct{}, dl *deadlineStart) {
	jd := &Judge{c: c, t: newHeldTracker(c, dl)}
	interval := c.PollInterval()
	backoff := 1
	// The first attempt starts at once; a timer spaces the later ones.
	for {
		actx, cancel := context.WithTimeout(ctx, c.AttemptTimeout())
		obs := p.d.Observe(actx, c)
		cancel()
		if ctx.Err() != nil {
			return // stopped mid-attempt: the answer belongs to no one
		}
		// Judged on the whole answer; handed out capped (Judge.Result), so
		// the operator, the journal and a watcher all see the same data.
		r := jd.Result(step, gen, obs, p.clock.Now())
		st, held, left := r.Status, r.Held, r.Left
		select {
		case p.out <- r:
		case <-ctx.Done():
			return
		}

		if obs.Unreachable() {
			backoff = min(backoff*2, MaxBackoff)
		} else {
			backoff = 1
		}
		wait := interval * time.Duration(backoff)
		// With a deadline or a stability window ahead, do not sleep past
		// it: the status should change when the deadline passes, not up to
		// 8 intervals later.
		if st == StatusWaiting && left > 0 && left < wait {
			wait = left
		}
		if st == StatusHolding && c.StableFor > 0 {
			if rest := time.Duration(c.StableFor) - held; rest > 0 && rest < wait {
				wait = rest
			}
		}
		timer := p.clock.NewTimer(wait)
		select {
		case <-timer.C():
		case <-poke:
			timer.Stop()
		case <-ctx.Done():
			timer.Stop()
			return
		}
	}
}
