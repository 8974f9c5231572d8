package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRehearsalAtSpeedEndsWithTheDebrief rehearses a whole fault scenario
// in the console under tmux at 80x24, on simulated time at x20: the
// ThinMan runbook's replication-error scenario, from its first step to the
// halt the manual asks for at start-replica. The header shows the
// simulated time and the speed, a panel what each simulated machine does,
// and the rehearsal ends, within a minute of wall-clock time, with the
// graded debrief rendered on the console's screen. Resumed in the console,
// the halted session shows its suspension instead of asking on a line
// before the console starts, and quitting leaves it halted.
func TestRehearsalAtSpeedEndsWithTheDebrief(t *testing.T) {
	t.Parallel()
	began := time.Now()
	// The bound for the whole scenario at x20: each wait gets what
	// is left of it.
	budget := began.Add(60 * time.Second)
	left := func() time.Duration { return max(time.Until(budget), time.Second) }

	stateDir := t.TempDir()
	c := console{startTerm(t, "rehearse x20", 80, 24, nil, handrail(t), "rehearse", "thinman-dual-db",
		"--scenario", "replication-error", "--speed", "20", "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	s := c.waitStep(stepBackup)
	for _, want := range []string{"REHEARSAL: replication-error", "sim ", " x20"} {
		if !strings.Contains(s, want) {
			t.Errorf("the rehearsal's first screen lacks %q:\n%s", want, frame(s))
		}
	}
	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)
	waitFor(t, c.term, "Slave_IO_Running:  Yes", left())
	c.runAction("STOP REPLICA")
	waitFor(t, c.term, gateReady, left())
	c.next(stepStopReplica)
	// The walk's steps up to START REPLICA (the per-service steps 7 and 8
	// are skipped and keep their numbers).
	for _, step := range stepsAfter(stepStopReplica) {
		if step == stepStartReplica {
			break
		}
		c.tickAll(manualItems[step])
		c.next(step)
	}
	s = c.waitUntil("the simulated world below the checks", left(), func(s string) bool {
		return strings.Contains(s, "Simulated world") || strings.Contains(s, "more below")
	})
	if !strings.Contains(s, "Simulated world") {
		// At 80x24 the world sits below the panels and the forecast:
		// scroll to it, a page at a time.
		for i := 0; i < 6 && !strings.Contains(s, "Simulated world"); i++ {
			c.keys("f")
			time.Sleep(400 * time.Millisecond)
			s = c.screen()
		}
		if !strings.Contains(s, "Simulated world") {
			t.Fatalf("the simulated world is nowhere below the checks:\n%s", frame(s))
		}
		c.keys("c")
	}
	saveScreen(t, "rehearse-x20-world-80x24", s)

	// The fault: START REPLICA leaves the IO thread stopped on 1236, a
	// final failure; the on_fail halts the session at once.
	c.runAction("START REPLICA")
	// The halt keeps the failure on screen: the instruction in the banner
	// and the check's panel (below the step's text at 80x24: scrolled to)
	// with the IO thread stopped on 1236. The debrief waits for d.
	waitFor(t, c.term, "HALTED", left())
	waitFor(t, c.term, "the graded debrief is ready: press d", left())
	c.keys("f")
	s = waitMatch(t, c.term, regexp.MustCompile(`Last_IO_Errno:\s+1236`), left())
	requireRow(t, s, "Last_IO_Errno:", "1236", "✘")
	if strings.Contains(s, "Rehearsal debrief") {
		t.Errorf("the debrief covers the failure before d:\n%s", frame(s))
	}
	saveScreen(t, "rehearse-x20-halted-80x24", s)
	c.keys("d")
	waitFor(t, c.term, "Rehearsal debrief", left())
	s = waitFor(t, c.term, "Score ", left())
	if took := time.Since(began); took > 60*time.Second {
		t.Errorf("the scenario at x20 took %s to reach its debrief, over a minute", took.Round(time.Second))
	}
	for _, want := range []string{"Debrief · pgdn/pgup scroll", "/100"} {
		if !strings.Contains(s, want) {
			t.Errorf("the debrief screen lacks %q:\n%s", want, frame(s))
		}
	}
	if strings.Contains(s, "# Rehearsal") || strings.Contains(s, "**Score") {
		t.Errorf("the debrief is raw Markdown, not rendered:\n%s", frame(s))
	}
	saveScreen(t, "rehearse-x20-debrief-80x24", s)
	c.keys("q")
	if code := c.waitExit(wait); code != 5 {
		t.Errorf("the halted rehearsal exited %d, want 5:\n%s", code, c.history())
	}
	id := sessionID(t, stateDir)
	md, err := os.ReadFile(filepath.Join(stateDir, id+".debrief.md"))
	if err != nil {
		t.Errorf("no debrief beside the journal: %v", err)
	}
	// It struck, and the trainee halted as the manual says: found.
	if want := "(mysql.io_error, shows at step start-replica): **found**"; !strings.Contains(string(md), want) {
		t.Errorf("the debrief lacks %q:\n%s", want, md)
	}

	// Resumed in the console: suspended, shown there; q keeps it halted.
	r := console{startTerm(t, "resume suspended", 80, 24, nil, handrail(t), "resume", id, "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	s = waitFor(t, r.term, "SUSPENDED at start-replica", wait)
	if strings.Contains(r.history(), "To continue the session, type why") {
		t.Errorf("resume asked on a line before the console:\n%s", r.history())
	}
	saveScreen(t, "resume-suspended-80x24", s)
	r.keys("q")
	waitFor(t, r.term, "Leave the console now?", wait)
	time.Sleep(dialogArm)
	r.keys("Right", "Enter")
	if code := r.waitExit(wait); code != 5 {
		t.Errorf("a suspended session quit exits 5 (halted), got %d:\n%s", code, r.history())
	}
	if j := journalText(t, stateDir, id); strings.Contains(j, `"type":"session.continue"`) {
		t.Error("the suspension was continued without the operator's choice")
	}
}
