//go:build !unix

package recording

import "os"

// createExclusive creates path for writing, mode 0600. O_EXCL fails on
// anything already there, a symlink included.
func createExclusive(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}
