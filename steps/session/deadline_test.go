package session

import (
	"context"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// stuckDriver answers every probe with a replica that has not stopped, and
// runs every action successfully.
type stuckDriver struct{}

func (stuckDriver) Observe(context.Context, checks.Check) checks.Observation {
	return checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "Slave_IO_Running", Value: "Yes"}}}}, At: time.Now()}
}
func (stuckDriver) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{}
}
func (stuckDriver) Close() error { return nil }

// TestRunnerHoldsDeadlinesUntilTheAction: on a step with an action, the
// runner polls its checks with their `within` deadline held: however long
// the operator takes before running the action, the check waits and the
// session does not halt. The action's end starts the deadline, which then
// fails the check and fires on_fail (halt).
func TestRunnerHoldsDeadlinesUntilTheAction(t *testing.T) {
	const within = 100 * time.Millisecond
	rb := &steps.Runbook{
		ID: "within-rb", Title: "Within", SHA256: "dddd",
		Targets: map[string]checks.Target{"slave": {Kind: checks.TargetMySQL, Host: "db2", Port: 3306}},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "stop", Title: "Stop the replica", Action: &checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "STOP SLAVE"},
				Checks: []checks.Check{{ID: "io", Kind: checks.KindMySQLReplica, Target: "slave", Expect: checks.Expectations{expectEq("Slave_IO_Running", "No")},
					Within: checks.Duration(within), Interval: checks.Duration(10 * time.Millisecond)}},
				OnFail: &steps.OnFail{Say: "Suspend the update.", Halt: true}},
		}}},
	}
	e, err := New(Config{SessionID: "within", Runbook: rb, Journal: &MemoryJournal{}, Operator: Operator{Name: "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(e, stuckDriver{}, nil)
	t.Cleanup(r.Close)
	feed := func(d time.Duration) checks.Status {
		t.Helper()
		var last checks.Status
		end := time.After(d)
		for {
			select {
			case res := <-r.Results():
				if _, err := r.Feed(res); err != nil {
					t.Fatal(err)
				}
				r.Sync()
				last = res.Status
				if e.Ended() != "" {
					return last
				}
			case <-end:
				return last
			}
		}
	}
	// Five deadlines' worth of waiting before the action.
	if st := feed(5 * within); st != checks.StatusWaiting || e.Ended() != "" || e.OnFail() != nil {
		t.Fatalf("before the action: last status %v, ended %q, on_fail %+v; want waiting", st, e.Ended(), e.OnFail())
	}
	if !r.p.DeadlinesHeld() {
		t.Fatal("the poller runs the deadline of a step whose action has not run")
	}
	a, _, err := e.ActionStart(true)
	if err != nil {
		t.Fatal(err)
	}
	r.RunAction(a)
	select {
	case res := <-r.ActionResults():
		if err := r.FinishAction(res); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the action did not end")
	}
	if r.p.DeadlinesHeld() {
		t.Fatal("the action ended, but the poller still holds the deadline")
	}
	if st := feed(10 * within); st != checks.StatusFail || e.Ended() != EndHalted {
		t.Fatalf("after the action: last status %v, ended %q; want the deadline to fail it and halt", st, e.Ended())
	}
}
