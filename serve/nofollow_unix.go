//go:build unix

package serve

import (
	"os"
	"syscall"
)

// openNoFollow opens path refusing a symlink in its last element.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW, perm)
}
