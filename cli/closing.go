package cli

import (
	"fmt"
	"io"

	"github.com/handrail/handrail/steps/session"
)

// closeJournal closes a session's journal when the command ends. A close
// that fails (the unlock or the file's close) may mean the last records never
// reached the disk, so it is never dropped: it becomes the command's error,
// or, when the command already fails for another reason, it is printed so
// the operator hears of both.
func closeJournal(stdio IO, fj *session.FileJournal, err *error) {
	cerr := fj.Close()
	if cerr == nil {
		return
	}
	cerr = fmt.Errorf("%w; check the journal with `handrail verify %s`", cerr, fj.Path)
	if *err == nil {
		*err = withCode(ExitError, cerr)
		return
	}
	fmt.Fprintf(stdio.Err, "handrail: %v\n", cerr)
}

// closeDriver closes the driver's connections to the checked systems. They
// are only polled, so a failed close changes nothing the session did; it is
// reported on stderr and does not change the exit status.
func closeDriver(stdio IO, drv io.Closer) {
	if err := drv.Close(); err != nil {
		fmt.Fprintf(stdio.Err, "handrail: closing the connections to the checked systems: %v\n", err)
	}
}
