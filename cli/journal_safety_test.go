package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliWithin runs the CLI and fails the test when it does not return in
// time: a command that blocks on a FIFO, or reads /dev/zero until memory
// runs out, never returns.
func cliWithin(t *testing.T, d time.Duration, args ...string) (ExitCode, string, string) {
	t.Helper()
	type res struct {
		code     ExitCode
		out, err string
	}
	ch := make(chan res, 1)
	go func() {
		var out, errb bytes.Buffer
		code := Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
		ch <- res{code, out.String(), errb.String()}
	}()
	select {
	case r := <-ch:
		return r.code, r.out, r.err
	case <-time.After(d):
		t.Fatalf("handrail %s did not return within %s", strings.Join(args, " "), d)
		return 0, "", ""
	}
}

// TestReadingCommandsRefuseWhatIsNoJournal: verify, report and watch
// refuse a device, a FIFO and a line longer than any record, at once and
// with a message that says what is wrong.
func TestReadingCommandsRefuseWhatIsNoJournal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFO")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, append(bytes.Repeat([]byte("x"), 17<<20), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string
		// verify reports a bad line as findings (1); a file it cannot read
		// as a journal at all is a runtime failure (3).
		verifyCode ExitCode
	}{
		{"/dev/zero", "is a character device, not a regular file", ExitError},
		{fifo, "is a FIFO, not a regular file", ExitError},
		{long, "longer than 16 MiB", ExitFindings},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			code, out, errs := cliWithin(t, 20*time.Second, "verify", tt.path, "--state-dir", dir)
			if code != tt.verifyCode || !strings.Contains(out+errs, tt.want) {
				t.Errorf("verify: code %d\nstdout: %s\nstderr: %s", code, out, errs)
			}
			code, out, errs = cliWithin(t, 20*time.Second, "report", tt.path, "--state-dir", dir)
			if code == ExitOK || !strings.Contains(out+errs, tt.want) {
				t.Errorf("report: code %d\nstdout: %s\nstderr: %s", code, out, errs)
			}
			code, out, errs = cliWithin(t, 20*time.Second, "watch", tt.path, "--state-dir", dir)
			if code == ExitOK || !strings.Contains(out+errs, tt.want) {
				t.Errorf("watch: code %d\nstdout: %s\nstderr: %s", code, out, errs)
			}
		})
	}
}

// copyRunbook puts the test runbook in dir, so a test can change it or run
// it by a relative path.
func copyRunbook(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "run", "replica.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "replica.yaml")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFailedResumeLeavesTheJournalAsItWas: a torn journal whose resume is
// refused (here: the runbook changed) keeps every byte; the resume that
// goes ahead cuts the tail and journals the repair.
func TestFailedResumeLeavesTheJournalAsItWas(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-71202")
	dir := t.TempDir()
	rb := copyRunbook(t, t.TempDir())
	if code, out, errs := runCLI(t, "", "run", rb, "--state-dir", dir, "--param", "slave_host=db2"); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	f, err := os.OpenFile(paths[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"seq":999,"ti`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	torn, _ := os.ReadFile(paths[0])
	b, _ := os.ReadFile(rb)
	if err := os.WriteFile(rb, append(b, []byte("# changed\n")...), 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, errs := runCLI(t, "", "resume", paths[0], "--state-dir", dir, "--plain")
	if code != ExitUsage || !strings.Contains(errs, "accept-changed-runbook") {
		t.Fatalf("resume with a changed runbook: code %d, stderr %s", code, errs)
	}
	if after, _ := os.ReadFile(paths[0]); !bytes.Equal(after, torn) {
		t.Fatalf("a refused resume changed the journal (%d bytes, was %d)", len(after), len(torn))
	}

	code, out, errs := runCLI(t, "", "resume", paths[0], "--state-dir", dir, "--plain", "--accept-changed-runbook")
	want := "the journal ended with an incomplete last line: 14 bytes after the last whole record, not a whole record themselves: they were cut off and the repair journaled"
	if code != ExitOK || !strings.Contains(errs, want) || strings.Contains(errs, "acknowledged") {
		t.Fatalf("resume: code %d\n%s\n%s", code, out, errs)
	}
	after, _ := os.ReadFile(paths[0])
	if bytes.Contains(after, []byte(`{"seq":999,"ti`)) || !bytes.Contains(after, []byte(`"type":"journal.repair"`)) {
		t.Fatalf("journal after the resume:\n%s", after)
	}
}

// TestResumeFromAnotherDirectory: a session started with a relative
// runbook path resumes from any directory.
func TestResumeFromAnotherDirectory(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-71203")
	state := t.TempDir()
	work := t.TempDir()
	copyRunbook(t, work)
	t.Chdir(work)
	if code, out, errs := runCLI(t, "", "run", "replica.yaml", "--state-dir", state, "--param", "slave_host=db2"); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(state, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	t.Chdir(t.TempDir())
	code, out, errs := runCLI(t, "", "resume", paths[0], "--state-dir", state, "--plain")
	if code != ExitOK || !strings.Contains(errs, "resumed session") {
		t.Fatalf("resume from another directory: code %d\n%s\n%s", code, out, errs)
	}
}

// TestResumeWarnsAboutOpenPermissions: a state directory others can write
// and a journal others can read are named on stderr.
func TestResumeWarnsAboutOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-71204")
	dir := t.TempDir()
	rb := copyRunbook(t, t.TempDir())
	if code, out, errs := runCLI(t, "", "run", rb, "--state-dir", dir, "--param", "slave_host=db2"); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(paths[0], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "resume", paths[0], "--state-dir", dir, "--plain")
	if code != ExitOK || !strings.Contains(errs, "chmod 700") || !strings.Contains(errs, "chmod 600") {
		t.Fatalf("resume: code %d, stderr:\n%s", code, errs)
	}
}

// hookReader hands out one chunk per Read, calling before[i] first.
type hookReader struct {
	chunks []string
	before []func()
	i      int
}

func (h *hookReader) Read(p []byte) (int, error) {
	if h.i >= len(h.chunks) {
		return 0, io.EOF
	}
	if h.before[h.i] != nil {
		h.before[h.i]()
	}
	n := copy(p, h.chunks[h.i])
	h.i++
	return n, nil
}

// TestDriverStopsWhenItsJournalIsMoved renames the journal in the middle
// of a session: the next note is refused with a clear error, the session
// stops, and nothing claims the note was recorded.
func TestDriverStopsWhenItsJournalIsMoved(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-71205")
	dir := t.TempDir()
	rb := copyRunbook(t, t.TempDir())
	moved := filepath.Join(t.TempDir(), "moved.jsonl")
	var out lockedBuffer
	move := func() {
		// Plain mode reads ahead: wait until the first note is on record.
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Noted.") && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if len(paths) != 1 {
			t.Errorf("journals: %v", paths)
			return
		}
		if err := os.Rename(paths[0], moved); err != nil {
			t.Error(err)
		}
	}
	in := &hookReader{chunks: []string{"note first note\n", "note second note\n"}, before: []func(){nil, move}}
	var errb bytes.Buffer
	code := Main([]string{"run", rb, "--state-dir", dir, "--param", "slave_host=db2"}, IO{In: in, Out: &out, Err: &errb})
	if code != ExitError || !strings.Contains(errb.String(), "renamed, replaced or deleted") {
		t.Fatalf("run: code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if n := strings.Count(out.String(), "Noted."); n != 1 {
		t.Errorf("%d notes acknowledged, want 1 (the one before the move):\n%s", n, out.String())
	}
	b, _ := os.ReadFile(moved)
	if !bytes.Contains(b, []byte("first note")) || bytes.Contains(b, []byte("second note")) {
		t.Errorf("moved journal:\n%s", b)
	}
}

// lockedBuffer is a bytes.Buffer safe to read while the CLI writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReportToADevice writes a report to /dev/null in place: the device
// is never replaced by a file.
func TestReportToADevice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-71206")
	dir := t.TempDir()
	rb := copyRunbook(t, t.TempDir())
	if code, out, errs := runCLI(t, "", "run", rb, "--state-dir", dir, "--param", "slave_host=db2"); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	before, err := os.Stat(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	if code, _, errs := runCLI(t, "", "report", paths[0], "-o", os.DevNull); code != ExitOK {
		t.Fatalf("report -o /dev/null: %d %s", code, errs)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || !os.SameFile(before, after) || after.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null was replaced: %v %v", after.Mode(), err)
	}
	out := filepath.Join(t.TempDir(), "r.md")
	if code, _, errs := runCLI(t, "", "report", paths[0], "-o", out); code != ExitOK {
		t.Fatalf("report -o file: %d %s", code, errs)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 || st.Size() == 0 {
		t.Fatalf("report file: %v %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".r.md.*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
