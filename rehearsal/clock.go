// Package sim is handrail's simulator: a world model that stands in for the
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
)

// Clock is the world's time. The demo runs on the real clock; tests use a
// ManualClock so a whole procedure runs in milliseconds without sleeping.
type Clock interface {
	Now() time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// ManualClock only moves when told to. It is safe for concurrent use: the
// poller may read it from its goroutines while a test advances it.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

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

// Advance moves the clock forward by d (never backwards).
func (c *ManualClock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
