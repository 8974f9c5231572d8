//go:build !unix

package proc

import "os/exec"

// SetProcessGroup: without process groups, the default cancellation kills
// the direct child only.
func SetProcessGroup(cmd *exec.Cmd) {}

// killGroup: without process groups there is no group to end.
func killGroup(int) error { return nil }
