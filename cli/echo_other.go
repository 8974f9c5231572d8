//go:build !unix && !windows

package cli

import (
	"errors"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// hideInputFor: this platform offers no way to turn a terminal's echo off
// here, so on a terminal the password is not asked for at all (plain mode
// says so); from a pipe the line is read as it comes.
func hideInputFor(in io.Reader) func() (func(), error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil
	}
	return func() (func(), error) { return nil, errors.New("this platform cannot hide a terminal's input") }
}
