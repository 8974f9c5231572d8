//go:build unix

// Package proc runs the child processes of probes and actions (commands,
// ssh, solsql): each in its own process group, with a scrubbed
// environment, and with the whole group ended when the attempt ends.
package proc

import (
	"errors"
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
		return killGroup(cmd.Process.Pid)
	}
}

// killGroup sends SIGKILL to every process of the group led by pid. A
// group with no process left is not an error.
func killGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
