package session

import (
	"os"
	"path/filepath"
)

// journaledPath is the runbook path session.start records: absolute when
// it names a file here, so that `handrail resume` finds the runbook from any
// directory. A path that names no file (a bundled runbook's
// runbooks/<file>, which resume finds by its id) is kept as it is.
func journaledPath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
		return p
	}
	return abs
}
