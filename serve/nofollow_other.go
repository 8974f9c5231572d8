//go:build !unix

package serve

import (
	"fmt"
	"os"
)

// openNoFollow opens path refusing a symlink in its last element (checked
// before the open where the platform has no O_NOFOLLOW).
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("open %s: a symlink, refused", path)
	}
	return os.OpenFile(path, flag, perm)
}
