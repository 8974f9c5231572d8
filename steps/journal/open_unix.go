//go:build unix

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openNoFollow opens a file of the state directory: a symbolic link in its
// place is refused (O_NOFOLLOW), never followed, and a FIFO does not block.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link: handrail never follows a link in place of a file of its state directory (a journal, its lock, a debrief); replace it with the file itself: %w", path, err)
	}
	return f, err
}
