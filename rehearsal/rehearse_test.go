package rehearsal

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// bundled is the source tree's runbooks directory: the scenarios are read
// from it directly, so these tests do not depend on what is embedded.
var bundled fs.FS = os.DirFS("../runbooks")

// harness drives the real session engine against the simulator on a manual
// clock, the way an operator who does everything right would: run the
// step's action, tick its manual checks, then poll every check once per
// simulated second (judging `within` and `stable_for` as the poller does)
// until the gate opens.
type harness struct {
	t     *testing.T
	rb    *steps.Runbook
	sc    *Scenario
	clock *ManualClock
	drv   *Driver
	mj    *session.MemoryJournal
	e     *session.Engine
	// actionFailures lists the actions that failed, by step key.
	actionFailures []string
	// prefix holds the records of the session before it was resumed on
	// mj (records returns both).
	prefix []journal.Record
}

func newHarness(t *testing.T, runbookID, scenario string) *harness {
	t.Helper()
	rb, err := steps.LoadBundled(bundled, runbookID)
	if err != nil {
		t.Fatalf("load runbook: %v", err)
	}
	sc, err := LoadScenario(bundled, runbookID, scenario)
	if err != nil {
		t.Fatalf("load scenario: %v", err)
	}
	return newHarnessFor(t, rb, sc)
}

// newHarnessFor drives rb against a scenario the test may have changed.
func newHarnessFor(t *testing.T, rb *steps.Runbook, sc *Scenario) *harness {
	t.Helper()
	clock := NewManualClock(time.Time{})
	drv, err := New(rb, sc, clock)
	if err != nil {
		t.Fatalf("rehearsal.New: %v", err)
	}
	h := &harness{t: t, rb: rb, sc: sc, clock: clock, drv: drv, mj: &session.MemoryJournal{Clock: clock.Now}}
	h.e, err = session.New(session.Config{
		SessionID: "rehearsal-test", Runbook: rb, Params: drv.Params(),
		Operator: session.Operator{Name: "trainee", User: "trainee", Host: "bastion"},
		Mode:     session.ModeRehearsal, Scenario: sc.Name, Version: "test",
		Journal: HookJournal(h.mj, drv), Clock: clock.Now, SimClock: clock,
	})
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return h
}

// Outcomes of one step.
const (
	outNext    = "next"    // the gate opened and the engine moved on
	outOnFail  = "on_fail" // a check failed and its on_fail offers a goto
	outHalted  = "halted"
	outBlocked = "blocked" // the gate stayed shut for the whole budget
)

// step carries out the current step and reports how it ended; failing
// lists the checks that failed last.
func (h *harness) step(budget time.Duration) (string, []string) {
	t, e := h.t, h.e
	t.Helper()
	v, st, ok := e.Current()
	if !ok {
		t.Fatalf("no current step (ended %q)", e.Ended())
	}
	ctx := context.Background()
	if st.Action != nil {
		a, _, err := e.ActionStart(true)
		if err != nil {
			t.Fatalf("%s: ActionStart: %v", v.Key, err)
		}
		res := h.drv.Run(ctx, a)
		if !res.OK() {
			h.actionFailures = append(h.actionFailures, v.Key+": "+res.Error)
		}
		if err := e.ActionEnd(res); err != nil {
			t.Fatalf("%s: ActionEnd: %v", v.Key, err)
		}
	}
	for _, c := range st.Checks {
		if c.Kind == checks.KindManual {
			if err := e.Tick(c.ID, true); err != nil {
				t.Fatalf("%s: tick %s: %v", v.Key, c.ID, err)
			}
		}
	}
	// The poller's own judgement (within, stable_for, fail_when,
	// unreachable), on the simulated clock.
	judges := map[string]*checks.Judge{}
	start := h.clock.Now()
	var failing []string
	for {
		failing = failing[:0]
		for _, c := range st.Checks {
			if c.Kind == checks.KindManual {
				continue
			}
			jd := judges[c.ID]
			if jd == nil {
				jd = checks.NewJudge(c, start)
				judges[c.ID] = jd
			}
			res := jd.Result(v.Key, e.Generation(), h.drv.Observe(ctx, c), h.clock.Now())
			if !res.Verdict.Pass {
				failing = append(failing, c.ID+": "+res.Verdict.Reason)
			}
			if _, err := e.Observe(res); err != nil {
				t.Fatalf("%s: Observe: %v", v.Key, err)
			}
			if e.Ended() == session.EndHalted {
				return outHalted, failing
			}
		}
		if of := e.OnFail(); of != nil && of.Goto != "" {
			return outOnFail, failing
		}
		err := e.Next()
		if err == nil {
			return outNext, nil
		}
		if !errors.Is(err, session.ErrGateClosed) {
			t.Fatalf("%s: Next: %v", v.Key, err)
		}
		if h.clock.Now().Sub(start) >= budget {
			return outBlocked, failing
		}
		h.clock.Advance(time.Second)
	}
}

// runToEnd carries out every step until the session ends, following on_fail
// gotos when follow is set; it returns the journal key of every step that
// did not simply pass, with its outcome.
func (h *harness) runToEnd(follow bool, budget time.Duration) []string {
	h.t.Helper()
	var events []string
	for n := 0; h.e.Ended() == ""; n++ {
		if n > 400 {
			h.t.Fatalf("runaway rehearsal: over 400 steps")
		}
		v, _, _ := h.e.Current()
		out, failing := h.step(budget)
		switch out {
		case outNext:
			continue
		case outOnFail:
			events = append(events, v.Key+": on_fail")
			if !follow {
				return events
			}
			if err := h.e.Goto(h.e.OnFail().Goto); err != nil {
				h.t.Fatalf("%s: Goto: %v", v.Key, err)
			}
		case outHalted:
			return append(events, v.Key+": halted")
		case outBlocked:
			h.t.Logf("world:\n%s", h.drv.describeWorld())
			return append(events, v.Key+": blocked: "+strings.Join(failing, "; "))
		}
	}
	return events
}

func (h *harness) records() []journal.Record {
	return append(append([]journal.Record(nil), h.prefix...), h.mj.Records()...)
}

// stepDuration is the journaled duration of step (its last step.done).
func (h *harness) stepDuration(step string) time.Duration {
	var d time.Duration
	for _, r := range h.records() {
		var data struct {
			Step       string `json:"step"`
			DurationNS int64  `json:"duration_ns"`
		}
		if r.Type == session.EvStepDone && r.Decode(&data) == nil && data.Step == step {
			d = time.Duration(data.DurationNS)
		}
	}
	return d
}

// TestHappyScenarios: every bundled runbook completes against its happy
// scenario, no override, no on_fail.
func TestHappyScenarios(t *testing.T) {
	rbs, err := steps.ListBundled(bundled)
	if err != nil {
		t.Fatal(err)
	}
	for _, rb := range rbs {
		t.Run(rb.ID, func(t *testing.T) {
			if len(Scenarios(bundled, rb.ID)) == 0 {
				t.Fatalf("runbook %s has no scenarios: every bundled runbook ships a happy one", rb.ID)
			}
			h := newHarness(t, rb.ID, "happy")
			if ev := h.runToEnd(false, time.Hour); len(ev) > 0 {
				t.Fatalf("happy path did not go straight through: %v", ev)
			}
			if h.e.Ended() != session.EndCompleted {
				t.Fatalf("session ended %q, want completed", h.e.Ended())
			}
			for _, r := range h.records() {
				if r.Type == session.EvOverride {
					t.Errorf("override on the happy path: %s", r.Data)
				}
			}
		})
	}
}

// faultScenarios are the scenarios whose fault stops the happy path; every
// other scenario must go straight through (TestEveryScenario).
var faultScenarios = map[string]bool{
	"thinman-dual-db/replication-error":            true,
	"thinman-dual-db/slave-unreachable":            true,
	"thinman-dual-db/stop-error":                   true,
	"thinman-dual-db/wrong-password":               true, // TestWrongPasswordCorrectedInSession
	"soliddb-hsb-netcopy/netcopy-fails":            true,
	"terracotta-4-2-maintenance/mirror-stuck":      true,
	"timesten-cs-online-upgrade/subscriber-behind": true,
	"gemstone-hot-standby/slow-replay":             true,
}

// TestEveryScenario: every scenario of every bundled runbook that injects
// no fault rehearses end to end, no override, no on_fail.
func TestEveryScenario(t *testing.T) {
	rbs, err := steps.ListBundled(bundled)
	if err != nil {
		t.Fatal(err)
	}
	for _, rb := range rbs {
		for _, name := range Scenarios(bundled, rb.ID) {
			if faultScenarios[rb.ID+"/"+name] {
				continue
			}
			t.Run(rb.ID+"/"+name, func(t *testing.T) {
				h := newHarness(t, rb.ID, name)
				if len(h.sc.Faults) > 0 {
					t.Fatalf("scenario has faults: list it in faultScenarios and TestFaultScenarios")
				}
				if ev := h.runToEnd(false, time.Hour); len(ev) > 0 {
					t.Fatalf("did not go straight through: %v", ev)
				}
				if h.e.Ended() != session.EndCompleted {
					t.Fatalf("session ended %q, want completed", h.e.Ended())
				}
				if len(h.actionFailures) > 0 {
					t.Fatalf("actions failed on a path without faults: %v", h.actionFailures)
				}
			})
		}
	}
}

// TestTerracottaServerStatRevisionsRehearse: the Terracotta runbook goes
// through against each server-stat revision the simulator prints, with and
// without failback: its "down" checks accept health unknown (4.2/4.3),
// FAILED (4.0/4.1) and no report with exit 1 (a later 4.x).
func TestTerracottaServerStatRevisionsRehearse(t *testing.T) {
	rb, err := steps.LoadBundled(bundled, "terracotta-4-2-maintenance")
	if err != nil {
		t.Fatal(err)
	}
	for _, scenario := range []string{"happy", "failback"} {
		for _, rev := range serverStatRevisions {
			t.Run(scenario+"/"+rev, func(t *testing.T) {
				sc, err := LoadScenario(bundled, rb.ID, scenario)
				if err != nil {
					t.Fatal(err)
				}
				tc := *sc.World.Terracotta
				tc.ServerStat = rev
				sc.World.Terracotta = &tc
				h := newHarnessFor(t, rb, sc)
				if ev := h.runToEnd(false, time.Hour); len(ev) > 0 {
					t.Fatalf("did not go straight through: %v", ev)
				}
				if h.e.Ended() != session.EndCompleted {
					t.Fatalf("session ended %q, want completed", h.e.Ended())
				}
			})
		}
	}
}

// TestFaultScenarios: each fault blocks where the manual says it shows,
// and the runbook's on_fail path (a goto) then completes the procedure;
// a halting on_fail halts.
func TestFaultScenarios(t *testing.T) {
	tests := []struct {
		runbook, scenario string
		// want: the steps that did not simply pass, in order (each
		// entry a prefix of what happened there).
		want []string
		end  string
		// slow: a step that passes, but only after at least minTime.
		slow    string
		minTime time.Duration
		// fastFail: the first step of want failed (its on_fail fired)
		// within this of its entry: a final failure waits out no deadline.
		fastFail time.Duration
	}{
		{runbook: "thinman-dual-db", scenario: "replication-error", want: []string{"start-replica: halted"}, end: session.EndHalted, fastFail: 10 * time.Second},
		{runbook: "thinman-dual-db", scenario: "stop-error", want: []string{"stop-replica: halted"}, end: session.EndHalted, fastFail: 5 * time.Second},
		{runbook: "thinman-dual-db", scenario: "slave-unreachable", end: session.EndCompleted, slow: "start-replica", minTime: 30 * time.Second},
		{runbook: "soliddb-hsb-netcopy", scenario: "netcopy-fails", want: []string{"s2-connect: on_fail"}, end: session.EndCompleted},
		{runbook: "terracotta-4-2-maintenance", scenario: "mirror-stuck", want: []string{"mirror-start@tc-m1: blocked: mirror-synced@tc-m1: tc-m1:9510: state: is \"PASSIVE-UNINITIALIZED\""}},
		{runbook: "timesten-cs-online-upgrade", scenario: "subscriber-behind", end: session.EndCompleted, slow: "wait-replication", minTime: 11 * time.Minute},
		{runbook: "gemstone-hot-standby", scenario: "slow-replay", end: session.EndCompleted, slow: "slave-await-failover", minTime: 14 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.runbook+"/"+tt.scenario, func(t *testing.T) {
			h := newHarness(t, tt.runbook, tt.scenario)
			got := h.runToEnd(true, 2*time.Hour)
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i])
			}
			if !ok {
				t.Fatalf("steps that did not pass:\n got %q\nwant %q", got, tt.want)
			}
			if tt.fastFail > 0 {
				if d := h.failedAfter(baseID(strings.SplitN(tt.want[0], ":", 2)[0])); d < 0 || d > tt.fastFail {
					t.Errorf("the on_fail fired %s after the step was entered, want within %s (fail_when)", d, tt.fastFail)
				}
			}
			if tt.slow != "" {
				if d := h.stepDuration(tt.slow); d < tt.minTime {
					t.Errorf("step %s took %s, want at least %s (the fault should hold it)", tt.slow, d, tt.minTime)
				}
			}
			if h.e.Ended() != tt.end {
				t.Fatalf("session ended %q, want %q", h.e.Ended(), tt.end)
			}
			// The fault must have struck, and shown at the step the
			// scenario names.
			for _, f := range h.sc.Faults {
				found := false
				for _, hp := range h.drv.Happenings() {
					found = found || strings.Contains(hp.What, "fault "+f.ID+" struck")
				}
				if !found {
					t.Errorf("fault %s never struck", f.ID)
				}
				shown := tt.slow
				if len(tt.want) > 0 {
					shown = baseID(strings.SplitN(tt.want[0], ":", 2)[0])
				}
				if f.Step != shown {
					t.Errorf("fault %s: the scenario says it shows at step %s, the rehearsal met it at %s", f.ID, f.Step, shown)
				}
			}
		})
	}
}

// TestScenarioReferences: every step of every runbook that has scenarios
// has a reference time in its happy scenario, and no scenario names a step
// the runbook lacks (rehearsal.New refuses that).
func TestScenarioReferences(t *testing.T) {
	rbs, err := steps.ListBundled(bundled)
	if err != nil {
		t.Fatal(err)
	}
	for _, rb := range rbs {
		for _, name := range Scenarios(bundled, rb.ID) {
			sc, err := LoadScenario(bundled, rb.ID, name)
			if err != nil {
				t.Errorf("%s/%s: %v", rb.ID, name, err)
				continue
			}
			if _, err := New(rb, sc, NewManualClock(time.Time{})); err != nil {
				t.Errorf("%s/%s: %v", rb.ID, name, err)
			}
			if name != "happy" {
				continue
			}
			for _, st := range rb.AllSteps() {
				if sc.Reference(st.ID) == 0 {
					t.Errorf("%s/happy: step %s has no reference time", rb.ID, st.ID)
				}
			}
		}
	}
}
