package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo drives `handrail demo` (the ThinMan rehearsal) as a person would,
// at the smallest usual terminal and at a wide one: tick, next, run STOP
// REPLICA through the confirm dialog, try to push through a closed gate, quit,
// resume in a new terminal, finish, then verify and report.
func TestDemo(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Parallel()
			testDemo(t, sz.w, sz.h)
		})
	}
}

func testDemo(t *testing.T, w, h int) {
	size := fmt.Sprintf("%dx%d", w, h)
	stateDir := t.TempDir()
	c := console{startTerm(t, "demo "+size, w, h, nil, handrail(t), "demo", "--state-dir", stateDir, "--operator", "e2e"), stateDir}

	// The first screen: title, the rehearsal mark, the step list, a panel.
	c.waitStep(stepBackup)
	first := waitFor(t, c.term, "Complete backup taken (backup-done)", wait)
	for _, want := range []string{
		"handrail · ThinMan Primary and Secondary Server",
		"REHEARSAL",
		"Before the update",     // a section of the step list
		"▶  1 Back up ThinMan",  // the current step, marked, numbered
		"3 Stop the datab",      // later steps, pending
		"14 Update termina",     // the last step
		"╭",                     // the check panel's border
		"[ ] A complete backup", // its manual item, unticked
		"✘ blocked: backup-done",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first screen at %s lacks %q:\n%s", size, want, frame(first))
		}
	}
	saveScreen(t, "demo-first-"+size, first)
	id := sessionID(t, stateDir)
	if !strings.Contains(first, "session "+id) {
		t.Errorf("the header should name session %s:\n%s", id, frame(first))
	}

	c.closedGateHolds(stepBackup)
	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)

	// The replica step: commands to type, what x runs, the live panel.
	s := waitFor(t, c.term, "Slave_IO_Running:  Yes", wait)
	for _, want := range []string{"Stop the database replica on the slave", "slave$ STOP REPLICA;", "x runs on slave (tm-secondary:3306): STOP REPLICA", "Slave status after slave stop (replica-stopped)"} {
		if !strings.Contains(s, want) {
			t.Errorf("replica step at %s lacks %q:\n%s", size, want, frame(s))
		}
	}
	saveScreen(t, "demo-replica-step-"+size, s)
	c.closedGateHolds(stepStopReplica)

	// The override dialog, opened and left with esc: nothing is overridden.
	c.keys("o")
	waitFor(t, c.term, "Override the gate", wait)
	ov := waitFor(t, c.term, "replica-stopped", wait)
	if !strings.Contains(ov, "Override the gate") {
		t.Errorf("the override dialog closed before it listed the check at %s:\n%s", size, frame(ov))
	}
	saveScreen(t, "demo-override-dialog-"+size, ov)
	time.Sleep(dialogArm)
	c.keys("Escape")
	c.waitUntil("the override dialog to close", wait, func(s string) bool { return !strings.Contains(s, "Override the gate") })

	dlg := c.runAction("STOP REPLICA")
	saveScreen(t, "demo-action-dialog-"+size, dlg)
	s = waitFor(t, c.term, gateReady, wait)
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")
	requireRow(t, s, "Slave_SQL_Running:", "No", "✔")
	saveScreen(t, "demo-replica-stopped-"+size, s)

	// Quit: the terminal is left with the command that resumes.
	out := c.quit()
	if !strings.Contains(out, "handrail resume "+id) {
		t.Fatalf("after quit the terminal should show %q:\n%s", "handrail resume "+id, out)
	}

	// Resume in a new terminal: the same step, its checks re-run.
	c = console{startTerm(t, "resume "+size, w, h, nil, handrail(t), "resume", id, "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	s = c.waitStep(stepStopReplica)
	if !strings.Contains(s, "REHEARSAL") {
		t.Errorf("a resumed rehearsal must still be marked REHEARSAL:\n%s", frame(s))
	}
	// The simulated replica was stopped before the break: it still is.
	s = waitFor(t, c.term, gateReady, wait)
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")

	// Finish the whole procedure.
	c.next(stepStopReplica)
	for _, step := range stepsAfter(stepStopReplica) {
		if step == stepStartReplica {
			c.closedGateHolds(stepStartReplica)
			c.runAction("START REPLICA")
			s = waitFor(t, c.term, gateReady, wait)
			requireRow(t, s, "Slave_IO_Running:", "Yes", "✔")
			requireRow(t, s, "Slave_SQL_Running:", "Yes", "✔")
		} else {
			c.tickAll(manualItems[step])
		}
		if step < stepDone {
			c.next(step)
		}
	}
	s = c.finish()
	if got := stepOf(s); got != stepDone {
		t.Errorf("the completed session should stay on step %d, shows %d", stepDone, got)
	}
	// The last step was done with its item ticked and its replica check
	// passing: the final screen must not show it unticked or unknown.
	if strings.Contains(s, "[ ] No errors occurred") || showsUnknown(s) {
		t.Errorf("after completion the last step's panels show an unticked item or unknown values, though the journal has them ticked and passing:\n%s", frame(s))
	}
	c.keys("q")
	if code := c.waitExit(wait); code != 0 {
		t.Errorf("the completed demo exited %d, want 0:\n%s", code, c.history())
	}
	if h := c.history(); !strings.Contains(h, "Steps done in") {
		t.Errorf("a completed rehearsal ends with its debrief; the terminal shows:\n%s", h)
	}

	rep := verifyAndReport(t, stateDir, id)
	if !strings.Contains(rep, "REHEARSAL") {
		t.Errorf("the report of a rehearsal must say REHEARSAL:\n%s", rep)
	}
	for _, title := range thinmanSteps {
		if !strings.Contains(rep, title) {
			t.Errorf("the report lacks step %q", title)
		}
	}
}

// showsUnknown reports whether a panel row shows "?" for its value.
func showsUnknown(screen string) bool {
	return regexp.MustCompile(`Slave_IO_Running:\s+\?`).MatchString(screen)
}

// requireRow asserts that the screen has a panel row "field value ... mark",
// e.g. "Slave_IO_Running:  No  = No  ✔".
func requireRow(t *testing.T, screen, field, value, mark string) {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(field) + `\s+` + regexp.QuoteMeta(value) + `\s+=\s+\S+\s+` + regexp.QuoteMeta(mark))
	if !re.MatchString(screen) {
		t.Fatalf("the screen has no row %s %s … %s:\n%s", field, value, mark, frame(screen))
	}
}
