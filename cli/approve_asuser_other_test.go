//go:build !linux

package cli

import "testing"

// runApproveAs needs to start a process as another OS user: Linux only.
func runApproveAs(t *testing.T, _ string, _ ...string) (ExitCode, string, string) {
	t.Helper()
	t.Skip("approving as another OS user is tested on Linux")
	return 0, "", ""
}
