package journal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Tailer reads a live journal read-only, a little more on every Poll, and
// verifies the chain as it goes. It never locks the file, so it can follow a
// session another process is driving (`handrail watch`).
type Tailer struct {
	path  string
	from  uint64
	off   int64 // bytes consumed: always just after a newline
	chain chain
}

// NewTailer follows path; Poll returns only records with seq > from (all
// records are still read and verified).
func NewTailer(path string, from uint64) *Tailer {
	return &Tailer{path: path, from: from}
}

// Poll returns the records completed since the last call (none when the
// journal has not grown). A record whose write is still in progress is left
// for the next call. When the chain is broken it returns the intact records
// before the break and a *ChainError, and every later call the same error.
func (t *Tailer) Poll() ([]Record, error) {
	if t.chain.broken {
		return nil, &ChainError{Path: t.path, Result: t.chain.finish()}
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil, fmt.Errorf("follow journal: %w", err)
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("follow journal %s: %w", t.path, err)
	}
	buf, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("follow journal %s: %w", t.path, err)
	}
	var out []Record
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		line := buf[:i]
		buf = buf[i+1:]
		t.off += int64(i + 1)
		rec, ok := t.chain.add(line)
		if !ok {
			return out, &ChainError{Path: t.path, Result: t.chain.finish()}
		}
		if rec.Seq > t.from {
			out = append(out, rec)
		}
	}
	return out, nil
}

// Head is the hash of the last record Poll has verified.
func (t *Tailer) Head() string { return t.chain.res.Head }

// Follow polls path every interval (200ms when zero) and sends each new
// record with seq > from, in order. Both channels close when ctx ends; a
// read failure or a broken chain is sent on errs and ends the follow.
func Follow(ctx context.Context, path string, from uint64, interval time.Duration) (<-chan Record, <-chan error) {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	recs := make(chan Record)
	errs := make(chan error, 1)
	go func() {
		defer close(recs)
		defer close(errs)
		t := NewTailer(path, from)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			got, err := t.Poll()
			for _, r := range got {
				select {
				case recs <- r:
				case <-ctx.Done():
					return
				}
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
