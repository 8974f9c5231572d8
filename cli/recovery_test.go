package cli

import (
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

// TestSuspendedChoiceBeforeTheConsole: a halted session resumed for the
// console runs the halting step's checks once, shows them, and continues
// only on a typed reason (and a second yes while they fail); Enter keeps
// it suspended.
func TestSuspendedChoiceBeforeTheConsole(t *testing.T) {
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "6.0.2"}
	for _, tt := range []struct {
		name, input string
		continued   bool
		say         string
	}{
		{"enter keeps it suspended", "\n", false, "The session stays suspended."},
		{"short reason, then a reason, then declined", "too short\nthe DBA fixed the replica at 03:10\nno\n", false, "! 9 characters: say why in at least 15."},
		{"a reason and continue", "the DBA fixed the replica at 03:10\ncontinue\n", true, "Continued: the suspension is over, on the record."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mj := &session.MemoryJournal{}
			e, err := session.New(session.Config{SessionID: "20261122-020000-5u5p", Runbook: rb, Params: params, Journal: mj})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"backup-done"} {
				if err := e.Tick(c, true); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Next(); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"primary-installer-present", "secondary-installer-present"} {
				if err := e.Tick(c, true); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Next(); err != nil {
				t.Fatal(err)
			}
			// The replica's SQL thread stopped on an error: final, halts.
			bad := checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "Slave_IO_Running", Value: "No"},
				{Name: "Slave_SQL_Running", Value: "No"}, {Name: "Last_SQL_Errno", Value: "1062"}}}}, At: time.Now()}
			v, st, _ := e.Current()
			c := st.Checks[0]
			if _, err := e.Observe(checks.NewJudge(c, time.Now()).Result(v.Key, e.Generation(), bad, time.Now())); err != nil {
				t.Fatal(err)
			}
			if e.Ended() != session.EndHalted {
				t.Fatalf("not halted: %q", e.Ended())
			}
			e, err = session.Resume(session.Config{Runbook: rb, Journal: mj}, mj.Records(), session.ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := suspendedChoice(IO{In: strings.NewReader(tt.input), Out: &out, Err: io.Discard}, e, stoppedReplica{}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Checking step stop-replica again", "SUSPENDED: the session halted at step stop-replica",
				"WAITING replica-stopped: ", "The halting step's checks do not all pass", tt.say} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if e.Suspended() == tt.continued {
				t.Errorf("suspended = %v after %q", e.Suspended(), tt.input)
			}
			var conts int
			for _, r := range mj.Records() {
				if r.Type == session.EvSessionContinue {
					conts++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.continued]; conts != want {
				t.Errorf("%d session.continue records, want %d", conts, want)
			}
		})
	}
}
