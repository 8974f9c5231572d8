package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Tailer reads a live journal read-only, a little more on every Poll, and
// verifies the chain as it goes. It never locks the file, so it can follow a
// session another process is driving (`handrail watch`). It holds one line
// at a time, and reads only what was added since the last Poll.
type Tailer struct {
	path  string
	from  uint64
	off   int64 // bytes consumed: always just after a newline
	chain chain
	file  os.FileInfo // the file first followed: the path must keep naming it
}

// NewTailer follows path from its start; Poll returns only records with
// seq > from (all records are still read and verified).
func NewTailer(path string, from uint64) *Tailer {
	return &Tailer{path: path, from: from}
}

// TailerAfter follows path from where a Scan of it ended (res), without
// reading again what that Scan verified: Poll returns the records after it.
func TailerAfter(path string, res Result) *Tailer {
	t := &Tailer{path: path, from: res.HeadSeq, off: res.IntactBytes}
	t.chain.line = res.Records
	t.chain.res.Records = res.Records
	if res.Records > 0 {
		t.chain.any = true
		t.chain.prev = Record{Seq: res.HeadSeq, Time: res.HeadTime, Hash: res.Head}
		t.chain.res.Head, t.chain.res.HeadSeq, t.chain.res.HeadTime = res.Head, res.HeadSeq, res.HeadTime
	}
	return t
}

// Poll returns the records completed since the last call (none when the
// journal has not grown). A record whose write is still in progress is left
// for the next call. When the chain is broken it returns the intact records
// before the break and a *ChainError, and every later call the same error.
// A journal that changed under it the way no writer changes one, cut back
// or replaced by another file at its path, is a broken chain too.
// The file must be a regular file, and no line may exceed MaxLineBytes.
func (t *Tailer) Poll() ([]Record, error) {
	var out []Record
	err := t.each(func(r Record) error {
		out = append(out, r.Clone())
		return nil
	})
	return out, err
}

// each is Poll handing each new record to fn (Data valid during the call).
func (t *Tailer) each(fn func(Record) error) error {
	if t.chain.broken {
		return &ChainError{Path: t.path, Result: t.chain.finish()}
	}
	f, err := OpenRead(t.path)
	if err != nil {
		return fmt.Errorf("follow journal: %w", err)
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("follow journal %s: %w", t.path, err)
	}
	switch {
	case t.file != nil && !os.SameFile(t.file, st):
		// The lines read so far are no longer in this file, whatever it
		// holds: nothing after them can be chained to them.
		t.chain.line++
		t.chain.fail("another file now stands at the journal's path: the journal was replaced, or moved away and another put in its place", 0)
		return &ChainError{Path: t.path, Result: t.chain.finish()}
	case st.Size() < t.off:
		// The last line read is no longer whole.
		t.chain.fail(fmt.Sprintf("the file shrank from %d to %d bytes: records already read were cut off", t.off, st.Size()), t.chain.res.HeadSeq)
		return &ChainError{Path: t.path, Result: t.chain.finish()}
	}
	t.file = st
	lr := newLineReader(io.NewSectionReader(f, t.off, st.Size()-t.off))
	for {
		line, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil // a partial last line waits for the next Poll
		}
		if errors.As(err, new(lineTooLongError)) {
			t.chain.line++
			t.chain.fail(err.Error(), 0)
			return &ChainError{Path: t.path, Result: t.chain.finish()}
		}
		if err != nil {
			return fmt.Errorf("follow journal %s: %w", t.path, err)
		}
		rec, ok := t.chain.add(line)
		if !ok {
			return &ChainError{Path: t.path, Result: t.chain.finish()}
		}
		t.off += int64(len(line) + 1)
		if rec.Seq > t.from {
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
}

// Head is the hash of the last record Poll has verified.
func (t *Tailer) Head() string { return t.chain.res.Head }

// Follow polls path every interval (200ms when zero) and sends each new
// record with seq > from, in order. Both channels close when ctx ends; a
// read failure or a broken chain is sent on errs and ends the follow.
func Follow(ctx context.Context, path string, from uint64, interval time.Duration) (<-chan Record, <-chan error) {
	return FollowTailer(ctx, NewTailer(path, from), interval)
}

// FollowTailer is Follow with a Tailer made by the caller (TailerAfter).
func FollowTailer(ctx context.Context, t *Tailer, interval time.Duration) (<-chan Record, <-chan error) {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	recs := make(chan Record)
	errs := make(chan error, 1)
	go func() {
		defer close(recs)
		defer close(errs)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			err := t.each(func(r Record) error {
				select {
				case recs <- r.Clone():
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return
			}
			if err != nil {
				errs <- err
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return recs, errs
}
