//go:build windows

package journal

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

var errWouldBlock = errors.New("lock held elsewhere")

// Windows locks are mandatory on the bytes they cover, so the lock is taken
// on one byte far beyond any journal's end: readers (watch, report) are never
// blocked, while a second writer's LockFileEx fails.
const lockOffset = 1 << 62

func lockRange(h windows.Handle, flags uint32) error {
	ol := new(windows.Overlapped)
	ol.Offset = uint32(lockOffset & 0xffffffff)
	ol.OffsetHigh = uint32(lockOffset >> 32)
	return windows.LockFileEx(h, flags|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
}

func unlockRange(h windows.Handle) error {
	ol := new(windows.Overlapped)
	ol.Offset = uint32(lockOffset & 0xffffffff)
	ol.OffsetHigh = uint32(lockOffset >> 32)
	return windows.UnlockFileEx(h, 0, 1, 0, ol)
}

func lockFile(f *os.File) (func() error, error) {
	h := windows.Handle(f.Fd())
	if err := lockRange(h, windows.LOCKFILE_EXCLUSIVE_LOCK); err != nil {
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
			return nil, errWouldBlock
		}
		return nil, err
	}
	return func() error { return unlockRange(h) }, nil
}

func lockedNow(path string) bool {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	h := windows.Handle(f.Fd())
	if err := lockRange(h, 0); err != nil {
		return errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING)
	}
	_ = unlockRange(h)
	return false
}
