//go:build !unix && !windows

package journal

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held elsewhere")

// Platforms without flock or LockFileEx (plan9, wasm) get no locking; the
// journal still works for a single writer.
func lockFile(f *os.File) (func() error, error) { return func() error { return nil }, nil }

func lockedNow(path string) bool { return false }
