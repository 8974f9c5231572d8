package rehearsal

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
)

// MaxSpeed is the fastest a rehearsal runs: a simulated hour in 3.6 s.
const MaxSpeed = 1000

// SimClock is a rehearsal's clock: simulated time that runs Speed times as
// fast as the wall clock and can jump ahead (a skip). It implements
// checks.Clock: its timers fire when simulated time reaches them, whether
// it got there by running or by a jump, so the poller, `within` and
// `stable_for` all follow it. Safe for concurrent use.
//
// A new clock stands still until Start: the simulated world is built and
// the session starts (or a resumed world is rebuilt) at one simulated
// instant, and time runs from there.
type SimClock struct {
	mu       sync.Mutex
	wall     func() time.Time
	base     time.Time // simulated time at wallBase
	wallBase time.Time
	speed    float64
	held     bool
	timers   map[*simTimer]struct{}
}

var (
	_ checks.Clock = (*SimClock)(nil)
	_ Clock        = (*SimClock)(nil)
)

// NewSimClock returns a simulated clock standing at start (the wall
// clock's now when zero) that runs, once started, speed times as fast as
// the wall clock.
func NewSimClock(start time.Time, speed float64) (*SimClock, error) {
	if err := CheckSpeed(speed); err != nil {
		return nil, err
	}
	c := &SimClock{wall: time.Now, speed: speed, held: true, timers: map[*simTimer]struct{}{}}
	c.wallBase = c.wall()
	c.base = start
	if start.IsZero() {
		c.base = c.wallBase
	}
	c.base = c.base.UTC().Round(0)
	return c, nil
}

// CheckSpeed refuses a speed outside (0, MaxSpeed].
func CheckSpeed(speed float64) error {
	if math.IsNaN(speed) || speed <= 0 || speed > MaxSpeed {
		return fmt.Errorf("speed %v: give a number above 0 and at most %d (1 is real time, 20 runs twenty simulated seconds a second)", speed, MaxSpeed)
	}
	return nil
}

// Now is the simulated time now.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// Start lets simulated time run.
func (c *SimClock) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.held {
		return
	}
	c.held = false
	c.wallBase = c.wall()
	c.rescheduleLocked()
}

func (c *SimClock) nowLocked() time.Time {
	if c.held {
		return c.base
	}
	el := c.wall().Sub(c.wallBase)
	return c.base.Add(time.Duration(float64(el) * c.speed))
}

// Speed is how many simulated seconds pass per wall second.
func (c *SimClock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// SetSpeed changes the speed from now on.
func (c *SimClock) SetSpeed(speed float64) error {
	if err := CheckSpeed(speed); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked(c.nowLocked())
	c.speed = speed
	c.rescheduleLocked()
	return nil
}

// Jump moves simulated time ahead by d at once (never back), firing every
// timer it passes.
func (c *SimClock) Jump(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked(c.nowLocked().Add(d))
	c.rescheduleLocked()
}

// Set moves simulated time to t (a resumed rehearsal goes on from the
// simulated instant its journal stopped at). It may move back; timers are
// judged again against the new time.
func (c *SimClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebaseLocked(t.UTC().Round(0))
	c.rescheduleLocked()
}

func (c *SimClock) rebaseLocked(sim time.Time) {
	c.base, c.wallBase = sim, c.wall()
}

// NewTimer fires once d of simulated time has passed.
func (c *SimClock) NewTimer(d time.Duration) checks.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &simTimer{c: c, at: c.nowLocked().Add(d), ch: make(chan time.Time, 1)}
	c.timers[t] = struct{}{}
	c.scheduleLocked(t)
	return t
}

// scheduleLocked fires t now when its instant has come, else arms a wall
// timer for the wall time left at the current speed.
func (c *SimClock) scheduleLocked(t *simTimer) {
	now := c.nowLocked()
	if !now.Before(t.at) {
		c.fireLocked(t, now)
		return
	}
	if t.wall != nil {
		t.wall.Stop()
	}
	if c.held {
		return // armed when the clock starts
	}
	wait := time.Duration(math.Ceil(float64(t.at.Sub(now)) / c.speed))
	t.wall = time.AfterFunc(wait, func() { c.wake(t) })
}

func (c *SimClock) rescheduleLocked() {
	for t := range c.timers {
		c.scheduleLocked(t)
	}
}

func (c *SimClock) wake(t *simTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.timers[t]; !ok {
		return
	}
	c.scheduleLocked(t)
}

func (c *SimClock) fireLocked(t *simTimer, now time.Time) {
	delete(c.timers, t)
	if t.wall != nil {
		t.wall.Stop()
	}
	t.ch <- now // buffered, sent once
}

type simTimer struct {
	c    *SimClock
	at   time.Time
	ch   chan time.Time
	wall *time.Timer
}

func (t *simTimer) C() <-chan time.Time { return t.ch }

// Stop stops the timer; nothing is sent on C after it returns.
func (t *simTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if _, ok := t.c.timers[t]; !ok {
		return false
	}
	delete(t.c.timers, t)
	if t.wall != nil {
		t.wall.Stop()
	}
	return true
}
