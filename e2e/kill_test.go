package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillResume SIGKILLs a live session in the middle of the stop-replica
// step (STOP REPLICA run, the step not yet done), resumes it in a new
// terminal, and finishes it: resume reopens the same step, re-runs its
// check against the real replica, and the journal still verifies.
//
// It takes the replica in turn with TestLiveMariaDB.
func TestKillResume(t *testing.T) {
	t.Parallel()
	const w, h = 100, 30
	useReplica(t)
	if err := pair.WaitReplicating(context.Background(), 30*time.Second); err != nil {
		t.Fatalf("the pair must replicate before the run: %v", err)
	}
	t.Cleanup(func() {
		db := pair.AdminDB(pair.Replica)
		defer db.Close()
		_, _ = db.Exec("START SLAVE")
	})
	stateDir := t.TempDir()
	c := console{startTerm(t, "run", w, h, liveEnv(), liveArgs(t, stateDir)...), stateDir}
	c.waitStep(stepBackup)
	id := sessionID(t, stateDir)
	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)
	c.waitFor("Slave_IO_Running:  Yes")
	c.runAction("STOP REPLICA")
	c.waitFor(gateReady)

	if err := syscall.Kill(c.pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL handrail: %v", err)
	}
	if code := c.waitExit(wait); code != 128+int(syscall.SIGKILL) {
		t.Fatalf("handrail killed by SIGKILL exited %d, want %d", code, 128+int(syscall.SIGKILL))
	}
	if j := journalText(t, stateDir, id); strings.Contains(j, `"type":"session.end"`) {
		t.Fatal("a killed session's journal has a session.end")
	}

	c = console{startTerm(t, "resume", w, h, liveEnv(), handrail(t), "resume", id, "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	s := c.waitStep(stepStopReplica)
	if !strings.Contains(s, "Stop the database replica on the slave") {
		t.Errorf("resume should reopen the stop-replica step:\n%s", frame(s))
	}
	// The check runs again against the real replica, still stopped.
	s = c.waitFor(gateReady)
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")
	c.next(stepStopReplica)
	for _, step := range stepsAfter(stepStopReplica) {
		if step == stepStartReplica {
			c.waitFor("Slave_IO_Running:  No")
			c.runAction("START REPLICA")
			s = c.waitFor(gateReady)
			requireRow(t, s, "Slave_IO_Running:", "Yes", "✔")
		} else {
			c.tickAll(manualItems[step])
		}
		if step < stepDone {
			c.next(step)
		}
	}
	c.finish()
	c.keys("q")
	if code := c.waitExit(wait); code != 0 {
		t.Errorf("the resumed run exited %d, want 0:\n%s", code, c.history())
	}

	j := journalText(t, stateDir, id)
	for _, want := range []string{`"type":"session.resume"`, `"type":"session.end"`, `"state":"completed"`} {
		if !strings.Contains(j, want) {
			t.Errorf("the journal lacks %s", want)
		}
	}
	// Resume re-ran the check, never the action.
	n := 0
	for _, l := range strings.Split(j, "\n") {
		if strings.Contains(l, `"type":"action.start"`) && strings.Contains(l, `"describe":"STOP REPLICA"`) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("STOP REPLICA was started %d times, want once; journal:\n%s", n, j)
	}
	verifyAndReport(t, stateDir, id)
	if strings.Contains(j, pair.AdminPassword) {
		t.Error("the journal holds the password")
	}
	if io, sqlT := replicaThreads(t); io != "Yes" || sqlT != "Yes" {
		t.Fatalf("after the resumed run the replica reports IO=%s SQL=%s, want Yes/Yes", io, sqlT)
	}
}
