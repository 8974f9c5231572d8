package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// sessionID is a session id in NewSessionID's shape: its lock file is
// <dir>/<sessionID>.lock.
const sessionID = "20261122-021500-ab12"

// newSession writes a closed journal of n records for sessionID in dir.
func newSession(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, sessionID+Ext)
	w, _, err := Create(path, "session.start", map[string]any{"session": sessionID, "mode": "live"}, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		if _, err := w.Append("note", map[string]any{"step": "s1", "text": "n"}); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, w)
	return path
}

// within fails the test when fn does not return in time: a reader that
// blocks on a FIFO, or grows on an endless file, never returns.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not return within %s", d)
	}
}

func TestReadersRefuseAnOverlongLine(t *testing.T) {
	dir := t.TempDir()
	good := newSession(t, dir, 2)
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	long := bytes.Repeat([]byte("x"), MaxLineBytes+1)
	tests := []struct {
		name    string
		content []byte
		records int
		line    int
	}{
		{"first line over the cap", append(append([]byte(nil), long...), '\n'), 0, 1},
		{"a later line over the cap", append(append(append([]byte(nil), b...), long...), '\n'), 2, 3},
		{"an unterminated tail over the cap", append(append([]byte(nil), b...), long...), 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "long.jsonl")
			mustWriteFile(t, path, tt.content)
			res, err := VerifyFile(path, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || res.Torn || res.Records != tt.records || res.BadLine != tt.line || !strings.Contains(res.Problem, "longer than 16 MiB") {
				t.Fatalf("VerifyFile = %+v", res)
			}
			if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "longer than") {
				t.Fatalf("Read: %v", err)
			}
			if _, err := NewTailer(path, 0).Poll(); err == nil || !strings.Contains(err.Error(), "longer than") {
				t.Fatalf("Tailer: %v", err)
			}
			if _, _, _, err := Open(path); err == nil {
				t.Fatal("Open resumed a journal with an overlong line")
			}
		})
	}
}

func TestReadersRefuseADevice(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil || runtime.GOOS == "windows" {
		t.Skip("no null device")
	}
	for _, path := range []string{"/dev/zero", os.DevNull, t.TempDir()} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(path, func(t *testing.T) {
			within(t, 10*time.Second, func() {
				if _, err := VerifyFile(path, ""); !errors.Is(err, ErrNotRegular) {
					t.Errorf("VerifyFile: %v", err)
				}
				if _, err := ReadLog(path); !errors.Is(err, ErrNotRegular) {
					t.Errorf("ReadLog: %v", err)
				}
				if _, err := NewTailer(path, 0).Poll(); !errors.Is(err, ErrNotRegular) {
					t.Errorf("Tailer: %v", err)
				}
				if _, _, err := OpenWriter(path); err == nil {
					t.Errorf("OpenWriter of %s succeeded", path)
				}
			})
		})
	}
}

func TestWriterRefusesARecordOverTheCap(t *testing.T) {
	path, w := newJournal(t, 1)
	defer w.Close()
	if _, err := w.Append("note", map[string]string{"text": strings.Repeat("y", MaxLineBytes)}); err == nil || !strings.Contains(err.Error(), "not written") {
		t.Fatalf("Append of an overlong record: %v", err)
	}
	// Nothing was written, and the journal goes on.
	if _, err := w.Append("note", map[string]string{"text": "short"}); err != nil {
		t.Fatal(err)
	}
	if res, err := VerifyFile(path, ""); err != nil || !res.OK || res.Records != 2 {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestLockFileIsNeverFollowed puts symbolic links where the lock file goes
// (today's <session>.lock and the <journal>.lock of earlier versions): the
// file they point to must never be written.
func TestLockFileIsNeverFollowed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	path := newSession(t, dir, 2)
	victim := filepath.Join(t.TempDir(), "victim")
	mustWriteFile(t, victim, []byte("precious\n"))
	for _, l := range []string{filepath.Join(dir, sessionID+".lock"), path + ".lock"} {
		if err := os.Symlink(victim, l); err != nil {
			t.Fatal(err)
		}
	}
	w, _, _, err := Open(path)
	if err == nil {
		_ = w.Close()
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious\n" {
		t.Fatalf("the lock was written through a symbolic link: victim now %q", got)
	}
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Open with a symlinked lock file: %v", err)
	}
	// A symbolic link in place of the journal itself is refused too.
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := Open(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Open of a symlinked journal: %v", err)
	}
}

func TestLockFileIsPrivateAndRemoved(t *testing.T) {
	dir := t.TempDir()
	path := newSession(t, dir, 1)
	w, _, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, sessionID+".lock")
	st, err := os.Lstat(lock)
	if err != nil {
		t.Fatalf("no lock file while driven: %v", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", st.Mode().Perm())
	}
	mustClose(t, w)
	if _, err := os.Lstat(lock); !os.IsNotExist(err) {
		t.Errorf("lock file left after Close: %v", err)
	}
}

// TestCopiesOfASessionExcludeEachOther: the lock is the session's, so a
// copy of a journal cannot be driven while the original is.
func TestCopiesOfASessionExcludeEachOther(t *testing.T) {
	dir := t.TempDir()
	path := newSession(t, dir, 3)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameDir := filepath.Join(dir, "copy.jsonl")
	mustWriteFile(t, sameDir, b)
	elsewhere := filepath.Join(t.TempDir(), "copy.jsonl")
	mustWriteFile(t, elsewhere, b)

	w, _, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, _, _, err := Open(sameDir); !errors.Is(err, ErrLocked) {
		t.Fatalf("a copy beside the original was opened while the original is driven: %v", err)
	}
	var le *LockedError
	if _, _, _, err := Open(elsewhere, WithLockDir(dir)); !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != os.Getpid() {
		t.Fatalf("a copy elsewhere, locked in the state directory, was opened: %v", err)
	}
	mustClose(t, w)
	w2, _, _, err := Open(elsewhere, WithLockDir(dir))
	if err != nil {
		t.Fatalf("the copy after the original was released: %v", err)
	}
	mustClose(t, w2)
}

// TestAppendNoticesAMovedJournal renames, replaces or deletes the journal
// under a writer: the next append fails, says why, writes nothing where
// the journal was, and every later append fails too.
func TestAppendNoticesAMovedJournal(t *testing.T) {
	tests := []struct {
		name string
		move func(t *testing.T, path string)
	}{
		{"renamed", func(t *testing.T, path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a copy", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			mustWriteFile(t, path+".new", b)
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, w := newJournal(t, 2)
			defer w.Close()
			tt.move(t, path)
			before, _ := os.ReadFile(path)
			if _, err := w.Append("note", map[string]string{"text": "after the move"}); !errors.Is(err, ErrMoved) {
				t.Fatalf("append after the journal was %s: %v", tt.name, err)
			}
			if _, err := w.Append("note", nil); err == nil {
				t.Fatal("a later append succeeded")
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("the file now at the journal's path was written")
			}
		})
	}
}

// TestTornTailIsCutOnlyWithItsRepairRecord: opening a torn journal changes
// nothing; a session that gives up before appending leaves every byte; the
// first append must be the journal.repair record, which cuts the tail.
func TestTornTailIsCutOnlyWithItsRepairRecord(t *testing.T) {
	path, w := newJournal(t, 3)
	mustClose(t, w)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(`{"seq":4,"ti`)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, f)
	torn, _ := os.ReadFile(path)

	w, recs, rep, err := Open(path)
	if err != nil || len(recs) != 3 || rep == nil || rep.DroppedBytes != 12 {
		t.Fatalf("Open: %d records, repair %+v, %v", len(recs), rep, err)
	}
	mustClose(t, w) // the resume failed: nothing appended
	if after, _ := os.ReadFile(path); !bytes.Equal(after, torn) {
		t.Fatalf("a resume that appended nothing changed the journal:\n%q\nwas\n%q", after, torn)
	}

	w, _, rep, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Append("note", nil); err == nil || !strings.Contains(err.Error(), RepairType) {
		t.Fatalf("append before the repair record: %v", err)
	}
	if _, err := w.Append(RepairType, map[string]any{"dropped_bytes": rep.DroppedBytes}); err != nil {
		t.Fatal(err)
	}
	if w.PendingRepair() != nil {
		t.Fatal("repair still pending after its record")
	}
	if _, err := w.Append("note", nil); err != nil {
		t.Fatal(err)
	}
	if res, err := VerifyFile(path, ""); err != nil || !res.OK || res.Records != 5 {
		t.Fatalf("after the repair: %+v %v", res, err)
	}
}

func TestPermissionWarnings(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	dir := t.TempDir()
	path := newSession(t, dir, 1)
	if w := DirWarnings(dir); len(w) != 0 {
		t.Fatalf("private directory warned: %v", w)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if w := DirWarnings(dir); len(w) != 1 || !strings.Contains(w[0], "chmod 700") {
		t.Fatalf("world-writable directory: %v", w)
	}
	var warned []string
	warn := WithWarn(func(s string) { warned = append(warned, s) })
	w, _, _, err := Open(path, warn)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	if len(warned) != 0 {
		t.Fatalf("a 0600 journal warned: %v", warned)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	w, _, _, err = Open(path, warn)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	if len(warned) != 1 || !strings.Contains(warned[0], "chmod 600") {
		t.Fatalf("a 0644 journal: %v", warned)
	}
}
