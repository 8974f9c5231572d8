package checks

import (
	"context"
	"testing"
	"time"
)

// TestHeldDeadline: with the `within` deadline held (a step whose action
// has not run), data that does not hold stays waiting however long it
// lasts, with no time left counted; fail_when still fails at once, and
// stable_for runs as usual. Once the deadline starts, `within` counts from
// that instant, and an outage counts only from then on.
func TestHeldDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	within := Check{Within: Duration(10 * time.Second)}
	type obs struct {
		sec  int
		out  outcome
		want Status
		left time.Duration
	}
	tests := []struct {
		name  string
		check Check
		start int // the deadline starts at this second (-1: never)
		seq   []obs
	}{
		{"held: never fails", within, -1, []obs{
			{1, outFail, StatusWaiting, 0},
			{1000, outFail, StatusWaiting, 0},
		}},
		{"held: fail_when still fails at once", within, -1, []obs{
			{1, outFail, StatusWaiting, 0},
			{500, outFinal, StatusFail, 0},
		}},
		{"held: stable_for runs", Check{Within: Duration(10 * time.Second), StableFor: Duration(5 * time.Second)}, -1, []obs{
			{100, outPass, StatusHolding, 0},
			{105, outPass, StatusPass, 0},
		}},
		{"counted from the start", within, 300, []obs{
			{200, outFail, StatusWaiting, 0},
			{301, outFail, StatusWaiting, 9 * time.Second},
			{309, outFail, StatusWaiting, time.Second},
			{310, outFail, StatusFail, 0},
		}},
		{"an outage across the start counts from the start", within, 300, []obs{
			{290, outNoData, StatusUnreachable, 0},
			{305, outNoData, StatusUnreachable, 10 * time.Second},
			{306, outFail, StatusWaiting, 10 * time.Second}, // down 300..306: none of the 10s used yet
			{316, outFail, StatusFail, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &deadlineStart{}
			tr := newHeldTracker(tt.check, d)
			for i, o := range tt.seq {
				if tt.start >= 0 && o.sec >= tt.start {
					d.startAt(at(tt.start))
				}
				j := tr.judge(o.out, at(o.sec))
				if j.status != o.want || j.left != o.left {
					t.Errorf("#%d at %ds: got %v left=%v, want %v left=%v", i, o.sec, j.status, j.left, o.want, o.left)
				}
			}
		})
	}
}

// TestPollerStartHeld: a poller started held never fails a check on its
// deadline, however long it waits; StartDeadlines starts every check's
// clock at once and re-polls them, and the deadline then fails as usual.
func TestPollerStartHeld(t *testing.T) {
	d := newFuncDriver(func(context.Context, Check, int) Observation { return yesObs("No") })
	p := NewPoller(d, stepClock(100*time.Millisecond))
	defer p.Close()
	c := Check{ID: "io", Kind: KindMySQLReplica, Expect: expectYes, Within: Duration(250 * time.Millisecond), Interval: Duration(time.Millisecond)}
	p.StartHeld(context.Background(), "s1", []Check{c})
	if !p.DeadlinesHeld() {
		t.Fatal("DeadlinesHeld = false after StartHeld")
	}
	// Each clock call is 100ms later: 20 attempts are 2s, 8 deadlines.
	for i := range 20 {
		if r := next(t, p); r.Status != StatusWaiting || r.Left != 0 {
			t.Fatalf("#%d held: %v left %v, want waiting with no time counted", i, r.Status, r.Left)
		}
	}
	p.StartDeadlines()
	if p.DeadlinesHeld() {
		t.Fatal("DeadlinesHeld = true after StartDeadlines")
	}
	var got []Status
	for range 8 {
		got = append(got, next(t, p).Status)
	}
	if got[len(got)-1] != StatusFail {
		t.Fatalf("after StartDeadlines: %v, want the deadline to fail it", got)
	}
	// A new Start runs its deadline at once.
	p.Start(context.Background(), "s2", []Check{c})
	if p.DeadlinesHeld() {
		t.Fatal("DeadlinesHeld = true after Start")
	}
}
