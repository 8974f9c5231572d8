package checks

import "time"

// Clock is a session's time: what `within`, `stable_for`, the poll
// intervals, the step clocks and the downtime clock are measured on. A live
// session runs on the wall clock (WallClock); a rehearsal runs on the
// simulator's clock, which may run faster than the wall clock and jump
// ahead, firing every timer whose instant it passes.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once d has passed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer fires once, on C, when its clock reaches its instant. Stop
// prevents a timer that has not fired from firing (it reports whether it
// did): nothing is ever sent on C after Stop returns.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// WallClock is the wall clock: time.Now and time.NewTimer.
type WallClock struct{}

// Now is time.Now.
func (WallClock) Now() time.Time { return time.Now() }

// NewTimer is time.NewTimer.
func (WallClock) NewTimer(d time.Duration) Timer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time { return w.t.C }
func (w wallTimer) Stop() bool          { return w.t.Stop() }

// ClockFunc is a clock whose Now is the function (a test's clock, or the
// time source a live session's journal is stamped with) and whose timers
// run on the wall clock.
type ClockFunc func() time.Time

// Now calls the function.
func (f ClockFunc) Now() time.Time { return f() }

// NewTimer is a wall-clock timer.
func (f ClockFunc) NewTimer(d time.Duration) Timer { return WallClock{}.NewTimer(d) }
