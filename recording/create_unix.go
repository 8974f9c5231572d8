//go:build unix

package recording

import (
	"os"
	"syscall"
)

// createExclusive creates path for writing, mode 0600. O_EXCL fails on
// anything already there (a symlink included); O_NOFOLLOW says so twice.
func createExclusive(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
}
