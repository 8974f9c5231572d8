package serve

import (
	"bytes"
	"io"
	"sync"

	"charm.land/ssh"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/recording"
)

// switchWriter is a connection's output: the SSH channel, and while the
// operator's parameter form or console is on screen, the session's
// recording (docs/recording.md).
//
// The connection runs one Bubble Tea program for the picker and whatever
// it opens, so the recording cannot start with the program, as a local
// console's does: it starts at the first full repaint after record (the
// app asks for one, tea.ClearScreen), never on a frame drawn as changes
// over the picker, so a player that starts from a blank screen draws what
// the operator saw.
type switchWriter struct {
	w io.Writer
	// crlf: the SSH layer turns "\n" into "\r\n" after this writer (an
	// emulated pty), so the recording does the same, as the terminal
	// received it.
	crlf bool

	// writing orders the writes (the terminal's and the recording's the
	// same); mu guards the rest, and is never held over the network, so
	// the app switching the recording never waits for a slow client.
	writing    sync.Mutex
	mu         sync.Mutex
	rec        *recording.Recorder
	tee        io.Writer // rec, with crlf's conversion
	on         bool      // teeing; else waiting for a full repaint
	cols, rows int       // the terminal's size, from the pty request and its window changes
}

func newSwitchWriter(w io.Writer, crlf bool, cols, rows int) *switchWriter {
	return &switchWriter{w: w, crlf: crlf, cols: cols, rows: rows}
}

// fullRepaint is what a frame drawn from a cleared screen holds (Bubble
// Tea's renderer after tea.ClearScreen, a resize, or its first frame).
var fullRepaint = []byte(ansi.EraseEntireScreen)

// Write sends p to the terminal, then to the recording what the terminal
// took, in the order the terminal got them.
func (s *switchWriter) Write(p []byte) (int, error) {
	s.writing.Lock()
	defer s.writing.Unlock()
	n, err := s.w.Write(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tee == nil || err != nil {
		return n, err
	}
	if !s.on && bytes.Contains(p, fullRepaint) {
		s.on = true
	}
	if s.on {
		if _, terr := s.tee.Write(p); terr != nil {
			s.stopLocked() // a failing recording never disturbs the console
		}
	}
	return n, err
}

// newRecorder starts a recording at the terminal's size. It holds what it
// records in memory until the session's journal gives it a file.
func (s *switchWriter) newRecorder() *recording.Recorder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return recording.New(io.Discard, s.cols, s.rows, recording.Options{})
}

// record tees the output into rec from the next full repaint on (nil:
// nothing is recorded).
func (s *switchWriter) record(rec *recording.Recorder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	if rec == nil {
		return
	}
	s.rec, s.tee = rec, io.Writer(rec)
	if s.crlf {
		s.tee = ssh.NewPtyWriter(rec)
	}
	rec.Resize(s.cols, s.rows) // a change while nothing was recorded
}

// stop stops recording: the picker is on screen again.
func (s *switchWriter) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *switchWriter) stopLocked() { s.rec, s.tee, s.on = nil, nil, false }

// resize notes the terminal's new size (an SSH window change) and records
// it: the recording writes it just before the redraw it causes.
func (s *switchWriter) resize(cols, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cols <= 0 || rows <= 0 {
		return
	}
	s.cols, s.rows = cols, rows
	if s.rec != nil {
		s.rec.Resize(cols, rows)
	}
}
