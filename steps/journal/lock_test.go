package journal

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as a second handrail process: with
// JOURNAL_TEST_HOLD set it opens that journal, says "locked" and holds the
// lock until its stdin closes.
func TestMain(m *testing.M) {
	if path := os.Getenv("JOURNAL_TEST_HOLD"); path != "" {
		w, _, _, err := Open(path)
		// The parent reads these lines from the child's stdout; if one is
		// lost the parent fails on the missing line, so the writes are not
		// checked here.
		if err != nil {
			_, _ = os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(3)
		}
		_, _ = os.Stdout.WriteString("locked\n")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		if err := w.Close(); err != nil {
			_, _ = os.Stdout.WriteString("close: " + err.Error() + "\n")
			os.Exit(5)
		}
		os.Exit(0)
	}
	if path := os.Getenv("JOURNAL_TEST_TRY"); path != "" {
		_, _, _, err := Open(path)
		if errors.Is(err, ErrLocked) {
			_, _ = os.Stdout.WriteString("ErrLocked: " + err.Error() + "\n")
			os.Exit(4)
		}
		_, _ = os.Stdout.WriteString("opened\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLockAcrossProcesses(t *testing.T) {
	path, w := newJournal(t, 3)
	mustClose(t, w)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "JOURNAL_TEST_HOLD="+path)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Cleanup if the test fails early; the checked release is below.
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child: %q %v", line, err)
	}

	// This process cannot take it while the child holds it.
	_, _, _, err = Open(path)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while a child holds the lock: %v", err)
	}
	var le *LockedError
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != child.Process.Pid {
		t.Fatalf("error does not name the child's pid %d: %v", child.Process.Pid, err)
	}
	if s := Summarize(path); !s.Locked || s.State != StateActive {
		t.Errorf("Summarize while held: locked=%v state=%s", s.Locked, s.State)
	}
	// Read-only access still works while locked.
	if recs, err := Read(path); err != nil || len(recs) != 3 {
		t.Fatalf("Read while locked: %d %v", len(recs), err)
	}

	// Closing stdin is the child's signal to release the lock.
	mustClose(t, stdin)
	if err := child.Wait(); err != nil {
		t.Fatalf("child exit: %v", err)
	}
	w2, _, _, err := Open(path)
	if err != nil {
		t.Fatalf("Open after the child released: %v", err)
	}
	defer w2.Close()

	// And the other way round: a child cannot open what we hold.
	try := exec.Command(os.Args[0], "-test.run=^$")
	try.Env = append(os.Environ(), "JOURNAL_TEST_TRY="+path)
	got, err := try.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(string(got), "pid") {
		t.Fatalf("child Open while we hold the lock: %q %v", got, err)
	}
}

func TestLockReleasedWhenHolderDies(t *testing.T) {
	path, w := newJournal(t, 1)
	mustClose(t, w)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "JOURNAL_TEST_HOLD="+path)
	stdin, _ := child.StdinPipe()
	defer stdin.Close()
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("child: %q", line)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// The child was killed: Wait reports that, which is the point.
	_ = child.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w2, _, _, err := Open(path)
		if err == nil {
			mustClose(t, w2)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock still held after the holder was killed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	path, w := newJournal(t, 1)
	defer w.Close()
	if _, _, err := Create(path, "session.start", nil); err == nil {
		t.Fatal("Create over an existing journal succeeded")
	}
	if _, _, err := Create(filepath.Join(t.TempDir(), "missing", "x.jsonl"), "session.start", nil); err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
}
