package session

import (
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// fakeClock is a settable clock shared by the engine and the memory journal.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)} }
func strp(s string) *string              { return &s }
func expectEq(field, v string) checks.FieldExpect {
	return checks.FieldExpect{Field: field, Expect: checks.Expect{Equals: strp(v)}}
}

// testRunbook is a small runbook with every feature the engine handles:
// a manual check, an action and downtime, on_fail goto, a foreach over a
// list param, a conditional step and an on_fail halt.
func testRunbook() *steps.Runbook {
	return &steps.Runbook{
		ID: "test-rb", Title: "Test runbook", Source: "test.txt", Path: "test.yaml", SHA256: "aaaa",
		Params: []steps.Param{
			{Name: "slave_host"}, {Name: "mirrors", List: true}, {Name: "wan"},
			{Name: "admin_pw", Secret: true},
		},
		Targets: map[string]checks.Target{
			"slave":  {Kind: checks.TargetMySQL, Host: "${slave_host}", Port: 3306, PasswordEnv: "SLAVE_PASSWORD"},
			"mirror": {Kind: checks.TargetHost, Host: "${item}"},
		},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "prep", Title: "Prepare", Checks: []checks.Check{
				{ID: "backup-ok", Kind: checks.KindManual, Attest: "A fresh backup exists"},
			}},
			{ID: "stop-replica", Title: "Stop the replica on ${slave_host}", On: "slave", Impact: steps.ImpactDowntime,
				Commands: []steps.Command{{On: "slave", Run: "STOP SLAVE;"}},
				Action:   &checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "STOP SLAVE"},
				Checks: []checks.Check{
					{ID: "io", Kind: checks.KindMySQLReplica, Target: "slave", Expect: checks.Expectations{expectEq("Slave_IO_Running", "No")}},
					{ID: "sql", Kind: checks.KindMySQLReplica, Target: "slave", Expect: checks.Expectations{expectEq("Slave_SQL_Running", "No")}},
					{ID: "lag", Kind: checks.KindMySQLReplica, Target: "slave", Optional: true},
				},
				OnFail: &steps.OnFail{Say: "Go back and prepare again.", Goto: "prep"},
			},
			{ID: "per-mirror", Title: "Check mirror ${item}", Foreach: &steps.Foreach{Param: "mirrors"},
				Checks: []checks.Check{{ID: "up", Kind: checks.KindCommand, Target: "mirror", Argv: []string{"ping", "${item}"}}}},
			{ID: "wan-only", Title: "WAN step", When: &steps.Condition{Param: "wan", Equals: strp("yes")}},
			{ID: "verify", Title: "Verify", Checks: []checks.Check{{ID: "ok", Kind: checks.KindMySQLQuery, Target: "slave", Query: "SELECT 1"}},
				OnFail: &steps.OnFail{Say: "Stop here.", Halt: true}},
		}}},
	}
}

func testParams() map[string]string {
	return map[string]string{"slave_host": "db2", "mirrors": "m1, m2", "wan": "no", "admin_pw": "Canary-S3cret-7781"}
}

func newTestEngine(t testing.TB) (*Engine, *MemoryJournal, *fakeClock) {
	t.Helper()
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	e, err := New(Config{SessionID: "20261122-020000-abcd", Runbook: testRunbook(), Params: testParams(),
		Operator: Operator{Name: "alice", User: "alice", Host: "bastion"}, Mode: ModeLive, Journal: mj, Clock: clk.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, mj, clk
}

// result builds a poll result for the current step's check (check names
// a foreach copy's check by its id as written: "up" finds "up@m1").
func result(e *Engine, check string, st checks.Status) checks.Result {
	v, step, _ := e.Current()
	for _, c := range step.Checks {
		if c.ID == check+"@"+v.Item {
			check = c.ID
		}
	}
	return checks.Result{Step: v.Key, CheckID: check, Gen: e.Generation(), Status: st,
		Verdict: checks.Verdict{Pass: st == checks.StatusPass}, Obs: checks.Observation{Raw: "row"}}
}

func mustObserve(t testing.TB, e *Engine, check string, st checks.Status) {
	t.Helper()
	if _, err := e.Observe(result(e, check, st)); err != nil {
		t.Fatalf("Observe %s %s: %v", check, st, err)
	}
}

func types(mj *MemoryJournal) []string {
	var out []string
	for _, r := range mj.Records() {
		out = append(out, r.Type)
	}
	return out
}

// runAction runs the current step's action to an OK end (action.start,
// action.end): from then on its checks' `within` deadlines run, so a
// result may fail on one.
func runAction(t testing.TB, e *Engine) {
	t.Helper()
	if _, _, err := e.ActionStart(true); err != nil {
		t.Fatalf("ActionStart: %v", err)
	}
	if err := e.ActionEnd(checks.ActionResult{}); err != nil {
		t.Fatalf("ActionEnd: %v", err)
	}
}
