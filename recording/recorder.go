// Package recording records what a console session showed, as asciicast v2
// (internal/asciicast), and ties the recording to the session's journal.
//
// A Recorder sits between the console and the terminal: every byte the
// console writes goes to the terminal first, then into the recording as an
// "o" event. Keystrokes are never read, so never recorded; masked input is
// never drawn, so never recorded either. HookJournal wraps the session's
// journal: every journaled event of interest becomes a marker ("m"), and at
// every step boundary and at the end the recording's length and SHA-256 are
// journaled (recording.checkpoint), so that `handrail verify` can prove the
// recording was neither cut nor edited. Neither the engine nor the console
// knows the recording exists.
//
// The player (Player, Filter) replays a session's recordings in a terminal,
// passing on only what draws on the screen.
package recording

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/internal/termtext"
)

// maxPending caps what is kept in memory before the recording has a file
// (the parameter form, before the session exists): far more than a form
// draws.
const maxPending = 4 << 20

// Recorder tees a console's output into an asciicast v2 recording. It is
// safe for concurrent use: the console's renderer writes while the session's
// goroutine adds markers.
type Recorder struct {
	mu    sync.Mutex
	term  io.Writer
	clock func() time.Time
	start time.Time // wall clock, time 0 of the recording

	width, height int // the header's size
	curW, curH    int // the size last recorded
	pendW, pendH  int // a resize not yet recorded
	last          float64

	pending []byte // events before Attach
	f       *os.File
	name    string
	sum     hash.Hash
	n       int64
	err     error // the first failure: the recording stops, the console goes on
	closed  bool

	line []byte // scratch for one event
	tail []byte // the start of a UTF-8 sequence the last write cut
}

// Options tune a Recorder.
type Options struct {
	// Clock is the wall clock (nil: time.Now).
	Clock func() time.Time
}

// New starts a recording of what is written to term, a width x height
// terminal. Until Attach gives it a file it keeps the events in memory.
func New(term io.Writer, width, height int, opt Options) *Recorder {
	clock := opt.Clock
	if clock == nil {
		clock = time.Now
	}
	if width <= 0 || height <= 0 {
		width, height = 80, 24
	}
	return &Recorder{term: term, clock: clock, start: clock().Round(0), width: width, height: height, curW: width, curH: height}
}

// Started is the recording's time 0.
func (r *Recorder) Started() time.Time { return r.start }

// Size is the size the recording starts with.
func (r *Recorder) Size() (int, int) { return r.width, r.height }

// Write writes p to the terminal and records what the terminal took.
func (r *Recorder) Write(p []byte) (int, error) {
	n, err := r.term.Write(p)
	if n > 0 {
		r.record(p[:n])
	}
	return n, err
}

func (r *Recorder) record(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	buf := p
	if len(r.tail) > 0 {
		buf = append(r.tail, p...)
		r.tail = nil
	}
	// A UTF-8 sequence cut by this write is recorded with the next one, so
	// no character turns into U+FFFD.
	if cut := incompleteTail(buf); cut > 0 {
		r.tail = append([]byte(nil), buf[len(buf)-cut:]...)
		buf = buf[:len(buf)-cut]
	}
	if len(buf) == 0 {
		return
	}
	r.emit(asciicast.Output, string(buf), r.now())
}

// Resize records that the terminal is now w x h. The event is written just
// before the next output, which is what redraws for the new size.
func (r *Recorder) Resize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pendW, r.pendH = w, h
}

// Mark adds a marker at time at (the journal record's time) with label,
// which is made safe with termtext.Line: a label is untrusted text.
func (r *Recorder) Mark(at time.Time, label string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	t := at.Round(0).Sub(r.start).Seconds()
	r.emit(asciicast.Marker, termtext.Line(label), r.clamp(t))
}

// now is the time of an event happening now, never before the last one.
func (r *Recorder) now() float64 { return r.clamp(r.clock().Round(0).Sub(r.start).Seconds()) }

func (r *Recorder) clamp(t float64) float64 {
	if t < r.last {
		t = r.last
	}
	r.last = t
	return t
}

// emit writes one event (after a pending resize). r.mu is held.
func (r *Recorder) emit(code, data string, t float64) {
	r.flushResize(t)
	r.line = asciicast.AppendEvent(r.line[:0], asciicast.Event{Time: t, Code: code, Data: data})
	r.put(r.line)
}

// flushResize writes a pending resize that changes the size. r.mu is held.
func (r *Recorder) flushResize(t float64) {
	w, h := r.pendW, r.pendH
	r.pendW, r.pendH = 0, 0
	if w <= 0 || (w == r.curW && h == r.curH) {
		return
	}
	r.curW, r.curH = w, h
	r.line = asciicast.AppendEvent(r.line[:0], asciicast.Event{Time: t, Code: asciicast.Resize, Data: asciicast.Size(w, h)})
	r.put(r.line)
}

func (r *Recorder) put(line []byte) {
	if r.err != nil {
		return
	}
	if r.f == nil {
		if len(r.pending)+len(line) > maxPending {
			r.err = fmt.Errorf("more than %d bytes before the session started", maxPending)
			return
		}
		r.pending = append(r.pending, line...)
		return
	}
	if _, err := r.f.Write(line); err != nil {
		r.err = fmt.Errorf("write %s: %w", r.name, err)
		return
	}
	r.sum.Write(line) //nolint:errcheck // a hash.Hash never fails to write
	r.n += int64(len(line))
}

// ErrAttached means Attach was called twice.
var ErrAttached = errors.New("the recording already has a file")

// Attach gives the recording its file: it creates path (mode 0600; it must
// not exist, and a symlink there is never followed) and writes the header,
// titled title, and everything recorded so far.
func (r *Recorder) Attach(path, title string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f != nil {
		return ErrAttached
	}
	if r.err != nil {
		return r.err
	}
	f, err := createExclusive(path)
	if err != nil {
		return fmt.Errorf("create recording: %w", err)
	}
	head, err := asciicast.AppendHeader(nil, asciicast.Header{
		Width: r.width, Height: r.height, Timestamp: r.start.Unix(), Title: termtext.Line(title),
		Env: map[string]string{"TERM": os.Getenv("TERM")},
	})
	if err != nil {
		_ = f.Close()
		return err
	}
	r.f, r.name, r.sum = f, filepath.Base(path), sha256.New()
	r.put(head)
	pending := r.pending
	r.pending = nil
	r.put(pending)
	return r.err
}

// Checkpoint is the recording's length and SHA-256 so far.
type Checkpoint struct {
	File   string
	Bytes  int64
	SHA256 string
	Err    error // the recording stopped early (it covers Bytes)
}

// Checkpoint returns the length and SHA-256 of what the file holds, after
// making sure it is on disk.
func (r *Recorder) Checkpoint() (Checkpoint, error) {
	r.mu.Lock()
	if r.f == nil {
		r.mu.Unlock()
		return Checkpoint{}, errors.New("the recording has no file")
	}
	cp := Checkpoint{File: r.name, Bytes: r.n, SHA256: hex.EncodeToString(r.sum.Sum(nil)), Err: r.err}
	f, closed := r.f, r.closed
	r.mu.Unlock()
	if !closed {
		// Outside the lock: the console keeps drawing during the fsync.
		if err := f.Sync(); err != nil {
			return cp, fmt.Errorf("sync %s: %w", cp.File, err)
		}
	}
	return cp, nil
}

// Err is why the recording stopped early (nil while it runs).
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close ends the recording: a pending resize is written, the file synced
// and closed. Output written after Close still reaches the terminal.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.f == nil {
		return nil
	}
	if r.pendW > 0 {
		r.flushResize(r.now())
	}
	if err := r.f.Sync(); err != nil {
		_ = r.f.Close()
		return fmt.Errorf("sync %s: %w", r.name, err)
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", r.name, err)
	}
	return nil
}

// Output is the writer to give the console: the Recorder itself, or, when
// the terminal is a file (a tty), a writer that also has the terminal's Fd,
// Read and Close, so that Bubble Tea still sees a terminal (raw mode, its
// size, resize signals).
func (r *Recorder) Output() io.Writer {
	if f, ok := r.term.(ttyFile); ok {
		return &ttyRecorder{Recorder: r, f: f}
	}
	return r
}

type ttyFile interface {
	io.ReadWriteCloser
	Fd() uintptr
}

type ttyRecorder struct {
	*Recorder
	f ttyFile
}

func (t *ttyRecorder) Read(p []byte) (int, error) { return t.f.Read(p) }
func (t *ttyRecorder) Fd() uintptr                { return t.f.Fd() }

// Close leaves the terminal open: it outlives the console.
func (t *ttyRecorder) Close() error { return nil }

// incompleteTail is how many bytes at the end of b begin a UTF-8 sequence
// that is not complete yet (0 when none).
func incompleteTail(b []byte) int {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}
