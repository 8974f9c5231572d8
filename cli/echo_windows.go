//go:build windows

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/windows"
)

// hideInputFor returns what turns in's echo off for one line, keeping the
// console's line input, or nil when in is not a console.
func hideInputFor(in io.Reader) func() (func(), error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return nil
	}
	h := windows.Handle(f.Fd())
	return func() (func(), error) {
		var mode uint32
		if err := windows.GetConsoleMode(h, &mode); err != nil {
			return nil, fmt.Errorf("read the console's mode: %w", err)
		}
		if err := windows.SetConsoleMode(h, mode&^windows.ENABLE_ECHO_INPUT|windows.ENABLE_LINE_INPUT); err != nil {
			return nil, fmt.Errorf("turn the console's echo off: %w", err)
		}
		return func() { _ = windows.SetConsoleMode(h, mode) }, nil
	}
}
