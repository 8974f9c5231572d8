//go:build !unix

package journal

import (
	"fmt"
	"os"
)

// openNoFollow refuses a symbolic link in place of a journal or its lock.
// Without O_NOFOLLOW the check is made before the open: a narrow race that
// the Unix build does not have.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link: handrail never follows a link in place of a file of its state directory (a journal, its lock, a debrief); replace it with the file itself", path)
	}
	return os.OpenFile(path, flag, perm)
}
