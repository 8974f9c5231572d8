//go:build unix

// Package proc runs the child processes of probes (commands, solsql) so
// that a deadline kills everything they started.
package proc

import (
	"os/exec"
	"syscall"
)

// SetProcessGroup starts the child in its own process group and makes the
// context's cancellation kill the whole group: a shell line's children (or
// ssh's) die with it instead of outliving the deadline.
func SetProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
