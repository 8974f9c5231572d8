package cli

import "errors"

// ExitCode is what the process exits with.
type ExitCode int

// Exit codes shared by every command.
const (
	ExitOK       ExitCode = 0 // success
	ExitFindings ExitCode = 1 // lint findings, a tampered journal, a failed check
	ExitUsage    ExitCode = 2 // bad flags or arguments
	ExitError    ExitCode = 3 // runtime failure (file unreadable, server unreachable)
	ExitLocked   ExitCode = 4 // the session is driven by another process
	ExitHalted   ExitCode = 5 // the procedure was halted by an on_fail rule
	// ExitInterrupted: ctrl+c (or SIGINT, SIGTERM, SIGHUP) stopped the
	// command at once; a session it drove stays resumable. 128+SIGINT, as
	// shells report a program ended by ctrl+c.
	ExitInterrupted ExitCode = 130
)

// exitError carries an exit code with the error shown on stderr. A nil err
// means the command already printed what it had to say.
type exitError struct {
	code ExitCode
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that the process exits with code.
func withCode(code ExitCode, err error) error { return &exitError{code: code, err: err} }

func codeOf(err error) ExitCode {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitError
}
