package serve

import (
	"os/user"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// otherUID stands for the uid of a process driving the session that is
// not this test's: this test's own account may then decide, as another OS
// user's would.
const otherUID = -1

// overrideFirst asks to override the current step's manual check.
func overrideFirst(t *testing.T, hs *Hosted) {
	t.Helper()
	st, _ := hs.live.Snapshot().CurrentStep()
	for _, c := range st.Step.Checks {
		if c.Kind == "manual" {
			_, _ = hs.live.Override(tui.Override{Checks: []string{c.ID}, Category: session.CategoryAcceptedRisk,
				Reason: "the backup was verified by the DBA on call"})
			return
		}
	}
	t.Fatal("no manual check on the first step")
}

// TestApprovalSocket: `handrail approve`'s socket names the approver by the
// OS user the kernel reports, shows the request and its evidence, records
// the decision, and lets the site policy restrict who decides.
func TestApprovalSocket(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHub(t)
	hs := rehearse(t, h, true)
	overrideFirst(t, hs)

	sock, err := ListenApprovalsDrivenBy(h.cfg.StateDir, hs.ID, hs.live, policy.Site{}, otherUID)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close() //nolint:errcheck
	c, err := DialApprovals(h.cfg.StateDir, hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() //nolint:errcheck
	p, err := c.Pending()
	if err != nil || p == nil {
		t.Fatalf("Pending = %+v, %v", p, err)
	}
	if p.Approval.Requester.Name != "alice" || len(p.Evidence) == 0 || p.Session != hs.ID {
		t.Errorf("pending = %+v", p)
	}
	if err := c.Decide(p.Approval.ID, true, "ok"); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("a decision without a reason: %v", err)
	}
	if err := c.Decide(p.Approval.ID, true, "I checked the backup log myself"); err != nil {
		t.Fatalf("grant: %v", err)
	}
	if types := journalTypes(t, hs.Path); count(types, session.EvApprovalGrant) != 1 || count(types, session.EvOverride) != 1 {
		t.Fatalf("journal after the grant: %v", types)
	}
	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Type != session.EvApprovalGrant {
			continue
		}
		var d session.ApprovalDecisionData
		if err := r.Decode(&d); err != nil {
			t.Fatal(err)
		}
		if d.Approver.User != me.Username || d.Approver.Name != me.Username || d.Reason != "I checked the backup log myself" {
			t.Errorf("approval.grant = %+v, want the OS user %s", d, me.Username)
		}
	}
	if p, err := c.Pending(); err != nil || p != nil {
		t.Errorf("after the grant Pending = %+v, %v", p, err)
	}
}

// TestApprovalSocketRefusesTheRequesterAndOthers: the OS user who asked
// cannot decide, and a policy that names other approvers refuses the rest.
func TestApprovalSocketRefusesTheRequesterAndOthers(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHub(t)
	rbHosted := rehearse(t, h, true)
	rbHosted.Close("")
	// The requester is this OS user, as a local console records it.
	p, err := h.PlanResume(rbHosted.ID)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := h.Resume(p, tui.FormResult{}, session.Operator{Name: "A. Operator", User: me.Username}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close("")
	overrideFirst(t, hs)

	sock, err := ListenApprovalsDrivenBy(h.cfg.StateDir, hs.ID, hs.live, policy.Site{}, otherUID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialApprovals(h.cfg.StateDir, hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	pend, err := c.Pending()
	if err != nil || pend == nil {
		t.Fatalf("Pending = %v, %v", pend, err)
	}
	if err := c.Decide(pend.Approval.ID, true, "approving my own request"); err == nil || !strings.Contains(err.Error(), "cannot approve their own request") {
		t.Errorf("the requester's OS user decided: %v", err)
	}
	_ = c.Close()
	_ = sock.Close()

	sock, err = ListenApprovalsDrivenBy(h.cfg.StateDir, hs.ID, hs.live, policy.Site{ApproverUsers: []string{"someone-else"}, Files: []string{"policy.yaml"}}, otherUID)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close() //nolint:errcheck
	c, err = DialApprovals(h.cfg.StateDir, hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() //nolint:errcheck
	// The socket refuses at once and hangs up: the refusal must reach the
	// client even when it asks only after the hang-up (its write then
	// fails with a broken pipe).
	time.Sleep(200 * time.Millisecond)
	if _, err := c.Pending(); err == nil || !strings.Contains(err.Error(), "does not name "+me.Username) {
		t.Errorf("a user the policy does not name: %v", err)
	}
	if n := count(journalTypes(t, hs.Path), session.EvApprovalGrant); n != 0 {
		t.Errorf("%d grants", n)
	}
}

// TestApprovalSocketRefusesTheDrivingAccount: the account that runs the
// process driving the session never decides, even when the session started
// as someone else (USER=mallory, --operator mallory): the socket compares
// the peer's uid with its own, not names.
func TestApprovalSocketRefusesTheDrivingAccount(t *testing.T) {
	h := newTestHub(t)
	first := rehearse(t, h, true)
	first.Close("")
	p, err := h.PlanResume(first.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("USER", "mallory")
	hs, err := h.Resume(p, tui.FormResult{}, session.DetectOperator("mallory"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close("")
	overrideFirst(t, hs)
	sock, err := ListenApprovals(h.cfg.StateDir, hs.ID, hs.live, policy.Site{})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close() //nolint:errcheck
	c, err := DialApprovals(h.cfg.StateDir, hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() //nolint:errcheck
	if _, err := c.Pending(); err == nil || !strings.Contains(err.Error(), "can never approve") {
		t.Errorf("the driving account read the socket: %v", err)
	}
	if err := c.Decide(1, true, "approving my own request"); err == nil {
		t.Errorf("the driving account decided")
	}
	if n := count(journalTypes(t, hs.Path), session.EvApprovalGrant); n != 0 {
		t.Errorf("%d approval.grant from the driving account", n)
	}
}
