package journal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Dir returns the directory session journals live in, creating it (mode
// 0700) when missing: flag when given, else $XDG_STATE_HOME/handrail, else
// ~/.local/state/handrail.
func Dir(stateDirFlag string) (string, error) {
	dir := stateDirFlag
	if dir == "" {
		d, err := defaultDir()
		if err != nil {
			return "", fmt.Errorf("find the state directory: %w; pass --state-dir", err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create state directory %s: %w; pass --state-dir to use another", dir, err)
	}
	return dir, nil
}

// DirWarnings says what is unsafe about the state directory's permissions:
// a directory that group or others may write lets them replace a journal or
// its lock file. Nothing on Windows, whose permissions are not mode bits.
func DirWarnings(dir string) []string {
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm()&0o022 == 0 {
		return nil
	}
	return []string{fmt.Sprintf("state directory %s has mode %#o: other users can replace its journals and locks; make it private with `chmod 700 %s`", dir, st.Mode().Perm(), dir)}
}

// Ext is a journal file's extension.
const Ext = ".jsonl"

// SessionPath is the journal of session id in dir.
func SessionPath(dir, id string) string { return filepath.Join(dir, id+Ext) }

// NewSessionID returns an id that sorts by start time and is unlikely to
// collide: 20261122-021500-ab12 (UTC).
func NewSessionID(now time.Time) string {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; fall back to the
		// clock's nanoseconds rather than panic.
		n := now.Nanosecond()
		b[0], b[1] = byte(n>>8), byte(n)
	}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

var sessionIDRe = regexp.MustCompile(`^\d{8}-\d{6}-[0-9a-f]{4}$`)

// ValidSessionID reports whether id has NewSessionID's shape.
func ValidSessionID(id string) bool { return sessionIDRe.MatchString(id) }

// Locate turns a command-line argument into a journal path: an existing file
// (a path, or any name ending in .jsonl) is taken as is; otherwise arg is a
// session id, or an unambiguous prefix of one, in the state directory.
func Locate(stateDirFlag, arg string) (string, error) {
	if arg == "" {
		return "", errors.New("no session given: pass a session id (see `handrail sessions`) or a journal file")
	}
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, Ext) {
		if _, err := os.Stat(arg); err != nil {
			return "", fmt.Errorf("journal %s: %w", arg, err)
		}
		return arg, nil
	}
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		return arg, nil
	}
	dir, err := Dir(stateDirFlag)
	if err != nil {
		return "", err
	}
	if p := SessionPath(dir, arg); fileExists(p) {
		return p, nil
	}
	matches, err := filepath.Glob(filepath.Join(dir, globEscape(arg)+"*"+Ext))
	if err != nil {
		return "", fmt.Errorf("look for session %s in %s: %w", arg, dir, err)
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no session %q in %s: list them with `handrail sessions`, or pass a journal file", arg, dir)
	case 1:
		return matches[0], nil
	}
	sort.Strings(matches)
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = strings.TrimSuffix(filepath.Base(m), Ext)
	}
	return "", fmt.Errorf("session %q is ambiguous in %s: it matches %s", arg, dir, strings.Join(ids, ", "))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}
