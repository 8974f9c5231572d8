package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/internal/mariadbtest"
)

// TestLiveMariaDB runs the ThinMan runbook for real against the MariaDB
// pair: STOP REPLICA and START REPLICA go through the console's x, the panels
// read SHOW SLAVE STATUS from the real replica, and the report carries the
// evidence but never the password. It runs beside the simulator's tests,
// but its two sizes, and TestKillResume, take the replica in turn.
func TestLiveMariaDB(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			useReplica(t)
			testLive(t, sz.w, sz.h)
		})
	}
}

// replicaMu gives one test at a time the real replica: each stops and
// starts its replication.
var replicaMu sync.Mutex

// useReplica holds the replica until the test ends.
func useReplica(t *testing.T) {
	replicaMu.Lock()
	t.Cleanup(replicaMu.Unlock)
}

// liveEnv is the environment that gives handrail the slave's credentials
// (the runbook's user_env and password_env).
func liveEnv() []string {
	return []string{"THINMAN_SLAVE_USER=" + mariadbtest.AdminUser, "THINMAN_SLAVE_PASSWORD=" + pair.AdminPassword}
}

// liveArgs starts the ThinMan runbook against the real replica.
func liveArgs(t *testing.T, stateDir string) []string {
	return []string{handrail(t), "run", "thinman-dual-db",
		"--param", "primary_host=127.0.0.1", "--param", "secondary_host=127.0.0.1",
		"--param", "slave_port=" + strconv.Itoa(pair.Replica.Port), "--param", "new_version=6.0.2",
		"--state-dir", stateDir, "--operator", "e2e", "--ticket", "CHG-1"}
}

func testLive(t *testing.T, w, h int) {
	size := fmt.Sprintf("%dx%d", w, h)
	ctx := context.Background()
	if err := pair.WaitReplicating(ctx, 30*time.Second); err != nil {
		t.Fatalf("the pair must replicate before the run: %v", err)
	}
	// A run that fails midway must not leave the next one a stopped replica.
	t.Cleanup(func() {
		db := pair.AdminDB(pair.Replica)
		defer db.Close()
		if _, err := db.Exec("START SLAVE"); err != nil {
			t.Logf("cleanup: START SLAVE: %v", err)
		}
	})
	stateDir := t.TempDir()
	c := console{startTerm(t, "run "+size, w, h, liveEnv(), liveArgs(t, stateDir)...), stateDir}
	addr := fmt.Sprintf("127.0.0.1:%d", pair.Replica.Port)

	c.waitStep(stepBackup)
	s := waitFor(t, c.term, "Complete backup taken", wait)
	if strings.Contains(s, "REHEARSAL") {
		t.Errorf("a live session must not be marked REHEARSAL:\n%s", frame(s))
	}
	id := sessionID(t, stateDir)
	noSecretInArgv(t, c.pid())

	c.tickAll(manualItems[stepBackup])
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)

	// Stop the replica: the panel reads the real server, running.
	s = waitFor(t, c.term, "Slave_IO_Running:  Yes", wait)
	if !strings.Contains(s, "x runs on slave ("+addr+"): STOP REPLICA") {
		t.Errorf("the step should say what x runs and where (%s):\n%s", addr, frame(s))
	}
	c.closedGateHolds(stepStopReplica)
	c.runAction("STOP REPLICA")
	s = waitFor(t, c.term, gateReady, wait)
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")
	requireRow(t, s, "Slave_SQL_Running:", "No", "✔")
	saveScreen(t, "live-stop-slave-"+size, s)
	// The server agrees, and a write on the primary no longer arrives.
	if io, sqlT := replicaThreads(t); io != "No" || sqlT != "No" {
		t.Fatalf("after STOP REPLICA through handrail the replica reports IO=%s SQL=%s, want No/No", io, sqlT)
	}
	marker := writeMarker(t)
	time.Sleep(time.Second)
	if got := replicaMarker(t); got == marker {
		t.Fatalf("a row written on the primary reached the stopped replica")
	}

	c.next(stepStopReplica)
	for _, step := range stepsAfter(stepStopReplica) {
		if step == stepStartReplica {
			// The panel reads the real, stopped replica: the gate is shut.
			s = waitFor(t, c.term, "Slave_IO_Running:  No", wait)
			requireRow(t, s, "Slave_IO_Running:", "No", "✘")
			c.closedGateHolds(stepStartReplica)
			c.runAction("START REPLICA")
			s = waitFor(t, c.term, gateReady, wait)
			requireRow(t, s, "Slave_IO_Running:", "Yes", "✔")
			requireRow(t, s, "Slave_SQL_Running:", "Yes", "✔")
			saveScreen(t, "live-start-slave-"+size, s)
			waitMarker(t, marker)
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
		t.Errorf("the completed run exited %d, want 0:\n%s", code, c.history())
	}
	c.history()

	rep := verifyAndReport(t, stateDir, id)
	// Markdown escapes the underscores of field names.
	plain := strings.ReplaceAll(rep, `\_`, "_")
	for _, re := range []string{
		`\| Operator \| e2e\b`,
		`\| Ticket \| CHG-1 \|`,
		"Stop the database replica on the slave",
		"`STOP REPLICA` → ok",
		"`START REPLICA` → ok",
		// The evidence that opened the stop-replica gate.
		"\\| `replica-stopped` \\| pass \\| Slave_IO_Running \\| = No \\| No \\|",
		"\\| `replica-stopped` \\| pass \\| Slave_SQL_Running \\| = No \\| No \\|",
		"\\| `replica-running` \\| pass \\| Slave_IO_Running \\| = Yes \\| Yes \\|",
	} {
		if !regexp.MustCompile(re).MatchString(plain) {
			t.Errorf("the report lacks %s:\n%s", re, rep)
		}
	}
	if strings.Contains(rep, "REHEARSAL") {
		t.Errorf("a live session's report says REHEARSAL:\n%s", rep)
	}

	// The password is nowhere: screens, journal, report.
	pw := pair.AdminPassword
	for i, scr := range c.captures() {
		if strings.Contains(scr, pw) {
			t.Fatalf("capture %d shows the password:\n%s", i, scr)
		}
	}
	if strings.Contains(journalText(t, stateDir, id), pw) {
		t.Error("the journal holds the password")
	}
	if strings.Contains(rep, pw) {
		t.Error("the report holds the password")
	}
	files, _ := os.ReadDir(stateDir)
	for _, f := range files {
		b, _ := os.ReadFile(stateDir + "/" + f.Name())
		if strings.Contains(string(b), pw) {
			t.Errorf("%s in the state directory holds the password", f.Name())
		}
	}

	// Replication runs again at the end, on the server itself.
	if io, sqlT := replicaThreads(t); io != "Yes" || sqlT != "Yes" {
		t.Fatalf("at the end the replica reports IO=%s SQL=%s, want Yes/Yes", io, sqlT)
	}
	if err := pair.WaitReplicating(ctx, wait); err != nil {
		t.Fatalf("replication does not run after the procedure: %v", err)
	}
}

// noSecretInArgv asserts the password is not on handrail's command line.
func noSecretInArgv(t *testing.T, pid int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatalf("read handrail's command line: %v", err)
	}
	if strings.Contains(string(b), pair.AdminPassword) {
		t.Fatal("the password is on handrail's command line")
	}
}

// replicaThreads reads Slave_IO_Running and Slave_SQL_Running from the
// real replica.
func replicaThreads(t *testing.T) (io, sqlT string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	st, err := pair.SlaveStatus(ctx)
	if err != nil {
		t.Fatalf("the real replica: %v", err)
	}
	return st["Slave_IO_Running"].String, st["Slave_SQL_Running"].String
}

// writeMarker writes a fresh value on the primary and returns it.
func writeMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	m := hex.EncodeToString(b)
	db := pair.AdminDB(pair.Primary)
	defer db.Close()
	if _, err := db.Exec("REPLACE INTO handrail_test.t VALUES (2, ?)", m); err != nil {
		t.Fatalf("write on the primary: %v", err)
	}
	return m
}

// replicaMarker reads the value writeMarker writes, on the replica.
func replicaMarker(t *testing.T) string {
	t.Helper()
	db := pair.AdminDB(pair.Replica)
	defer db.Close()
	var v string
	err := db.QueryRow("SELECT v FROM handrail_test.t WHERE id = 2").Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		t.Fatalf("read on the replica: %v", err)
	}
	return v
}

// waitMarker waits for the primary's write to reach the replica.
func waitMarker(t *testing.T, marker string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for replicaMarker(t) != marker {
		if time.Now().After(deadline) {
			io, sqlT := replicaThreads(t)
			t.Fatalf("the row written while replication was stopped did not reach the replica within %s (IO=%s SQL=%s)", wait, io, sqlT)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
