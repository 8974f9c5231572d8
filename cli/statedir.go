package cli

import (
	"fmt"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
)

// openStateDir is journal.Dir that also warns, on stderr, when other users
// could replace the journals and locks it holds.
func openStateDir(stdio IO, flag string) (string, error) {
	dir, err := journal.Dir(flag)
	if err != nil {
		return "", err
	}
	for _, w := range journal.DirWarnings(dir) {
		warnf(stdio)(w)
	}
	return dir, nil
}

// warnf prints a warning on stderr (a path in it may hold any byte).
func warnf(stdio IO) func(string) {
	return func(msg string) { fmt.Fprintf(stdio.Err, "handrail: warning: %s\n", termtext.Line(msg)) }
}
