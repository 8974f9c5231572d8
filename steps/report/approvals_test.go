package report

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestReportNamesWhoApproved: under the two-person rule the report says who
// asked, under which rule, who rejected and who approved, with their key and
// reason, beside the override the grant let through (real engine records).
func TestReportNamesWhoApproved(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	rb := &steps.Runbook{
		ID: "appr", Title: "Approved runbook", Source: "x.txt", Path: "x.yaml", SHA256: strings.Repeat("ab", 32),
		Approval: &steps.RunbookApproval{Overrides: steps.ApprovalRequired},
		Sections: []steps.Section{{ID: "main", Title: "Main", Steps: []steps.Step{
			{ID: "prep", Title: "Prepare", Checks: []checks.Check{{ID: "backup-ok", Kind: checks.KindManual, Attest: "A fresh backup exists"}}},
			{ID: "after", Title: "After"},
		}}},
	}
	path := filepath.Join(t.TempDir(), "20261122-030000-0002.jsonl")
	fj := &session.FileJournal{Path: path, Opts: []journal.Option{journal.WithClock(clock)}}
	alice := session.Operator{Name: "Alice", User: "alice", Host: "bastion", Key: "SHA256:alicekey"}
	bob := session.Operator{Name: "Bob", User: "bob", Host: "bastion", Key: "SHA256:bobkey", SSHClient: "10.0.0.6 52000"}
	carol := session.Operator{Name: "Carol", User: "carol", Key: "SHA256:carolkey"}
	e, err := session.New(session.Config{SessionID: "20261122-030000-0002", Runbook: rb, Operator: alice, Mode: session.ModeLive, Journal: fj, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer fj.Close()
	override := func() error {
		return e.Override(session.OverrideRequest{Checks: []string{"backup-ok"}, Category: session.CategoryAcceptedRisk,
			Reason: "the backup ran last night and was verified", Confirmed: true})
	}
	at = at.Add(time.Minute)
	if err := override(); err == nil {
		t.Fatal("the override went through without approval")
	}
	a, ok := e.PendingApproval()
	if !ok {
		t.Fatal("no pending approval")
	}
	at = at.Add(time.Minute)
	if err := e.Decide(a.ID, carol, false, "no backup log attached yet"); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Minute)
	if err := override(); err == nil {
		t.Fatal("the second ask went through without approval")
	}
	a, _ = e.PendingApproval()
	at = at.Add(time.Minute)
	if err := e.Decide(a.ID, bob, true, "looked at the backup log myself"); err != nil {
		t.Fatal(err)
	}
	if err := fj.Close(); err != nil {
		t.Fatal(err)
	}
	md, html, _ := renderBoth(t, path)
	for _, want := range []string{
		"- **Approved by:** Bob (bob@bastion, key SHA256:bobkey, from 10.0.0.6 52000) at 2026-11-22 03:04:00 UTC, asked by Alice (alice@bastion, key SHA256:alicekey)",
		"looked at the backup log myself",
		"## Approvals (2)",
		"| rejected | Carol (carol, key SHA256:carolkey) |",
		"no backup log attached yet",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown report lacks %q:\n%s", want, md)
		}
	}
	for _, want := range []string{"Approved by:", "Bob (bob@bastion, key SHA256:bobkey", "Approvals (2)", "rejected", "no backup log attached yet"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}
