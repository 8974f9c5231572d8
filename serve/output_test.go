package serve

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/recording"
)

// readCast parses a recording file.
func readCast(t *testing.T, path string) *asciicast.Cast {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := asciicast.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// TestSwitchWriterRecordsFromAFullRepaint: the picker is never recorded;
// once a console is recorded, its output is teed from the first full
// repaint on, as the terminal receives it (the emulated pty's "\r\n"), with
// the window's changes; stop stops it. The terminal gets every byte.
func TestSwitchWriterRecordsFromAFullRepaint(t *testing.T) {
	const clear = "\x1b[H\x1b[2J"
	for _, crlf := range []bool{true, false} {
		nl := "\n"
		if crlf {
			nl = "\r\n"
		}
		var term bytes.Buffer
		s := newSwitchWriter(&term, crlf, 100, 30)
		writes := []string{"the picker\n"}
		write := func(p string) {
			t.Helper()
			writes = append(writes, p)
			if n, err := s.Write([]byte(p)); err != nil || n != len(p) {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		write("the picker\n")
		rec := s.newRecorder()
		s.record(rec)
		write("changes over the picker\n")
		write(clear + "console row 1\nrow 2")
		s.resize(90, 20)
		write(clear + "resized")
		s.stop()
		write("the picker again")
		s.resize(80, 24)

		path := filepath.Join(t.TempDir(), "s.cast")
		if err := rec.Attach(path, "t"); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		c := readCast(t, path)
		if c.Header.Width != 100 || c.Header.Height != 30 {
			t.Errorf("crlf %v: header %dx%d, want 100x30", crlf, c.Header.Width, c.Header.Height)
		}
		want := []asciicast.Event{
			{Code: asciicast.Output, Data: clear + "console row 1" + nl + "row 2"},
			{Code: asciicast.Resize, Data: "90x20"},
			{Code: asciicast.Output, Data: clear + "resized"},
		}
		if len(c.Events) != len(want) {
			t.Fatalf("crlf %v: events %+v, want %+v", crlf, c.Events, want)
		}
		for i, e := range c.Events {
			if e.Code != want[i].Code || e.Data != want[i].Data {
				t.Errorf("crlf %v: event %d = %s %q, want %s %q", crlf, i, e.Code, e.Data, want[i].Code, want[i].Data)
			}
		}
		var all string
		for _, w := range writes[1:] {
			all += w
		}
		if term.String() != all {
			t.Errorf("crlf %v: the terminal got %q, want %q", crlf, term.String(), all)
		}
	}
}

// failing is a terminal that has gone away.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// TestSwitchWriterRecordsWhatTheTerminalTook: a write the terminal
// refused (a dropped connection) is not recorded.
func TestSwitchWriterRecordsWhatTheTerminalTook(t *testing.T) {
	s := newSwitchWriter(failing{}, true, 80, 24)
	rec := recording.New(io.Discard, 80, 24, recording.Options{})
	s.record(rec)
	if _, err := s.Write([]byte("\x1b[2Jnever shown")); err == nil {
		t.Fatal("the write did not fail")
	}
	path := filepath.Join(t.TempDir(), "s.cast")
	if err := rec.Attach(path, "t"); err != nil {
		t.Fatal(err)
	}
	_ = rec.Close()
	if c := readCast(t, path); len(c.Events) != 0 {
		t.Errorf("recorded %+v", c.Events)
	}
}
