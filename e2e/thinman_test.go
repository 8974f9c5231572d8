package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// thinmanSteps are the titles of the bundled ThinMan runbook's steps, in
// order: a report must name every one.
var thinmanSteps = []string{
	"Back up ThinMan Server and its database",
	"Have both installer files at hand",
	"Stop the database replica on the slave",
	"Run the Primary Server installer",
	"Restart the Primary Server if the installer asks",
	"Check the Primary Server",
	"Start the database replica on the slave",
	"Run the Secondary Server installer",
	"Restart the Secondary Server if the installer asks",
	"Check the Secondary Server's service",
	"Update terminated",
}

// Step numbers of the ThinMan runbook that the tests name: the runbook's
// own numbers, as `handrail show` prints them and the console's header
// gives them ("step 9/14").
const (
	stepBackup        = 1
	stepInstallers    = 2
	stepStopReplica   = 3
	stepPrimaryCheck  = 6
	stepStartReplica  = 9
	stepDone          = 14
	thinmanStepsTotal = 14
)

// thinmanWalk is the steps a session of the demo goes through, in order:
// with the services checked by hand (the default), steps 7, 8 and 13 (the
// per-service checks) are skipped and keep their numbers.
var thinmanWalk = []int{1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 14}

// stepsAfter is the walk's steps after step.
func stepsAfter(step int) []int {
	for i, s := range thinmanWalk {
		if s == step {
			return thinmanWalk[i+1:]
		}
	}
	return nil
}

// manualItems is how many manual checks each ThinMan step has.
var manualItems = map[int]int{1: 1, 2: 2, 4: 1, 5: 1, 6: 4, 10: 1, 11: 1, 12: 1, 14: 1}

const (
	gateReady = "✔ ready: press n for the next step"
	// dialogArm is a little more than the console's 300 ms during which a
	// fresh dialog ignores keys.
	dialogArm = 450 * time.Millisecond
	// settle is a little more than the console's 600 ms after a step change
	// during which n is refused.
	settle = 750 * time.Millisecond
)

var stepRe = regexp.MustCompile(`step (\d+)/(\d+) ·`)

// stepOf reads the current step number from the console's header.
func stepOf(screen string) int {
	m := stepRe.FindStringSubmatch(screen)
	if m == nil {
		return 0
	}
	var n int
	if _, err := fmt.Sscan(m[1], &n); err != nil {
		return 0 // as if no step were shown: the caller's wait fails with the screen
	}
	return n
}

// console drives the full-screen console in a term.
type console struct {
	*term
	stateDir string
}

// ticks counts the manual.tick records in the session's journal.
func (c console) ticks() int {
	m, _ := filepath.Glob(filepath.Join(c.stateDir, "*.jsonl"))
	n := 0
	for _, f := range m {
		b, _ := os.ReadFile(f)
		n += strings.Count(string(b), `"type":"manual.tick"`)
	}
	return n
}

// waitStep waits until the header shows step n of the ThinMan runbook.
func (c console) waitStep(n int) string {
	c.t.Helper()
	return waitMatch(c.t, c.term, regexp.MustCompile(fmt.Sprintf(`step %d/%d ·`, n, thinmanStepsTotal)), wait)
}

// tickAll ticks the step's n manual items: space on the focused one, tab
// to the next, as an operator does, then waits for the gate to open. The
// console refuses session keys while a tick is under way, as it should, so
// each tick is awaited on the record before the next key. An item below a
// small screen is brought into view by the first space, and ticked by the
// next: the console never ticks what the operator cannot see.
func (c console) tickAll(n int) string {
	c.t.Helper()
	for i := 0; i < n; i++ {
		if i > 0 {
			c.keys("Tab")
		}
		before := c.ticks()
		c.keys("Space")
		deadline := time.Now().Add(wait)
		retry := time.Now().Add(3 * time.Second)
		inView := false
		for c.ticks() == before {
			if time.Now().After(deadline) {
				c.t.Fatalf("%s: space on manual item %d was not journaled within %s; screen:\n%s", c.name, i+1, wait, frame(c.screen()))
			}
			// A key that arrives while the previous tick is still being
			// answered is refused with this flash, and an item off the
			// screen is first scrolled into view: press it again.
			s := c.screen()
			if !inView && strings.Contains(s, "off screen: it is in view now") ||
				time.Now().After(retry) && strings.Contains(s, "is under way") {
				inView = true // once per item: a third space would untick it
				c.keys("Space")
				retry = time.Now().Add(3 * time.Second)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The record is written just before the console hears the answer.
		time.Sleep(250 * time.Millisecond)
	}
	return waitFor(c.t, c.term, gateReady, wait)
}

// finish presses n on the last step's open gate until the console says the
// procedure is complete.
func (c console) finish() string {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		c.keys("n")
		until := time.Now().Add(time.Second)
		for time.Now().Before(until) {
			if s := c.screen(); strings.Contains(s, "procedure complete") {
				return s
			}
			time.Sleep(100 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: n on the last step did not complete the procedure within %s; last screen:\n%s", c.name, wait, frame(c.screen()))
		}
	}
}

// next presses n on an open gate until the console shows the step after
// from (the walk's next: skipped steps keep their numbers). The console
// refuses n for a moment after a step appears (so a held key cannot skip a
// step unread): a refused press is pressed again. It fails when the
// console jumps past it.
func (c console) next(from int) string {
	c.t.Helper()
	want := from + 1
	if after := stepsAfter(from); len(after) > 0 {
		want = after[0]
	}
	deadline := time.Now().Add(wait)
	for {
		c.keys("n")
		until := time.Now().Add(time.Second)
		for time.Now().Before(until) {
			s := c.screen()
			switch got := stepOf(s); {
			case got == want:
				return s
			case got > want:
				c.t.Fatalf("%s: n on step %d went to step %d, past step %d:\n%s", c.name, from, got, want, frame(s))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: n on step %d did not reach step %d within %s; last screen:\n%s", c.name, from, want, wait, frame(c.screen()))
		}
	}
}

// runAction opens the action dialog with x, checks it names want, moves to
// Run and confirms with enter. It returns the dialog's screen.
func (c console) runAction(want string) string {
	c.t.Helper()
	c.keys("x")
	waitFor(c.t, c.term, "Run the step's action", wait)
	dlg := waitFor(c.t, c.term, want, wait)
	if !strings.Contains(dlg, "Run the step's action") {
		c.t.Errorf("%s: the action dialog closed before it named %q:\n%s", c.name, want, frame(dlg))
	}
	if !strings.Contains(dlg, "> Cancel <") {
		c.t.Errorf("%s: the action dialog should start on Cancel:\n%s", c.name, frame(dlg))
	}
	time.Sleep(dialogArm)
	c.keys("Right")
	waitFor(c.t, c.term, "> Run <", wait)
	c.keys("Enter")
	c.waitUntil("the action dialog to close", wait, func(s string) bool { return !strings.Contains(s, "Run the step's action") })
	return dlg
}

// quit asks to quit with q, confirms, and returns what the terminal shows
// after the console left (joined lines, scrollback included).
func (c console) quit() string {
	c.t.Helper()
	c.keys("q")
	waitFor(c.t, c.term, "Leave the console now?", wait)
	time.Sleep(dialogArm)
	c.keys("Right")
	waitFor(c.t, c.term, "> Quit <", wait)
	c.keys("Enter")
	if code := c.waitExit(wait); code != 0 {
		c.t.Errorf("%s: quit exited with status %d, want 0:\n%s", c.name, code, c.history())
	}
	return c.history()
}

// closedGateHolds presses n three times on a closed gate and asserts the
// console stays on step (and says why).
func (c console) closedGateHolds(step int) {
	c.t.Helper()
	s := c.screen()
	if got := stepOf(s); got != step {
		c.t.Fatalf("%s: expected step %d before pressing n on a closed gate, screen shows %d:\n%s", c.name, step, got, frame(s))
	}
	if strings.Contains(s, gateReady) {
		c.t.Fatalf("%s: the gate of step %d is already open; the test needs it closed:\n%s", c.name, step, frame(s))
	}
	// Past the console's pause after a step change, so the refusal seen is
	// the gate's own.
	time.Sleep(settle)
	c.keys("n", "n", "n")
	waitFor(c.t, c.term, "gate closed", wait)
	// Give every press time to be handled before reading the step again.
	time.Sleep(700 * time.Millisecond)
	s = c.screen()
	if got := stepOf(s); got != step {
		c.t.Fatalf("%s: n n n on the closed gate of step %d moved to step %d:\n%s", c.name, step, got, frame(s))
	}
}

// sessionID waits for the one journal in stateDir and returns its id.
func sessionID(t *testing.T, stateDir string) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		m, _ := filepath.Glob(filepath.Join(stateDir, "*.jsonl"))
		if len(m) == 1 {
			return strings.TrimSuffix(filepath.Base(m[0]), ".jsonl")
		}
		if len(m) > 1 || time.Now().After(deadline) {
			t.Fatalf("want exactly one journal in %s, found %v", stateDir, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cli runs handrail with args (no terminal) and returns its output and
// exit status.
func cli(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(handrail(t), args...)
	cmd.Env = append(tmuxEnv(nil), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), errb.String(), ee.ExitCode()
		}
		t.Fatalf("handrail %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), 0
}

// verifyAndReport runs `handrail verify` (must exit 0) and returns the
// Markdown report (must exit 0).
func verifyAndReport(t *testing.T, stateDir, id string) string {
	t.Helper()
	out, errOut, code := cli(t, nil, "verify", id, "--state-dir", stateDir)
	if code != 0 {
		t.Fatalf("handrail verify %s: exit %d, want 0\n%s%s", id, code, out, errOut)
	}
	rep, errOut, code := cli(t, nil, "report", id, "--state-dir", stateDir)
	if code != 0 {
		t.Fatalf("handrail report %s: exit %d, want 0\n%s", id, code, errOut)
	}
	return rep
}

// journalText is the raw journal of a session.
func journalText(t *testing.T, stateDir, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, id+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
