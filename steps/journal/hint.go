package journal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Place is where a session is kept: the state directory (its lock, the
// default place of its journal) and its journal's path. The zero Place is
// the default state directory.
type Place struct {
	StateDir string
	Path     string
}

// Command is the command line that runs verb (resume, report, verify,
// approve, debrief) on session id, followed by args, as the operator types
// it next: it names --state-dir when the state directory is not the
// default one, and the journal's file in place of the id when the journal
// lies outside the state directory. Every such hint handrail prints is
// built here, so that it works as printed.
func (p Place) Command(verb, id string, args ...string) string {
	words := []string{"handrail", verb, id}
	if p.Path != "" && !p.holds(p.Path) {
		words[2] = shellWord(absPath(p.Path))
	}
	words = append(words, args...)
	if p.StateDir != "" && !p.isDefault() {
		words = append(words, "--state-dir", shellWord(absPath(p.StateDir)))
	}
	return strings.Join(words, " ")
}

// holds tells whether the journal at path lies in p's state directory
// (the default one when p names none), where an id finds it.
func (p Place) holds(path string) bool {
	dir := p.StateDir
	if dir == "" {
		def, err := defaultDir()
		if err != nil {
			return true // nothing better to print than the id
		}
		dir = def
	}
	return sameDir(filepath.Dir(path), dir)
}

// isDefault tells whether p's state directory is the one handrail uses
// when --state-dir is not given.
func (p Place) isDefault() bool {
	def, err := defaultDir()
	return err == nil && sameDir(def, p.StateDir)
}

// defaultDir is the state directory without --state-dir (Dir's rule,
// without creating it).
func defaultDir() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "handrail"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "handrail"), nil
}

func sameDir(a, b string) bool { return absPath(a) == absPath(b) }

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// plainWord is a word a POSIX shell takes as it is.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./+:@%,=-]+$`)

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
