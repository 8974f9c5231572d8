package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// noticeRunbook has one step whose action a signal interrupts; its shell
// line holds terminal control, as a hostile runbook's might.
func noticeRunbook() *steps.Runbook {
	return &steps.Runbook{ID: "notices", Title: "Notices", SHA256: "x",
		Targets: map[string]checks.Target{"box": {Name: "box", Kind: checks.TargetHost}},
		Sections: []steps.Section{{Steps: []steps.Step{
			{ID: "reload", Title: "Reload", On: "box",
				Action: &checks.Action{Kind: checks.ActionCommand, Target: "box", Shell: "systemctl reload thinman \x1b[2J"}},
			{ID: "after", Title: "After"},
		}}}}
}

// interruptedJournal journals a session whose action was started, reported
// its process group, and was interrupted by SIGHUP before the break.
func interruptedJournal(t *testing.T) *session.MemoryJournal {
	t.Helper()
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-0a0b", Runbook: noticeRunbook(), Journal: mj,
		Operator: session.Operator{Name: "Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ActionStart(true); err != nil {
		t.Fatal(err)
	}
	if err := e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242, Started: time.Date(2026, 11, 22, 2, 1, 0, 0, time.Local)}); err != nil {
		t.Fatal(err)
	}
	if err := e.ActionInterrupted("SIGHUP", "cancelled after a 5s grace period", 5*time.Second, checks.ActionResult{ExitCode: -1, Error: "cancelled"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Quit(); err != nil {
		t.Fatal(err)
	}
	return mj
}

// TestResumeNotices: what `resume` prints on stderr about an action the
// break interrupted: the interruption, then either that its process group
// still runs (nothing may run or be attested yet) or that its outcome is
// unknown and must be attested. Journal text is shown, never obeyed.
func TestResumeNotices(t *testing.T) {
	for _, tt := range []struct {
		name  string
		alive bool
		want  []string
		not   string
	}{
		{"group still alive", true, []string{
			`handrail: the action of step reload (systemctl reload thinman \x1b[2J) was interrupted by SIGHUP: cancelled after a 5s grace period`,
			"handrail: the action of step reload is still running (process group 4242, started 2026-11-22 02:01:00): it will not be run again, and its outcome cannot be attested, until it has ended",
		}, "outcome of step"},
		{"group ended", false, []string{
			`handrail: the action of step reload (systemctl reload thinman \x1b[2J) was interrupted by SIGHUP`,
			"handrail: the outcome of step reload's action is unknown: check what happened, then attest it",
		}, "still running"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mj := interruptedJournal(t)
			e, err := session.Resume(session.Config{Runbook: noticeRunbook(), Journal: mj, Operator: session.Operator{Name: "Bo"},
				ProcessAlive: func(checks.ActionProcess) bool { return tt.alive }}, mj.Records(), session.ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var errb bytes.Buffer
			resumeNotices(IO{Err: &errb}, e)
			got := errb.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("stderr lacks\n%s\nin\n%s", w, got)
				}
			}
			if strings.Contains(got, tt.not) || strings.Contains(got, "halted") || strings.ContainsRune(got, 0x1b) {
				t.Errorf("stderr:\n%q", got)
			}
		})
	}
}
