package e2e

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// plainSession is handrail in plain mode with its standard input piped:
// the test types a line, then waits for what the session answers.
type plainSession struct {
	t     *testing.T
	in    io.WriteCloser
	out   *syncBuffer
	mark  int
	done  chan struct{}
	cmd   *exec.Cmd
	state error
}

func startPlain(t *testing.T, args ...string) *plainSession {
	t.Helper()
	cmd := exec.Command(handrail(t), args...)
	cmd.Env = tmuxEnv(nil)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start handrail: %v", err)
	}
	p := &plainSession{t: t, in: in, out: out, done: make(chan struct{}), cmd: cmd}
	go func() { p.state = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// send types one line; later expectations look only at what follows it.
func (p *plainSession) send(line string) {
	p.t.Helper()
	p.mark = len(p.out.String())
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.t.Fatalf("type %q: %v\n%s", line, err, p.out.String())
	}
}

// expect waits for text in the output since the last line typed.
func (p *plainSession) expect(text string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := p.out.String()[p.mark:]
		if strings.Contains(s, text) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("plain mode: %q did not appear within %s; output since the last line typed:\n%s", text, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exitCode waits for the process and returns its exit status.
func (p *plainSession) exitCode(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("plain mode: still running after %s; output:\n%s", timeout, p.out.String())
	}
	var ee *exec.ExitError
	if errors.As(p.state, &ee) {
		return ee.ExitCode()
	}
	if p.state != nil {
		p.t.Fatal(p.state)
	}
	return 0
}

// TestPlainRehearsalFault rehearses the ThinMan runbook's replication-error
// scenario in plain mode, stdin piped: START REPLICA leaves the IO thread
// stopped with error 1236, a final failure (fail_when): the session halts
// there at once, as the manual says ("suspend the ThinMan Secondary Server
// update"). Resumed, it is suspended: it shows that the checks still fail,
// and goes on only on the operator's explicit choice.
func TestPlainRehearsalFault(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	p := startPlain(t, "rehearse", "thinman-dual-db", "--scenario", "replication-error", "--plain", "--state-dir", stateDir, "--operator", "e2e")
	p.expect("== REHEARSAL · Step 1/14", wait)

	gateOpen := "GATE OPEN"
	tickStep := func(next string, checks ...string) {
		t.Helper()
		for _, c := range checks {
			p.send("tick " + c)
			p.expect("TICKED "+c, wait)
		}
		p.expect(gateOpen, wait)
		p.send("next")
		p.expect(next, wait)
	}
	tickStep("== REHEARSAL · Step 2/14", "backup-done")
	tickStep("== REHEARSAL · Step 3/14", "primary-installer-present", "secondary-installer-present")

	p.send("run")
	p.expect("Type yes to run STOP REPLICA", wait)
	p.send("yes")
	p.expect("PASS replica-stopped", wait)
	p.expect(gateOpen, wait)
	p.send("next")
	p.expect("== REHEARSAL · Step 4/14", wait)
	tickStep("== REHEARSAL · Step 5/14", "primary-installer-version")
	tickStep("== REHEARSAL · Step 6/14", "primary-restart-handled")
	tickStep("== REHEARSAL · Step 9/14", "primary-naming-running", "primary-server-running", "primary-support-running", "primary-local-console")

	// The fault strikes where the scenario says: start-replica.
	p.send("run")
	p.expect("Type yes to run START REPLICA", wait)
	p.send("yes")
	began := time.Now()
	p.expect("Action done", wait)
	// The IO thread connects, then stops on error 1236: the runbook names
	// it under fail_when, so the check fails at once and the on_fail
	// halts the session, without waiting out the check's minute.
	s := p.expect("HALTED: check replica-running failed", wait)
	if took := time.Since(began); took > 30*time.Second {
		t.Errorf("the final failure took %s to halt the session: it should not wait out the minute", took)
	}
	for _, want := range []string{"✘ FAIL replica-running: ", "Last_IO_Errno = 1236 (fail when in [1236, 13114, 1593])",
		"suspend the ThinMan Secondary Server update", "is suspended, not over"} {
		if !strings.Contains(s, want) {
			t.Errorf("plain mode lacks %q:\n%s", want, s)
		}
	}
	if code := p.exitCode(wait); code != 5 {
		t.Errorf("a halted session exits 5, got %d:\n%s", code, p.out.String())
	}
	out := p.out.String()
	for _, want := range []string{"Rehearsal debrief", "binlog-purged", "## Halt", "start-replica"} {
		if !strings.Contains(out, want) {
			t.Errorf("the debrief lacks %q:\n%s", want, out)
		}
	}

	id := sessionID(t, stateDir)
	j := journalText(t, stateDir, id)
	for _, want := range []string{`"type":"session.halt"`, `"step":"start-replica"`, `"field":"Last_IO_Errno","expected":"= 0","actual":"1236"`} {
		if !strings.Contains(j, want) {
			t.Errorf("the journal lacks %s", want)
		}
	}
	if strings.Contains(j, `"step":"secondary-install"`) {
		t.Error("the halted session entered secondary-install")
	}
	rep := verifyAndReport(t, stateDir, id)
	if !strings.Contains(rep, "REHEARSAL") {
		t.Errorf("the report should mark the rehearsal:\n%s", rep)
	}

	// Resumed, the halted session is suspended: the replica still fails
	// (the simulated world replays START REPLICA, and the fault strikes
	// again), and declining to continue keeps it halted.
	r := startPlain(t, "resume", id, "--plain", "--state-dir", stateDir, "--operator", "e2e")
	r.expect("SUSPENDED: the session halted at step start-replica", wait)
	r.expect("The halting step's checks do not pass yet", wait)
	r.send("next")
	r.expect("the session is suspended at step start-replica", wait)
	r.send("continue the DBA re-seeded the replica")
	r.expect("They do not all pass. Type continue to go on anyway", wait)
	r.send("no")
	r.expect("Still suspended.", wait)
	r.send("quit")
	if code := r.exitCode(wait); code != 5 {
		t.Errorf("a session quit while suspended exits 5 (halted), got %d:\n%s", code, r.out.String())
	}
	if j := journalText(t, stateDir, id); strings.Contains(j, `"type":"session.continue"`) {
		t.Error("a continue the operator declined is on the record")
	}
}
