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
	drv := &hostileDriver{act: checks.ActionResult{Output: "ok"}}
	r := session.NewRunner(e, drv, nil)
	defer r.Close()
	in, feed := io.Pipe()
	out := &syncBuf{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = Run(context.Background(), r, Options{In: in, Out: out, Refresh: 20 * time.Millisecond})
	}()
	_, _ = io.WriteString(feed, "run\n")
	waitFor(t, out, "Type yes to run")
	_, _ = io.WriteString(feed, "no\n")
	waitFor(t, out, "Not run.")
	_, _ = io.WriteString(feed, "quit\n")
	<-done

	got := out.String()
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
