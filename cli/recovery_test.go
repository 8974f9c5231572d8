package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// lockedBuf is an output the test reads while Main writes it.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// unreachableArgs runs the ThinMan runbook against a slave on port 1 of
// this machine, where nothing listens: the real live driver gets
// "connection refused".
func unreachableArgs(dir string, extra ...string) []string {
	return append([]string{"run", "thinman-dual-db", "--plain", "--state-dir", dir, "--operator", "Alice",
		"--param", "primary_host=tm1", "--param", "secondary_host=127.0.0.1", "--param", "new_version=6.0.2",
		"--param", "slave_port=1"}, extra...)
}

func slaveCredentials(t *testing.T) {
	t.Setenv("THINMAN_SLAVE_USER", "handrail")
	t.Setenv("THINMAN_SLAVE_PASSWORD", "Canary-Pw-60061")
}

// TestRunPreflightRefusesAnUnreachableTarget: run contacts the slave
// before the first step, shows it unreachable, and starts nothing (no
// journal) without the operator's explicit choice; a reason too short to
// say anything is refused too.
func TestRunPreflightRefusesAnUnreachableTarget(t *testing.T) {
	slaveCredentials(t)
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", unreachableArgs(dir)...)
	if code != ExitError {
		t.Fatalf("code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitError, out, errs)
	}
	for _, want := range []string{"Preflight: contacting 1 target(s)", "slave (127.0.0.1:1): UNREACHABLE: ", "connection refused", "(connect and read the server version)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, `not started: slave cannot be reached: fix it, or start anyway with --start-unreachable "REASON"`) {
		t.Errorf("stderr: %s", errs)
	}
	code, _, errs = runCLI(t, "", unreachableArgs(dir, "--start-unreachable", "why not")...)
	if code != ExitUsage || !strings.Contains(errs, "in at least 15 characters (it has 7)") {
		t.Errorf("short reason: code %d, %s", code, errs)
	}
	if paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(paths) != 0 {
		t.Errorf("a run that did not start left journals: %v", paths)
	}
}

// TestRunUnreachableIsNotHaltedAndResumes: started on the operator's
// choice with the slave unreachable (the real driver, port 1), the replica
// check of step 3 stays unreachable past its minute (a fast clock: a
// minute a second), the session is not halted, quits, and resumes.
func TestRunUnreachableIsNotHaltedAndResumes(t *testing.T) {
	slaveCredentials(t)
	base := time.Now()
	sessionClock = func() time.Time { return base.Add(time.Since(base) * 60) }
	t.Cleanup(func() { sessionClock = nil })
	dir := t.TempDir()
	const reason = "the slave's VPN is being re-keyed, back within minutes"
	in, feed := io.Pipe()
	out, errb := &lockedBuf{}, &lockedBuf{}
	done := make(chan ExitCode, 1)
	go func() {
		done <- Main(unreachableArgs(dir, "--start-unreachable", reason), IO{In: in, Out: out, Err: errb})
	}()
	say := func(line string) { t.Helper(); _, _ = io.WriteString(feed, line+"\n") }
	wait := func(from int, want string) int {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			s := out.String()
			if i := strings.Index(s[from:], want); i >= 0 {
				return from + i + len(want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("stdout never said %q; it is:\n%s\nstderr:\n%s", want, out.String(), errb.String())
		return 0
	}
	m := wait(0, "Starting with slave unreachable, on the record: "+reason)
	m = wait(m, "== Step 1/14")
	for _, c := range []string{"backup-done", "next", "primary-installer-present", "secondary-installer-present", "next"} {
		if c == "next" {
			say(c)
			continue
		}
		say("tick " + c)
	}
	m = wait(m, "== Step 3/14")
	m = wait(m, "UNREACHABLE replica-stopped: ")
	// Past the check's minute, and again: no fail, no halt.
	m = wait(m, "(for 2m")
	say("status")
	wait(m, "Gate: closed: replica-stopped: unreachable (cannot reach slave: ")
	say("quit")
	if code := <-done; code != ExitOK {
		t.Fatalf("run: code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if s := out.String(); strings.Contains(s, "HALTED") || strings.Contains(s, "FAIL replica-stopped") {
		t.Fatalf("an unreachable slave failed the step:\n%s", s)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	recs, err := journal.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	var unreachable int
	for _, r := range recs {
		n[r.Type]++
		switch r.Type {
		case session.EvPreflight:
			var d session.PreflightData
			if err := json.Unmarshal(r.Data, &d); err != nil || !d.Accepted || d.Reason != reason || strings.Join(d.Unreachable, ",") != "slave" {
				t.Errorf("preflight = %+v (%v)", d, err)
			}
		case session.EvCheckStatus:
			var d session.CheckStatusData
			_ = json.Unmarshal(r.Data, &d)
			if d.Check == "replica-stopped" && d.Status == "unreachable" {
				unreachable++
			}
		}
	}
	if n[session.EvOnFail]+n[session.EvSessionHalt] > 0 || unreachable == 0 || n[session.EvPreflight] != 1 {
		t.Errorf("journal: %v, %d unreachable check.status", n, unreachable)
	}
	if raw, _ := os.ReadFile(paths[0]); bytes.Contains(raw, []byte("Canary-Pw-60061")) {
		t.Error("the password reached the journal")
	}

	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")
	var rb, re bytes.Buffer
	code := Main([]string{"resume", id, "--state-dir", dir, "--plain"}, IO{In: slowInput("", "status", "quit"), Out: &rb, Err: &re})
	rout, rerr := rb.String(), re.String()
	if code != ExitOK {
		t.Fatalf("resume: code %d\nstdout:\n%s\nstderr:\n%s", code, rout, rerr)
	}
	for _, want := range []string{"== Step 3/14", "UNREACHABLE replica-stopped"} {
		if !strings.Contains(rout, want) {
			t.Errorf("resume output lacks %q:\n%s", want, rout)
		}
	}
}

// fakeSetter is a live-like driver that takes new credentials.
type fakeSetter struct {
	stoppedReplica
	got []checks.Credentials
}

func (f *fakeSetter) SetCredentials(_ string, c checks.Credentials) error {
	f.got = append(f.got, c)
	return nil
}

// TestCredentialsKeepTheUser: a password re-entered in the session keeps
// the user the target logs in as, and goes inside a DSN from dsn_env.
func TestCredentialsKeepTheUser(t *testing.T) {
	f := &fakeSetter{}
	k := keepCredentials(f, map[string]checks.Credentials{
		"slave": {User: "ops", Password: checks.NewSecret("old-1"), Source: "env X"},
		"dsn":   {DSN: checks.NewSecret("ops:old-2@tcp(db2:3306)/app")},
	}).(checks.CredentialSetter)
	if err := k.SetCredentials("slave", checks.Credentials{Password: checks.NewSecret("new-1")}); err != nil {
		t.Fatal(err)
	}
	if err := k.SetCredentials("dsn", checks.Credentials{Password: checks.NewSecret("new-2")}); err != nil {
		t.Fatal(err)
	}
	if len(f.got) != 2 || f.got[0].User != "ops" || f.got[0].Password.Reveal() != "new-1" ||
		f.got[1].DSN.Reveal() != "ops:new-2@tcp(db2:3306)/app" {
		t.Errorf("the driver got %d credentials: %+v / %q", len(f.got), f.got[0], f.got[1].DSN.Reveal())
	}
	if err := keepCredentials(stoppedReplica{}, nil).(checks.CredentialSetter).SetCredentials("slave", checks.Credentials{}); err == nil {
		t.Error("a driver that takes no credentials took them")
	}
}

// TestPreflightScreenOnTheConsolePath: on a terminal, the console's
// preflight screen (not a line prompt) shows the unreachable slave (the
// real live driver, port 1), and the session starts only once the operator
// chose to, with a reason typed there: the preflight record's data says
// so. Esc on the screen starts nothing.
func TestPreflightScreenOnTheConsolePath(t *testing.T) {
	slaveCredentials(t)
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := steps.Expand(rb, map[string]string{"primary_host": "tm1", "secondary_host": "127.0.0.1", "new_version": "6.0.2", "slave_port": "1"})
	if err != nil {
		t.Fatal(err)
	}
	const reason = "the slave is rebooting, back in five minutes"
	for _, tt := range []struct {
		name, keys string
		start      bool
	}{
		{"a reason typed on the screen", "s" + reason + "\r", true},
		{"esc stops", "\x1b", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, term bytes.Buffer
			stdio := IO{In: strings.NewReader(tt.keys), Out: &out, Err: io.Discard, Term: &term}
			drv, _, err := openDriver(plan.Targets, console{}, stdio, checks.NewRedactor())
			if err != nil {
				t.Fatal(err)
			}
			defer drv.Close()
			pf, err := preflight(stdio, console{in: true, out: true}, bufio.NewReader(strings.NewReader("")), drv, plan, "", false, nil)
			if !tt.start {
				if err == nil || !strings.Contains(err.Error(), "not started") {
					t.Fatalf("esc: %+v, %v", pf, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !pf.Accepted || pf.Reason != reason || len(pf.Targets) != 1 || pf.Targets[0].Reachable {
				t.Fatalf("preflight data %+v", pf)
			}
			// The screen ran (its window title), not the line prompt.
			if !strings.Contains(term.String(), "handrail: preflight") || strings.Contains(out.String(), "Press Enter to stop") {
				t.Errorf("the preflight screen did not run:\nterminal %q\nstdout:\n%s", term.String(), out.String())
			}
			if !strings.Contains(out.String(), "Starting with slave unreachable, on the record: "+reason) {
				t.Errorf("stdout:\n%s", out.String())
			}
		})
	}
}
