package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// RepairType is the record type that must follow the cut of a torn tail:
// the engine's journal.repair event.
const RepairType = "journal.repair"

// ErrMoved means the journal's path no longer names the file the writer
// holds: it was renamed, replaced or deleted while the session ran.
var ErrMoved = errors.New("the journal was renamed, replaced or deleted while this session was writing it")

// ErrChanged means the journal's size is not the size its writer left it
// at: someone else appended bytes to it (a forged record, even a correctly
// chained one) or cut it, while the session held it. Match it with
// errors.Is; the error itself is a *ChangedError.
var ErrChanged = errors.New("the journal was changed by someone else")

// ChangedError says where the journal stopped being the writer's alone:
// after record Seq, which ended at byte Size. Want is the size the writer
// expected (Size, or Size and the record it was writing), Now the size it
// found. The bytes are left as they are, for the auditor.
type ChangedError struct {
	Path string
	Seq  uint64 // the last record this writer wrote (or read, on resume)
	Head string // its hash
	Size int64  // the journal's size just after it
	Want int64
	Now  int64
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s since seq %d at byte %d (the file holds %d bytes where this session wrote %d); this session writes nothing more to it: leave the file as it is for the audit (records 1 to %d, head %s, are this session's) and start a new session for the rest",
		ErrChanged, e.Seq, e.Size, e.Now, e.Want, e.Seq, e.Head)
}

// Is makes errors.Is(err, ErrChanged) true.
func (e *ChangedError) Is(target error) bool { return target == ErrChanged }

// options are what Option sets, for a Writer or an Encoder.
type options struct {
	redact  func([]byte) []byte
	now     func() time.Time
	lockDir string
	warn    func(string)
}

// Option configures a Writer or an Encoder.
type Option func(*options)

// WithRedactor scrubs every record's marshalled data before it is written: a
// last line of defence so that a secret the engine failed to redact never
// reaches the disk. The result must still be valid JSON.
func WithRedactor(fn func([]byte) []byte) Option { return func(o *options) { o.redact = fn } }

// WithClock sets the clock records are stamped with (tests, golden files).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLockDir puts the session's lock file in dir (the state directory)
// rather than beside the journal, so that a copy of the journal kept
// anywhere else is locked out too.
func WithLockDir(dir string) Option { return func(o *options) { o.lockDir = dir } }

// WithWarn receives warnings about the journal's permissions (a journal
// that others may read or write).
func WithWarn(fn func(string)) Option { return func(o *options) { o.warn = fn } }

// Encoder writes records in the journal's format, each chained to the one
// before, to any io.Writer. It neither locks nor fsyncs: it is for building
// journals in bulk (tests, bench/cmd/genjournal). A session's journal is
// written by a Writer, which adds both.
type Encoder struct {
	w    io.Writer
	o    options
	seq  uint64
	last time.Time
	head string
}

// NewEncoder starts a journal on w: its first Append is record 1.
func NewEncoder(w io.Writer, opts ...Option) *Encoder {
	e := &Encoder{w: w, o: options{now: time.Now}}
	for _, opt := range opts {
		opt(&e.o)
	}
	return e
}

// Append encodes one record and writes it with a single Write.
func (e *Encoder) Append(typ string, data any) (Record, error) {
	line, rec, err := e.next(typ, data)
	if err != nil {
		return Record{}, err
	}
	if _, err := e.w.Write(line); err != nil {
		return Record{}, fmt.Errorf("write %s: %w", typ, err)
	}
	e.advance(rec)
	return rec, nil
}

// next builds the line of the next record without committing to it.
func (e *Encoder) next(typ string, data any) ([]byte, Record, error) {
	raw, err := marshalData(data)
	if err != nil {
		return nil, Record{}, fmt.Errorf("marshal %s data: %w", typ, err)
	}
	if e.o.redact != nil {
		raw = e.o.redact(raw)
		if !json.Valid(raw) {
			return nil, Record{}, fmt.Errorf("the redactor left %s data that is not valid JSON", typ)
		}
	}
	t := e.o.now().UTC()
	// Time in a journal never runs backwards, even if the wall clock is
	// stepped back mid-session; Verify relies on that.
	if t.Before(e.last) {
		t = e.last
	}
	line, rec, err := encode(e.seq+1, t, typ, raw, e.head)
	if err != nil {
		return nil, Record{}, err
	}
	if len(line)-1 > MaxLineBytes {
		return nil, Record{}, fmt.Errorf("the %s record is %d bytes, over the %d MiB a journal line may hold; it was not written", typ, len(line)-1, MaxLineBytes>>20)
	}
	return line, rec, nil
}

func (e *Encoder) advance(rec Record) { e.seq, e.last, e.head = rec.Seq, rec.Time, rec.Hash }

// Head is the hash of the last record written.
func (e *Encoder) Head() string { return e.head }

// Writer appends records to one journal it holds locked. It is safe for use
// by several goroutines.
type Writer struct {
	mu     sync.Mutex
	f      *os.File
	fi     os.FileInfo // the file as opened: the path must keep naming it
	path   string
	enc    *Encoder
	err    error // sticky: after a failed write the file's tail is unknown
	size   int64 // the file's size as this writer left it (ReadRecords, each write)
	closed bool
	ready  bool // the existing records were read (Open): appending may start
	unlock func() error
	sess   *sessionLock

	// pending is a torn tail found by ReadRecords and not yet cut off:
	// the cut happens with the journal.repair record that says so.
	pending *Repair
	keep    int64
}

// Repair describes a torn tail: bytes after the last complete record.
type Repair struct {
	DroppedBytes int
	Reason       string
}

// Create makes a new journal at path (which must not exist), locks it and
// writes its first record (session.start, whose "session" names the lock).
// The file is created with mode 0600.
func Create(path string, typ string, data any, opts ...Option) (*Writer, Record, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, Record{}, fmt.Errorf("create journal: %w", err)
	}
	w, err := newWriter(f, path, opts)
	if err != nil {
		return nil, Record{}, errors.Join(err, f.Close(), removeStray(path))
	}
	w.ready = true
	line, rec, err := w.enc.next(typ, data)
	if err == nil {
		err = w.lock(sessionOf(rec.Data))
	}
	// On failure the half-made journal is removed, so a retry can create it
	// again; if that cleanup fails too, the caller hears of the file left
	// behind along with the cause.
	if err != nil {
		return nil, Record{}, errors.Join(fmt.Errorf("journal %s: %w", path, err), w.Close(), removeStray(path))
	}
	if err := w.write(typ, line, rec); err != nil {
		return nil, Record{}, errors.Join(err, w.Close(), removeStray(path))
	}
	return w, rec, nil
}

// OpenWriter locks an existing journal for appending (resume) and returns
// its first record, so the caller can find the session's runbook. Nothing is
// written, and no byte of the file changes, until ReadRecords has read the
// rest and the caller appends: a resume that fails before then leaves the
// journal as it was. A symbolic link or anything but a regular file is
// refused.
func OpenWriter(path string, opts ...Option) (*Writer, Record, error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, Record{}, fmt.Errorf("open journal: %w", err)
	}
	if err := requireRegular(f, path); err != nil {
		return nil, Record{}, errors.Join(err, f.Close())
	}
	w, err := newWriter(f, path, opts)
	if err != nil {
		return nil, Record{}, errors.Join(err, f.Close())
	}
	if w.enc.o.warn != nil && runtime.GOOS != "windows" {
		if m := w.fi.Mode().Perm(); m&0o077 != 0 {
			w.enc.o.warn(fmt.Sprintf("journal %s has mode %#o: other users can read or write it; make it private with `chmod 600 %s`", path, m, path))
		}
	}
	first, err := w.first()
	if err == nil {
		err = w.lock(sessionOf(first.Data))
	}
	if err != nil {
		return nil, Record{}, errors.Join(err, w.Close())
	}
	return w, first, nil
}

// first reads and checks the journal's first record.
func (w *Writer) first() (Record, error) {
	lr := newLineReader(io.NewSectionReader(w.f, 0, MaxLineBytes+1))
	line, _, err := lr.next()
	if errors.Is(err, io.EOF) {
		return Record{}, fmt.Errorf("journal %s holds no complete record; start a new session instead", w.path)
	}
	if err != nil {
		return Record{}, fmt.Errorf("read journal %s: %w", w.path, err)
	}
	c := &chain{}
	rec, ok := c.add(line)
	if !ok {
		return Record{}, &ChainError{Path: w.path, Result: c.finish(), Resume: true}
	}
	return rec.Clone(), nil
}

// ReadRecords reads the whole journal it holds, verifying it, and calls fn
// with every record in order (Data valid only during the call, as with
// Scan). A journal that fails verification is refused with a *ChainError: resuming
// on top of a broken chain would hide the break. A torn last line is not cut
// off here: PendingRepair describes it, and the first Append, which must be
// a journal.repair record, cuts it.
func (w *Writer) ReadRecords(fn func(Record) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ready {
		return fmt.Errorf("journal %s: the records were read already", w.path)
	}
	st, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("read journal %s: %w", w.path, err)
	}
	res, err := Scan(io.NewSectionReader(w.f, 0, st.Size()), fn)
	if err != nil {
		return fmt.Errorf("read journal %s: %w", w.path, err)
	}
	if !res.OK && !res.Torn && res.BadLine > 0 {
		return &ChainError{Path: w.path, Result: res, Resume: true}
	}
	if res.Records == 0 {
		return fmt.Errorf("journal %s holds no complete record; start a new session instead", w.path)
	}
	if res.TornBytes > 0 {
		// Only what is known: the bytes after the last whole record are
		// not one. A crash mid-write leaves that, and so do bytes cut off a
		// complete last record: which one it was cannot be told from here.
		w.pending = &Repair{DroppedBytes: res.TornBytes, Reason: fmt.Sprintf("an incomplete last line: %d bytes after the last whole record, not a whole record themselves", res.TornBytes)}
		w.keep = res.IntactBytes
	}
	w.size = st.Size()
	w.enc.seq, w.enc.last, w.enc.head = res.HeadSeq, res.HeadTime, res.Head
	w.ready = true
	return nil
}

// PendingRepair describes the torn tail ReadRecords found, or nil. It is
// cut off by the next Append, which must journal it.
func (w *Writer) PendingRepair() *Repair {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		return nil
	}
	r := *w.pending
	return &r
}

// Open is OpenWriter and ReadRecords in one, returning every record: for
// tests and tools with short journals (a resume streams with ReadRecords).
// The returned Repair is non-nil when the journal has a torn tail; the first
// Append must then be the journal.repair record, and cuts the tail off.
func Open(path string, opts ...Option) (*Writer, []Record, *Repair, error) {
	w, _, err := OpenWriter(path, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	var recs []Record
	if err := w.ReadRecords(func(r Record) error { recs = append(recs, r.Clone()); return nil }); err != nil {
		return nil, nil, nil, errors.Join(err, w.Close())
	}
	return w, recs, w.PendingRepair(), nil
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

func newWriter(f *os.File, path string, opts []Option) (*Writer, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	w := &Writer{f: f, fi: fi, path: path, enc: NewEncoder(f, opts...)}
	return w, nil
}

// lock takes the session's lock file, then the lock on the journal itself.
func (w *Writer) lock(session string) error {
	dir := w.enc.o.lockDir
	if dir == "" {
		dir = filepath.Dir(w.path)
	}
	sess, err := lockSession(sessionLockPath(dir, session), w.path)
	if err != nil {
		return err
	}
	unlock, err := lockFile(w.f)
	if err != nil {
		if errors.Is(err, errWouldBlock) {
			err = &LockedError{Path: w.path}
		} else {
			err = fmt.Errorf("lock journal %s: %w", w.path, err)
		}
		return errors.Join(err, sess.release())
	}
	w.sess, w.unlock = sess, unlock
	return nil
}

// Append writes one record and returns after it is fsynced to disk. Before
// it writes, and again after, it checks that the journal's path still names
// the file it holds: a journal renamed or replaced mid-session stops the
// session with ErrMoved rather than acknowledge a record the journal, as
// others will find it, does not hold. It checks the file's size too: a
// journal someone else appended to (or cut) since the last record stops
// the session with a *ChangedError (ErrChanged), and the record is not
// written after the foreign bytes, which stay for the audit.
func (w *Writer) Append(typ string, data any) (Record, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return Record{}, fmt.Errorf("journal %s: append %s after close", w.path, typ)
	case w.err != nil:
		return Record{}, fmt.Errorf("journal %s: an earlier write failed, no more records can be added: %w", w.path, w.err)
	case !w.ready:
		return Record{}, fmt.Errorf("journal %s: append %s before its records were read", w.path, typ)
	case w.pending != nil && typ != RepairType:
		return Record{}, fmt.Errorf("journal %s: its torn last line must be cut off and journaled as %s before %s", w.path, RepairType, typ)
	}
	line, rec, err := w.enc.next(typ, data)
	if err != nil {
		return Record{}, fmt.Errorf("journal %s: %w", w.path, err)
	}
	if err := w.checkPlace(); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: %s not written: %w", w.path, typ, err)
	}
	if err := w.checkSize(w.enc.seq, w.enc.head, w.size, w.size); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: %s not written: %w", w.path, typ, err)
	}
	if w.pending != nil {
		if err := w.f.Truncate(w.keep); err != nil {
			w.err = err
			return Record{}, fmt.Errorf("repair journal %s: cut the torn last line: %w", w.path, err)
		}
		w.pending = nil
		w.size = w.keep
	}
	seq, head, size := w.enc.seq, w.enc.head, w.size
	if err := w.write(typ, line, rec); err != nil {
		return Record{}, err
	}
	if err := w.checkPlace(); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: %s went to a file no longer at this path: %w", w.path, typ, err)
	}
	// Bytes appended by someone else while this record was written sit
	// before or after it: either way the journal is no longer this
	// session's alone, and the record is not acknowledged.
	if err := w.checkSize(seq, head, size, size+int64(len(line))); err != nil {
		w.err = err
		return Record{}, fmt.Errorf("journal %s: %s was written, but the journal was changed while it was: %w", w.path, typ, err)
	}
	return rec, nil
}

// write writes and fsyncs one encoded line; the caller holds mu (or owns w).
func (w *Writer) write(typ string, line []byte, rec Record) error {
	if _, err := w.f.Write(line); err != nil {
		w.err = err
		return fmt.Errorf("journal %s: write %s: %w", w.path, typ, err)
	}
	if err := w.f.Sync(); err != nil {
		w.err = err
		return fmt.Errorf("journal %s: fsync %s: %w", w.path, typ, err)
	}
	w.enc.advance(rec)
	w.size += int64(len(line))
	return nil
}

// checkSize makes sure the journal holds want bytes: the size this writer
// left it at after record seq (head, ending at byte size), and the record
// it wrote since, if any. It fstats the open file, the one the records go
// to whatever its path names now.
func (w *Writer) checkSize(seq uint64, head string, size, want int64) error {
	st, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", w.path, err)
	}
	if st.Size() != want {
		return &ChangedError{Path: w.path, Seq: seq, Head: head, Size: size, Want: want, Now: st.Size()}
	}
	return nil
}

// checkPlace makes sure the journal's path still names the file held.
func (w *Writer) checkPlace() error {
	st, err := os.Lstat(w.path)
	if err != nil || !os.SameFile(st, w.fi) {
		return fmt.Errorf("%w; the session stops here: find the journal (its records up to here are intact), check it with `handrail verify`, put it back at %s and resume", ErrMoved, w.path)
	}
	return nil
}

// Head is the hash of the last record written: keep it elsewhere (a ticket,
// a chat message) to detect later truncation with `handrail verify --head`.
func (w *Writer) Head() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.enc.head
}

// Seq is the sequence number of the last record written.
func (w *Writer) Seq() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.enc.seq
}

// Path is the journal's file.
func (w *Writer) Path() string { return w.path }

// Close releases the locks and closes the file. It is safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	if w.unlock != nil {
		if err := w.unlock(); err != nil {
			errs = append(errs, fmt.Errorf("unlock journal %s: %w", w.path, err))
		}
	}
	if w.sess != nil {
		if err := w.sess.release(); err != nil {
			errs = append(errs, fmt.Errorf("unlock session of journal %s: %w", w.path, err))
		}
	}
	if err := w.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close journal %s: %w", w.path, err))
	}
	return errors.Join(errs...)
}

// removeStray removes a journal that Create made but could not start.
func removeStray(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove unfinished journal %s (delete it by hand): %w", path, err)
	}
	return nil
}
