package journal

import (
	"fmt"
	"os"
)

// ScanFile reads the journal at path one line at a time, verifies it record
// by record (as Verify does) and calls fn with each intact record, in
// order, holding one line at a time: the readers of many journals
// (readiness, stats) stream through it. It stops at the first problem,
// which the Result describes; the error is only for a failed read or an
// error returned by fn (wrapped: errors.Is finds it).
//
// (The same signature as the streaming reader the journal's own work
// brings: when both meet, this file gives way to it.)
func ScanFile(path string, fn func(Record) error) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	c := &chain{}
	var fnErr error
	err = eachLine(f, func(line []byte) bool {
		rec, ok := c.add(line)
		if !ok {
			return false
		}
		if e := fn(rec); e != nil {
			fnErr = e
			return false
		}
		return true
	}, c.torn)
	res := c.finish()
	switch {
	case err != nil:
		return res, fmt.Errorf("journal %s: %w", path, err)
	case fnErr != nil:
		return res, fmt.Errorf("journal %s: %w", path, fnErr)
	}
	return res, nil
}
