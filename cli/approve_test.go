package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// approvalSession drives a ThinMan rehearsal whose every override needs
// approval, as another OS user's console would (the Live runtime and its
// approval socket, refusing a uid that is not this test's), with its first
// step's override asked for by someone else than this OS user.
func approvalSession(t *testing.T) (dir, id string) {
	t.Helper()
	dir, id = t.TempDir(), journal.NewSessionID(time.Now())
	approvalSessionIn(t, dir, id)
	return dir, id
}

// approvalSessionIn is approvalSession in the state directory dir, under
// the session id id.
func approvalSessionIn(t *testing.T, dir, id string) {
	t.Helper()
	approvalSessionDrivenBy(t, dir, id, -1)
}

// approvalSessionDrivenBy is approvalSessionIn driven by the process of
// uid driver.
func approvalSessionDrivenBy(t *testing.T, dir, id string, driver int) {
	t.Helper()
	data, err := fs.ReadFile(runbooks.FS, "thinman-dual-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "id: thinman-dual-db\n", "id: thinman-dual-db\napproval: {overrides: required}\n", 1))
	rbPath := filepath.Join(dir, "thinman.yaml")
	if err := os.WriteFile(rbPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rb, err := steps.Load(rbPath)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := rehearsal.LoadScenario(runbooks.FS, rb.ID, "happy")
	if err != nil {
		t.Fatal(err)
	}
	drv, err := rehearsal.New(rb, sc, rehearsal.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(), Mode: session.ModeRehearsal,
		Operator: session.Operator{Name: "Some One Else", User: "someone-else-" + id}, Journal: rehearsal.HookJournal(fj, drv)})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, drv, nil)
	live := tui.NewLive(r, nil)
	var errb bytes.Buffer
	stop := approvalSocketDrivenBy(IO{Err: &errb}, live, e, dir, driver)
	t.Cleanup(func() {
		stop()
		r.Close()
		_ = fj.Close()
	})
	if !strings.Contains(errb.String(), "handrail approve "+id) {
		t.Fatalf("the console should say how to approve: %q", errb.String())
	}
	st, _ := live.Snapshot().CurrentStep()
	_, err = live.Override(tui.Override{Checks: []string{st.Step.Checks[0].ID}, Category: session.CategoryAcceptedRisk,
		Reason: "the backup ran last night and was verified"})
	if err == nil {
		t.Fatal("the override went through without approval")
	}
}

func TestApproveCommand(t *testing.T) {
	dir, id := approvalSession(t)
	code, out, errOut := runCLI(t, "", "approve", id, "--state-dir", dir)
	if code != ExitUsage || !strings.Contains(errOut, "pass --grant or --reject") {
		t.Errorf("approve without a decision and no terminal: %d %q", code, errOut)
	}
	if !strings.Contains(out, "Some One Else") || !strings.Contains(out, "asks to override") || !strings.Contains(out, "The checks now:") {
		t.Errorf("approve should show the request and its evidence:\n%s", out)
	}
	code, out, errOut = runCLI(t, "", "approve", id, "--state-dir", dir, "--grant", "--reason", "checked the backup log in the ticket")
	if code != ExitOK || !strings.Contains(out, "approved") {
		t.Fatalf("approve --grant: %d\n%s%s", code, out, errOut)
	}
	j, err := os.ReadFile(journal.SessionPath(dir, id))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"type":"approval.grant"`) || !strings.Contains(string(j), `"type":"override"`) {
		t.Errorf("the journal lacks the grant and the override")
	}
	code, out, _ = runCLI(t, "", "approve", id, "--state-dir", dir, "--grant", "--reason", "again, to be sure")
	if code != ExitFindings || !strings.Contains(out, "No request waits") {
		t.Errorf("approve with nothing waiting: %d %q", code, out)
	}
}

// TestApproveFromAnotherOSUser: the console's real socket refuses the
// account that drives the session (this process's), whatever name the
// session started under, and records another OS user's decision (nobody,
// in a process of its own: needs root).
func TestApproveFromAnotherOSUser(t *testing.T) {
	dir, id := t.TempDir(), journal.NewSessionID(time.Now())
	approvalSessionDrivenBy(t, dir, id, os.Getuid())
	code, _, errOut := runCLI(t, "", "approve", id, "--state-dir", dir, "--grant", "--reason", "approving from the driving account")
	if code != ExitError || !strings.Contains(errOut, "can never approve") {
		t.Errorf("approve from the account that drives the session: %d %q", code, errOut)
	}
	code, out, errOut := runApproveAs(t, dir, id, "--state-dir", dir, "--grant", "--reason", "checked the backup log in the ticket")
	if code != ExitOK || !strings.Contains(out, "Some One Else") || !strings.Contains(out, "approved") {
		t.Fatalf("approve --grant as nobody: %d\n%s%s", code, out, errOut)
	}
	j, err := os.ReadFile(journal.SessionPath(dir, id))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"approver":{"name":"nobody","user":"nobody"`) || !strings.Contains(string(j), `"type":"override"`) {
		t.Errorf("the journal lacks the grant by nobody and the override:\n%s", j)
	}
}

func TestApproveWithoutARunningSession(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "approve", "20261122-021500-ab12", "--state-dir", dir, "--grant", "--reason", "nothing to see here")
	if code != ExitUsage || !strings.Contains(errOut, "no session") {
		t.Errorf("approve of an unknown session: %d %q", code, errOut)
	}
}
