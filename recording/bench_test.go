package recording

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRecorderWrite is the cost the recording adds to one frame the
// console draws: the terminal write, plus one "o" event appended to the
// file. The frame is a typical diff of the console: a few rows redrawn
// with colours.
func BenchmarkRecorderWrite(b *testing.B) {
	frame := []byte(strings.Repeat("\x1b[12;40H\x1b[38;5;75;1mSlave_IO_Running:  No\x1b[m\x1b[38;5;245m = No ✔\x1b[m\x1b[K", 8))
	r := New(io.Discard, 120, 34, Options{})
	if err := r.Attach(filepath.Join(b.TempDir(), "b.cast"), "bench"); err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Write(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTerminalWrite is the same frame without the recording, for
// comparison.
func BenchmarkTerminalWrite(b *testing.B) {
	frame := []byte(strings.Repeat("\x1b[12;40H\x1b[38;5;75;1mSlave_IO_Running:  No\x1b[m\x1b[38;5;245m = No ✔\x1b[m\x1b[K", 8))
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.Discard.Write(frame); err != nil {
			b.Fatal(err)
		}
	}
}
