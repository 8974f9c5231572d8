//go:build unix

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// hideInputFor returns what turns in's echo off for one line, keeping the
// terminal's line editing, or nil when in is not a terminal. Plain mode
// reads the line itself (its reader is already waiting on in), so only the
// echo changes, and is restored right after.
func hideInputFor(in io.Reader) func() (func(), error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil
	}
	fd := f.Fd()
	return func() (func(), error) {
		old, err := term.GetState(fd)
		if err != nil {
			return nil, fmt.Errorf("read the terminal's mode: %w", err)
		}
		quiet := *old
		quiet.Lflag &^= unix.ECHO
		quiet.Lflag |= unix.ICANON
		if err := term.SetState(fd, &quiet); err != nil {
			return nil, fmt.Errorf("turn the terminal's echo off: %w", err)
		}
		return func() { _ = term.Restore(fd, old) }, nil
	}
}
