package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
)

// A scan reads a journal in batches of whole lines. Checking a line (its
// SHA-256, its layout, its data's JSON) does not depend on any other line,
// so workers check the batches in parallel while the caller's goroutine
// links the records in order (seq, prev, time) and hands them on. Memory
// is a few batches, whatever the journal's length.

// batchBytes is the size a batch is read in; a longer line gets a batch of
// its own, up to MaxLineBytes.
const batchBytes = 1 << 20

// batch is a run of complete lines, checked by a worker.
type batch struct {
	data  []byte // whole lines, each with its newline
	lines []checkedLine
	ready chan struct{} // closed when lines is filled
}

type checkedLine struct {
	line []byte // without its newline
	rec  Record
	err  error
}

// scanEnd is how the reader stopped, set before it closes its channels.
type scanEnd struct {
	torn    int   // bytes after the last newline
	tooLong bool  // a line without a newline grew past MaxLineBytes
	err     error // a failed read
}

// scanFrom continues chain c over r, whose first byte is at offset base of
// the file, handing each intact record to fn.
func scanFrom(r io.Reader, c *chain, base int64, fn func(Record) error) (Result, error) {
	workers := max(runtime.GOMAXPROCS(0), 1)
	quit := make(chan struct{})
	defer close(quit)
	order := make(chan *batch, workers+1)
	work := make(chan *batch, workers+1)
	free := make(chan []byte, workers+3)
	var end scanEnd
	go readBatches(r, order, work, free, quit, &end)
	for range workers {
		go checkBatches(work, quit, c.known)
	}
	off := base
	for b := range order {
		<-b.ready
		for _, l := range b.lines {
			rec, ok := c.addParsed(l.line, l.rec, l.err)
			if !ok {
				c.res.IntactBytes = off
				return c.finish(), nil
			}
			off += int64(len(l.line)) + 1
			if fn != nil {
				if err := fn(rec); err != nil {
					c.res.IntactBytes = off
					return c.finish(), err
				}
			}
		}
		if cap(b.data) <= 2*batchBytes { // a long line's buffer is not kept
			select {
			case free <- b.data[:0]:
			default:
			}
		}
	}
	// order is closed: end was set before.
	c.res.IntactBytes = off
	switch {
	case end.err != nil:
		return c.finish(), fmt.Errorf("read journal: %w", end.err)
	case end.tooLong:
		c.line++
		c.fail(lineTooLongError{}.Error(), 0)
	case end.torn > 0:
		c.torn(end.torn)
	}
	return c.finish(), nil
}

// readBatches cuts r into batches of whole lines and sends each to the
// workers and, in the same order, to the caller.
func readBatches(r io.Reader, order, work chan<- *batch, free chan []byte, quit <-chan struct{}, end *scanEnd) {
	defer close(order)
	defer close(work)
	var carry []byte // the start of a line the last batch did not finish
	for {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 0, batchBytes)
		}
		buf = append(buf, carry...)
		eof := false
		for !eof {
			if len(buf) == cap(buf) {
				if bytes.IndexByte(buf, '\n') >= 0 {
					break // full, with at least one line
				}
				if len(buf) > MaxLineBytes {
					end.tooLong = true
					return
				}
				buf = slices.Grow(buf, len(buf)) // a long line
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			switch {
			case errors.Is(err, io.EOF):
				eof = true
			case err != nil:
				end.err = err
				return
			}
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		carry = append(carry[:0], buf[cut:]...)
		if cut > 0 {
			b := &batch{data: buf[:cut], ready: make(chan struct{})}
			select {
			case work <- b:
			case <-quit:
				return
			}
			select {
			case order <- b:
			case <-quit:
				return
			}
		}
		if eof {
			if len(carry) > MaxLineBytes {
				end.tooLong = true
			} else {
				end.torn = len(carry)
			}
			return
		}
	}
}

// checkBatches parses every line of each batch it is given.
func checkBatches(work <-chan *batch, quit <-chan struct{}, known bool) {
	for {
		var b *batch
		select {
		case b = <-work:
		case <-quit:
			return
		}
		if b == nil {
			return
		}
		data := b.data
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			line := data[:i]
			data = data[i+1:]
			rec, err := parseFor(line, known)
			b.lines = append(b.lines, checkedLine{line: line, rec: rec, err: err})
		}
		close(b.ready)
	}
}
