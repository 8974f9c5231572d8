package tui

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// deciderRT is a console of a person on the Live runtime (as serve gives
// one): it may decide approvals when mayDecide says so.
type deciderRT struct {
	*Live
	who session.Operator
	may bool
	why string
}

func (d deciderRT) MayDecide(ApprovalView) (bool, string) { return d.may, d.why }
func (d deciderRT) Decide(id uint64, grant bool, reason string) (Snapshot, error) {
	return d.DecideAs(d.who, id, grant, reason)
}

// twoPersonSession is the console test session with every override marked
// approval: required; alice operates it.
func twoPersonSession(t *testing.T) *testSession {
	t.Helper()
	rb := loadTestRunbook(t)
	rb.Approval = &steps.RunbookApproval{Overrides: steps.ApprovalRequired}
	path := filepath.Join(t.TempDir(), "20261122-020000-abcd"+journal.Ext)
	cfg := testConfig(rb, path)
	eng, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	drv := newFakeDriver()
	r := session.NewRunner(eng, drv, nil)
	fj := cfg.Journal.(*session.FileJournal)
	t.Cleanup(func() {
		r.Close()
		_ = fj.Close()
	})
	return &testSession{live: NewLive(r, rb), drv: drv, path: path, cfg: cfg, fj: fj}
}

// TestApprovalBannerAndDialog: the operator's override waits, visibly; the
// approver's console offers the dialog with the request and the evidence,
// and a decision with a reason carries the override out.
func TestApprovalBannerAndDialog(t *testing.T) {
	ts := twoPersonSession(t)
	_, err := ts.live.Override(Override{Checks: []string{"backup-done"}, Category: session.CategoryAcceptedRisk, Reason: "the nightly backup was verified"})
	if !errors.Is(err, session.ErrApprovalPending) {
		t.Fatalf("override: %v", err)
	}
	op := startConsole(t, deciderRT{Live: ts.live, who: session.Operator{Name: "alice"}, why: "approval #3: you asked for it"}, 100, 30)
	waitText(t, op, "waiting for approval #", "override backup-done")
	press(op, "A")
	waitText(t, op, "you asked for it")

	bob := session.Operator{Name: "bob", Key: "SHA256:bob"}
	ap := startConsole(t, deciderRT{Live: ts.live, who: bob, may: true}, 120, 40)
	waitText(t, ap, "A to decide")
	press(ap, "A")
	waitText(t, ap, "Approval request #", "alice", "The checks now:", "backup-done")
	armed()
	press(ap, "right", "tab", "ok", "tab", "enter")
	waitText(t, ap, "at least 10 characters")
	press(ap, "up", " - the backup log is in the ticket", "tab", "enter")
	waitText(t, ap, "decision recorded")
	recs := ts.records(t)
	if !hasRecord(recs, session.EvApprovalGrant, `"name":"bob"`) || !hasRecord(recs, session.EvOverride, "the nightly backup was verified") {
		t.Fatalf("journal: %v", types(recs))
	}
	// The granted override opened the gate: the operator leaves with n.
	waitText(t, op, "press n")
	press(op, "n")
	waitText(t, op, "Stop the replica")
}

// TestApprovalKeyWithoutADecider: a console that cannot decide (a local
// one, a journal watch) says how approvals are made instead.
func TestApprovalKeyWithoutADecider(t *testing.T) {
	ts := twoPersonSession(t)
	tm := startConsole(t, ts.live, 100, 30)
	press(tm, "A")
	waitText(t, tm, "no approval request waits")
	_, _ = ts.live.Override(Override{Checks: []string{"backup-done"}, Category: session.CategoryOther, Reason: "the nightly backup was verified"})
	ts.live.changed <- struct{}{}
	waitText(t, tm, "waiting for approval")
	press(tm, "A")
	waitText(t, tm, "handrail approve 20261122-020000-abcd")
	if hasRecord(ts.records(t), session.EvApprovalGrant, "") {
		t.Error("a console without a decider recorded a grant")
	}
}

// TestPendingAnswerShowsTheRequest: the runtime's answer to an act that
// waits for approval carries the journaled request; the console keeps it,
// so the gate bar shows it waiting without any other event.
func TestPendingAnswerShowsTheRequest(t *testing.T) {
	ts := twoPersonSession(t)
	m := New(ts.live, Options{Dark: true})
	s, err := ts.live.Override(Override{Checks: []string{"backup-done"}, Category: session.CategoryOther, Reason: "the nightly backup was verified"})
	if !errors.Is(err, session.ErrApprovalPending) {
		t.Fatalf("override: %v", err)
	}
	next, _ := m.Update(doneMsg{op: "override", snap: s, err: err})
	m = next.(Model)
	if !m.Snapshot().Approval.Pending() {
		t.Fatal("the console dropped the snapshot that holds the request")
	}
	m.flash = ""
	if got := m.gateView(); !strings.Contains(got, "waiting for approval #") {
		t.Errorf("gate bar = %q", got)
	}
}
