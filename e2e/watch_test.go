package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestWatch follows a session from a second terminal while the first one
// drives it: the watcher shows the driver's step, follows it when it moves,
// and refuses every key that would act on the session.
func TestWatch(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	stateDir := t.TempDir()
	drv := console{startTerm(t, "driver", w, h, nil, handrail(t), "demo", "--state-dir", stateDir, "--operator", "trainee"), stateDir}
	drv.waitStep(stepBackup)
	id := sessionID(t, stateDir)

	wat := console{startTerm(t, "watcher", w, h, nil, handrail(t), "watch", id, "--state-dir", stateDir), stateDir}
	wat.waitStep(stepBackup)
	s := waitFor(t, wat.term, "WATCHING", wait)
	if !strings.Contains(s, "Back up ThinMan Server and its database") {
		t.Errorf("the watcher should show the driver's step:\n%s", frame(s))
	}

	// The driver moves on; the watcher follows.
	drv.tickAll(manualItems[stepBackup])
	waitFor(t, wat.term, "[x] A complete backup", wait)
	drv.next(stepBackup)
	wat.waitStep(stepInstallers)
	drv.tickAll(manualItems[stepInstallers])
	drv.next(stepInstallers)
	wat.waitStep(stepStopReplica)

	// The driver stops the replica; the watcher sees the journaled result.
	drv.runAction("STOP REPLICA")
	drv.waitFor(gateReady)
	s = waitFor(t, wat.term, "Slave_IO_Running:  No", wait)
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")

	// Keys that would act are refused in the watcher, and act on nothing.
	// The driver's check.fresh heartbeat (every 10 s while its checks
	// answer) is not an act: count every other record.
	acts := func() int {
		j := journalText(t, stateDir, id)
		return strings.Count(j, "\n") - strings.Count(j, `"type":"check.fresh"`)
	}
	records := acts()
	for _, k := range []string{"n", "x", "Space"} {
		wat.keys(k)
		s = waitFor(t, wat.term, "watch mode is read-only", wait)
		for _, dlg := range []string{"Run the step's action", "Override the gate"} {
			if strings.Contains(s, dlg) {
				t.Fatalf("the watcher opened %q on %s:\n%s", dlg, k, frame(s))
			}
		}
		// The flash lasts a few seconds; wait it out so the next key's
		// refusal is its own.
		wat.waitUntil("the read-only flash to pass", wait, func(s string) bool { return !strings.Contains(s, "watch mode is read-only") })
	}
	time.Sleep(500 * time.Millisecond)
	if got := stepOf(drv.screen()); got != stepStopReplica {
		t.Fatalf("keys in the watcher moved the driver to step %d", got)
	}
	if got := acts(); got != records {
		t.Fatalf("keys in the watcher added %d journal records", got-records)
	}

	// The watcher still follows after the refused keys.
	drv.next(stepStopReplica)
	wat.waitStep(stepStopReplica + 1)

	wat.keys("q")
	if code := wat.waitExit(wait); code != 0 {
		t.Errorf("watch exited %d after q, want 0", code)
	}
	drv.quit()
}

// waitFor is the method form of waitFor for a console.
func (c console) waitFor(text string) string {
	c.t.Helper()
	return waitFor(c.t, c.term, text, wait)
}
