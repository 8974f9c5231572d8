//go:build unix

package session

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
	"github.com/handrail/handrail/steps"
)

// actionRunbook has one step whose action is a real local command.
func actionRunbook(shell string) *steps.Runbook {
	return &steps.Runbook{
		ID: "action-rb", Title: "Action runbook", SHA256: "cccc",
		Targets: map[string]checks.Target{"local": {Kind: checks.TargetHost}},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "work", Title: "Do the work", Action: &checks.Action{Kind: checks.ActionCommand, Target: "local", Shell: shell},
				Checks: []checks.Check{{ID: "done", Kind: checks.KindCommand, Target: "local", Argv: []string{"true"}, Interval: checks.Duration(time.Hour)}}},
		}}},
	}
}

// startAction starts a session over the live driver and runs its action;
// it returns once the action's process group is journaled.
func startAction(t *testing.T, shell string) (*Runner, *MemoryJournal, checks.ActionProcess) {
	t.Helper()
	mj := &MemoryJournal{}
	e, err := New(Config{SessionID: "act", Runbook: actionRunbook(shell), Journal: mj, Operator: Operator{Name: "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	drv := live.New(e.Targets(), nil, live.Options{})
	t.Cleanup(func() { _ = drv.Close() })
	r := NewRunner(e, drv, nil)
	t.Cleanup(r.Close)
	a, _, err := e.ActionStart(true)
	if err != nil {
		t.Fatal(err)
	}
	r.RunAction(a)
	select {
	case p := <-r.ActionProcesses():
		if err := r.RecordProcess(p); err != nil {
			t.Fatal(err)
		}
		return r, mj, p
	case <-time.After(5 * time.Second):
		t.Fatal("no process reported")
	}
	panic("unreachable")
}

func recordOf(t *testing.T, mj *MemoryJournal, typ string, into any) {
	t.Helper()
	for _, r := range mj.Records() {
		if r.Type == typ {
			if err := json.Unmarshal(r.Data, into); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s in %v", typ, types(mj))
}

// groupEnds polls until the process group p is gone, for up to within:
// SIGKILL is delivered at once, but the kernel reaps the group a moment
// later (checks/internal/proc/run_test.go waits the same way).
func groupEnds(p checks.ActionProcess, within time.Duration) bool {
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if !checks.ProcessGroupAlive(p) {
			return true
		}
	}
	return !checks.ProcessGroupAlive(p)
}

// TestInterruptStopsARunningAction: quitting (here: SIGTERM) while a real
// action runs gives it the grace period, kills its process group, and
// journals action.interrupted before session.end.
func TestInterruptStopsARunningAction(t *testing.T) {
	r, mj, p := startAction(t, "echo started; sleep 30")
	r.Grace = 300 * time.Millisecond
	if !checks.ProcessGroupAlive(p) {
		t.Fatal("the action's group is not alive while it runs")
	}
	began := time.Now()
	if err := r.Quit("SIGTERM"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < r.Grace {
		t.Errorf("stopped after %v, before the %v grace period", took, r.Grace)
	}
	got := types(mj)
	if !slices.Equal(got[len(got)-3:], []string{EvActionProcess, EvActionInterrupted, EvSessionEnd}) {
		t.Errorf("records %v", got)
	}
	var d ActionInterruptedData
	recordOf(t, mj, EvActionInterrupted, &d)
	if d.Cause != "SIGTERM" || !strings.Contains(d.Stopped, "killed its process group (SIGKILL) after a 300ms grace period") ||
		d.Process == nil || d.Process.PGID != p.PGID || d.Describe != "echo started; sleep 30" || d.GraceNS != 300*time.Millisecond {
		t.Errorf("action.interrupted = %+v", d)
	}
	if !groupEnds(p, 2*time.Second) {
		t.Error("the action's group outlived the interruption")
	}
	if st, _ := r.Engine().Action(); st != ActionUnknown {
		t.Errorf("action state after the interruption: %s", st)
	}
}

// TestInterruptLetsAShortActionFinish: an action that ends within the grace
// period is journaled as ended, not interrupted.
func TestInterruptLetsAShortActionFinish(t *testing.T) {
	r, mj, _ := startAction(t, "sleep 0.2; echo finished")
	if err := r.Interrupt("end of input"); err != nil {
		t.Fatal(err)
	}
	var d ActionEndData
	recordOf(t, mj, EvActionEnd, &d)
	if !d.Result.OK() || !strings.Contains(d.Result.Output, "finished") || slices.Contains(types(mj), EvActionInterrupted) {
		t.Errorf("records %v, action.end %+v", types(mj), d)
	}
	// The result still arrives on the channel; handing it over is a no-op.
	select {
	case res := <-r.ActionResults():
		if err := r.FinishAction(res); err != nil {
			t.Errorf("FinishAction of a journaled result: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("no result on ActionResults")
	}
	if n := countType(mj, EvActionEnd); n != 1 {
		t.Errorf("%d action.end records", n)
	}
}

// TestResumeSeesTheActionStillRunning: handrail dies (no Close, no record)
// while an action runs in its own group; the resumed session says the group
// is alive and refuses to run or attest the action until the group ends.
func TestResumeSeesTheActionStillRunning(t *testing.T) {
	r, mj, p := startAction(t, "sleep 30")
	_ = r // dropped as by a SIGKILL: the action keeps running
	e2, err := Resume(Config{Runbook: actionRunbook("sleep 30"), Journal: mj, Operator: Operator{Name: "bob"}}, mj.Records(), ResumeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var d ResumeData
	recordOf(t, mj, EvSessionResume, &d)
	if d.Action == nil || !d.Action.Alive || d.Action.Process.PGID != p.PGID {
		t.Fatalf("session.resume action = %+v", d.Action)
	}
	if _, _, err := e2.ActionStart(true); !errors.Is(err, errActionAlive) || !strings.Contains(err.Error(), "process group "+strconv.Itoa(p.PGID)) {
		t.Errorf("running the action again: %v", err)
	}
	if err := syscall.Kill(-p.PGID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e2.OrphanAlive() {
		if time.Now().After(deadline) {
			t.Fatal("the ended group is still seen alive")
		}
		time.Sleep(20 * time.Millisecond)
		_, _ = e2.Refresh()
	}
	if err := e2.AttestUnknown(OutcomeFailed, "killed by hand after the break, checked the files"); err != nil {
		t.Fatal(err)
	}
}

// credDriver is a driver that takes credentials (and records them).
type credDriver struct {
	checks.Driver
	got map[string]checks.Credentials
}

func (d *credDriver) SetCredentials(target string, c checks.Credentials) error {
	if target == "bad" {
		return errors.New("refused")
	}
	d.got[target] = c
	return nil
}

type plainDriver struct{}

func (plainDriver) Observe(context.Context, checks.Check) checks.Observation {
	return checks.Observation{}
}
func (plainDriver) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{}
}
func (plainDriver) Close() error { return nil }

func TestRunnerSetCredentials(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	cd := &credDriver{Driver: plainDriver{}, got: map[string]checks.Credentials{}}
	r := NewRunner(e, cd, nil)
	defer r.Close()
	c := checks.Credentials{User: "repl", Password: checks.NewSecret("Re-entered-77124"), Source: "prompt"}
	if err := r.SetCredentials("slave", c); err != nil {
		t.Fatal(err)
	}
	if cd.got["slave"].Password.Reveal() != "Re-entered-77124" || countType(mj, EvCredentials) != 1 {
		t.Errorf("driver got %+v, records %v", cd.got, types(mj))
	}
	if strings.Contains(string(joinData(mj)), "Re-entered-77124") {
		t.Error("the password reached the journal")
	}
	r2 := NewRunner(e, plainDriver{}, nil)
	defer r2.Close()
	if err := r2.SetCredentials("slave", c); err == nil {
		t.Error("a driver without CredentialSetter took credentials")
	}
}

// TestPreflight contacts real targets through the live driver: a mysql
// port nobody listens on, a local command, a listening tcp port.
func TestPreflight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close()
	rb := &steps.Runbook{ID: "pf", Title: "Preflight", SHA256: "dddd",
		Targets: map[string]checks.Target{
			"db":    {Kind: checks.TargetMySQL, Host: "127.0.0.1", Port: deadPort, User: "x"},
			"local": {Kind: checks.TargetHost},
			"svc":   {Kind: checks.TargetHost, Host: "local", Port: port},
			"idle":  {Kind: checks.TargetHost},
		},
		Sections: []steps.Section{{ID: "m", Title: "M", Steps: []steps.Step{{ID: "a", Title: "A", Checks: []checks.Check{
			{ID: "replica", Kind: checks.KindMySQLReplica, Target: "db"},
			{ID: "hostname", Kind: checks.KindCommand, Target: "local", Argv: []string{"echo", "ok"}, Expect: checks.Expectations{{Field: "stdout", Expect: checks.Expect{Equals: new("never")}}}},
			{ID: "port", Kind: checks.KindTCP, Target: "svc"},
		}}}}},
	}
	plan, err := steps.Expand(rb, nil)
	if err != nil {
		t.Fatal(err)
	}
	drv := live.New(plan.Targets, map[string]checks.Credentials{"db": {User: "x", Password: checks.NewSecret("Pf-Secret-3321")}}, live.Options{})
	defer drv.Close()
	res := Preflight(context.Background(), drv, plan)
	byName := map[string]PreflightTarget{}
	for _, r := range res {
		byName[r.Target] = r
	}
	if len(res) != 3 {
		t.Fatalf("%d results (%+v), want 3: a target no check polls is not contacted", len(res), res)
	}
	if r := byName["db"]; r.Reachable || !strings.Contains(r.Error, "connection refused") || r.Probe != "connect and read the server version" {
		t.Errorf("db = %+v", r)
	}
	if r := byName["local"]; !r.Reachable || !strings.Contains(r.Detail, "exit_code=0") {
		t.Errorf("local = %+v (an expectation that fails does not make a target unreachable)", r)
	}
	if r := byName["svc"]; !r.Reachable || r.Address != "local:"+strconv.Itoa(port) {
		t.Errorf("svc = %+v", r)
	}
	// Starting with an unreachable target needs the operator's choice.
	pf := &PreflightData{Targets: res}
	mj := &MemoryJournal{}
	if _, err := New(Config{SessionID: "pf", Runbook: rb, Journal: mj, Preflight: pf}); !errors.Is(err, ErrUnreachableTargets) || len(mj.Records()) != 0 {
		t.Fatalf("unaccepted unreachable target: %v, %d records", err, len(mj.Records()))
	}
	pf.Accepted, pf.Reason = true, "the replica is being rebuilt; its step comes last"
	e, err := New(Config{SessionID: "pf", Runbook: rb, Journal: mj, Preflight: pf})
	if err != nil {
		t.Fatal(err)
	}
	var d PreflightData
	recordOf(t, mj, EvPreflight, &d)
	if !d.Accepted || !slices.Equal(d.Unreachable, []string{"db"}) || len(d.Targets) != 3 || types(mj)[1] != EvPreflight {
		t.Errorf("preflight record = %+v (records %v)", d, types(mj))
	}
	if e.Preflight() == nil || strings.Contains(string(joinData(mj)), "Pf-Secret-3321") {
		t.Error("preflight not kept, or the password journaled")
	}
}
