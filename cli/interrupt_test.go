package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// keysLater is a console's input that sends keys once the program has
// had time to start (a key read before the program runs would be lost on
// no terminal), then blocks until the test ends.
func keysLater(t *testing.T, keys string) io.Reader {
	t.Helper()
	r, w := io.Pipe()
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = w.Write([]byte(keys))
	}()
	t.Cleanup(func() { _ = w.Close() })
	return r
}

// TestCtrlCInTheParameterFormExits130: ctrl+c means "leave now" on every
// screen, the parameter form included (exit 130, like the console); esc
// cancels with a usage exit.
func TestCtrlCInTheParameterFormExits130(t *testing.T) {
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, keys string
		code       ExitCode
		says       string
	}{
		{"ctrl+c", "\x03", ExitInterrupted, "interrupted (ctrl+c): no session was started"},
		{"esc", "\x1b", ExitUsage, "cancelled: no session was started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			stdio := IO{In: keysLater(t, tc.keys), Out: &out, Err: &out}
			done := make(chan error, 1)
			go func() {
				_, err := paramForm(rb, map[string]string{}, stdio, nil)
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the form did not end")
			}
			if err == nil || codeOf(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s in the form: %v (exit %d), want exit %d and %q", tc.name, err, codeOf(err), tc.code, tc.says)
			}
			if tc.code == ExitUsage && !errors.Is(err, tui.ErrFormCancelled) {
				t.Errorf("esc: %v is not ErrFormCancelled", err)
			}
		})
	}
}

// TestCtrlCOnThePreflightScreenExits130: ctrl+c on the preflight screen
// leaves with exit 130; esc stops there, not started (exit 3).
func TestCtrlCOnThePreflightScreenExits130(t *testing.T) {
	plan := &steps.Plan{Runbook: &steps.Runbook{Title: "T"}}
	res := []session.PreflightTarget{{Target: "db", Kind: "mysql", Address: "db2:3306", Error: "connection refused"}}
	for _, tc := range []struct {
		name, keys string
		code       ExitCode
		says       string
	}{
		{"ctrl+c", "\x03", ExitInterrupted, "interrupted (ctrl+c) at the preflight"},
		{"esc", "\x1b", ExitError, "you stopped at the preflight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			stdio := IO{In: keysLater(t, tc.keys), Out: &out, Err: &out}
			done := make(chan error, 1)
			go func() {
				_, _, err := preflightScreen(stdio, nil, nil, plan, res)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the preflight screen did not end")
			}
			if err == nil || codeOf(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s on the preflight: %v (exit %d), want exit %d and %q", tc.name, err, codeOf(err), tc.code, tc.says)
			}
		})
	}
}
