package recording

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/internal/asciicast"
)

// stepClock returns a clock that moves on by step at every call.
func stepClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func parseFile(t *testing.T, path string) *asciicast.Cast {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := asciicast.Parse(f)
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return c
}

func TestRecorderTeesAndRecords(t *testing.T) {
	var term bytes.Buffer
	r := New(&term, 100, 30, Options{Clock: stepClock(100 * time.Millisecond)})
	// Before the file exists (the parameter form): kept in memory.
	mustWrite(t, r, "\x1b[?1049hform ")
	// A character cut in two by the terminal writes stays whole.
	check := []byte("✔")
	mustWrite(t, r, string(check[:1]))
	mustWrite(t, r, string(check[1:])+" done")
	path := filepath.Join(t.TempDir(), "s.cast")
	if err := r.Attach(path, "Title with \x1b]0;evil\x07"); err != nil {
		t.Fatal(err)
	}
	r.Resize(100, 30) // the same size: no event
	r.Resize(120, 40)
	mustWrite(t, r, "redrawn")
	r.Mark(r.Started().Add(time.Hour), "step s1: \x1b]52;c;ZXZpbA==\x07 copied")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, " after")

	if got, want := term.String(), "\x1b[?1049hform ✔ doneredrawn after"; got != want {
		t.Errorf("the terminal got %q, want %q", got, want)
	}
	c := parseFile(t, path)
	if c.Header.Width != 100 || c.Header.Height != 30 || c.Header.Timestamp != r.Started().Unix() || strings.ContainsRune(c.Header.Title, 0x1b) {
		t.Errorf("header %+v", c.Header)
	}
	var codes, datas []string
	for _, e := range c.Events {
		codes = append(codes, e.Code)
		datas = append(datas, e.Data)
	}
	if got := strings.Join(codes, ""); got != "oorom" {
		t.Fatalf("event codes %q, want oorom: %q", got, datas)
	}
	if datas[1] != "✔ done" || datas[2] != "120x40" || datas[3] != "redrawn" {
		t.Errorf("events %q", datas)
	}
	if !strings.HasPrefix(datas[4], `step s1: \x1b]52;c;`) || strings.ContainsRune(datas[4], 0x1b) {
		t.Errorf("the marker's label is not made safe: %q", datas[4])
	}
	if m := c.Events[4]; m.Time != 3600 {
		t.Errorf("the marker is at %v, want 3600 (the time it was given)", m.Time)
	}
	for i := 1; i < len(c.Events); i++ {
		if c.Events[i].Time < c.Events[i-1].Time {
			t.Errorf("time runs backwards at event %d", i)
		}
	}
	if strings.Contains(string(mustRead(t, path)), " after") {
		t.Error("output after Close was recorded")
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", st.Mode().Perm())
		}
	}
}

func TestRecorderCheckpoint(t *testing.T) {
	r := New(&bytes.Buffer{}, 80, 24, Options{})
	path := filepath.Join(t.TempDir(), "s.cast")
	if err := r.Attach(path, "t"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "hello")
	cp, err := r.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, path)
	sum := sha256.Sum256(b)
	if cp.File != "s.cast" || cp.Bytes != int64(len(b)) || cp.SHA256 != hex.EncodeToString(sum[:]) || cp.Err != nil {
		t.Fatalf("checkpoint %+v, file %d bytes", cp, len(b))
	}
	if err := r.Attach(path, "t"); !errors.Is(err, ErrAttached) {
		t.Errorf("second Attach: %v", err)
	}
}

// Attach never writes through an existing file or a symlink.
func TestAttachRefusesWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.cast")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	for _, p := range []string{target, link} {
		r := New(&bytes.Buffer{}, 80, 24, Options{})
		if err := r.Attach(p, "t"); err == nil {
			t.Errorf("Attach(%s) succeeded", p)
		}
	}
	if b := mustRead(t, target); string(b) != "keep" {
		t.Errorf("the file behind the link was written: %q", b)
	}
}

// A terminal that fails: the error goes back to the console, and only what
// the terminal took is recorded.
func TestRecorderRecordsWhatTheTerminalTook(t *testing.T) {
	r := New(&shortWriter{n: 3}, 80, 24, Options{})
	path := filepath.Join(t.TempDir(), "s.cast")
	if err := r.Attach(path, "t"); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Write([]byte("abcdef")); n != 3 || err == nil {
		t.Fatalf("write: %d %v", n, err)
	}
	r.Close() //nolint:errcheck
	c := parseFile(t, path)
	if len(c.Events) != 1 || c.Events[0].Data != "abc" {
		t.Fatalf("%+v", c.Events)
	}
}

func TestOutputKeepsTheTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := New(f, 80, 24, Options{}).Output()
	tf, ok := out.(ttyFile)
	if !ok || tf.Fd() != f.Fd() {
		t.Fatalf("Output over a file is %T, without the file's Fd", out)
	}
	if err := tf.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("still open"); err != nil {
		t.Fatalf("Close closed the terminal: %v", err)
	}
	if _, ok := New(&bytes.Buffer{}, 80, 24, Options{}).Output().(ttyFile); ok {
		t.Error("Output over a buffer claims to be a terminal")
	}
}

type shortWriter struct{ n int }

func (w *shortWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return w.n, errors.New("terminal gone")
	}
	return len(p), nil
}

func mustWrite(t *testing.T, r *Recorder, s string) {
	t.Helper()
	if _, err := r.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
