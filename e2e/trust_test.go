package e2e

import (
	"encoding/base64"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// The console an operator can trust at 80x24 (issue 10): the built binary
// under tmux, driven as an operator does.

// toStartReplica walks a ThinMan rehearsal to the start-replica step (9):
// the items ticked, the replica stopped, each step left through its gate.
func (c console) toStartReplica() {
	c.t.Helper()
	c.waitStep(stepBackup)
	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)
	c.runAction("STOP REPLICA")
	c.waitFor(gateReady)
	c.next(stepStopReplica)
	for _, step := range []int{4, 5, stepPrimaryCheck} {
		c.tickAll(manualItems[step])
		c.next(step)
	}
	c.waitStep(stepStartReplica)
}

// panelRows are the lines of a screen that show a field of the replica
// check's panel, as drawn.
func panelRows(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, f := range []string{"Slave_IO_Running:", "Last_IO_Errno:", "Last_IO_Error:", "Slave_SQL_Running:"} {
			if i := strings.Index(l, f); i >= 0 && strings.Contains(l, "│ │") {
				out = append(out, strings.TrimRight(l[i:], " │"))
			}
		}
	}
	return out
}

// TestWatchShowsTheOperatorsPanel: the replication-error scenario at step 9,
// two terminals at 80x24. The watcher shows exactly the operator's panel
// (Last_IO_Errno 1236 ✘, not a stale 0 ✔), the halt as the operator sees
// it, and when the operator quits, that the session is paused, not "driven
// elsewhere".
func TestWatchShowsTheOperatorsPanel(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	drv := console{startTerm(t, "operator", 80, 24, nil, handrail(t), "rehearse", "thinman-dual-db", "--scenario", "replication-error",
		"--state-dir", stateDir, "--operator", "trainee"), stateDir}
	drv.toStartReplica()
	id := sessionID(t, stateDir)
	wat := console{startTerm(t, "watcher", 80, 24, nil, handrail(t), "watch", id, "--state-dir", stateDir), stateDir}
	wat.waitStep(stepStartReplica)
	drv.runAction("START REPLICA")
	drv.waitFor("HALTED")
	wat.waitFor("HALTED")
	// The panel is below the step's text at 80x24: scroll both alike.
	drv.keys("f")
	wat.keys("f")
	op := waitFor(t, drv.term, "Last_IO_Errno:     1236", wait)
	ws := waitFor(t, wat.term, "Last_IO_Errno:     1236", wait)
	if o, w := panelRows(op), panelRows(ws); len(o) == 0 || strings.Join(o, "\n") != strings.Join(w, "\n") {
		t.Errorf("the watcher's panel differs from the operator's:\noperator:\n%s\nwatcher:\n%s", frame(op), frame(ws))
	}
	requireRow(t, ws, "Last_IO_Errno:", "1236", "✘")
	for _, s := range []string{op, ws} {
		if !strings.Contains(s, "HALTED: In case of different output, refer to your Database Administrator") {
			t.Errorf("the halt's instruction is not on screen:\n%s", frame(s))
		}
	}
	if strings.Contains(ws, "drives it elsewhere") {
		t.Errorf("the watcher says the halted session is driven elsewhere:\n%s", frame(ws))
	}
	wat.waitFor("ended: halted")

	// The same with a session the operator quits.
	stateDir2 := t.TempDir()
	drv2 := console{startTerm(t, "operator 2", 80, 24, nil, handrail(t), "demo", "--state-dir", stateDir2), stateDir2}
	drv2.waitStep(stepBackup)
	id2 := sessionID(t, stateDir2)
	wat2 := console{startTerm(t, "watcher 2", 80, 24, nil, handrail(t), "watch", id2, "--state-dir", stateDir2), stateDir2}
	s := waitMatch(t, wat2.term, regexp.MustCompile(`watching · last record \S+ ago`), wait)
	if strings.Contains(s, "drives it elsewhere") {
		t.Errorf("the watcher of a running session:\n%s", frame(s))
	}
	drv2.quit()
	wat2.waitFor("paused: the operator quit; resumable")
	wat2.keys("q")
	if code := wat2.waitExit(wait); code != 0 {
		t.Errorf("watch exited %d after q", code)
	}
	drv.keys("q")
	drv.waitExit(wait)
	wat.keys("q")
	wat.waitExit(wait)
}

// TestTabBringsTheItemIntoView: step 6 has four items; at 80x24 the last
// ones are below the screen. Tab to the fourth brings it into view, and
// space ticks the item the operator sees.
func TestTabBringsTheItemIntoView(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "tab", 80, 24, nil, handrail(t), "demo", "--state-dir", stateDir), stateDir}
	c.waitStep(stepBackup)
	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)
	c.runAction("STOP REPLICA")
	c.waitFor(gateReady)
	c.next(stepStopReplica)
	for _, step := range []int{4, 5} {
		c.tickAll(manualItems[step])
		c.next(step)
	}
	s := c.waitStep(stepPrimaryCheck)
	if strings.Contains(s, "The ThinMan Local Console runs") {
		t.Fatalf("the test needs the fourth item below the screen:\n%s", frame(s))
	}
	c.keys("Tab", "Tab", "Tab")
	c.waitFor("▶ [ ] The ThinMan Local Console runs")
	before := c.ticks()
	c.keys("Space")
	c.waitFor("▶ [x] The ThinMan Local Console runs")
	ticks := recordsOf(t, stateDir, sessionID(t, stateDir), "manual.tick")
	if c.ticks() != before+1 || len(ticks) == 0 || !strings.Contains(ticks[len(ticks)-1], `"primary-local-console"`) || !strings.Contains(ticks[len(ticks)-1], `"ticked":true`) {
		t.Errorf("space did not tick the item in view: %v", ticks)
	}
	c.quit()
}

// TestLongCommandAt80x24: the Terracotta mirror step at 80 columns: the
// long path is never broken inside a word (it is cut at the edge with →,
// and → scrolls it), y copies the whole command (OSC 52, read back from
// tmux's paste buffer), and the action dialog names the step.
func TestLongCommandAt80x24(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "long command", 80, 24, nil, handrail(t), "demo", "terracotta-4-2-maintenance", "--state-dir", stateDir), stateDir}
	c.waitFor("step 1/19")
	c.tickAll(3)
	c.keys("n")
	s := c.waitFor("step 2/19")
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(strings.TrimRight(l, " "), "│ ")
		if strings.HasSuffix(l, "bigmemory-") || strings.HasSuffix(l, "/") {
			t.Errorf("a command is broken inside a word:\n%s", frame(s))
		}
	}
	if !strings.Contains(s, "→") && !strings.Contains(s, "↩") {
		t.Errorf("no continuation or edge mark on the long command:\n%s", frame(s))
	}
	// The step starts its focus on its first command (it has no item to
	// tick): y copies it.
	c.keys("y")
	c.waitFor("copied to the clipboard (OSC 52)")
	buf := strings.TrimRight(c.tmux("show-buffer"), "\n")
	if !strings.Contains(buf, "stop-tc-server.sh") && !strings.Contains(buf, "tc-server") {
		t.Errorf("tmux's paste buffer holds %q, not the step's command", buf)
	}
	if _, err := base64.StdEncoding.DecodeString(buf); err == nil && !strings.Contains(buf, " ") {
		t.Errorf("the paste buffer holds base64, not the command: %q", buf)
	}
	c.quit()
}

// TestFooterAt80x24: help and quit are always on the footer, the first
// key offered is the one that acts now, and an ended session offers no key
// that would act.
func TestFooterAt80x24(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "footer", 80, 24, nil, handrail(t), "demo", "--state-dir", stateDir), stateDir}
	s := c.waitStep(stepBackup)
	footer := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return lines[len(lines)-1]
	}
	if f := footer(s); !strings.Contains(f, "? help · q quit") || !strings.HasPrefix(f, "space tick item") {
		t.Errorf("footer at step 1: %q", f)
	}
	c.tickAll(manualItems[stepBackup])
	s = c.waitFor("n next step")
	if f := footer(s); !strings.HasPrefix(f, "n next step") || !strings.Contains(f, "? help · q quit") {
		t.Errorf("footer with the gate open: %q", f)
	}
	c.keys("?")
	s = c.waitFor("? or esc closes this help")
	if f := footer(s); !strings.Contains(f, "esc close help") || strings.Contains(f, "n next") {
		t.Errorf("footer on the help screen: %q", f)
	}
	c.keys("Escape")
	c.waitUntil("the help to close", wait, func(s string) bool { return !strings.Contains(s, "? or esc closes this help") })
	c.quit()
}

// TestOverrideAt80x24: the override dialog at 80x24: no category is chosen
// for the operator, a key typed on a button reaches the reason, the last
// stage ("type yes") is on screen, and after the override the operator is
// still on the step with its gate open; n moves on.
func TestOverrideAt80x24(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "override", 80, 24, nil, handrail(t), "demo", "--state-dir", stateDir), stateDir}
	c.waitStep(stepBackup)
	time.Sleep(settle)
	c.keys("o")
	c.waitFor("Override the gate")
	c.waitFor("on: step 1 · Back up ThinMan Server")
	time.Sleep(dialogArm)
	c.keys("Tab") // the checks: the one blocking
	c.waitFor("▸ 2. Category")
	c.keys("Tab")
	c.waitFor("choose a category")
	c.keys("Right", "Tab")
	c.waitFor("▸ 3. Reason")
	c.keys("-l", "the backup ran at 01:00 and the DBA verified i")
	c.keys("Tab")
	c.keys("-l", "t") // typed while the Continue button has the focus
	c.waitFor("the DBA verified it")
	c.keys("Tab", "Enter")
	s := c.waitFor("type yes")
	if !strings.Contains(s, "4. Confirm") {
		t.Errorf("the confirm stage is not on the 80x24 screen:\n%s", frame(s))
	}
	c.keys("-l", "yes")
	c.keys("Enter")
	c.waitFor("gate open by override")
	if got := stepOf(c.screen()); got != stepBackup {
		t.Fatalf("the override left the step: step %d", got)
	}
	j := journalText(t, stateDir, sessionID(t, stateDir))
	if !strings.Contains(j, `"opens_gate":true`) || strings.Contains(j, `"via":"override"`) {
		t.Errorf("the journal should hold the override and no step left yet")
	}
	c.next(stepBackup)
	if !strings.Contains(journalText(t, stateDir, sessionID(t, stateDir)), `"via":"override"`) {
		t.Errorf("n after the override did not leave via override")
	}
	c.quit()
}

// TestCtrlCInADialog: ctrl+c with a dialog open leaves at once, with exit
// status 130, and the session stays resumable (quit, not half-made).
func TestCtrlCInADialog(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "ctrl+c", 80, 24, nil, handrail(t), "demo", "--state-dir", stateDir), stateDir}
	c.waitStep(stepBackup)
	c.keys("a")
	c.waitFor("Add a note")
	c.keys("C-c")
	if code := c.waitExit(wait); code != 130 {
		t.Errorf("ctrl+c in a dialog exited %d, want 130:\n%s", code, c.history())
	}
	id := sessionID(t, stateDir)
	if h := c.history(); !strings.Contains(h, "Interrupted") || !strings.Contains(h, "handrail resume "+id) {
		t.Errorf("no word that the session was interrupted and resumes:\n%s", h)
	}
	sessions, _, _ := cli(t, nil, "sessions", "--state-dir", stateDir)
	if !strings.Contains(sessions, id) || !strings.Contains(sessions, "quit") {
		t.Errorf("the session should be listed as quit:\n%s", sessions)
	}
}

// TestCtrlCInPlainMode: ctrl+c in plain mode (a SIGINT from the terminal)
// means the same as in the console: the session is quit, resumable, and the
// command exits 130.
func TestCtrlCInPlainMode(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	p := startTerm(t, "plain ctrl+c", 80, 24, nil, handrail(t), "demo", "--plain", "--state-dir", stateDir)
	waitFor(t, p, "== REHEARSAL · Step 1/14", wait)
	// The SIGINT a terminal sends on ctrl+c in line mode (tmux would send
	// it to the pane's shell too).
	if err := syscall.Kill(p.pid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(wait); code != 130 {
		t.Errorf("ctrl+c in plain mode exited %d, want 130:\n%s", code, p.history())
	}
	id := sessionID(t, stateDir)
	if h := p.history(); !strings.Contains(h, "interrupted (SIGINT)") || !strings.Contains(h, "handrail resume "+id) {
		t.Errorf("no word that the session was interrupted and resumes:\n%s", h)
	}
	sessions, _, _ := cli(t, nil, "sessions", "--state-dir", stateDir)
	if !strings.Contains(sessions, "quit") {
		t.Errorf("the session should be listed as quit:\n%s", sessions)
	}
}

// TestInstructionsUseTheWidthAt200x50: at 200 columns the step pane splits
// and the instructions get the larger share: the step's text is wrapped to
// it, so a line of it runs past column 80 (not wrapped as if the terminal
// were narrow).
func TestInstructionsUseTheWidthAt200x50(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	c := console{startTerm(t, "wide", 200, 50, nil, handrail(t), "demo", "--state-dir", stateDir), stateDir}
	s := c.waitStep(stepBackup)
	// The instructions are the column between the step list's │ and the
	// panels; their widest line of step text is longer than 80 columns.
	widest := 0
	for _, l := range strings.Split(s, "\n") {
		_, pane, ok := strings.Cut(l, "│")
		if !ok || !strings.Contains(pane, "backup") {
			continue
		}
		if i := strings.IndexAny(pane, "│╭╰"); i >= 0 {
			pane = pane[:i]
		}
		widest = max(widest, utf8.RuneCountInString(strings.TrimSpace(pane)))
	}
	if widest <= 80 {
		t.Errorf("at 200x50 no line of the step's text is wider than 80 columns (widest %d):\n%s", widest, frame(s))
	}
	c.quit()
}
