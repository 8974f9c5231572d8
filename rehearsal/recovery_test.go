package rehearsal

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// failedAfter is how long after its last entry step's on_fail fired (-1
// when it never did).
func (h *harness) failedAfter(step string) time.Duration {
	var entered time.Time
	for _, r := range h.records() {
		var d struct {
			Step string `json:"step"`
		}
		if r.Decode(&d) != nil || baseID(d.Step) != step {
			continue
		}
		switch r.Type {
		case session.EvStepEnter:
			entered = r.Time
		case session.EvOnFail:
			return r.Time.Sub(entered)
		}
	}
	return -1
}

// reenter re-enters a target's password the way the operator does in a
// session: through the runner, which journals it and hands it to the
// simulated world.
func (h *harness) reenter(target, password string) {
	h.t.Helper()
	r := session.NewRunner(h.e, h.drv, h.clock.Now)
	defer r.Close()
	if err := r.SetCredentials(target, checks.Credentials{Password: checks.NewSecret(password), Source: "prompt"}); err != nil {
		h.t.Fatalf("SetCredentials(%s): %v", target, err)
	}
}

// statuses lists the statuses check.status journaled for check, in order,
// without repeats.
func (h *harness) statuses(check string) []string {
	var out []string
	for _, r := range h.records() {
		var d session.CheckStatusData
		if r.Type != session.EvCheckStatus || r.Decode(&d) != nil || d.Check != check {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != d.Status {
			out = append(out, d.Status)
		}
		if d.Status == checks.StatusUnreachable.String() && d.Since.IsZero() {
			h.t.Errorf("check.status unreachable of %s without since: %+v", check, d)
		}
	}
	return out
}

// types counts the journal's records by type.
func (h *harness) types() map[string]int {
	n := map[string]int{}
	for _, r := range h.records() {
		n[r.Type]++
	}
	return n
}

// TestOutageNeverHaltsTheSession: the slave cannot be reached in the
// middle of start-replica, whose check has a minute and an on_fail that
// halts. For 30 s (the scenario), and for 90 s (longer than the minute):
// the check is unreachable, never failed; no on_fail fires, nothing is
// overridden, and the procedure completes once the slave answers again.
// Judged as before unreachable was a state of its own, the 90 s outage
// halted the change at the minute.
func TestOutageNeverHaltsTheSession(t *testing.T) {
	for _, outage := range []time.Duration{30 * time.Second, 90 * time.Second} {
		t.Run(outage.String(), func(t *testing.T) {
			rb, err := steps.LoadBundled(bundled, "thinman-dual-db")
			if err != nil {
				t.Fatal(err)
			}
			sc, err := LoadScenario(bundled, rb.ID, "slave-unreachable")
			if err != nil {
				t.Fatal(err)
			}
			sc.Faults[0].For = checks.Duration(outage)
			h := newHarnessFor(t, rb, sc)
			if ev := h.runToEnd(false, time.Hour); len(ev) > 0 {
				t.Fatalf("the outage stopped the procedure: %v", ev)
			}
			if h.e.Ended() != session.EndCompleted {
				t.Fatalf("session ended %q, want completed", h.e.Ended())
			}
			n := h.types()
			for _, typ := range []string{session.EvOnFail, session.EvSessionHalt, session.EvOverride} {
				if n[typ] > 0 {
					t.Errorf("%d %s records: an outage is not a failure", n[typ], typ)
				}
			}
			got := strings.Join(h.statuses("replica-running"), " ")
			if !strings.Contains(got, "unreachable pass") || strings.Contains(got, "fail") {
				t.Errorf("replica-running went %q, want it unreachable, then pass, never fail", got)
			}
			if d := h.stepDuration("start-replica"); d < outage {
				t.Errorf("start-replica took %s, want at least the outage's %s", d, outage)
			}
		})
	}
}

// TestWrongPasswordCorrectedInSession: the session logs in to the slave
// with a wrong password. Its checks are unreachable (access denied), not
// failed, however long it lasts; a wrong password re-entered is refused
// again; the right one, re-entered through Runner.SetCredentials, lets the
// procedure go on to its end. The journal says the credentials were
// re-entered, never with what.
func TestWrongPasswordCorrectedInSession(t *testing.T) {
	h := newHarness(t, "thinman-dual-db", "wrong-password")
	for range 2 { // backup, installers: manual steps
		if out, failing := h.step(time.Hour); out != outNext {
			t.Fatalf("manual step: %s %v", out, failing)
		}
	}
	out, failing := h.step(5 * time.Minute)
	if out != outBlocked {
		t.Fatalf("stop-replica with a wrong password: %s, want the gate held (blocked)", out)
	}
	if len(h.actionFailures) != 1 || !strings.Contains(h.actionFailures[0], "Access denied") {
		t.Errorf("STOP REPLICA with a wrong password: %v, want it refused with access denied", h.actionFailures)
	}
	if !strings.Contains(strings.Join(failing, ";"), "Error 1045 (28000): Access denied for user 'thinman_ops'") {
		t.Errorf("failing checks: %v", failing)
	}
	if got := h.statuses("replica-stopped"); strings.Join(got, " ") != "unreachable" {
		t.Errorf("replica-stopped went %v over five minutes, want only unreachable", got)
	}
	if h.e.Ended() != "" || h.e.OnFail() != nil {
		t.Fatalf("a refused login ended the session (%q) or fired on_fail (%v)", h.e.Ended(), h.e.OnFail())
	}

	h.reenter("slave", "Rehearsal-Only-6")
	if out, failing = h.step(10 * time.Second); out != outBlocked || !strings.Contains(strings.Join(failing, ";"), "Access denied") {
		t.Fatalf("after a wrong password: %s %v, want still refused", out, failing)
	}
	h.reenter("slave", "Rehearsal-Only-7")
	if out, failing = h.step(2 * time.Minute); out != outNext {
		t.Fatalf("after the right password: %s %v, want the step done", out, failing)
	}
	if ev := h.runToEnd(false, time.Hour); len(ev) > 0 || h.e.Ended() != session.EndCompleted {
		t.Fatalf("the rest of the procedure: %v, ended %q", ev, h.e.Ended())
	}
	var reentered int
	var verdicts []string // login_good, as journaled
	for _, r := range h.records() {
		if strings.Contains(string(r.Data), "Rehearsal-Only-") {
			t.Errorf("record %d (%s) holds a password: %s", r.Seq, r.Type, r.Data)
		}
		if r.Type == session.EvCredentials {
			reentered++
			var d session.CredentialsData
			if err := r.Decode(&d); err != nil || d.Target != "slave" || strings.Join(d.Fields, ",") != "password" {
				t.Errorf("credentials.reentered = %+v (%v)", d, err)
			}
			if d.LoginGood == nil {
				verdicts = append(verdicts, "none")
			} else {
				verdicts = append(verdicts, strconv.FormatBool(*d.LoginGood))
			}
		}
	}
	if reentered != 2 {
		t.Errorf("%d credentials.reentered records, want 2", reentered)
	}
	// Whether the login is good now is journaled (a world input: a
	// resume logs in as the session did), the value never.
	if got := strings.Join(verdicts, " "); got != "false true" {
		t.Errorf("credentials.reentered login_good: %s, want false true", got)
	}
	var said []string
	for _, hp := range h.drv.Happenings() {
		said = append(said, hp.What)
	}
	if got := strings.Join(said, "\n"); !strings.Contains(got, "fault old-password struck") ||
		!strings.Contains(got, "the server still refuses them") || !strings.Contains(got, "the server takes them") {
		t.Errorf("happenings:\n%s", got)
	}
}

// TestFailWhenIsWhatFailsAtOnce: the two final failures of the ThinMan
// scenarios (error 1236 after START REPLICA, error 1062 before STOP
// REPLICA) halt within seconds because the runbook's checks name them
// under fail_when. Without fail_when the same data waits out the check's
// minute: the test proves the runbook, not the scenario, makes it final.
func TestFailWhenIsWhatFailsAtOnce(t *testing.T) {
	for _, tt := range []struct{ scenario, step string }{
		{"replication-error", "start-replica"},
		{"stop-error", "stop-replica"},
	} {
		for _, withFailWhen := range []bool{true, false} {
			name := tt.scenario + "/without-fail_when"
			if withFailWhen {
				name = tt.scenario + "/with-fail_when"
			}
			t.Run(name, func(t *testing.T) {
				rb, err := steps.LoadBundled(bundled, "thinman-dual-db")
				if err != nil {
					t.Fatal(err)
				}
				if !withFailWhen {
					for si := range rb.Sections {
						for i := range rb.Sections[si].Steps {
							for c := range rb.Sections[si].Steps[i].Checks {
								rb.Sections[si].Steps[i].Checks[c].FailWhen = nil
							}
						}
					}
				}
				sc, err := LoadScenario(bundled, rb.ID, tt.scenario)
				if err != nil {
					t.Fatal(err)
				}
				h := newHarnessFor(t, rb, sc)
				ev := h.runToEnd(false, time.Hour)
				if len(ev) != 1 || ev[0] != tt.step+": halted" {
					t.Fatalf("got %v, want %s halted", ev, tt.step)
				}
				d := h.failedAfter(tt.step)
				switch {
				case withFailWhen && d > 10*time.Second:
					t.Errorf("with fail_when the step failed %s after entry, want at once", d)
				case !withFailWhen && d < time.Minute:
					t.Errorf("without fail_when the step failed %s after entry: the test does not show what fail_when changes", d)
				}
				if withFailWhen {
					var final bool
					for _, r := range h.records() {
						var cs session.CheckStatusData
						if r.Type == session.EvCheckStatus && r.Decode(&cs) == nil && cs.Status == "fail" {
							final = cs.Verdict.Final
						}
					}
					if !final {
						t.Error("the failing check.status does not say the verdict is final")
					}
				}
			})
		}
	}
}

// TestNetcopyFailsFollowsTheGoto: solidDB's netcopy-fails scenario goes
// back to step 14 through the runbook's on_fail goto, confirmed by the
// operator on the record, and completes.
func TestNetcopyFailsFollowsTheGoto(t *testing.T) {
	h := newHarness(t, "soliddb-hsb-netcopy", "netcopy-fails")
	ev := h.runToEnd(true, 2*time.Hour)
	if len(ev) != 1 || ev[0] != "s2-connect: on_fail" || h.e.Ended() != session.EndCompleted {
		t.Fatalf("got %v, ended %q: want one on_fail at s2-connect, then completed", ev, h.e.Ended())
	}
	var gotos []session.GotoData
	for _, r := range h.records() {
		var g session.GotoData
		if r.Type == session.EvGoto && r.Decode(&g) == nil {
			gotos = append(gotos, g)
		}
	}
	if len(gotos) != 1 || gotos[0].From != "s2-connect" || gotos[0].To != "s1-upgrade" ||
		gotos[0].ConfirmedBy == nil || gotos[0].ConfirmedBy.Name != "trainee" {
		t.Fatalf("goto records: %+v, want one s2-connect -> s1-upgrade confirmed by the trainee", gotos)
	}
	n := h.types()
	if n[session.EvOverride] > 0 || n[session.EvSessionHalt] > 0 {
		t.Errorf("the goto path needed an override or halted: %v", n)
	}
}

// TestNetcopyFailsAtOnceWhenHsbConnectFails: the manual says "if this step
// fails" of `hsb connect`; its action carries fails_step, so the refused
// connect fails the step the moment it answers, instead of after the
// check's 30 minutes.
func TestNetcopyFailsAtOnceWhenHsbConnectFails(t *testing.T) {
	h := newHarness(t, "soliddb-hsb-netcopy", "netcopy-fails")
	h.runToEnd(true, 2*time.Hour)
	var entered, failed time.Time
	var of session.OnFailData
	for _, r := range h.records() {
		var d struct {
			Step string `json:"step"`
		}
		if r.Decode(&d) != nil || d.Step != "s2-connect" {
			continue
		}
		switch r.Type {
		case session.EvStepEnter:
			if entered.IsZero() {
				entered = r.Time
			}
		case session.EvOnFail:
			failed = r.Time
			_ = r.Decode(&of)
		}
	}
	if failed.IsZero() || !strings.Contains(of.Action, "hsb connect") {
		t.Fatalf("on_fail at s2-connect = %+v at %v: want the failed hsb connect named", of, failed)
	}
	if took := failed.Sub(entered); took > time.Minute {
		t.Errorf("the refused hsb connect failed the step %s after it was entered; want at once", took)
	}
}
