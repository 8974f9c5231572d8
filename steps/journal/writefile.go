package journal

import (
	"fmt"
	"os"
)

// WriteFile writes data to a file of the state directory beside a journal
// (a debrief), as the journal's own files are opened: mode 0600, truncated
// when it exists, and a symbolic link in its place is refused, never
// written through. Anything but a regular file there (a FIFO, a device) is
// refused too.
func WriteFile(path string, data []byte) (err error) {
	f, err := openNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		// A file left by an older handrail or by hand: narrow it as the
		// journal is (O_CREAT's mode applies only to a new file).
		if err := f.Chmod(0o600); err != nil {
			return err
		}
	}
	_, err = f.Write(data)
	return err
}
