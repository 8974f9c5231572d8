package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// historySince waits until text appears in the pane's whole history
// (scrollback included) after offset from, and returns the offset just
// past it: plain mode scrolls, so what it printed may have left the
// screen.
func historySince(t *testing.T, p *term, from int, text string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h := p.history()
		if from > len(h) {
			from = len(h)
		}
		if i := strings.Index(h[from:], text); i >= 0 {
			return from + i + len(text)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q did not appear within %s; history after offset %d:\n%s", p.name, text, timeout, from, h[from:])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// typeLine types one line into the pane.
func typeLine(p *term, line string) {
	p.t.Helper()
	p.tmux("send-keys", "-t", "e2e", "-l", line)
	p.keys("Enter")
}

// TestLiveReplicaOutage runs the ThinMan runbook in plain mode under tmux
// against the real MariaDB pair. In the middle of step 3, after STOP
// REPLICA, the replica's server is stopped, so its port is closed, for 20
// seconds, then started again. Meanwhile the check is UNREACHABLE (the
// error, and for how long), never failed; no on_fail fires, nothing is
// halted; when the server answers again the check passes and the session
// goes on without an override.
func TestLiveReplicaOutage(t *testing.T) {
	t.Parallel()
	useReplica(t)
	ctx := context.Background()
	if err := pair.WaitReplicating(ctx, 30*time.Second); err != nil {
		t.Fatalf("the pair must replicate before the run: %v", err)
	}
	t.Cleanup(func() {
		// Whatever happened, the next test gets a running, replicating
		// replica.
		if !pair.Replica.Running() {
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := pair.StartReplica(cctx); err != nil {
				t.Logf("cleanup: start the replica: %v", err)
				return
			}
		}
		db := pair.AdminDB(pair.Replica)
		defer db.Close()
		if _, err := db.Exec("START SLAVE"); err != nil {
			t.Logf("cleanup: START SLAVE: %v", err)
		}
	})
	stateDir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(pair.Replica.Port)
	p := startTerm(t, "outage", 120, 40, liveEnv(), append(liveArgs(t, stateDir), "--plain")...)

	m := historySince(t, p, 0, "Preflight: contacting 1 target(s) once before the first step", wait)
	m = historySince(t, p, m, fmt.Sprintf("✔ slave (%s): version ", addr), wait)
	m = historySince(t, p, m, "== Step 1/14", wait)
	for _, l := range []string{"tick backup-done", "next", "tick primary-installer-present", "tick secondary-installer-present", "next"} {
		typeLine(p, l)
	}
	m = historySince(t, p, m, "== Step 3/14", wait)
	typeLine(p, "run")
	m = historySince(t, p, m, fmt.Sprintf("Type yes to run STOP REPLICA on slave (%s): ", addr), wait)
	typeLine(p, "yes")
	m = historySince(t, p, m, "✔ PASS replica-stopped: ", wait)
	m = historySince(t, p, m, "GATE OPEN", wait)

	// The port closes in the middle of the step.
	down := time.Now()
	if err := pair.StopReplica(); err != nil {
		t.Fatal(err)
	}
	m = historySince(t, p, m, "✘ UNREACHABLE replica-stopped: ", wait)
	m = historySince(t, p, m, "GATE CLOSED: replica-stopped: unreachable (cannot reach slave: ", wait)
	time.Sleep(time.Until(down.Add(20 * time.Second)))
	typeLine(p, "status")
	m = historySince(t, p, m, "Gate: closed: replica-stopped: unreachable (cannot reach slave: ", wait)
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := pair.StartReplica(sctx); err != nil {
		t.Fatal(err)
	}
	// Back: no override, no re-check typed; the back-off reaches it.
	m = historySince(t, p, m, "✔ PASS replica-stopped: ", 30*time.Second)
	m = historySince(t, p, m, "GATE OPEN", wait)
	typeLine(p, "next")
	m = historySince(t, p, m, "== Step 4/14", wait)
	typeLine(p, "quit")
	historySince(t, p, m, "Resume it with: handrail resume ", wait)
	if code := p.waitExit(wait); code != 0 {
		t.Errorf("the run exited %d, want 0", code)
	}
	if h := p.history(); strings.Contains(h, "HALTED") || strings.Contains(h, "FAIL replica-stopped") || strings.Contains(h, "ON FAIL") {
		t.Errorf("the outage failed the step:\n%s", h)
	}

	j := journalText(t, stateDir, sessionID(t, stateDir))
	if strings.Contains(j, pair.AdminPassword) {
		t.Error("the journal holds the password")
	}
	var unreachable, preflight int
	var left string
	for _, line := range strings.Split(strings.TrimSpace(j), "\n") {
		var rec struct {
			Type string `json:"type"`
			Data struct {
				Step   string `json:"step"`
				Check  string `json:"check"`
				Status string `json:"status"`
				Via    string `json:"via"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		switch rec.Type {
		case "override", "on_fail", "session.halt":
			t.Errorf("the journal holds %s: the outage was taken for a failure", rec.Type)
		case "preflight":
			preflight++
		case "check.status":
			if rec.Data.Check == "replica-stopped" && rec.Data.Status == "unreachable" {
				unreachable++
			}
		case "step.done":
			if rec.Data.Step == "stop-replica" {
				left = rec.Data.Via
			}
		}
	}
	if preflight != 1 || unreachable == 0 || left != "gate" {
		t.Errorf("journal: %d preflight, %d unreachable check.status of replica-stopped, stop-replica left via %q (want 1, some, gate)", preflight, unreachable, left)
	}
}
