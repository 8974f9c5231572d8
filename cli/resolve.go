package cli

import (
	"errors"
	"io/fs"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
)

// resolveRunbook loads the runbook a command names (a bundled id or a file)
// and gives every failure the same exit code in every command: a runbook
// with findings exits like `lint` (1), a file that cannot be read is a
// runtime failure (3), and an unknown id is a usage error (2).
func resolveRunbook(arg string) (*steps.Runbook, error) {
	rb, err := steps.Resolve(runbooks.FS, arg)
	var le *steps.LoadError
	switch {
	case err == nil:
		return rb, nil
	case errors.As(err, &le):
		return nil, withCode(ExitFindings, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return nil, withCode(ExitError, err)
	default:
		return nil, withCode(ExitUsage, err)
	}
}
