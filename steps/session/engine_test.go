package session

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

func TestStartJournalsSkipsBindsAndExpands(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	got := types(mj)
	want := []string{EvSessionStart, EvStepSkip, EvStepEnter}
	if !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
	var sd StartData
	if err := json.Unmarshal(mj.Records()[0].Data, &sd); err != nil {
		t.Fatal(err)
	}
	if sd.Params["admin_pw"] != SecretMark || sd.Params["slave_host"] != "db2" {
		t.Errorf("session.start params = %v", sd.Params)
	}
	var keys []string
	for _, s := range e.Steps() {
		keys = append(keys, s.Key+"="+string(s.State))
	}
	wantKeys := []string{"prep=current", "stop-replica=pending", "per-mirror@m1=pending", "per-mirror@m2=pending", "wan-only=skipped", "verify=pending"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("steps = %v, want %v", keys, wantKeys)
	}
	if s := e.Steps()[1]; s.Title != "Stop the replica on db2" {
		t.Errorf("title not bound: %q", s.Title)
	}
	if s := e.Steps()[4]; !strings.Contains(s.Reason, `wan is "no"`) {
		t.Errorf("skip reason = %q", s.Reason)
	}
}

// walkTo drives the engine to the stop-replica step.
func walkToStop(t *testing.T, e *Engine) {
	t.Helper()
	if err := e.Tick("backup-ok", true); err != nil {
		t.Fatal(err)
	}
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := e.Current(); v.Key != "stop-replica" {
		t.Fatalf("current = %s", v.Key)
	}
}

func TestGate(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	// A manual check holds the gate until ticked.
	if err := e.Next(); !errors.Is(err, ErrGateClosed) || !strings.Contains(err.Error(), "backup-ok") {
		t.Fatalf("Next with unticked manual check: %v", err)
	}
	walkToStop(t, e)
	if !e.DowntimeRunning() {
		t.Error("downtime clock does not run on an impact: downtime step")
	}
	steps := []struct {
		name     string
		check    string
		status   checks.Status
		advance  time.Duration
		wantOpen bool
		wantRec  []string // records journaled by this step
	}{
		{"io passes, sql pending", "io", checks.StatusPass, 0, false, []string{EvCheckStatus}},
		{"same io result again: nothing journaled", "io", checks.StatusPass, time.Second, false, nil},
		{"sql waiting", "sql", checks.StatusWaiting, 0, false, []string{EvCheckStatus}},
		{"optional check failing does not matter", "lag", checks.StatusWaiting, 0, false, []string{EvCheckStatus}},
		{"sql passes: gate opens", "sql", checks.StatusPass, time.Second, true, []string{EvCheckStatus, EvGateOpen}},
		{"io goes bad after passing: gate closes", "io", checks.StatusWaiting, 0, false, []string{EvCheckStatus, EvGateClosed}},
		{"io passes again: within its poll interval, the record waits", "io", checks.StatusPass, 0, true, []string{EvGateOpen}},
		{"the interval passed: the latest is written", "sql", checks.StatusPass, time.Second, true, []string{EvCheckStatus}},
		{"io unreachable: the gate closes, nothing failed", "io", checks.StatusUnreachable, time.Second, false, []string{EvCheckStatus, EvGateClosed}},
		{"holding is not passing", "io", checks.StatusHolding, time.Second, false, []string{EvCheckStatus}},
		{"pass again", "io", checks.StatusPass, time.Second, true, []string{EvCheckStatus, EvGateOpen}},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		n := len(mj.Records())
		mustObserve(t, e, s.check, s.status)
		var got []string
		for _, r := range mj.Records()[n:] {
			got = append(got, r.Type)
		}
		if !slices.Equal(got, s.wantRec) {
			t.Errorf("%s: journaled %v, want %v", s.name, got, s.wantRec)
		}
		if g := e.Gate(); g.Open != s.wantOpen {
			t.Errorf("%s: gate open = %v, want %v (blocking %v)", s.name, g.Open, s.wantOpen, g.Blocking)
		}
	}
	// Results age: without fresh data the gate closes.
	clk.Add(MaxAge(checks.Check{}) + time.Second)
	if changed, err := e.Refresh(); err != nil || !changed {
		t.Fatalf("Refresh after staleness: changed=%v err=%v", changed, err)
	}
	if g := e.Gate(); g.Open || g.Blocking[0].Status != BlockStale {
		t.Fatalf("stale gate = %+v", g)
	}
	if err := e.Next(); !errors.Is(err, ErrGateClosed) {
		t.Fatalf("Next on stale data: %v", err)
	}
	mustObserve(t, e, "io", checks.StatusPass)
	mustObserve(t, e, "sql", checks.StatusPass)
	// A late result from an earlier generation is ignored.
	old := result(e, "io", checks.StatusFail)
	old.Gen--
	if changed, _ := e.Observe(old); changed {
		t.Error("a result from an old generation was accepted")
	}
	clk.Add(3 * time.Second)
	if err := e.Next(); err != nil {
		t.Fatalf("Next with open gate: %v", err)
	}
	recs := mj.Records()
	var done StepDoneData
	for _, r := range recs {
		if r.Type == EvStepDone {
			_ = json.Unmarshal(r.Data, &done)
		}
	}
	if done.Step != "stop-replica" || done.Via != ViaGate {
		t.Errorf("step.done = %+v", done)
	}
	if e.DowntimeRunning() || e.Downtime() <= 0 {
		t.Errorf("downtime after leaving the step: running=%v total=%v", e.DowntimeRunning(), e.Downtime())
	}
	if v, _, _ := e.Current(); v.Key != "per-mirror@m1" || v.Item != "m1" {
		t.Errorf("after stop-replica: current = %+v", v)
	}
	if tg, _ := e.Target("mirror@m1"); tg.Host != "m1" {
		t.Errorf("foreach target not bound per item: %+v", tg)
	}
	if _, st, _ := e.Current(); st.Checks[0].Argv[1] != "m1" {
		t.Errorf("foreach argv not bound: %v", st.Checks[0].Argv)
	}
}

func TestOverrideRules(t *testing.T) {
	const good = "replica lag is a known artefact of the monitoring"
	cases := []struct {
		name string
		req  OverrideRequest
		want string // error substring; "" means success
		is   error
	}{
		{"bad category", OverrideRequest{Checks: []string{"io", "sql"}, Category: "because", Reason: good, Confirmed: true}, "category", nil},
		{"empty reason", OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryKnownIssue, Reason: "   ", Confirmed: true}, "at least 15", nil},
		{"short reason", OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryKnownIssue, Reason: "  it is fine   ", Confirmed: true}, "at least 15", nil},
		{"no checks", OverrideRequest{Category: CategoryOther, Reason: good, Confirmed: true}, "name the failing", nil},
		{"not failing", OverrideRequest{Checks: []string{"io", "sql", "lag"}, Category: CategoryOther, Reason: good, Confirmed: true}, `"lag" is not holding`, nil},
		{"does not cover all", OverrideRequest{Checks: []string{"io"}, Category: CategoryOther, Reason: good, Confirmed: true}, "also name sql", nil},
		{"unconfirmed", OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryAcceptedRisk, Reason: good}, "", ErrNeedConfirm},
		{"confirmed", OverrideRequest{Checks: []string{"sql", "io"}, Category: CategoryAcceptedRisk, Reason: good, Confirmed: true}, "", nil},
	}
	e, mj, _ := newTestEngine(t)
	walkToStop(t, e)
	runAction(t, e)
	mustObserve(t, e, "io", checks.StatusFail)
	for _, c := range cases {
		n := len(mj.Records())
		err := e.Override(c.req)
		switch {
		case c.is != nil:
			if !errors.Is(err, c.is) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.is)
			}
		case c.want != "":
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: err = %v, want it to say %q", c.name, err, c.want)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		}
		if c.want != "" || c.is != nil {
			if len(mj.Records()) != n {
				t.Errorf("%s: a refused override journaled %v", c.name, types(mj)[n:])
			}
		}
	}
	recs := mj.Records()
	var ov OverrideData
	for _, r := range recs {
		if r.Type == EvOverride {
			_ = json.Unmarshal(r.Data, &ov)
		}
	}
	if !slices.Equal(ov.Checks, []string{"io", "sql"}) || ov.Reason != good || len(ov.Evidence) != 2 || ov.Evidence[0].Status != "fail" {
		t.Errorf("override record = %+v", ov)
	}
	// The override opens the gate; the step stays current.
	if s := e.Steps()[1]; s.State != StateCurrent || !e.Gate().Open || !slices.Equal(e.Gate().Overridden, []string{"io", "sql"}) {
		t.Errorf("after the override: step %s, gate %+v", s.State, e.Gate())
	}
	// The gate is open: an override is refused.
	if err := e.Override(OverrideRequest{Checks: []string{"io"}, Category: CategoryOther, Reason: good, Confirmed: true}); err == nil || !strings.Contains(err.Error(), "use next") {
		t.Errorf("override of an open gate: %v", err)
	}
	// Next leaves it, via override.
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	if s := e.Steps()[1]; s.State != StateOverridden {
		t.Errorf("overridden step state = %s", s.State)
	}
	mustObserve(t, e, "up", checks.StatusPass)
}

func TestOnFailGotoAndHalt(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	walkToStop(t, e)
	if err := e.Goto("prep"); err == nil {
		t.Fatal("goto before any failure was allowed")
	}
	runAction(t, e)
	mustObserve(t, e, "io", checks.StatusFail)
	mustObserve(t, e, "sql", checks.StatusFail)
	n := 0
	for _, ty := range types(mj) {
		if ty == EvOnFail {
			n++
		}
	}
	if n != 1 {
		t.Errorf("on_fail journaled %d times, want once", n)
	}
	g := e.Gate()
	if g.OnFail == nil || g.OnFail.Goto != "prep" {
		t.Fatalf("gate on_fail = %+v", g.OnFail)
	}
	if err := e.Goto("verify"); err == nil {
		t.Error("goto to a step on_fail does not name was allowed")
	}
	if err := e.Goto("prep"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := e.Current(); v.Key != "prep" {
		t.Fatalf("after goto current = %s", v.Key)
	}
	if st := e.Steps(); st[1].State != StatePending {
		t.Errorf("stop-replica after a goto back = %s", st[1].State)
	}
	if e.DowntimeRunning() {
		t.Error("downtime still running after leaving the step by goto")
	}
	// Walk to verify and let it fail: the runbook says halt.
	walkToStop(t, e)
	mustObserve(t, e, "io", checks.StatusPass)
	mustObserve(t, e, "sql", checks.StatusPass)
	for _, step := range []string{"stop-replica", "per-mirror@m1", "per-mirror@m2"} {
		if step != "stop-replica" {
			mustObserve(t, e, "up", checks.StatusPass)
		}
		if err := e.Next(); err != nil {
			t.Fatalf("Next from %s: %v", step, err)
		}
	}
	mustObserve(t, e, "ok", checks.StatusFail)
	if e.Ended() != EndHalted || !strings.Contains(e.HaltReason(), "Stop here.") {
		t.Fatalf("ended=%q reason=%q", e.Ended(), e.HaltReason())
	}
	tail := types(mj)[len(types(mj))-3:]
	if !slices.Equal(tail, []string{EvOnFail, EvSessionHalt, EvSessionEnd}) {
		t.Errorf("halt records = %v", tail)
	}
	if err := e.Next(); !errors.Is(err, ErrEnded) {
		t.Errorf("Next after halt: %v", err)
	}
}

func TestActionNeedsConfirmationAndBlocksWhileRunning(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	if _, _, err := e.ActionStart(true); !errors.Is(err, ErrNoAction) {
		t.Errorf("action on a step without one: %v", err)
	}
	walkToStop(t, e)
	n := len(mj.Records())
	a, tg, err := e.ActionStart(false)
	if !errors.Is(err, ErrNeedConfirm) || a.SQL != "STOP SLAVE" || tg.Address() != "db2:3306" {
		t.Fatalf("unconfirmed: %v %+v %+v", err, a, tg)
	}
	if len(mj.Records()) != n {
		t.Fatal("an unconfirmed action was journaled")
	}
	mustObserve(t, e, "io", checks.StatusPass)
	mustObserve(t, e, "sql", checks.StatusPass)
	if _, _, err := e.ActionStart(true); err != nil {
		t.Fatal(err)
	}
	if g := e.Gate(); g.Open || g.Blocking[0].Status != BlockAction {
		t.Errorf("gate while the action runs: %+v", g)
	}
	if st, _ := e.Action(); st != ActionRunning {
		t.Errorf("action state = %s", st)
	}
	if err := e.ActionEnd(checks.ActionResult{RowsAffected: 0}); err != nil {
		t.Fatal(err)
	}
	if !e.Gate().Open {
		t.Errorf("gate after the action ended: %+v", e.Gate())
	}
	if err := e.AttestUnknown(OutcomeSucceeded, "looked at it"); !errors.Is(err, ErrNoAction) {
		t.Errorf("attest without unknown outcome: %v", err)
	}
}

func TestFailedAppendLeavesStateUnchanged(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	before := e.Snapshot()
	mj.FailAfter = len(mj.Records())
	if err := e.Tick("backup-ok", true); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Tick with a failing journal: %v", err)
	}
	after := e.Snapshot()
	if after.Checks[0].Ticked != before.Checks[0].Ticked {
		t.Error("state changed although the append failed")
	}
}

func TestQuitKeepsDowntimeRunning(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	walkToStop(t, e)
	clk.Add(time.Minute)
	if err := e.Quit(); err != nil {
		t.Fatal(err)
	}
	var end EndData
	recs := mj.Records()
	_ = json.Unmarshal(recs[len(recs)-1].Data, &end)
	if end.State != EndQuit || end.DowntimeTotalNS != time.Minute {
		t.Errorf("session.end = %+v", end)
	}
	if err := e.Note("too late now"); !errors.Is(err, ErrEnded) {
		t.Errorf("note after quit: %v", err)
	}
}
