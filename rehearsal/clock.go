// Package rehearsal is handrail's simulator: a world model that stands in for the
// real systems of every bundled runbook (a MySQL master/slave pair, a solidDB
// HotStandby pair, a Terracotta active/mirror array, TimesTen old/new
// servers, a GemStone master/slave), driven by scenarios that set the initial
// state, the timings and the faults the manuals warn about. It implements
// checks.Driver, so the same engine, TUI and plain mode rehearse a procedure
// without touching a server.
package rehearsal

import (
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
)

// Clock is the world's time. A rehearsal runs on a SimClock (simulated
// time at a speed, with skips); tests use a ManualClock so a whole
// procedure runs in milliseconds without sleeping.
type Clock interface {
	Now() time.Time
}

// Jumper is a clock that can be moved ahead at once: the SimClock (a
// skip) and the ManualClock.
type Jumper interface {
	Jump(d time.Duration)
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// ManualClock only moves when told to. It is safe for concurrent use: the
// poller may read it from its goroutines while a test advances it, and its
// timers fire when an Advance passes them.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*manualTimer]struct{}
}

var _ checks.Clock = (*ManualClock)(nil)

// NewManualClock starts a manual clock at start (a fixed instant when zero, so
// tests are reproducible).
func NewManualClock(start time.Time) *ManualClock {
	if start.IsZero() {
		start = time.Date(2026, 1, 15, 2, 0, 0, 0, time.UTC)
	}
	return &ManualClock{now: start}
}

// Now is the clock's current instant.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (never backwards), firing every
// timer it passes.
func (c *ManualClock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !c.now.Before(t.at) {
			delete(c.timers, t)
			t.ch <- c.now
		}
	}
}

// Jump is Advance.
func (c *ManualClock) Jump(d time.Duration) { c.Advance(d) }

// NewTimer fires when an Advance reaches d from now.
func (c *ManualClock) NewTimer(d time.Duration) checks.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	if c.timers == nil {
		c.timers = map[*manualTimer]struct{}{}
	}
	c.timers[t] = struct{}{}
	return t
}

type manualTimer struct {
	c  *ManualClock
	at time.Time
	ch chan time.Time
}

func (t *manualTimer) C() <-chan time.Time { return t.ch }

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, ok := t.c.timers[t]
	delete(t.c.timers, t)
	return ok
}
