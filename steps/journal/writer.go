package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"sync"
	"time"
)

// Writer appends records to one journal it holds locked. It is safe for use
// by several goroutines.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	seq     uint64
	last    time.Time
	head    string
	err     error // sticky: after a failed write the file's tail is unknown
	closed  bool
	redact  func([]byte) []byte
	now     func() time.Time
	unlock  func() error
	sidecar string
}

// Option configures a Writer.
type Option func(*Writer)

// WithRedactor scrubs every record's marshalled data before it is written: a
// last line of defence so that a secret the engine failed to redact never
// reaches the disk. The result must still be valid JSON.
func WithRedactor(fn func([]byte) []byte) Option { return func(w *Writer) { w.redact = fn } }

// WithClock sets the clock records are stamped with (tests, golden files).
func WithClock(now func() time.Time) Option { return func(w *Writer) { w.now = now } }

// Repair describes what Open removed from a journal's tail.
type Repair struct {
	DroppedBytes int
	Reason       string
}

// Create makes a new journal at path (which must not exist), locks it and
// writes its first record. The file is created with mode 0600.
func Create(path string, typ string, data any, opts ...Option) (*Writer, Record, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, Record{}, fmt.Errorf("create journal: %w", err)
	}
	w := newWriter(f, path, opts)
	// On failure the half-made journal is removed, so a retry can create it
	// again; if that cleanup fails too, the caller hears of the file left
	// behind along with the cause.
	if err := w.lock(); err != nil {
		return nil, Record{}, errors.Join(err, f.Close(), removeStray(path))
	}
	rec, err := w.Append(typ, data)
	if err != nil {
		return nil, Record{}, errors.Join(err, w.Close(), removeStray(path))
	}
	return w, rec, nil
}

// Open locks an existing journal for appending (resume), reads and verifies
// every record, and cuts off a torn last line left by a crash mid-write. The
// returned Repair is non-nil when bytes were dropped; the caller should then
// journal a journal.repair record. A journal that fails verification is not
// opened: resuming on top of a broken chain would hide the break.
func Open(path string, opts ...Option) (*Writer, []Record, *Repair, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open journal: %w", err)
	}
	w := newWriter(f, path, opts)
	if err := w.lock(); err != nil {
		return nil, nil, nil, errors.Join(err, f.Close())
	}
	fail := func(err error) (*Writer, []Record, *Repair, error) {
		return nil, nil, nil, errors.Join(err, w.Close())
	}
	content, err := io.ReadAll(f)
	if err != nil {
		return fail(fmt.Errorf("read journal %s: %w", path, err))
	}
	recs, res := scan(content)
	if !res.OK && !res.Torn && res.BadLine > 0 {
		return fail(&ChainError{Path: path, Result: res, Resume: true})
	}
	var repair *Repair
	if res.TornBytes > 0 {
		keep := int64(len(content) - res.TornBytes)
		if err := f.Truncate(keep); err != nil {
			return fail(fmt.Errorf("repair journal %s: cut torn last line: %w", path, err))
		}
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("repair journal %s: sync: %w", path, err))
		}
		repair = &Repair{DroppedBytes: res.TornBytes, Reason: "incomplete last line from an interrupted write (never acknowledged)"}
	}
	if len(recs) == 0 {
		return fail(fmt.Errorf("journal %s holds no complete record; start a new session instead", path))
	}
	last := recs[len(recs)-1]
	w.seq, w.last, w.head = last.Seq, last.Time, last.Hash
	return w, recs, repair, nil
}

// ChainError is returned by Open for a journal that fails verification.
// Read returns it too, with the intact records before the break.
type ChainError struct {
	Path   string
	Result Result
	Resume bool // from Open: the session cannot be continued
}

func (e *ChainError) Error() string {
	msg := fmt.Sprintf("journal %s fails verification at line %d: %s", e.Path, e.Result.BadLine, e.Result.Problem)
	if e.Resume {
		msg += "; refusing to continue a broken journal: start a new session and keep this file as evidence"
	}
	return msg + " (details: `handrail verify " + e.Path + "`)"
}

func newWriter(f *os.File, path string, opts []Option) *Writer {
	w := &Writer{f: f, path: path, now: time.Now, sidecar: path + ".lock"}
	for _, o := range opts {
		o(w)
	}
	return w
}

func (w *Writer) lock() error {
	unlock, err := lockFile(w.f)
	if err != nil {
		if errors.Is(err, errWouldBlock) {
			return &LockedError{Path: w.path, Holder: readHolder(w.sidecar)}
		}
		return fmt.Errorf("lock journal %s: %w", w.path, err)
	}
	w.unlock = unlock
	writeHolder(w.sidecar)
	return nil
}

// Append writes one record and returns after it is fsynced to disk.
func (w *Writer) Append(typ string, data any) (Record, error) {
	raw, err := marshalData(data)
	if err != nil {
		return Record{}, fmt.Errorf("journal %s: marshal %s data: %w", w.path, typ, err)
	}
	if w.redact != nil {
		raw = w.redact(raw)
		if !json.Valid(raw) {
			return Record{}, fmt.Errorf("journal %s: the redactor left %s data that is not valid JSON", w.path, typ)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return Record{}, fmt.Errorf("journal %s: append %s after close", w.path, typ)
	}
	if w.err != nil {
		return Record{}, fmt.Errorf("journal %s: an earlier write failed, no more records can be added: %w", w.path, w.err)
	}
	t := w.now().UTC()
	// Time in a journal never runs backwards, even if the wall clock is
	// stepped back mid-session; Verify relies on that.
	if t.Before(w.last) {
		t = w.last
	}
	line, rec, err := encode(w.seq+1, t, typ, raw, w.head)
	if err != nil {
		return Record{}, fmt.Errorf("journal %s: %w", w.path, err)
	}
	if _, err := w.f.Write(line); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: write %s: %w", w.path, typ, err)
	}
	if err := w.f.Sync(); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: fsync %s: %w", w.path, typ, err)
	}
	w.seq, w.last, w.head = rec.Seq, rec.Time, rec.Hash
	return rec, nil
}

// Head is the hash of the last record written: keep it elsewhere (a ticket,
// a chat message) to detect later truncation with `handrail verify --head`.
func (w *Writer) Head() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.head
}

// Seq is the sequence number of the last record written.
func (w *Writer) Seq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// Path is the journal's file.
func (w *Writer) Path() string { return w.path }

// Close releases the lock and closes the file. It is safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	if w.unlock != nil {
		// The sidecar only names the holder for a LockedError message; the
		// flock is the lock. A stale sidecar is overwritten by the next holder.
		_ = os.Remove(w.sidecar)
		if err := w.unlock(); err != nil {
			errs = append(errs, fmt.Errorf("unlock journal %s: %w", w.path, err))
		}
	}
	if err := w.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close journal %s: %w", w.path, err))
	}
	return errors.Join(errs...)
}

// writeHolder records who holds the lock, for the message another process
// gets. Best effort: a failure here must not stop the session.
// removeStray removes a journal that Create made but could not start.
func removeStray(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove unfinished journal %s (delete it by hand): %w", path, err)
	}
	return nil
}

func writeHolder(path string) {
	h := Holder{PID: os.Getpid(), Since: time.Now().UTC()}
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	h.Host, _ = os.Hostname()
	b, err := json.Marshal(h)
	if err != nil {
		return
	}
	_ = os.WriteFile(path, append(b, '\n'), 0o600)
}

func readHolder(path string) *Holder {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal(bytes.TrimSpace(b), &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}
