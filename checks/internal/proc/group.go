package proc

import "os/exec"

// Run starts cmd, tells started its pid once the child runs (its process
// group id too: SetProcessGroup makes the child a group leader), and waits
// for it. A child that cannot start is never reported.
func Run(cmd *exec.Cmd, started func(pid int)) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	if started != nil {
		started(cmd.Process.Pid)
	}
	return cmd.Wait()
}
