package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxLineBytes caps one journal line. The Writer refuses a record that
// would be longer, so a longer line is not a handrail record: the readers
// (verify, report, watch, resume, sessions) stop there with a clear error
// instead of buffering it. Observations are capped far below this by the
// probes; the cap leaves room for a gate.open or override whose evidence
// holds many checks' observations.
const MaxLineBytes = 16 << 20

// readBufferBytes is the read buffer: most lines fit in it and are handed
// over without a copy.
const readBufferBytes = 256 << 10

// ErrNotRegular is wrapped by OpenRead for a path that is not a regular
// file (a device such as /dev/zero, a FIFO, a directory, a socket).
var ErrNotRegular = errors.New("not a regular file")

// OpenRead opens a journal read-only, without waiting on a FIFO and without
// locking it, and refuses anything but a regular file: the check is made on
// the opened descriptor, so the file cannot be swapped in between. A
// symbolic link in the journal's place is refused, never followed, as
// `sessions` and `resume` refuse it: X.jsonl pointing at another session's
// journal must not pass for session X in verify, report or watch.
func OpenRead(path string) (*os.File, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := requireRegular(f, path); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return f, nil
}

func requireRegular(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("journal %s is %s, %w: give the path of a journal file (see `handrail sessions`)", path, describeMode(st.Mode()), ErrNotRegular)
	}
	return nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

// lineTooLongError is the problem of a line over MaxLineBytes.
type lineTooLongError struct{}

func (lineTooLongError) Error() string {
	return fmt.Sprintf("the line is longer than %d MiB, the most a journal record can be: this is not a handrail journal, or it was damaged", MaxLineBytes>>20)
}

// lineReader hands out a journal's lines one at a time in bounded memory.
type lineReader struct {
	br   *bufio.Reader
	long []byte // reused for lines longer than the read buffer
	off  int64  // bytes consumed through the end of the last complete line
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferBytes)}
}

// next returns the next complete line without its newline; the slice is
// valid until the following call. At the end it returns io.EOF, with the
// number of bytes after the last newline (a torn tail) in tail. A line
// longer than MaxLineBytes gives lineTooLongError without reading the rest.
func (lr *lineReader) next() (line []byte, tail int, err error) {
	line, err = lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(lr.long) > MaxLineBytes {
				return nil, 0, lineTooLongError{}
			}
			line, err = lr.br.ReadSlice('\n')
			lr.long = append(lr.long, line...)
		}
		line = lr.long
	}
	switch {
	case err == nil:
		if len(line)-1 > MaxLineBytes {
			return nil, 0, lineTooLongError{}
		}
		lr.off += int64(len(line))
		return line[:len(line)-1], 0, nil
	case errors.Is(err, io.EOF):
		if len(line) > MaxLineBytes {
			return nil, 0, lineTooLongError{}
		}
		return nil, len(line), io.EOF
	}
	return nil, 0, err
}

// Scan reads a journal from r, verifies it record by record (as Verify
// does) and calls fn with each intact record, in order. It holds one line at
// a time: a record's Data aliases the read buffer and is valid only during
// the call, so fn copies what it keeps. It stops at the first problem, which
// the Result describes; the error is only for a failed read or an error
// returned by fn.
func Scan(r io.Reader, fn func(Record) error) (Result, error) {
	return scanFrom(r, &chain{}, 0, fn)
}

// ScanFile is Scan over the journal at path, opened with OpenRead.
func ScanFile(path string, fn func(Record) error) (Result, error) {
	f, err := OpenRead(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	res, err := Scan(f, fn)
	if err != nil {
		return res, fmt.Errorf("journal %s: %w", path, err)
	}
	return res, nil
}

// Rescan reads again, from its start, the journal at path that a Scan
// described with res, and hands fn its first res.Records records (Data
// valid during the call). It hashes and links every line again, so that the
// records fn gets are the ones Scan verified, but it does not check their
// data a second time: when the chain it reads ends at res.Head, every byte
// is one Scan checked. A journal that changed in between is an error, which
// may come only after the last record: whatever fn made of the records is
// then to be discarded.
func Rescan(path string, res Result, fn func(Record) error) error {
	f, err := OpenRead(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	n := 0
	again, err := scanFrom(io.LimitReader(f, res.IntactBytes), &chain{known: true}, 0, func(rec Record) error {
		n++
		return fn(rec)
	})
	if err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if n != res.Records || again.Head != res.Head {
		return fmt.Errorf("journal %s changed while it was read: it no longer holds the %d records read first", path, res.Records)
	}
	return nil
}

// ReadFirst reads and checks a journal's first record only (who started
// which runbook), without locking it.
func ReadFirst(path string) (Record, error) {
	f, err := OpenRead(path)
	if err != nil {
		return Record{}, err
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	line, _, err := newLineReader(f).next()
	switch {
	case errors.Is(err, io.EOF):
		return Record{}, fmt.Errorf("journal %s holds no complete record", path)
	case errors.As(err, new(lineTooLongError)):
		return Record{}, fmt.Errorf("journal %s, line 1: %w", path, err)
	case err != nil:
		return Record{}, fmt.Errorf("read journal %s: %w", path, err)
	}
	c := &chain{}
	rec, ok := c.add(line)
	if !ok {
		return Record{}, &ChainError{Path: path, Result: c.finish()}
	}
	return rec.Clone(), nil
}

// Log is a journal read whole without taking its lock.
type Log struct {
	Path    string
	Records []Record // intact records, up to the first problem
	Result  Result   // the chain's verification, including a torn tail
}

// ReadLog reads and verifies a whole journal into memory without locking
// it. Only an unreadable file is an error; a broken chain or a torn tail are
// described in Log.Result. Its memory grows with the journal: the commands
// stream with Scan instead; this is for tests and short journals.
func ReadLog(path string) (Log, error) {
	var recs []Record
	res, err := ScanFile(path, func(r Record) error {
		recs = append(recs, r.Clone())
		return nil
	})
	if err != nil {
		return Log{}, err
	}
	return Log{Path: path, Records: recs, Result: res}, nil
}

// Read returns a journal's records without locking it. A torn last line (a
// write in progress, or a crash) is left out without error: ReadLog reports
// it. A broken chain is a *ChainError, returned with the intact records
// before the break.
func Read(path string) ([]Record, error) {
	l, err := ReadLog(path)
	if err != nil {
		return nil, err
	}
	if !l.Result.OK && !l.Result.Torn {
		return l.Records, &ChainError{Path: path, Result: l.Result}
	}
	return l.Records, nil
}

// Clone returns r with its own copy of Data, for keeping a record a Scan
// callback was given.
func (r Record) Clone() Record {
	r.Data = append([]byte(nil), r.Data...)
	return r
}
