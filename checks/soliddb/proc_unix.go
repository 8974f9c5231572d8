//go:build unix

package soliddb

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the child in its own process group and makes the
// context's cancellation kill the whole group: a shell line's children (or
// ssh's) die with it instead of outliving the deadline.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
