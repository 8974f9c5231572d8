package soliddb

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestUnreachable: solsql that could not connect (21306) or could not start
// never reached the server: the action is ActionResult.Unreachable (no
// fails_step on_fail) and the probe's state unreachable. An RC the server
// answered (14503) is the action failing; a timeout is a probe with no
// answer, but an action that may have run.
func TestUnreachable(t *testing.T) {
	tg := fakeTarget(t)
	run := func(tg checks.Target, d time.Duration) checks.ActionResult {
		return Run(ctxTimeout(t, d), tg, cred, checks.Action{Kind: checks.ActionSolid, Admin: "hsb connect"})
	}
	observe := func(tg checks.Target, d time.Duration) checks.Observation {
		return Observe(ctxTimeout(t, d), tg, cred, checks.Check{Admin: "hsb state"})
	}

	state(t, "CONNECT", "fail")
	if ar := run(tg, 5*time.Second); ar.OK() || ar.Unreachable || ar.ExitCode != 14503 {
		t.Errorf("RC 14503: %+v", ar)
	}
	if o := observe(tg, 5*time.Second); o.State != "" || o.Error != "" {
		t.Errorf("a server that answers: %+v", o)
	}

	state(t, "SERVER", "down")
	if ar := run(tg, 5*time.Second); ar.OK() || !ar.Unreachable {
		t.Errorf("21306: %+v", ar)
	}
	if o := observe(tg, 5*time.Second); o.State != checks.StateUnreachable {
		t.Errorf("21306 probe: %+v", o)
	}

	missing := tg
	missing.Client = "/nonexistent/solsql"
	if ar := run(missing, 2*time.Second); !ar.Unreachable {
		t.Errorf("missing client: %+v", ar)
	}
	if o := observe(missing, 2*time.Second); o.State != checks.StateUnreachable {
		t.Errorf("missing client probe: %+v", o)
	}

	slow := filepath.Join(t.TempDir(), "slow-solsql")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nsleep 5\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tg.Client = slow
	if ar := run(tg, 200*time.Millisecond); ar.OK() || ar.Unreachable {
		t.Errorf("an action that timed out may have run: %+v", ar)
	}
	if o := observe(tg, 200*time.Millisecond); o.State != checks.StateUnreachable {
		t.Errorf("timed-out probe: %+v", o)
	}
}

func TestConnectFailed(t *testing.T) {
	for line, want := range map[string]bool{
		"SOLID Communication Error 21306: Server 'tcp db1 1964' not found, connection failed.": true,
		"SOLID Communication Error 21300: Protocol 'x' not supported, connection failed.":      true,
		"SOLID Communication Error 21308: Connection is broken":                                false,
		"SOLID Server Error 14501: Operation failed":                                           false,
	} {
		if got := ConnectFailed(line); got != want {
			t.Errorf("ConnectFailed(%q) = %v", line, got)
		}
	}
}
