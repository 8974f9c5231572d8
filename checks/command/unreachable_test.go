package command

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestRunRemoteUnreachable: an action ssh never delivered (it could not
// connect) is ActionResult.Unreachable and the probe's state unreachable;
// a remote command that ran and exited 255, or a connection that dropped
// while it ran, is an ordinary failure: it may have done its work.
func TestRunRemoteUnreachable(t *testing.T) {
	log := withFakeSSH(t)
	remote := checks.Target{Kind: checks.TargetHost, Host: "db2"}
	act := func(shell string) checks.ActionResult {
		return Run(ctxTimeout(t, 5*time.Second), remote, checks.Action{Kind: checks.ActionCommand, Shell: shell})
	}
	if ar := act("echo out; echo 'Connection to db2 closed by remote host.' >&2; exit 255"); ar.OK() || ar.Unreachable {
		t.Errorf("a connection that dropped while the command ran: %+v", ar)
	}
	if ar := act("exit 255"); ar.OK() || ar.Unreachable {
		t.Errorf("a remote command that exited 255: %+v", ar)
	}
	if ar := act("exit 3"); ar.OK() || ar.Unreachable {
		t.Errorf("a remote command that failed: %+v", ar)
	}
	failSSH(t, log)
	ar := act("systemctl stop thinman")
	if ar.OK() || !ar.Unreachable || !strings.Contains(ar.Error, "Connection refused") {
		t.Errorf("ssh could not connect: %+v", ar)
	}
	o := Observe(ctxTimeout(t, 5*time.Second), remote, checks.Check{Argv: []string{"true"}})
	if o.State != checks.StateUnreachable {
		t.Errorf("probe over a refused ssh: %+v", o)
	}
}

// TestObserveStates: a probe that timed out or could not start has the
// state unreachable; one that ran and failed answered (no state).
func TestObserveStates(t *testing.T) {
	if o := Observe(ctxTimeout(t, 200*time.Millisecond), local, checks.Check{Shell: "sleep 5"}); o.State != checks.StateUnreachable {
		t.Errorf("timed out: %+v", o)
	}
	if o := Observe(ctxTimeout(t, 5*time.Second), local, checks.Check{Argv: []string{"/nonexistent/probe"}}); o.State != checks.StateUnreachable {
		t.Errorf("could not start: %+v", o)
	}
	if o := Observe(ctxTimeout(t, 5*time.Second), local, checks.Check{Shell: "exit 3"}); o.State != "" {
		t.Errorf("ran and exited 3: %+v", o)
	}
	if ar := Run(ctxTimeout(t, 5*time.Second), local, checks.Action{Kind: checks.ActionCommand, Argv: []string{"/nonexistent/x"}}); ar.Unreachable {
		t.Errorf("a local program that cannot start is the runbook's failure, not an unreachable target: %+v", ar)
	}
}
