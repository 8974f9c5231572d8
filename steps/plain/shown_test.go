package plain

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// TestPlainConfirmationShowsTheExactArgv: "Type yes to run" shows the argv
// the action runs (`sh -c …` with every hidden byte escaped), the same text
// the console shows, not the runbook's line as written (issue 9 point 1).
func TestPlainConfirmationShowsTheExactArgv(t *testing.T) {
	line := "touch x; echo \x1b[8m rm -rf / \x1b[0m\x1b[1K\r echo safe-looking-action"
	act := checks.Action{Kind: checks.ActionCommand, Target: "box", Shell: line}
	rb := &steps.Runbook{ID: "shown", Title: "Shown", SHA256: "x",
		Targets: map[string]checks.Target{"box": {Name: "box", Kind: checks.TargetHost}},
		Sections: []steps.Section{{Steps: []steps.Step{
			{ID: "one", Title: "One", On: "box", Action: &act},
		}}}}
	e, err := session.New(session.Config{SessionID: "20261122-020000-5a0e", Runbook: rb, Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &hostileDriver{act: checks.ActionResult{Output: "ok"}}, nil)
	defer r.Close()
	got := runLines(t, r, [2]string{"", "run"}, [2]string{"Type yes to run", "no"}, [2]string{"Not run.", "quit"})
	want := "Type yes to run " + act.Shown() + " on box"
	if !strings.Contains(got, want) {
		t.Fatalf("the confirmation is not the exact argv:\nwant %q\nin   %q", want, got)
	}
	if !strings.Contains(act.Shown(), `rm -rf`) || !strings.HasPrefix(act.Shown(), "sh -c ") {
		t.Fatalf("Shown() = %q hides the command", act.Shown())
	}
	if r, bad := unsafeIn(got); bad {
		t.Fatalf("plain mode emitted %U raw:\n%q", r, got)
	}
}

// TestPlainActionThatNeverRanSaysSo: an action that never reached its
// target is shown as not run, with the way on, never as FAILED; a
// fails_step on_fail does not fire for it.
func TestPlainActionThatNeverRanSaysSo(t *testing.T) {
	rb := hostileRunbook()
	st := &rb.Sections[0].Steps[0]
	st.Action.FailsStep = true
	st.OnFail = &steps.OnFail{Say: "Call the DBA.", Halt: true}
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-5a0f", Runbook: rb, Journal: mj})
	if err != nil {
		t.Fatal(err)
	}
	drv := &hostileDriver{act: checks.ActionResult{ExitCode: 1, Unreachable: true, Error: "dial tcp db2:3306: connect: connection refused"},
		obs: checks.Observation{Error: "dial tcp db2:3306: connect: connection refused", State: checks.StateUnreachable}}
	r := session.NewRunner(e, drv, nil)
	defer r.Close()
	got := runLines(t, r, [2]string{"", "run"}, [2]string{"Type yes to run", "yes"},
		[2]string{"Action NOT RUN: could not reach the target: dial tcp db2:3306: connect: connection refused. Type 'run' to try again", "quit"})
	if strings.Contains(got, "FAILED") || strings.Contains(got, "HALTED") {
		t.Errorf("an action that never ran was shown as failed:\n%s", got)
	}
	for _, rec := range mj.Records() {
		if rec.Type == session.EvOnFail || rec.Type == session.EvSessionHalt {
			t.Errorf("journaled %s for an action that never ran", rec.Type)
		}
	}
}

// TestPlainConfirmationSaysTheReplicaWords: a replica-control action says,
// before "Type yes", which words another server is sent.
func TestPlainConfirmationSaysTheReplicaWords(t *testing.T) {
	act := checks.Action{Kind: checks.ActionMySQLExec, Target: "db", SQL: "STOP REPLICA"}
	rb := &steps.Runbook{ID: "words", Title: "Words", SHA256: "x",
		Targets: map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db2", Port: 3306}},
		Sections: []steps.Section{{Steps: []steps.Step{
			{ID: "one", Title: "One", On: "db", Action: &act},
		}}}}
	e, err := session.New(session.Config{SessionID: "20261122-020000-5a0f", Runbook: rb, Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &hostileDriver{act: checks.ActionResult{Output: "ok"}}, nil)
	defer r.Close()
	got := runLines(t, r, [2]string{"", "run"}, [2]string{"Type yes to run STOP REPLICA", "no"}, [2]string{"Not run.", "quit"})
	if want := "(sent as STOP SLAVE on MySQL < 8.0.22 / MariaDB < 10.5.1: the journal records which ran)"; !strings.Contains(got, want) {
		t.Fatalf("plain mode does not say the other words:\nwant %q\nin   %q", want, got)
	}
}

// runLines runs plain mode over r, feeds it each of lines once the text
// before it is on the output (lines[i].after), and returns the output once
// the last line was fed and plain mode ended.
func runLines(t *testing.T, r *session.Runner, lines ...[2]string) string {
	t.Helper()
	in, feed := io.Pipe()
	out := &syncBuf{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = Run(context.Background(), r, Options{In: in, Out: out, Refresh: 20 * time.Millisecond})
	}()
	for _, l := range lines {
		if l[0] != "" {
			waitFor(t, out, l[0])
		}
		_, _ = io.WriteString(feed, l[1]+"\n")
	}
	<-done
	return out.String()
}
