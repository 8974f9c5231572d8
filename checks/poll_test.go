package checks

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// funcDriver answers each Observe with a function of the check and the
// attempt number; it honours ctx like a real driver must.
type funcDriver struct {
	mu       sync.Mutex
	attempts map[string]int
	times    map[string][]time.Time
	fn       func(ctx context.Context, c Check, n int) Observation
}

func newFuncDriver(fn func(ctx context.Context, c Check, n int) Observation) *funcDriver {
	return &funcDriver{attempts: map[string]int{}, times: map[string][]time.Time{}, fn: fn}
}

func (d *funcDriver) Observe(ctx context.Context, c Check) Observation {
	d.mu.Lock()
	n := d.attempts[c.ID]
	d.attempts[c.ID]++
	d.times[c.ID] = append(d.times[c.ID], time.Now())
	d.mu.Unlock()
	return d.fn(ctx, c, n)
}
func (d *funcDriver) Run(context.Context, Action) ActionResult { return ActionResult{} }
func (d *funcDriver) Close() error                             { return nil }

func (d *funcDriver) count(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attempts[id]
}

func yesObs(v string) Observation {
	return Observation{Rows: []Row{{Fields: []Field{{Name: "Slave_IO_Running", Value: v}}}}}
}

var expectYes = Expectations{{Field: "Slave_IO_Running", Expect: Expect{Equals: new("Yes")}}}

// stepClock advances by step on every call, so the tracker sees attempt i
// at start+i*step no matter how fast the machine is.
func stepClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

func next(t *testing.T, p *Poller) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, ok := p.Next(ctx)
	if !ok {
		t.Fatal("no result within 5s")
	}
	return r
}

func TestTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	const (
		pass  = outPass
		fail  = outFail
		none  = outNoData
		final = outFinal
	)
	type obs struct {
		sec   int
		out   outcome
		want  Status
		held  time.Duration
		left  time.Duration
		since int // seconds; -1: zero
	}
	tests := []struct {
		name  string
		check Check
		seq   []obs
	}{
		{"plain pass", Check{}, []obs{{1, pass, StatusPass, 0, 0, -1}}},
		{"no within waits for ever", Check{}, []obs{{1, fail, StatusWaiting, 0, 0, -1}, {100000, fail, StatusWaiting, 0, 0, -1}}},
		{"within", Check{Within: Duration(10 * time.Second)}, []obs{
			{1, fail, StatusWaiting, 0, 9 * time.Second, -1},
			{9, fail, StatusWaiting, 0, time.Second, -1},
			{10, fail, StatusFail, 0, 0, -1},
			{12, pass, StatusPass, 0, 0, -1}, // a late recovery is shown as such
		}},
		{"stable_for", Check{StableFor: Duration(5 * time.Second)}, []obs{
			{1, pass, StatusHolding, 0, 0, -1},
			{4, pass, StatusHolding, 3 * time.Second, 0, -1},
			{5, fail, StatusWaiting, 0, 0, -1}, // flapped: start over
			{6, pass, StatusHolding, 0, 0, -1},
			{11, pass, StatusPass, 5 * time.Second, 0, -1},
		}},
		{"holding is not failed at the deadline", Check{Within: Duration(3 * time.Second), StableFor: Duration(5 * time.Second)}, []obs{
			{2, pass, StatusHolding, 0, time.Second, -1},
			{4, pass, StatusHolding, 2 * time.Second, 0, -1},
			{7, pass, StatusPass, 5 * time.Second, 0, -1},
			{8, fail, StatusFail, 0, 0, -1},
		}},
		// waiting -> unreachable -> (deadline passes, no data) -> unreachable
		// -> data back: waiting again, the deadline moved by the outage.
		{"no data past the deadline is never a failure", Check{Within: Duration(10 * time.Second)}, []obs{
			{2, fail, StatusWaiting, 0, 8 * time.Second, -1},
			{4, none, StatusUnreachable, 0, 6 * time.Second, 4},
			{30, none, StatusUnreachable, 0, 6 * time.Second, 4},
			{34, fail, StatusWaiting, 0, 6 * time.Second, -1},
			{39, fail, StatusWaiting, 0, time.Second, -1},
			{40, fail, StatusFail, 0, 0, -1},
			{41, none, StatusUnreachable, 0, 0, 41}, // failed, then unreachable: not failed any more
			{50, pass, StatusPass, 0, 0, -1},
		}},
		{"unreachable from the start, then data that holds", Check{Within: Duration(5 * time.Second)}, []obs{
			{1, none, StatusUnreachable, 0, 4 * time.Second, 1},
			{100, pass, StatusPass, 0, 4 * time.Second, -1},
		}},
		{"an outage restarts stable_for", Check{StableFor: Duration(5 * time.Second)}, []obs{
			{1, pass, StatusHolding, 0, 0, -1},
			{4, none, StatusUnreachable, 0, 0, 4},
			{5, pass, StatusHolding, 0, 0, -1},
			{10, pass, StatusPass, 5 * time.Second, 0, -1},
		}},
		{"fail_when fails at once, without a deadline", Check{}, []obs{
			{1, final, StatusFail, 0, 0, -1},
			{2, fail, StatusWaiting, 0, 0, -1},
		}},
		{"fail_when fails before the deadline", Check{Within: Duration(60 * time.Second)}, []obs{
			{1, fail, StatusWaiting, 0, 59 * time.Second, -1},
			{2, final, StatusFail, 0, 0, -1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(tt.check, t0)
			for i, o := range tt.seq {
				j := tr.judge(o.out, at(o.sec))
				var since time.Time
				if o.since >= 0 {
					since = at(o.since)
				}
				if j.status != o.want || j.held != o.held || j.left != o.left || !j.since.Equal(since) {
					t.Errorf("#%d at %ds: got %v held=%v left=%v since=%v, want %v held=%v left=%v since=%v",
						i, o.sec, j.status, j.held, j.left, j.since, o.want, o.held, o.left, since)
				}
			}
		})
	}
}

func TestPollerWithinFails(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation { return yesObs("No") })
	p := NewPoller(d, stepClock(100*time.Millisecond))
	defer p.Close()
	c := Check{ID: "io", Kind: KindMySQLReplica, Expect: expectYes, Within: Duration(250 * time.Millisecond), Interval: Duration(time.Millisecond)}
	p.Start(context.Background(), "s1", []Check{c})
	// Clock calls: start at +100ms, attempts at +200, +300, ...
	want := []Status{StatusWaiting, StatusWaiting, StatusFail, StatusFail}
	for i, w := range want {
		r := next(t, p)
		if r.Status != w || r.Step != "s1" || r.CheckID != "io" {
			t.Fatalf("#%d: %+v, want status %v", i, r, w)
		}
		if r.Verdict.Pass || r.Verdict.Reason == "" {
			t.Fatalf("#%d verdict %+v", i, r.Verdict)
		}
	}
}

func TestPollerStableForPasses(t *testing.T) {
	d := newFuncDriver(func(_ context.Context, _ Check, n int) Observation {
		if n == 0 {
			return yesObs("No")
		}
		return yesObs("Yes")
	})
	p := NewPoller(d, stepClock(100*time.Millisecond))
	defer p.Close()
	c := Check{ID: "io", Kind: KindMySQLReplica, Expect: expectYes, StableFor: Duration(300 * time.Millisecond), Interval: Duration(time.Millisecond)}
	p.Start(context.Background(), "s1", []Check{c})
	want := []Status{StatusWaiting, StatusHolding, StatusHolding, StatusHolding, StatusPass, StatusPass}
	for i, w := range want {
		if r := next(t, p); r.Status != w {
			t.Fatalf("#%d: status %v held %v, want %v", i, r.Status, r.Held, w)
		}
	}
}

func TestPollerGenerations(t *testing.T) {
	d := newFuncDriver(func(_ context.Context, c Check, _ int) Observation { return yesObs("Yes") })
	p := NewPoller(d, nil)
	defer p.Close()
	a := Check{ID: "a", Kind: KindMySQLReplica, Expect: expectYes, Interval: Duration(time.Millisecond)}
	g1 := p.Start(context.Background(), "step-a", []Check{a})
	// Let step A fill the queue, so stale results sit in it when B starts.
	deadline := time.Now().Add(5 * time.Second)
	for len(p.out) < cap(p.out) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if len(p.out) == 0 {
		t.Fatal("step A produced nothing")
	}
	b := Check{ID: "b", Kind: KindMySQLReplica, Expect: expectYes, Interval: Duration(time.Hour)}
	g2 := p.Start(context.Background(), "step-b", []Check{b})
	if g2 <= g1 || p.Gen() != g2 || p.Step() != "step-b" {
		t.Fatalf("gens %d -> %d (current %d, step %q)", g1, g2, p.Gen(), p.Step())
	}
	r := next(t, p)
	if r.Gen != g2 || r.CheckID != "b" || r.Step != "step-b" {
		t.Fatalf("got a stale result: %+v", r)
	}
	// After Stop nothing of B is handed out, even if it was queued.
	p.Stop()
	if p.Step() != "" {
		t.Fatal("step after Stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if r, ok := p.Next(ctx); ok {
		t.Fatalf("result after Stop: %+v", r)
	}
}

func TestPollerPokeAndManual(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation { return yesObs("Yes") })
	p := NewPoller(d, nil)
	defer p.Close()
	c := Check{ID: "slow", Kind: KindMySQLReplica, Expect: expectYes, Interval: Duration(time.Hour)}
	m := Check{ID: "tick", Kind: KindManual, Attest: "done"}
	p.Start(context.Background(), "s", []Check{c, m})
	next(t, p)
	start := time.Now()
	p.Poke("slow")
	p.Poke("unknown")
	r := next(t, p)
	if r.CheckID != "slow" || time.Since(start) > 2*time.Second {
		t.Fatalf("poke: %+v after %v", r, time.Since(start))
	}
	p.PokeAll()
	next(t, p)
	if n := d.count("tick"); n != 0 {
		t.Fatalf("manual check polled %d times", n)
	}
	if n := d.count("slow"); n != 3 {
		t.Fatalf("slow polled %d times, want 3", n)
	}
}

func TestPollerBacksOffAndTimesOut(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	d := newFuncDriver(func(ctx context.Context, c Check, n int) Observation {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		if cur > maxInFlight.Load() {
			maxInFlight.Store(cur)
		}
		<-ctx.Done() // a target that never answers
		return Observation{Error: ctx.Err().Error()}
	})
	p := NewPoller(d, nil)
	defer p.Close()
	c := Check{ID: "dead", Kind: KindTCP, Interval: Duration(10 * time.Millisecond), Timeout: Duration(20 * time.Millisecond)}
	p.Start(context.Background(), "s", []Check{c})
	for i := range 5 {
		r := next(t, p)
		if r.Obs.Error == "" || r.Verdict.Pass {
			t.Fatalf("#%d: %+v", i, r)
		}
	}
	p.Stop()
	d.mu.Lock()
	ts := d.times["dead"]
	d.mu.Unlock()
	// Gaps between attempt starts: timeout (20ms) + interval*2^k capped at 8x.
	wantMin := []time.Duration{40, 60, 100, 100}
	for i, w := range wantMin {
		gap := ts[i+1].Sub(ts[i])
		if gap < w*time.Millisecond {
			t.Errorf("gap %d = %v, want >= %v (back-off)", i, gap, w*time.Millisecond)
		}
	}
	if maxInFlight.Load() != 1 {
		t.Errorf("%d attempts in flight at once, want 1", maxInFlight.Load())
	}
}

func TestPollerLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	d := newFuncDriver(func(ctx context.Context, c Check, n int) Observation {
		if c.ID == "hang" {
			<-ctx.Done()
			return Observation{Error: errors.New("hung").Error()}
		}
		return yesObs("Yes")
	})
	p := NewPoller(d, nil)
	var cs []Check
	for _, id := range []string{"a", "b", "c", "hang"} {
		cs = append(cs, Check{ID: id, Kind: KindMySQLReplica, Expect: expectYes, Interval: Duration(time.Millisecond), Timeout: Duration(time.Hour)})
	}
	p.Start(context.Background(), "s1", cs)
	next(t, p)
	p.Start(context.Background(), "s2", cs) // restarts: the old ones must go
	next(t, p)
	// Nobody reads for a while: senders block on the full queue and must
	// still stop.
	time.Sleep(30 * time.Millisecond)
	p.Close()
	if _, ok := p.Next(context.Background()); ok {
		t.Fatal("Next after Close returned a result")
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestPollerContextEndsPolling(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation { return yesObs("Yes") })
	p := NewPoller(d, nil)
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	p.Start(ctx, "s", []Check{{ID: "a", Kind: KindMySQLReplica, Interval: Duration(time.Millisecond)}})
	next(t, p)
	cancel()
	time.Sleep(20 * time.Millisecond)
	n := d.count("a")
	time.Sleep(50 * time.Millisecond)
	if d.count("a") > n+1 {
		t.Fatalf("still polling after ctx ended: %d -> %d", n, d.count("a"))
	}
}

// BenchmarkPollerOverhead is the poller's own cost per result: a driver that
// answers at once, a 1ns interval, Evaluate and the delivery through Next.
func BenchmarkPollerOverhead(b *testing.B) {
	obs := yesObs("Yes")
	d := newFuncDriver(func(context.Context, Check, int) Observation { return obs })
	d.times = nil // do not record: it would dominate
	p := NewPoller(&noRecord{d}, nil)
	defer p.Close()
	p.Start(context.Background(), "s", []Check{{ID: "a", Kind: KindMySQLReplica, Expect: expectYes, Interval: 1}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := p.Next(ctx); !ok {
			b.Fatal("closed")
		}
	}
}

type noRecord struct{ d *funcDriver }

func (n *noRecord) Observe(ctx context.Context, c Check) Observation { return n.d.fn(ctx, c, 0) }
func (n *noRecord) Run(context.Context, Action) ActionResult         { return ActionResult{} }
func (n *noRecord) Close() error                                     { return nil }

// TestPollerUnreachableNeverFails: a target that cannot be reached past the
// check's deadline is unreachable (since its first failed attempt), never
// failed; when it answers again with data that holds, the check passes.
func TestPollerUnreachableNeverFails(t *testing.T) {
	d := newFuncDriver(func(_ context.Context, _ Check, n int) Observation {
		if n < 5 {
			return Observation{Error: "dial tcp 127.0.0.1:1: connect: connection refused", State: StateUnreachable}
		}
		return yesObs("Yes")
	})
	p := NewPoller(d, stepClock(100*time.Millisecond))
	defer p.Close()
	c := Check{ID: "io", Kind: KindMySQLReplica, Expect: expectYes, Within: Duration(150 * time.Millisecond), Interval: Duration(time.Millisecond)}
	p.Start(context.Background(), "s1", []Check{c})
	var since time.Time
	for i := range 5 {
		r := next(t, p)
		if r.Status != StatusUnreachable || r.Since.IsZero() {
			t.Fatalf("#%d: status %v since %v, want unreachable with a since", i, r.Status, r.Since)
		}
		if i == 0 {
			since = r.Since
		} else if !r.Since.Equal(since) {
			t.Fatalf("#%d: since moved from %v to %v", i, since, r.Since)
		}
	}
	if r := next(t, p); r.Status != StatusPass || !r.Since.IsZero() {
		t.Fatalf("after the outage: %v since %v, want pass", r.Status, r.Since)
	}
}

// TestPollerFailWhenFailsAtOnce: a fail_when match fails on the first
// observation, with a minute of `within` still to go.
func TestPollerFailWhenFailsAtOnce(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation {
		return Observation{Rows: []Row{{Fields: []Field{{Name: "Slave_IO_Running", Value: "Connecting"}, {Name: "Last_IO_Errno", Value: "1236"}}}}}
	})
	p := NewPoller(d, stepClock(100*time.Millisecond))
	defer p.Close()
	c := Check{ID: "io", Kind: KindMySQLReplica, Expect: expectYes, Within: Duration(time.Minute), Interval: Duration(time.Millisecond),
		FailWhen: Expectations{{Field: "Last_IO_Errno", Expect: Expect{Ne: new("0")}}}}
	p.Start(context.Background(), "s1", []Check{c})
	if r := next(t, p); r.Status != StatusFail || !r.Verdict.Final {
		t.Fatalf("first observation: %v final=%v (%s), want fail at once", r.Status, r.Verdict.Final, r.Verdict.Reason)
	}
}

// TestPollerCapsResults: a probe's megabyte of output reaches the consumer
// capped.
func TestPollerCapsResults(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation {
		out := strings.Repeat("x", 1<<20)
		return Observation{Raw: out, Rows: []Row{{Fields: []Field{{Name: "exit_code", Value: "0"}, {Name: "stdout", Value: out}}}}}
	})
	p := NewPoller(d, nil)
	defer p.Close()
	p.Start(context.Background(), "s1", []Check{{ID: "big", Kind: KindCommand, Interval: Duration(time.Hour)}})
	r := next(t, p)
	raw, _ := splitMarker(r.Obs.Raw)
	stdout, _ := splitMarker(r.Obs.Rows[0].Fields[1].Value)
	if len(raw) > MaxRawBytes || len(stdout) > MaxValueBytes || raw == r.Obs.Raw || r.Status != StatusPass {
		t.Fatalf("result not capped: raw %d bytes, stdout %d bytes, status %v", len(r.Obs.Raw), len(r.Obs.Rows[0].Fields[1].Value), r.Status)
	}
}

// TestJudge: the exported judgement is the poller's, on the caller's
// clock: no data is unreachable since its first attempt and stops the
// deadline, a fail_when match fails at once, and the result is tagged and
// capped as the poller hands it out.
func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Check{ID: "io", Expect: expectYes, Within: Duration(10 * time.Second),
		FailWhen: Expectations{{Field: "Last_IO_Errno", Expect: Expect{Ne: new("0")}}}}
	j := NewJudge(c, t0)
	steps := []struct {
		sec    int
		obs    Observation
		status Status
		left   time.Duration
	}{
		{1, yesObs("No"), StatusWaiting, 9 * time.Second},
		{2, Observation{Error: "dial tcp: connection refused"}, StatusUnreachable, 8 * time.Second},
		{30, Observation{Error: "dial tcp: connection refused"}, StatusUnreachable, 8 * time.Second},
		{31, yesObs("No"), StatusWaiting, 8 * time.Second}, // unreachable from 2s until data at 31s
		{32, Observation{Rows: []Row{{Fields: []Field{{Name: "Slave_IO_Running", Value: "No"}, {Name: "Last_IO_Errno", Value: "1236"}}}}}, StatusFail, 0},
	}
	for _, s := range steps {
		r := j.Result("start", 7, s.obs, t0.Add(time.Duration(s.sec)*time.Second))
		if r.Status != s.status || r.Left != s.left || r.Step != "start" || r.CheckID != "io" || r.Gen != 7 {
			t.Errorf("at %ds: %s left %s (%s/%s/%d), want %s left %s", s.sec, r.Status, r.Left, r.Step, r.CheckID, r.Gen, s.status, s.left)
		}
		if r.Status == StatusUnreachable && !r.Since.Equal(t0.Add(2*time.Second)) {
			t.Errorf("at %ds: unreachable since %s, want since the first attempt without data", s.sec, r.Since)
		}
		if r.Status == StatusFail && !r.Verdict.Final {
			t.Errorf("at %ds: a fail_when match is not final", s.sec)
		}
	}
}
