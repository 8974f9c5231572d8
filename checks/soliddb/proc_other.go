//go:build !unix

package soliddb

import "os/exec"

// setProcessGroup: without process groups, the default cancellation kills
// the direct child only.
func setProcessGroup(cmd *exec.Cmd) {}
