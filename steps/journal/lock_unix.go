//go:build unix

package journal

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

var errWouldBlock = errors.New("lock held elsewhere")

// lockFile takes an exclusive flock on f without waiting. flock belongs to
// the open file description, so a second open of the same file, even in the
// same process, is refused too; the kernel drops it when the process dies,
// so a crash never leaves a stale lock.
func lockFile(f *os.File) (func() error, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }, nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errWouldBlock
		}
		return nil, err
	}
}

// lockedNow reports whether some process holds the journal's lock, by trying
// a shared lock on a fresh read-only descriptor and dropping it at once.
func lockedNow(path string) bool {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close() //nolint:errcheck // read-only probe descriptor; closing it also drops the probe's shared lock
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
