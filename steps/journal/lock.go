package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// The lock belongs to the session, not to one file: a copy of a journal
// carries the same session, and two copies must not be driven at once. So a
// writer takes two locks: one on the session's lock file in the state
// directory, <session-id>.lock, named after the session id its first record
// carries; and one on the journal file itself. The lock file also holds who
// took it, for the message a second process gets.

// sessionLockPath is the lock file of session in dir. A session id that is
// not in NewSessionID's shape (it comes from the journal, which anyone may
// have edited) is hashed, so it can never name a path outside dir.
func sessionLockPath(dir, session string) string {
	name := session
	if !ValidSessionID(session) {
		sum := sha256.Sum256([]byte(session))
		name = "session-" + hex.EncodeToString(sum[:10])
	}
	return filepath.Join(dir, name+".lock")
}

// sessionOf is the session id a session.start record's data names.
func sessionOf(data []byte) string {
	var d struct {
		Session string `json:"session"`
	}
	_ = json.Unmarshal(data, &d) // a record without it locks under ""
	return d.Session
}

// sessionLock is a held lock file.
type sessionLock struct {
	f      *os.File
	path   string
	unlock func() error
}

// lockSession takes the session's lock file, creating it (mode 0600,
// never through a symbolic link). journal names the journal for the
// LockedError.
func lockSession(path, journal string) (*sessionLock, error) {
	// A holder that releases the lock removes the file first: a lock
	// taken on a file that is no longer at path is no lock, so try again.
	for attempt := 0; attempt < 8; attempt++ {
		f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lock session of journal %s: %w", journal, err)
		}
		if err := requireRegular(f, path); err != nil {
			return nil, errors.Join(fmt.Errorf("lock session of journal %s: %w", journal, err), f.Close())
		}
		unlock, err := lockFile(f)
		if errors.Is(err, errWouldBlock) {
			h := readHolder(f)
			return nil, errors.Join(&LockedError{Path: journal, Holder: h}, f.Close())
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("lock session of journal %s: %w", journal, err), f.Close())
		}
		if !stillAt(f, path) {
			_ = unlock()
			_ = f.Close() // an unlinked lock file: nothing to keep
			continue
		}
		writeHolder(f)
		return &sessionLock{f: f, path: path, unlock: unlock}, nil
	}
	return nil, fmt.Errorf("lock session of journal %s: the lock file %s keeps being replaced", journal, path)
}

// release removes the lock file while still holding it, then unlocks.
func (l *sessionLock) release() error {
	if stillAt(l.f, l.path) {
		_ = os.Remove(l.path) // a leftover file is harmless: the next holder takes it over
	}
	return errors.Join(l.unlock(), l.f.Close())
}

// stillAt reports whether path still names the open file f.
func stillAt(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// writeHolder records who holds the lock, for the message another process
// gets. Best effort: a failure here must not stop the session.
func writeHolder(f *os.File) {
	h := Holder{PID: os.Getpid(), Since: time.Now().UTC()}
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	h.Host, _ = os.Hostname()
	b, err := json.Marshal(h)
	if err != nil {
		return
	}
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
}

// readHolder reads the holder a lock file names (at most 4 KiB of it).
func readHolder(f *os.File) *Holder {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 4<<10))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}
