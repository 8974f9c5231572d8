//go:build unix

package plain

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// TestEndOfInputInterruptsARunningAction: the input ends while a real
// action (a local command) runs: the action gets its grace period, is
// stopped, and action.interrupted is on the record before session.end.
func TestEndOfInputInterruptsARunningAction(t *testing.T) {
	rb := &steps.Runbook{ID: "plain-action", Title: "Plain action", SHA256: "y",
		Targets: map[string]checks.Target{"local": {Kind: checks.TargetHost}},
		Sections: []steps.Section{{Title: "Work", Steps: []steps.Step{{ID: "work", Title: "Work",
			Action: &checks.Action{Kind: checks.ActionCommand, Target: "local", Argv: []string{"sleep", "30"}}}}}}}
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-cafe", Runbook: rb, Journal: mj})
	if err != nil {
		t.Fatal(err)
	}
	drv := live.New(e.Targets(), nil, live.Options{})
	defer drv.Close()
	r := session.NewRunner(e, drv, nil)
	defer r.Close()
	r.Grace = 200 * time.Millisecond
	in, w := io.Pipe()
	out := &syncBuf{}
	done := make(chan string, 1)
	go func() {
		end, err := Run(context.Background(), r, Options{In: in, Out: out, ASCII: true})
		if err != nil {
			t.Error(err)
		}
		done <- end
	}()
	_, _ = io.WriteString(w, "run\nyes\n")
	waitFor(t, out, "Running sleep 30")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(typesOf(mj), " "), session.EvActionProcess) {
		if time.Now().After(deadline) {
			t.Fatalf("no action.process: %v", typesOf(mj))
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = w.Close()
	if end := <-done; end != session.EndQuit {
		t.Fatalf("end = %q", end)
	}
	got := typesOf(mj)
	tail := strings.Join(got[len(got)-2:], " ")
	if tail != session.EvActionInterrupted+" "+session.EvSessionEnd {
		t.Fatalf("records end with %s: %v", tail, got)
	}
	for _, rec := range mj.Records() {
		if rec.Type == session.EvActionInterrupted {
			var d session.ActionInterruptedData
			_ = json.Unmarshal(rec.Data, &d)
			if d.Cause != "end of input" || d.Process == nil || !strings.Contains(d.Stopped, "SIGKILL") {
				t.Errorf("action.interrupted = %+v", d)
			}
			// SIGKILL is delivered at once; the kernel reaps the group a
			// moment later.
			gone := false
			for end := time.Now().Add(2 * time.Second); !gone && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
				gone = !checks.ProcessGroupAlive(*d.Process)
			}
			if !gone {
				t.Error("the action outlived the session")
			}
		}
	}
	if !strings.Contains(out.String(), "An action is running: waiting up to 200ms") {
		t.Errorf("output:\n%s", out.String())
	}
}

func typesOf(mj *session.MemoryJournal) []string {
	var out []string
	for _, r := range mj.Records() {
		out = append(out, r.Type)
	}
	return out
}
