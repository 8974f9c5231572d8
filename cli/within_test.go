package cli

import (
	"strings"
	"testing"
	"time"
)

// TestRehearsalWaitsForTheActionBeforeItsDeadline: at step 3 of the happy
// ThinMan rehearsal (stop the replica, `within: 60s`), an operator who
// reads the step for more than a simulated minute before typing `run` is
// not halted: the check's deadline runs from the action's end, not from
// the step's entry. Until then plain mode says the check waits for the
// action; once it ran, the replica stops and the gate opens.
func TestRehearsalWaitsForTheActionBeforeItsDeadline(t *testing.T) {
	state := t.TempDir()
	p := startPlainCLI(t, "rehearse", "thinman-dual-db", "--scenario", "happy", "--speed", "20", "--plain",
		"--state-dir", state, "--operator", "A. Operator")
	tick := func(items ...string) {
		t.Helper()
		for _, c := range items {
			p.send("tick " + c)
			p.expect("TICKED " + c)
		}
		p.expect("GATE OPEN")
		p.send("next")
		p.expect("== REHEARSAL")
	}
	p.expect("== REHEARSAL")
	tick("backup-done")
	tick("primary-installer-present", "secondary-installer-present")
	p.expect("waiting for the action: type 'run'; the 1m0s deadline starts when it ends")
	// 4 s of wall-clock time at x20 is 80 s of simulated time: past the
	// check's 60 s, counted from the step's entry.
	time.Sleep(4 * time.Second)
	p.send("status")
	p.expect("Simulated time")
	if out := p.out.String(); strings.Contains(out, "HALTED") || strings.Contains(out, "FAIL replica-stopped") {
		t.Fatalf("the session failed the check before the action ran:\n%s", out)
	}
	p.send("run")
	p.expect("Type yes to run STOP REPLICA")
	p.send("yes")
	p.expect("GATE OPEN")
	p.send("quit")
	if code := p.wait(); code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, p.out.String())
	}
}
