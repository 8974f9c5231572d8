package session

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

var (
	alice = Operator{Name: "alice", Key: "SHA256:alicekey", SSHClient: "10.0.0.5 51000"}
	bob   = Operator{Name: "bob", Key: "SHA256:bobkey", SSHClient: "10.0.0.6 52000"}
)

// approvalEngine starts the test runbook with approval marks: mark edits the
// runbook, policy is the site's part. alice operates.
func approvalEngine(t *testing.T, mode string, policy ApprovalPolicy, mark func(rb *steps.Runbook)) (*Engine, *MemoryJournal) {
	t.Helper()
	rb := testRunbook()
	mark(rb)
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	e, err := New(Config{SessionID: "20261122-020000-abcd", Runbook: rb, Params: testParams(), Operator: alice,
		Mode: mode, Approval: policy, Journal: mj, Clock: clk.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e, mj
}

func markStep(id, what string) func(rb *steps.Runbook) {
	return func(rb *steps.Runbook) {
		for i, s := range rb.Sections[0].Steps {
			if s.ID == id {
				switch what {
				case "step":
					rb.Sections[0].Steps[i].Approval = steps.ApprovalRequired
				case "action":
					rb.Sections[0].Steps[i].ActionApproval = steps.ApprovalRequired
				}
			}
		}
	}
}

func newRecords(mj *MemoryJournal, from int) []string {
	var out []string
	for _, r := range mj.Records()[from:] {
		out = append(out, r.Type)
	}
	return out
}

func overrideBackup(e *Engine) error {
	return e.Override(OverrideRequest{Checks: []string{"backup-ok"}, Category: CategoryAcceptedRisk,
		Reason: "the backup ran last night and was verified", Confirmed: true})
}

// TestOverrideWaitsForADifferentApprover: the request is journaled and
// refused; the requester cannot decide it; a different person's grant,
// with a reason, journals the decision and carries out the override.
func TestOverrideWaitsForADifferentApprover(t *testing.T) {
	e, mj := approvalEngine(t, ModeLive, ApprovalPolicy{}, func(rb *steps.Runbook) {
		rb.Approval = &steps.RunbookApproval{Overrides: steps.ApprovalRequired}
	})
	n := len(mj.Records())
	err := overrideBackup(e)
	var pe *ApprovalPendingError
	if !errors.As(err, &pe) || !errors.Is(err, ErrApprovalPending) {
		t.Fatalf("override without approval: %v, want *ApprovalPendingError", err)
	}
	if got := newRecords(mj, n); !slices.Equal(got, []string{EvApprovalRequest}) {
		t.Fatalf("journaled %v, want only the request", got)
	}
	if v, _, _ := e.Current(); v.Key != "prep" {
		t.Fatalf("the override was carried out before approval: current %s", v.Key)
	}
	a, ok := e.PendingApproval()
	if !ok || a.Requester.Name != "alice" || a.Kind != ApproveOverride || a.Reason == "" || len(a.Evidence) != 1 {
		t.Fatalf("pending = %+v, %v", a, ok)
	}
	// Asking again waits on the same request, journaling nothing more.
	n = len(mj.Records())
	if err := overrideBackup(e); !errors.As(err, &pe) || pe.Approval.ID != a.ID {
		t.Fatalf("second ask: %v", err)
	}
	if len(mj.Records()) != n {
		t.Fatal("a second ask journaled a second request")
	}

	for _, c := range []struct {
		name   string
		who    Operator
		reason string
		want   string
	}{
		{"the requester herself", alice, "I checked it twice already", "cannot approve their own request"},
		{"her name with another key", Operator{Name: "Alice", Key: "SHA256:other"}, "I checked it twice already", "cannot approve"},
		{"her OS login", Operator{Name: "someone", User: "alice"}, "I checked it twice already", "cannot approve"},
		{"no reason", bob, "ok", "at least 10 characters"},
	} {
		n := len(mj.Records())
		if err := e.Decide(a.ID, c.who, true, c.reason); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decide = %v, want %q", c.name, err, c.want)
		}
		if len(mj.Records()) != n {
			t.Errorf("%s: a refused decision journaled %v", c.name, newRecords(mj, n))
		}
	}
	if err := e.Decide(a.ID+100, bob, true, "looked at the backup log"); err == nil {
		t.Error("a decision on an unknown request was accepted")
	}

	n = len(mj.Records())
	if err := e.Decide(a.ID, bob, true, "looked at the backup log myself"); err != nil {
		t.Fatalf("bob's grant: %v", err)
	}
	// The granted override opens the gate; the operator leaves with next.
	if got := newRecords(mj, n); !slices.Equal(got, []string{EvApprovalGrant, EvOverride}) {
		t.Fatalf("after the grant journaled %v, want the grant and the override", got)
	}
	if v, _, _ := e.Current(); v.Key != "prep" || !e.Gate().Open {
		t.Fatalf("after the grant: current %s, gate open %v; want prep with its gate open", v.Key, e.Gate().Open)
	}
	m := len(mj.Records())
	if err := e.Next(); err != nil {
		t.Fatalf("next after the granted override: %v", err)
	}
	if got := newRecords(mj, m); !slices.Equal(got, []string{EvStepDone, EvStepEnter, EvDowntimeStart}) {
		t.Fatalf("next after the override journaled %v", got)
	}
	var done StepDoneData
	if err := mj.Records()[m].Decode(&done); err != nil || done.Via != ViaOverride {
		t.Errorf("step.done = %+v (%v), want via override", done, err)
	}
	var g ApprovalDecisionData
	if err := mj.Records()[n].Decode(&g); err != nil {
		t.Fatal(err)
	}
	if g.Approver.Name != "bob" || g.Approver.Key != bob.Key || g.Request != a.ID || g.Reason != "looked at the backup log myself" || len(g.Evidence) == 0 {
		t.Errorf("approval.grant = %+v", g)
	}
	if v, _, _ := e.Current(); v.Key != "stop-replica" {
		t.Errorf("after the grant: current %s, want stop-replica", v.Key)
	}
	// The engine rebuilt from the journal agrees.
	r, err := Replay(Config{Runbook: e.Runbook(), Params: testParams()}, mj.Records())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Snapshot(), e.Snapshot()) {
		t.Error("the replayed engine differs from the live one")
	}
}

// TestApprovedOverrideOfAnApprovalStepLeavesWithoutASecondRequest: on a
// step marked approval: required, the approved override covers leaving the
// step by it: next asks nobody again.
func TestApprovedOverrideOfAnApprovalStepLeavesWithoutASecondRequest(t *testing.T) {
	e, mj := approvalEngine(t, ModeLive, ApprovalPolicy{}, markStep("prep", "step"))
	_ = overrideBackup(e)
	a, ok := e.PendingApproval()
	if !ok || a.Kind != ApproveOverride {
		t.Fatalf("pending = %+v, %v", a, ok)
	}
	if err := e.Decide(a.ID, bob, true, "looked at the backup log myself"); err != nil {
		t.Fatal(err)
	}
	n := len(mj.Records())
	if err := e.Next(); err != nil {
		t.Fatalf("next after the approved override: %v", err)
	}
	if got := newRecords(mj, n); slices.Contains(got, EvApprovalRequest) || !slices.Contains(got, EvStepDone) {
		t.Fatalf("next journaled %v: want the step left, no second request", got)
	}
}

func TestRejectedOverrideIsNotDoneAndCanBeAskedAgain(t *testing.T) {
	e, mj := approvalEngine(t, ModeLive, ApprovalPolicy{LiveOverrides: true}, func(*steps.Runbook) {})
	_ = overrideBackup(e)
	a, _ := e.PendingApproval()
	n := len(mj.Records())
	if err := e.Decide(a.ID, bob, false, "no backup log attached to the ticket"); err != nil {
		t.Fatal(err)
	}
	if got := newRecords(mj, n); !slices.Equal(got, []string{EvApprovalReject}) {
		t.Fatalf("a rejection journaled %v", got)
	}
	if v, _, _ := e.Current(); v.Key != "prep" {
		t.Fatal("a rejected override was carried out")
	}
	if err := e.Decide(a.ID, bob, true, "changed my mind after all"); err == nil || !strings.Contains(err.Error(), "already rejected") {
		t.Errorf("deciding twice: %v", err)
	}
	var pe *ApprovalPendingError
	if err := overrideBackup(e); !errors.As(err, &pe) || pe.Approval.ID == a.ID {
		t.Errorf("asking again after a rejection: %v, want a new request", err)
	}
}

// TestWhatNeedsApproval: each rule, and what it leaves alone.
func TestWhatNeedsApproval(t *testing.T) {
	cases := []struct {
		name    string
		mode    string
		policy  ApprovalPolicy
		mark    func(*steps.Runbook)
		wantAsk bool
	}{
		{"no rule", ModeLive, ApprovalPolicy{}, func(*steps.Runbook) {}, false},
		{"site policy, live", ModeLive, ApprovalPolicy{LiveOverrides: true}, func(*steps.Runbook) {}, true},
		{"site policy, rehearsal", ModeRehearsal, ApprovalPolicy{LiveOverrides: true}, func(*steps.Runbook) {}, false},
		{"runbook: every override, rehearsal", ModeRehearsal, ApprovalPolicy{}, func(rb *steps.Runbook) {
			rb.Approval = &steps.RunbookApproval{Overrides: steps.ApprovalRequired}
		}, true},
		{"runbook: this step", ModeRehearsal, ApprovalPolicy{}, markStep("prep", "step"), true},
		{"runbook: another step", ModeRehearsal, ApprovalPolicy{}, markStep("verify", "step"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, _ := approvalEngine(t, c.mode, c.policy, c.mark)
			err := overrideBackup(e)
			if asked := errors.Is(err, ErrApprovalPending); asked != c.wantAsk {
				t.Errorf("override: %v, want asked=%v", err, c.wantAsk)
			}
		})
	}
}

func TestStepApprovalHoldsNextUntilGranted(t *testing.T) {
	e, mj := approvalEngine(t, ModeLive, ApprovalPolicy{}, markStep("prep", "step"))
	if err := e.Tick("backup-ok", true); err != nil {
		t.Fatal(err)
	}
	if err := e.Next(); !errors.Is(err, ErrApprovalPending) {
		t.Fatalf("Next: %v", err)
	}
	a, _ := e.PendingApproval()
	if a.Kind != ApproveStep || !strings.Contains(a.Summary(), "leave step prep") {
		t.Errorf("request = %+v", a)
	}
	n := len(mj.Records())
	if err := e.Decide(a.ID, bob, true, "the backup is on the tape robot"); err != nil {
		t.Fatal(err)
	}
	if got := newRecords(mj, n); !slices.Equal(got[:3], []string{EvApprovalGrant, EvStepDone, EvStepEnter}) {
		t.Errorf("journaled %v", got)
	}
}

// TestActionApprovalIsUsedOnce: a grant lets the operator run the action
// once; the next run asks again; a step change voids a waiting request.
func TestActionApprovalIsUsedOnce(t *testing.T) {
	e, _ := approvalEngine(t, ModeLive, ApprovalPolicy{}, markStep("stop-replica", "action"))
	walkToStop(t, e)
	if _, _, err := e.ActionStart(false); !errors.Is(err, ErrNeedConfirm) {
		t.Fatalf("unconfirmed: %v (confirmation comes before the request)", err)
	}
	if _, _, err := e.ActionStart(true); !errors.Is(err, ErrApprovalPending) {
		t.Fatalf("ActionStart: %v", err)
	}
	a, _ := e.PendingApproval()
	if a.Action != "STOP SLAVE" {
		t.Errorf("the request does not show the action: %+v", a)
	}
	if err := e.Decide(a.ID, bob, true, "window confirmed with the DBA"); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.Action(); st != ActionNone {
		t.Fatal("a granted action ran without the operator")
	}
	if _, _, err := e.ActionStart(true); err != nil {
		t.Fatalf("ActionStart after the grant: %v", err)
	}
	if err := e.ActionEnd(checks.ActionResult{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ActionStart(true); !errors.Is(err, ErrApprovalPending) {
		t.Fatalf("a second run used the first grant: %v", err)
	}
	b, _ := e.PendingApproval()
	mustObserve(t, e, "io", checks.StatusPass)
	mustObserve(t, e, "sql", checks.StatusPass)
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.PendingApproval(); ok {
		t.Error("a request outlived its step")
	}
	if err := e.Decide(b.ID, bob, true, "too late for that one"); err == nil {
		t.Error("a request of a step already left was decided")
	}
}

func TestSamePerson(t *testing.T) {
	cases := []struct {
		a, b Operator
		want bool
	}{
		{alice, bob, false},
		{alice, alice, true},
		{Operator{Name: "alice", Key: "k1"}, Operator{Name: "bob", Key: "k1"}, true},
		{Operator{Name: "A. Operator", User: "alice"}, Operator{Name: "bob", User: "bob"}, false},
		{Operator{Name: "A. Operator", User: "alice"}, Operator{Name: "alice", User: "alice"}, true},
		{Operator{Name: "alice"}, Operator{User: "ALICE"}, true},
		{Operator{}, Operator{}, false},
	}
	for _, c := range cases {
		if got := SamePerson(c.a, c.b); got != c.want {
			t.Errorf("SamePerson(%+v, %+v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
