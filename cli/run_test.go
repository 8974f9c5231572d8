package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// stoppedReplica answers like a replica whose threads are stopped; the
// real probes are tested against MariaDB in checks/mysql.
type stoppedReplica struct{ leak string }

func (d stoppedReplica) Observe(_ context.Context, c checks.Check) checks.Observation {
	return checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "Slave_IO_Running", Value: "No"}}}},
		Raw: "connected as repl:" + d.leak, At: time.Now()}
}
func (stoppedReplica) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{}
}
func (stoppedReplica) Close() error { return nil }

func useFakeDriver(t *testing.T) {
	t.Helper()
	old := newDriver
	newDriver = func(_ map[string]checks.Target, creds map[string]checks.Credentials, _ *checks.Redactor) (checks.Driver, error) {
		// A careless probe that echoes the password back: the journal must
		// still never hold it.
		return stoppedReplica{leak: creds["slave"].Password.Reveal()}, nil
	}
	t.Cleanup(func() { newDriver = old })
}

func runCLI(t *testing.T, stdin string, args ...string) (ExitCode, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestRunQuitSessionsResume(t *testing.T) {
	useFakeDriver(t)
	const pw = "Canary-Pw-55127"
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", pw)
	dir := t.TempDir()
	rb := filepath.Join("testdata", "run", "replica.yaml")

	code, _, errs := runCLI(t, "", "run", rb, "--state-dir", dir)
	if code != ExitUsage || !strings.Contains(errs, "needs params slave_host: pass --param slave_host=VALUE") {
		t.Fatalf("run without params: code %d, stderr %q", code, errs)
	}

	code, out, errs := runCLI(t, "tick backup\nnext\n", "run", rb, "--state-dir", dir, "--param", "slave_host=db2", "--operator", "Alice", "--ticket", "CHG-1")
	if code != ExitOK {
		t.Fatalf("run: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"== Step 1/2: Prepare ==", "== Step 2/2: Stop the replica on db2 ==", "Resume it with: handrail resume "} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")

	code, out, _ = runCLI(t, "", "sessions", "--state-dir", dir)
	if code != ExitOK || !strings.Contains(out, id) || !strings.Contains(out, "run-test") || !strings.Contains(out, "Alice") || !strings.Contains(out, "quit") {
		t.Errorf("sessions: code %d\n%s", code, out)
	}

	// A crash mid-write leaves a torn line: resume cuts it off and says so.
	f, err := os.OpenFile(paths[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":99,"time":"2026`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errs = runCLI(t, "next\n", "resume", id, "--state-dir", dir, "--plain")
	if code != ExitOK {
		t.Fatalf("resume: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "an incomplete last line: 22 bytes") || !strings.Contains(out, "== Step 2/2") {
		t.Errorf("resume output:\n%s\nstderr:\n%s", out, errs)
	}
	recs, err := journal.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Type)
	}
	joined := strings.Join(kinds, " ")
	if !strings.Contains(joined, "session.end journal.repair session.resume") {
		t.Errorf("journal after resume: %s", joined)
	}
	raw, _ := os.ReadFile(paths[0])
	if bytes.Contains(raw, []byte(pw)) {
		t.Error("the password reached the journal")
	}
	f2, _ := os.Open(paths[0])
	defer f2.Close()
	if res := journal.Verify(f2); !res.OK {
		t.Errorf("journal does not verify: %s", res.Problem)
	}
}

// TestFinalFailureHaltsAtOnceAndResumesSuspended: a fail_when match halts
// the session on the first poll (not after `within`'s ten minutes), and
// resume picks the halted session up suspended.
func TestFinalFailureHaltsAtOnceAndResumesSuspended(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "Canary-Pw-7781")
	dir := t.TempDir()
	rb := filepath.Join("testdata", "run", "halt.yaml")
	began := time.Now()
	// Input that stays open: the session ends by the halt, not by its end.
	in, w := io.Pipe()
	defer w.Close()
	var outb, errb bytes.Buffer
	code := Main([]string{"run", rb, "--state-dir", dir, "--param", "slave_host=db2"}, IO{In: in, Out: &outb, Err: &errb})
	out, errs := outb.String(), errb.String()
	if code != ExitHalted || !strings.Contains(out, "HALTED") || time.Since(began) > time.Minute {
		t.Fatalf("run: code %d after %v\nstdout:\n%s\nstderr:\n%s", code, time.Since(began), out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")
	code, out, errs = runCLI(t, "quit\n", "resume", id, "--state-dir", dir, "--plain")
	if code != ExitHalted {
		t.Fatalf("resume: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"the session was halted at step start", "it resumes suspended"} {
		if !strings.Contains(errs, want) {
			t.Errorf("resume stderr lacks %q:\n%s", want, errs)
		}
	}
	recs, err := journal.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Type)
	}
	if joined := strings.Join(kinds, " "); !strings.Contains(joined, "session.halt session.end session.resume") {
		t.Errorf("journal: %s", joined)
	}
}
