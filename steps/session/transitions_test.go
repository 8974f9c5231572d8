package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
)

// env is one engine under test with its journal and clock.
type env struct {
	t   *testing.T
	e   *Engine
	mj  *MemoryJournal
	clk *fakeClock
	// alive answers ProcessAlive for a resumed engine.
	alive bool
	// since is when the target became unreachable (zero while it answers).
	since time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e, mj, clk := newTestEngine(t)
	return &env{t: t, e: e, mj: mj, clk: clk}
}

// observe feeds a result for check with status st, one poll interval
// after the last (so nothing is coalesced away).
func (v *env) observe(check string, st checks.Status) {
	v.t.Helper()
	v.clk.Add(time.Second)
	r := result(v.e, check, st)
	r.Obs.At = v.clk.Now()
	if st == checks.StatusUnreachable {
		if v.since.IsZero() {
			v.since = v.clk.Now().Add(-30 * time.Second)
		}
		r.Obs = checks.Observation{Error: "dial tcp 10.0.0.2:3306: connect: connection refused", State: checks.StateUnreachable, At: v.clk.Now()}
		r.Since = v.since
	} else {
		v.since = time.Time{}
	}
	if _, err := v.e.Observe(r); err != nil {
		v.t.Fatalf("Observe %s %s: %v", check, st, err)
	}
}

// resume replays the journal and resumes with bob as the operator.
func (v *env) resume() {
	v.t.Helper()
	cfg := replayCfg()
	cfg.Journal, cfg.Clock, cfg.Operator = v.mj, v.clk.Now, Operator{Name: "bob"}
	cfg.ProcessAlive = func(checks.ActionProcess) bool { return v.alive }
	r, err := Resume(cfg, v.mj.Records(), ResumeOptions{})
	if err != nil {
		v.t.Fatalf("Resume: %v", err)
	}
	v.e = r
}

// toVerify walks the test runbook to its last step, whose on_fail halts.
func (v *env) toVerify() {
	v.t.Helper()
	walkToStop(v.t, v.e)
	v.observe("io", checks.StatusPass)
	v.observe("sql", checks.StatusPass)
	for range 3 {
		if _, st, _ := v.e.Current(); len(st.Checks) > 0 && st.Checks[0].Kind == checks.KindCommand {
			v.observe("up", checks.StatusPass)
		}
		if err := v.e.Next(); err != nil {
			v.t.Fatalf("Next: %v", err)
		}
	}
	if cur, _, _ := v.e.Current(); cur.Key != "verify" {
		v.t.Fatalf("current = %s, want verify", cur.Key)
	}
}

// failsStep walks to stop-replica, makes its action fails_step with the
// on_fail of, and starts the action.
func (v *env) failsStep(of steps.OnFail) {
	v.t.Helper()
	walkToStop(v.t, v.e)
	u := &v.e.units[v.e.cur]
	a := *u.Step.Action
	a.FailsStep = true
	u.Step.Action, u.Step.OnFail = &a, &of
	if _, _, err := v.e.ActionStart(true); err != nil {
		v.t.Fatal(err)
	}
}

// halted drives to verify and fails its check: the runbook halts there.
func (v *env) halted() {
	v.t.Helper()
	v.toVerify()
	v.observe("ok", checks.StatusFail)
	if v.e.Ended() != EndHalted {
		v.t.Fatalf("ended = %q, want halted", v.e.Ended())
	}
}

func (v *env) last(typ string, into any) {
	v.t.Helper()
	recs := v.mj.Records()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Type == typ {
			if err := json.Unmarshal(recs[i].Data, into); err != nil {
				v.t.Fatal(err)
			}
			return
		}
	}
	v.t.Fatalf("no %s record in %v", typ, types(v.mj))
}

func countType(mj *MemoryJournal, typ string) int {
	n := 0
	for _, ty := range types(mj) {
		if ty == typ {
			n++
		}
	}
	return n
}

// TestTransitions is the engine's state machine (docs/engine.md), one
// transition a row: from a state the setup reaches, the operation, the
// records it journals, and the state it leaves.
func TestTransitions(t *testing.T) {
	good := "the replica was restarted and its checks pass again"
	tests := []struct {
		name  string
		setup func(v *env)
		op    func(v *env) error
		recs  []string // records the op journals, in order
		check func(v *env)
	}{
		{
			name:  "pending -> unreachable: gate closed, no on_fail, since recorded",
			setup: func(v *env) { walkToStop(t, v.e) },
			op:    func(v *env) error { v.observe("io", checks.StatusUnreachable); return nil },
			recs:  []string{EvCheckStatus},
			check: func(v *env) {
				var d CheckStatusData
				v.last(EvCheckStatus, &d)
				if d.Status != "unreachable" || d.Since.IsZero() || !strings.Contains(d.Observation.Error, "connection refused") {
					t.Errorf("check.status = %+v", d)
				}
				g := v.e.Gate()
				if g.Open || g.OnFail != nil || !strings.Contains(g.Blocking[0].Reason, "cannot reach slave: dial tcp") || !strings.Contains(g.Blocking[0].Reason, "(for 30s)") {
					t.Errorf("gate = %+v", g)
				}
			},
		},
		{
			name: "unreachable for long (the poller never calls it failed) -> no halt, no on_fail",
			setup: func(v *env) {
				v.toVerify()
				v.observe("ok", checks.StatusUnreachable)
			},
			op: func(v *env) error {
				for range 100 {
					v.observe("ok", checks.StatusUnreachable)
				}
				return nil
			},
			// 100 polls of the same outage: only the heartbeat, every 10s.
			recs: slices.Repeat([]string{EvCheckFresh}, 10),
			check: func(v *env) {
				if v.e.Ended() != "" || v.e.OnFail() != nil || v.e.Suspended() {
					t.Errorf("ended=%q onFail=%v suspended=%v", v.e.Ended(), v.e.OnFail(), v.e.Suspended())
				}
			},
		},
		{
			name:  "unreachable -> waiting: data is back",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusUnreachable) },
			op:    func(v *env) error { v.observe("io", checks.StatusWaiting); return nil },
			recs:  []string{EvCheckStatus},
			check: func(v *env) {
				if c := v.e.Checks()[0]; c.Last.Status != checks.StatusWaiting || !c.Last.Since.IsZero() {
					t.Errorf("io = %+v", c.Last)
				}
			},
		},
		{
			name:  "waiting -> fail: on_fail fires once, goto offered",
			setup: func(v *env) { walkToStop(t, v.e); runAction(t, v.e); v.observe("io", checks.StatusWaiting) },
			op:    func(v *env) error { v.observe("io", checks.StatusFail); return nil },
			recs:  []string{EvCheckStatus, EvOnFail},
			check: func(v *env) {
				if to, ok := v.e.GotoOffer(); !ok || to != "prep" {
					t.Errorf("goto offer = %q %v", to, ok)
				}
			},
		},
		{
			name: "action not run yet: a deadline's fail is still waiting, no on_fail; the panel says it waits for the action",
			setup: func(v *env) {
				walkToStop(t, v.e)
				v.e.units[v.e.cur].Step.Checks[0].Within = checks.Duration(time.Minute)
			},
			op:   func(v *env) error { v.observe("io", checks.StatusFail); return nil },
			recs: []string{EvCheckStatus},
			check: func(v *env) {
				c := v.e.Checks()[0]
				if c.Last.Status != checks.StatusWaiting || c.Last.Left != 0 || !c.AwaitsAction || v.e.OnFail() != nil || !v.e.DeadlinesWaitForAction() {
					t.Errorf("io = %+v awaits=%v, on_fail %+v", c.Last, c.AwaitsAction, v.e.OnFail())
				}
				if v.e.Checks()[1].AwaitsAction {
					t.Error("a check without `within` says it waits for the action")
				}
			},
		},
		{
			name:  "action not run yet: a fail_when verdict fails at once and fires on_fail",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusWaiting) },
			op: func(v *env) error {
				r := result(v.e, "io", checks.StatusFail)
				r.Verdict.Final = true
				_, err := v.e.Observe(r)
				return err
			},
			recs: []string{EvCheckStatus, EvOnFail},
			check: func(v *env) {
				if c := v.e.Checks()[0]; c.Last.Status != checks.StatusFail || v.e.OnFail() == nil {
					t.Errorf("io = %+v, on_fail %+v", c.Last, v.e.OnFail())
				}
			},
		},
		{
			name:  "action.end starts the deadlines: a fail after it fires on_fail",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusFail) },
			op: func(v *env) error {
				runAction(t, v.e)
				v.observe("io", checks.StatusFail)
				return nil
			},
			recs: []string{EvActionStart, EvActionEnd, EvCheckStatus, EvOnFail},
			check: func(v *env) {
				if v.e.DeadlinesWaitForAction() || v.e.Checks()[0].AwaitsAction {
					t.Error("the deadlines still wait for an action that ran")
				}
			},
		},
		{
			name:  "a failed action starts the deadlines too",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusWaiting) },
			op: func(v *env) error {
				if _, _, err := v.e.ActionStart(true); err != nil {
					return err
				}
				if err := v.e.ActionEnd(checks.ActionResult{ExitCode: 1, Error: "Error 1198: This operation cannot be performed"}); err != nil {
					return err
				}
				v.observe("io", checks.StatusFail)
				return nil
			},
			recs: []string{EvActionStart, EvActionEnd, EvCheckStatus, EvOnFail},
		},
		{
			name:  "an action that never reached its target starts no deadline",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusWaiting) },
			op: func(v *env) error {
				if _, _, err := v.e.ActionStart(true); err != nil {
					return err
				}
				if err := v.e.ActionEnd(checks.ActionResult{ExitCode: -1, Unreachable: true, Error: "dial tcp: connection refused"}); err != nil {
					return err
				}
				v.observe("io", checks.StatusFail)
				return nil
			},
			recs: []string{EvActionStart, EvActionEnd},
			check: func(v *env) {
				if !v.e.DeadlinesWaitForAction() || v.e.OnFail() != nil || v.e.Checks()[0].Last.Status != checks.StatusWaiting {
					t.Errorf("waits=%v on_fail=%+v io=%+v", v.e.DeadlinesWaitForAction(), v.e.OnFail(), v.e.Checks()[0].Last)
				}
			},
		},
		{
			name: "resumed with no action.end: still no deadline; attested not-run: none; attested succeeded: it runs",
			setup: func(v *env) {
				walkToStop(t, v.e)
				if _, _, err := v.e.ActionStart(true); err != nil {
					t.Fatal(err)
				}
				_ = v.e.Quit()
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionResume},
			check: func(v *env) {
				if !v.e.DeadlinesWaitForAction() {
					t.Fatal("the resumed step's deadlines run before its action ended")
				}
				v.observe("io", checks.StatusFail)
				if err := v.e.AttestUnknown(OutcomeNotRun, "the statement never reached the server"); err != nil {
					t.Fatal(err)
				}
				v.observe("sql", checks.StatusFail)
				if !v.e.DeadlinesWaitForAction() || v.e.OnFail() != nil {
					t.Fatalf("after an action attested not run: waits=%v on_fail=%+v", v.e.DeadlinesWaitForAction(), v.e.OnFail())
				}
				runAction(t, v.e)
				v.observe("io", checks.StatusFail)
				if v.e.DeadlinesWaitForAction() || v.e.OnFail() == nil {
					t.Errorf("after the action ran: waits=%v on_fail=%+v", v.e.DeadlinesWaitForAction(), v.e.OnFail())
				}
			},
		},
		{
			name: "resumed after action.end: the deadlines run (the journal says it ran)",
			setup: func(v *env) {
				walkToStop(t, v.e)
				runAction(t, v.e)
				_ = v.e.Quit()
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionResume},
			check: func(v *env) {
				if v.e.DeadlinesWaitForAction() {
					t.Error("the resumed step's deadlines wait for an action that ran")
				}
				v.observe("io", checks.StatusFail)
				if v.e.OnFail() == nil {
					t.Error("no on_fail")
				}
			},
		},
		{
			name:  "a step without an action keeps its deadline from entry",
			setup: func(v *env) { v.toVerify() },
			op:    func(v *env) error { v.observe("ok", checks.StatusFail); return nil },
			recs:  []string{EvCheckStatus, EvOnFail, EvSessionHalt, EvSessionEnd},
			check: func(v *env) {
				if v.e.DeadlinesWaitForAction() {
					t.Error("a step without an action waits for one")
				}
			},
		},
		{
			name:  "fail -> goto, confirmed by the operator driving",
			setup: func(v *env) { walkToStop(t, v.e); runAction(t, v.e); v.observe("io", checks.StatusFail) },
			op:    func(v *env) error { return v.e.Goto("prep") },
			recs:  []string{EvDowntimeStop, EvGoto, EvStepEnter},
			check: func(v *env) {
				var d GotoData
				v.last(EvGoto, &d)
				if d.From != "stop-replica" || d.To != "prep" || d.Check != "io" || d.ConfirmedBy == nil || d.ConfirmedBy.Name != "alice" {
					t.Errorf("goto = %+v", d)
				}
			},
		},
		{
			name: "on_fail say advice persists across a resume",
			setup: func(v *env) {
				walkToStop(t, v.e)
				runAction(t, v.e)
				v.observe("io", checks.StatusFail)
				_ = v.e.Quit()
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionResume},
			check: func(v *env) {
				if g := v.e.Gate(); g.OnFail == nil || g.OnFail.Say != "Go back and prepare again." {
					t.Errorf("advice after resume = %+v", g.OnFail)
				}
				v.observe("io", checks.StatusFail)
				if n := countType(v.mj, EvOnFail); n != 1 {
					t.Errorf("on_fail journaled %d times", n)
				}
				if err := v.e.Goto("prep"); err != nil {
					t.Errorf("goto after resume: %v", err)
				}
			},
		},
		{
			name:  "running -> suspended: a halt ends the session halted",
			setup: func(v *env) { v.toVerify() },
			op:    func(v *env) error { v.observe("ok", checks.StatusFail); return nil },
			recs:  []string{EvCheckStatus, EvOnFail, EvSessionHalt, EvSessionEnd},
			check: func(v *env) {
				if !v.e.Suspended() || v.e.HaltStep() != "verify" || v.e.Steps()[5].State != StateFailed {
					t.Errorf("suspended=%v haltStep=%q state=%s", v.e.Suspended(), v.e.HaltStep(), v.e.Steps()[5].State)
				}
			},
		},
		{
			name:  "suspended -> resumed: the halting step is polled again, nothing moves on",
			setup: func(v *env) { v.halted() },
			op:    func(v *env) error { v.resume(); return nil },
			recs:  []string{EvSessionResume},
			check: func(v *env) {
				var d ResumeData
				v.last(EvSessionResume, &d)
				cur, _, _ := v.e.Current()
				if !d.Suspended || !v.e.Suspended() || v.e.Ended() != "" || cur.Key != "verify" || cur.State != StateCurrent {
					t.Fatalf("resume = %+v, suspended=%v ended=%q current=%+v", d, v.e.Suspended(), v.e.Ended(), cur)
				}
				v.observe("ok", checks.StatusPass)
				if !v.e.ChecksPass() {
					t.Error("the re-run check passes but ChecksPass says no")
				}
				if g := v.e.Gate(); g.Open || g.Blocking[0].Status != BlockSuspended {
					t.Errorf("gate while suspended = %+v", g)
				}
				for name, err := range map[string]error{"next": v.e.Next(), "goto": v.e.Goto("prep"),
					"override": v.e.Override(OverrideRequest{Checks: []string{"ok"}, Category: CategoryOther, Reason: good, Confirmed: true})} {
					if !errors.Is(err, ErrSuspended) {
						t.Errorf("%s while suspended: %v", name, err)
					}
				}
				v.observe("ok", checks.StatusFail) // failing again while suspended halts nothing more
				if n := countType(v.mj, EvSessionHalt); n != 1 {
					t.Errorf("%d halts", n)
				}
			},
		},
		{
			name: "resumed -> continued: explicit, with a reason; the step goes on",
			setup: func(v *env) {
				v.halted()
				v.resume()
				v.observe("ok", checks.StatusPass)
			},
			op:   func(v *env) error { return v.e.Continue(good) },
			recs: []string{EvSessionContinue, EvGateOpen},
			check: func(v *env) {
				var d ContinueData
				v.last(EvSessionContinue, &d)
				if d.Step != "verify" || d.Reason != good || !d.ChecksPass || d.Operator.Name != "bob" || len(d.Evidence) != 1 {
					t.Errorf("session.continue = %+v", d)
				}
				if v.e.Suspended() {
					t.Error("still suspended")
				}
				if err := v.e.Next(); err != nil {
					t.Fatalf("next after continue: %v", err)
				}
				if v.e.Ended() != EndCompleted {
					t.Errorf("ended = %q", v.e.Ended())
				}
			},
		},
		{
			name: "continued while failing, then a fail_when verdict: on_fail fires again (a continue re-arms it)",
			setup: func(v *env) {
				v.halted()
				v.resume()
				v.observe("ok", checks.StatusFail)
				if err := v.e.Continue(good); err != nil {
					t.Fatal(err)
				}
			},
			op: func(v *env) error {
				v.clk.Add(time.Second)
				r := result(v.e, "ok", checks.StatusFail)
				r.Verdict.Final = true
				r.Verdict.Reason = "Last_IO_Errno = 1236"
				_, err := v.e.Observe(r)
				return err
			},
			recs: []string{EvCheckStatus, EvOnFail, EvSessionHalt, EvSessionEnd},
			check: func(v *env) {
				if !v.e.Suspended() || v.e.Ended() != EndHalted || countType(v.mj, EvOnFail) != 2 {
					t.Errorf("suspended=%v ended=%q on_fail records %d", v.e.Suspended(), v.e.Ended(), countType(v.mj, EvOnFail))
				}
			},
		},
		{
			name: "continued while failing: the same failure does not halt again at the next poll",
			setup: func(v *env) {
				v.halted()
				v.resume()
				v.observe("ok", checks.StatusFail)
				if err := v.e.Continue(good); err != nil {
					t.Fatal(err)
				}
			},
			op:   func(v *env) error { v.observe("ok", checks.StatusFail); return nil },
			recs: nil,
			check: func(v *env) {
				if v.e.Suspended() || v.e.Ended() != "" || countType(v.mj, EvOnFail) != 1 {
					t.Errorf("suspended=%v ended=%q on_fail records %d", v.e.Suspended(), v.e.Ended(), countType(v.mj, EvOnFail))
				}
				// It answers without failing, then fails again: a new failure.
				v.observe("ok", checks.StatusWaiting)
				v.observe("ok", checks.StatusFail)
				if v.e.Ended() != EndHalted || countType(v.mj, EvOnFail) != 2 {
					t.Errorf("a new failure after the continue: ended=%q on_fail records %d", v.e.Ended(), countType(v.mj, EvOnFail))
				}
			},
		},
		{
			name: "continued with its checks passing, then the check fails: on_fail fires again",
			setup: func(v *env) {
				v.halted()
				v.resume()
				v.observe("ok", checks.StatusPass)
				if err := v.e.Continue(good); err != nil {
					t.Fatal(err)
				}
			},
			op:   func(v *env) error { v.observe("ok", checks.StatusFail); return nil },
			recs: []string{EvCheckStatus, EvOnFail, EvSessionHalt, EvSessionEnd},
		},
		{
			name:  "continue needs a reason and a suspension",
			setup: func(v *env) { v.halted(); v.resume() },
			op: func(v *env) error {
				if err := v.e.Continue("ok now"); err == nil || !strings.Contains(err.Error(), "at least 15") {
					return errors.New("a short reason was accepted")
				}
				return nil
			},
			recs: nil,
			check: func(v *env) {
				_ = v.e.Continue(good)
				if err := v.e.Continue(good); err == nil {
					t.Error("continue of a session that is not suspended")
				}
			},
		},
		{
			name:  "suspended -> quit: it stays halted and resumes suspended again",
			setup: func(v *env) { v.halted(); v.resume() },
			op:    func(v *env) error { return v.e.Quit() },
			recs:  []string{EvSessionEnd},
			check: func(v *env) {
				var d EndData
				v.last(EvSessionEnd, &d)
				if d.State != EndHalted {
					t.Errorf("session.end = %+v", d)
				}
				v.resume()
				if !v.e.Suspended() {
					t.Error("resumed a second time, not suspended")
				}
			},
		},
		{
			name: "on_fail halt journaled, then a break: resume records the halt and resumes suspended",
			setup: func(v *env) {
				v.toVerify()
				mj2 := &MemoryJournal{Clock: v.clk.Now}
				mj2.records = append(mj2.records, v.mj.Records()...)
				v.observe("ok", checks.StatusFail)
				// Cut the journal right after on_fail, as a crash would.
				recs := v.mj.Records()
				for i, r := range recs {
					if r.Type == EvOnFail {
						mj2.records = recs[:i+1]
					}
				}
				v.mj = mj2
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionHalt, EvSessionResume},
			check: func(v *env) {
				if !v.e.Suspended() || v.e.Ended() != "" {
					t.Errorf("suspended=%v ended=%q", v.e.Suspended(), v.e.Ended())
				}
			},
		},
		{
			name:  "override -> the gate opens, the step stays current",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusWaiting) },
			op: func(v *env) error {
				return v.e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryCheckWrong, Reason: good, Confirmed: true})
			},
			recs: []string{EvOverride},
			check: func(v *env) {
				var d OverrideData
				v.last(EvOverride, &d)
				g := v.e.Gate()
				if !d.OpensGate || v.e.Steps()[1].State != StateCurrent || !g.Open || !slices.Equal(g.Overridden, []string{"io", "sql"}) {
					t.Errorf("override = %+v, state %s, gate %+v", d, v.e.Steps()[1].State, g)
				}
			},
		},
		{
			name: "gate open by override -> next leaves via override",
			setup: func(v *env) {
				walkToStop(t, v.e)
				v.observe("io", checks.StatusWaiting)
				if err := v.e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryCheckWrong, Reason: good, Confirmed: true}); err != nil {
					t.Fatal(err)
				}
			},
			op:   func(v *env) error { return v.e.Next() },
			recs: []string{EvStepDone, EvDowntimeStop, EvStepEnter},
			check: func(v *env) {
				var d StepDoneData
				v.last(EvStepDone, &d)
				if d.Via != ViaOverride || d.DurationNS <= 0 || v.e.Steps()[1].State != StateOverridden {
					t.Errorf("step.done = %+v, state %s", d, v.e.Steps()[1].State)
				}
			},
		},
		{
			name: "gate open by override, the overridden check fails -> no on_fail, the gate stays open",
			setup: func(v *env) {
				walkToStop(t, v.e)
				runAction(t, v.e)
				v.observe("io", checks.StatusWaiting)
				if err := v.e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryCheckWrong, Reason: good, Confirmed: true}); err != nil {
					t.Fatal(err)
				}
			},
			op:   func(v *env) error { v.observe("io", checks.StatusFail); return nil },
			recs: []string{EvCheckStatus},
			check: func(v *env) {
				if !v.e.Gate().Open || v.e.OnFail() != nil || v.e.Ended() != "" {
					t.Errorf("gate %+v, on_fail %+v, ended %q", v.e.Gate(), v.e.OnFail(), v.e.Ended())
				}
			},
		},
		{
			name: "gate open by override, quit, resume -> the gate is judged afresh",
			setup: func(v *env) {
				walkToStop(t, v.e)
				v.observe("io", checks.StatusWaiting)
				if err := v.e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryCheckWrong, Reason: good, Confirmed: true}); err != nil {
					t.Fatal(err)
				}
				if err := v.e.Quit(); err != nil {
					t.Fatal(err)
				}
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionResume},
			check: func(v *env) {
				if g := v.e.Gate(); g.Open || len(g.Overridden) != 0 || v.e.Steps()[1].State != StateCurrent {
					t.Errorf("after the resume: gate %+v, state %s", g, v.e.Steps()[1].State)
				}
			},
		},
		{
			name: "action running -> its process group is recorded",
			setup: func(v *env) {
				walkToStop(t, v.e)
				if _, _, err := v.e.ActionStart(true); err != nil {
					t.Fatal(err)
				}
			},
			op: func(v *env) error {
				return v.e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242, StartTicks: 99})
			},
			recs: []string{EvActionProcess},
			check: func(v *env) {
				if p := v.e.RunningProcess(); p == nil || p.PGID != 4242 {
					t.Errorf("process = %+v", p)
				}
			},
		},
		{
			name: "action running -> interrupted: outcome unknown, resume shows it",
			setup: func(v *env) {
				walkToStop(t, v.e)
				_, _, _ = v.e.ActionStart(true)
				_ = v.e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242})
			},
			op: func(v *env) error {
				return v.e.ActionInterrupted("SIGHUP", "killed its process group (SIGKILL) after a 5s grace period", 5*time.Second,
					checks.ActionResult{ExitCode: -1, Error: "cancelled", Output: "half"})
			},
			recs: []string{EvActionInterrupted},
			check: func(v *env) {
				if st, _ := v.e.Action(); st != ActionUnknown {
					t.Errorf("action = %s", st)
				}
				_ = v.e.Quit()
				v.resume()
				var d ResumeData
				v.last(EvSessionResume, &d)
				if d.Action == nil || d.Action.Interrupted == nil || d.Action.Interrupted.Cause != "SIGHUP" || d.Action.Process.PGID != 4242 || d.Action.Alive {
					t.Errorf("session.resume action = %+v", d.Action)
				}
				if err := v.e.AttestUnknown(OutcomeNotRun, "STOP SLAVE never reached the server: checked the log"); err != nil {
					t.Error(err)
				}
			},
		},
		{
			name: "a break while an action's group still runs: it is not run or attested until it ends",
			setup: func(v *env) {
				walkToStop(t, v.e)
				_, _, _ = v.e.ActionStart(true)
				_ = v.e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242})
				v.alive = true
			},
			op:   func(v *env) error { v.resume(); return nil },
			recs: []string{EvSessionResume},
			check: func(v *env) {
				var d ResumeData
				v.last(EvSessionResume, &d)
				if d.Action == nil || !d.Action.Alive || !v.e.OrphanAlive() {
					t.Fatalf("resume action = %+v", d.Action)
				}
				if _, _, err := v.e.ActionStart(true); !errors.Is(err, errActionAlive) {
					t.Errorf("action again while alive: %v", err)
				}
				if err := v.e.AttestUnknown(OutcomeSucceeded, "looked at the replica state"); !errors.Is(err, errActionAlive) {
					t.Errorf("attest while alive: %v", err)
				}
				if g := v.e.Gate(); g.Open || g.Blocking[0].Status != BlockActionAlive {
					t.Errorf("gate = %+v", g)
				}
				v.alive = false
				if changed, err := v.e.Refresh(); err != nil || !changed || v.e.OrphanAlive() {
					t.Errorf("refresh after the group ended: changed=%v err=%v alive=%v", changed, err, v.e.OrphanAlive())
				}
				if err := v.e.AttestUnknown(OutcomeSucceeded, "looked at the replica state"); err != nil {
					t.Error(err)
				}
			},
		},
		{
			name:  "fails_step action failed -> on_fail halt: halted at once, no deadline waited",
			setup: func(v *env) { v.failsStep(steps.OnFail{Say: "Call the DBA.", Halt: true}) },
			op: func(v *env) error {
				return v.e.ActionEnd(checks.ActionResult{ExitCode: 1, Error: "Error 1227: Access denied; you need the SUPER privilege"})
			},
			recs: []string{EvActionEnd, EvOnFail, EvSessionHalt, EvSessionEnd},
			check: func(v *env) {
				var d OnFailData
				v.last(EvOnFail, &d)
				if d.Step != "stop-replica" || !d.Halt || !strings.Contains(d.Action, "STOP SLAVE: Error 1227") {
					t.Errorf("on_fail = %+v", d)
				}
				if v.e.Ended() != EndHalted {
					t.Errorf("ended = %q, want halted", v.e.Ended())
				}
			},
		},
		{
			name:  "fails_step action failed -> on_fail goto: the jump is offered, the step stays",
			setup: func(v *env) { v.failsStep(steps.OnFail{Say: "Prepare again.", Goto: "prep"}) },
			op: func(v *env) error {
				return v.e.ActionEnd(checks.ActionResult{ExitCode: 14526, Error: "ADMIN COMMAND 'hsb connect' failed: RC 14526"})
			},
			recs: []string{EvActionEnd, EvOnFail},
			check: func(v *env) {
				if to, ok := v.e.GotoOffer(); !ok || to != "prep" {
					t.Errorf("GotoOffer = %q, %v", to, ok)
				}
				if g := v.e.Gate(); g.Open || g.OnFail == nil || v.e.Ended() != "" {
					t.Errorf("gate %+v, ended %q", g, v.e.Ended())
				}
			},
		},
		{
			name:  "fails_step action never reached its target -> no on_fail, the step stays, run it again",
			setup: func(v *env) { v.failsStep(steps.OnFail{Say: "Call the DBA.", Halt: true}) },
			op: func(v *env) error {
				return v.e.ActionEnd(checks.ActionResult{ExitCode: 1, Unreachable: true,
					Error: "dial tcp 10.0.0.2:3306: connect: connection refused"})
			},
			recs: []string{EvActionEnd},
			check: func(v *env) {
				if v.e.Ended() != "" || countType(v.mj, EvOnFail) != 0 {
					t.Errorf("ended %q, on_fail records %d", v.e.Ended(), countType(v.mj, EvOnFail))
				}
				if _, ok := v.e.GotoOffer(); ok || v.e.Gate().OnFail != nil {
					t.Error("an on_fail is offered for an action that never ran")
				}
				if _, _, err := v.e.ActionStart(false); !errors.Is(err, ErrNeedConfirm) {
					t.Errorf("the action cannot be run again: %v", err)
				}
			},
		},
		{
			name:  "credentials re-entered: journaled without the value",
			setup: func(v *env) { walkToStop(t, v.e); v.observe("io", checks.StatusUnreachable) },
			op: func(v *env) error {
				return v.e.CredentialsReentered("slave", checks.Credentials{User: "repl", Password: checks.NewSecret("N3w-Passw0rd-8812"), Source: "prompt"})
			},
			recs: []string{EvCredentials},
			check: func(v *env) {
				var d CredentialsData
				v.last(EvCredentials, &d)
				if d.Target != "slave" || !slices.Equal(d.Fields, []string{"user", "password"}) || d.Operator.Name != "alice" {
					t.Errorf("credentials.reentered = %+v", d)
				}
				_ = v.e.Note("tried N3w-Passw0rd-8812 again")
				if strings.Contains(string(joinData(v.mj)), "N3w-Passw0rd-8812") {
					t.Error("the re-entered password reached the journal")
				}
				if err := v.e.CredentialsReentered("nope", checks.Credentials{User: "x"}); err == nil {
					t.Error("credentials for an unknown target")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEnv(t)
			v.t = t
			tt.setup(v)
			n := len(v.mj.Records())
			if err := tt.op(v); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range v.mj.Records()[n:] {
				got = append(got, r.Type)
			}
			if !slices.Equal(got, tt.recs) {
				t.Errorf("journaled %v, want %v", got, tt.recs)
			}
			if tt.check != nil {
				tt.check(v)
			}
			// Whatever happened, the journal replays to the same state.
			cfg := replayCfg()
			cfg.Clock = v.clk.Now
			r, err := Replay(cfg, v.mj.Records())
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if live, rep := v.e.Snapshot(), r.Snapshot(); live.Suspended != rep.Suspended || live.Current != rep.Current || live.Ended != rep.Ended ||
				live.ActionRan != rep.ActionRan || live.OnFailFired != rep.OnFailFired || !maps.Equal(live.Excused, rep.Excused) {
				t.Errorf("replay differs: live %+v\nreplay %+v", live, rep)
			}
		})
	}
}

// TestOldOverrideJournalReplays: an override used to end its step by
// itself (one record with its duration), and before that was followed by
// step.done via override. Journals of both shapes replay to the state they
// recorded: the step overridden, the next one current.
func TestOldOverrideJournalReplays(t *testing.T) {
	v := newEnv(t)
	walkToStop(t, v.e)
	v.observe("io", checks.StatusWaiting)
	if err := v.e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryOther, Reason: "the monitoring lags, checked by hand", Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if err := v.e.Next(); err != nil {
		t.Fatal(err)
	}
	oldOverride := func(r journal.Record, duration bool) journal.Record {
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "opens_gate")
		if duration {
			m["duration_ns"] = 7
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		r.Data = b
		return r
	}
	for _, shape := range []string{"one record", "override then step.done"} {
		var old []journal.Record
		for _, r := range v.mj.Records() {
			switch {
			case r.Type == EvOverride:
				old = append(old, oldOverride(r, shape == "one record"))
			case r.Type == EvStepDone && strings.Contains(string(r.Data), `"via":"override"`):
				if shape == "one record" {
					continue // the override ended the step
				}
				r.Data = []byte(`{"step":"stop-replica","via":"override","duration_ns":7}`)
				old = append(old, r)
			default:
				old = append(old, r)
			}
		}
		for i := range old {
			old[i].Seq = uint64(i + 1)
		}
		cfg := replayCfg()
		cfg.Clock = v.clk.Now
		r, err := Replay(cfg, old)
		if err != nil {
			t.Fatalf("%s: %v", shape, err)
		}
		if s := r.Steps()[1]; s.State != StateOverridden || s.Duration != 7 {
			t.Errorf("%s: stop-replica = %+v", shape, s)
		}
		if cur, _, _ := r.Current(); cur.Key != "per-mirror@m1" {
			t.Errorf("%s: current = %s", shape, cur.Key)
		}
	}
}

// TestUnreachableReasonIsSafeText: a server's error text with terminal
// control in it reaches the gate's refusal as visible text.
func TestUnreachableReasonIsSafeText(t *testing.T) {
	v := newEnv(t)
	walkToStop(t, v.e)
	r := result(v.e, "io", checks.StatusUnreachable)
	r.Obs = checks.Observation{Error: "Access denied\x1b]0;PWN\x07\x1b[2J", State: checks.StateUnreachable}
	r.Since = v.clk.Now()
	if _, err := v.e.Observe(r); err != nil {
		t.Fatal(err)
	}
	err := v.e.Next()
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), "cannot reach slave: Access denied") {
		t.Fatalf("refusal %q", err)
	}
}

// TestUnreachableReasonSaysWhetherReached: the gate says "cannot reach"
// only for a probe that never got through; a server that answered with an
// error (access denied) was reached, and the gate says so.
func TestUnreachableReasonSaysWhetherReached(t *testing.T) {
	for _, tt := range []struct {
		state, want string
	}{
		{checks.StateUnreachable, "cannot reach slave: Error 1045"},
		{"", "the server answered with an error: Error 1045"},
	} {
		v := newEnv(t)
		walkToStop(t, v.e)
		r := result(v.e, "io", checks.StatusUnreachable)
		r.Obs = checks.Observation{Error: "Error 1045 (28000): Access denied for user 'ops'", State: tt.state}
		r.Since = v.clk.Now()
		if _, err := v.e.Observe(r); err != nil {
			t.Fatal(err)
		}
		g := v.e.Gate()
		if len(g.Blocking) == 0 || !strings.HasPrefix(g.Blocking[0].Reason, tt.want) {
			t.Errorf("state %q: gate %+v, want a reason starting %q", tt.state, g.Blocking, tt.want)
		}
	}
}

// TestStepEndsCountsEachStepOnce: whatever the override's shape, a reader
// of the journal hears the overridden step end once, with its duration.
func TestStepEndsCountsEachStepOnce(t *testing.T) {
	rec := func(typ, data string) journal.Record { return journal.Record{Type: typ, Data: []byte(data)} }
	cases := []struct {
		name string
		recs []journal.Record
	}{
		{"override opens the gate, next leaves", []journal.Record{
			rec(EvStepEnter, `{"step":"s"}`),
			rec(EvOverride, `{"step":"s","checks":["c"],"opens_gate":true}`),
			rec(EvStepDone, `{"step":"s","via":"override","duration_ns":7}`),
			rec(EvStepEnter, `{"step":"t"}`)}},
		{"one record ends the step", []journal.Record{
			rec(EvStepEnter, `{"step":"s"}`),
			rec(EvOverride, `{"step":"s","checks":["c"],"duration_ns":7}`),
			rec(EvStepEnter, `{"step":"t"}`)}},
		{"override then step.done", []journal.Record{
			rec(EvStepEnter, `{"step":"s"}`),
			rec(EvOverride, `{"step":"s","checks":["c"]}`),
			rec(EvStepDone, `{"step":"s","via":"override","duration_ns":7}`),
			rec(EvStepEnter, `{"step":"t"}`)}},
	}
	for _, c := range cases {
		var se StepEnds
		var ends []string
		for _, r := range c.recs {
			if step, took, ok := se.Next(r); ok {
				ends = append(ends, fmt.Sprintf("%s %d", step, took))
			}
		}
		if !slices.Equal(ends, []string{"s 7"}) {
			t.Errorf("%s: ends %v, want [s 7]", c.name, ends)
		}
	}
}
