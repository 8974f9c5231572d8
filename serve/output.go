package serve

import (
	"io"
	"sync"
)

// switchWriter is a connection's output: the SSH channel, and while a
// console is open, a tee that records it (the recording seam below).
type switchWriter struct {
	w io.Writer

	mu  sync.Mutex
	tee io.Writer
}

func newSwitchWriter(w io.Writer) *switchWriter { return &switchWriter{w: w} }

// Write sends p to the terminal, and to the tee when one is set. A failing
// tee never disturbs the console: it is dropped.
func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	if s.tee != nil {
		if _, err := s.tee.Write(p); err != nil {
			s.tee = nil
		}
	}
	s.mu.Unlock()
	return s.w.Write(p)
}

// record is the one place where a serve console's output is chosen for a
// session: it runs when a console opens on session id (journal at
// journalPath), and the function it returns runs when the console closes.
// Today it records nothing. The session recording (issue 16) tees the
// console's output into an asciicast file beside the journal here: open
// the .cast writer, set it with s.setTee, and return a func that unsets the
// tee and closes the file.
func (s *switchWriter) record(id, journalPath string) func() error {
	_, _ = id, journalPath
	return func() error {
		s.setTee(nil)
		return nil
	}
}

// setTee sets (or, with nil, clears) the tee.
func (s *switchWriter) setTee(w io.Writer) {
	s.mu.Lock()
	s.tee = w
	s.mu.Unlock()
}
