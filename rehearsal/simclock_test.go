package rehearsal

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// fakeWall is a wall clock the test moves.
type fakeWall struct {
	mu sync.Mutex
	t  time.Time
}

func (w *fakeWall) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.t }
func (w *fakeWall) add(d time.Duration) {
	w.mu.Lock()
	w.t = w.t.Add(d)
	w.mu.Unlock()
}

func TestSimClockSpeedAndJumps(t *testing.T) {
	wall := &fakeWall{t: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	c, err := NewSimClock(start, 20)
	if err != nil {
		t.Fatal(err)
	}
	c.wall = wall.now
	wall.add(time.Hour)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("a clock not started moved: %s", got)
	}
	c.Start()
	tests := []struct {
		name string
		do   func()
		want time.Duration // simulated time since start
	}{
		{"a wall second at speed 20", func() { wall.add(time.Second) }, 20 * time.Second},
		{"a jump of 1m40s", func() { c.Jump(100 * time.Second) }, 2 * time.Minute},
		{"a jump back is ignored", func() { c.Jump(-time.Hour) }, 2 * time.Minute},
		{"speed 1 from now on", func() { _ = c.SetSpeed(1); wall.add(3 * time.Second) }, 2*time.Minute + 3*time.Second},
	}
	for _, tt := range tests {
		tt.do()
		if got := c.Now().Sub(start); got != tt.want {
			t.Errorf("%s: simulated %s, want %s", tt.name, got, tt.want)
		}
	}
	for _, bad := range []float64{0, -1, MaxSpeed + 1} {
		if _, err := NewSimClock(start, bad); err == nil {
			t.Errorf("speed %v accepted", bad)
		}
	}
}

// TestSimClockTimers: a jump fires every timer it passes at once; a
// stopped timer never fires; a timer runs out on its own at the speed.
func TestSimClockTimers(t *testing.T) {
	c, err := NewSimClock(time.Time{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	long := c.NewTimer(time.Hour)
	longer := c.NewTimer(2 * time.Hour)
	stopped := c.NewTimer(time.Minute)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	c.Jump(90 * time.Minute)
	select {
	case <-long.C():
	case <-time.After(5 * time.Second):
		t.Fatal("a jump past a timer did not fire it")
	}
	select {
	case <-longer.C():
		t.Fatal("a timer the jump did not reach fired")
	case <-stopped.C():
		t.Fatal("a stopped timer fired")
	case <-time.After(50 * time.Millisecond):
	}
	// At speed 1000 a simulated minute is 60 ms of wall time.
	if err := c.SetSpeed(1000); err != nil {
		t.Fatal(err)
	}
	quick := c.NewTimer(time.Minute)
	select {
	case <-quick.C():
	case <-time.After(5 * time.Second):
		t.Fatal("a timer did not run out at speed 1000")
	}
}

// TestPollerOnTheSimulatedClock: the poller's deadlines and intervals run
// on the simulated clock: a check that polls every hour polls again at
// once when the clock jumps an hour, and its `within` deadline is judged on
// simulated time.
func TestPollerOnTheSimulatedClock(t *testing.T) {
	c, err := NewSimClock(time.Time{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	d := &countingDriver{}
	p := checks.NewPollerOn(d, c)
	defer p.Close()
	chk := checks.Check{ID: "slow", Kind: checks.KindTCP, Target: "x", Interval: checks.Duration(time.Hour), Within: checks.Duration(2 * time.Hour),
		Expect: checks.Expectations{{Field: "state", Expect: checks.Expect{Equals: new("open")}}}}
	p.Start(context.Background(), "s", []checks.Check{chk})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, ok := p.Next(ctx)
	if !ok || r.Status != checks.StatusWaiting {
		t.Fatalf("first result %v %v, want waiting", ok, r.Status)
	}
	c.Jump(time.Hour)
	r, ok = p.Next(ctx)
	// (The clock runs at speed 1 meanwhile: a few wall microseconds.)
	if !ok || r.Status != checks.StatusWaiting || r.Left > time.Hour || r.Left < 59*time.Minute {
		t.Fatalf("after a jump of 1h: %v %v left %s, want waiting with 1h left", ok, r.Status, r.Left)
	}
	c.Jump(time.Hour)
	r, ok = p.Next(ctx)
	if !ok || r.Status != checks.StatusFail {
		t.Fatalf("after 2h of simulated time: %v %v, want fail (within 2h)", ok, r.Status)
	}
	if n := d.count(); n != 3 {
		t.Errorf("%d attempts, want 3 (one per jump, none in between)", n)
	}

	// stable_for is judged on simulated time too: data that pass hold
	// for two simulated hours before the check passes, however little
	// wall time goes by.
	c2, err := NewSimClock(time.Time{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	c2.Start()
	d2 := &countingDriver{state: "open"}
	p2 := checks.NewPollerOn(d2, c2)
	defer p2.Close()
	stable := checks.Check{ID: "steady", Kind: checks.KindTCP, Target: "x", Interval: checks.Duration(time.Hour), StableFor: checks.Duration(2 * time.Hour),
		Expect: checks.Expectations{{Field: "state", Expect: checks.Expect{Equals: new("open")}}}}
	p2.Start(context.Background(), "s", []checks.Check{stable})
	for i, want := range []checks.Status{checks.StatusHolding, checks.StatusHolding, checks.StatusPass} {
		if i > 0 {
			c2.Jump(time.Hour)
		}
		r, ok := p2.Next(ctx)
		if !ok || r.Status != want {
			t.Fatalf("stable_for 2h, after %dh of simulated time: %v %v, want %v", i, ok, r.Status, want)
		}
	}
	if n := d2.count(); n != 3 {
		t.Errorf("stable_for: %d attempts, want 3 (one per jump, none in between)", n)
	}
}

type countingDriver struct {
	mu    sync.Mutex
	n     int
	state string // what every probe sees ("": closed)
}

func (d *countingDriver) Observe(context.Context, checks.Check) checks.Observation {
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	state := d.state
	if state == "" {
		state = "closed"
	}
	return checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "state", Value: state}}}}}
}
func (d *countingDriver) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{}
}
func (d *countingDriver) Close() error { return nil }
func (d *countingDriver) count() int   { d.mu.Lock(); defer d.mu.Unlock(); return d.n }
