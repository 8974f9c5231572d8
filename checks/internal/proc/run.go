package proc

import (
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// WaitDelay bounds how long Run keeps reading a child's output after the
// child's group was ended: a process that left the group (a daemon that
// called setsid) and kept the pipe open cannot hold the attempt longer.
const WaitDelay = 500 * time.Millisecond

// Options tune Run.
type Options struct {
	// Started, when set, is told the child's pid (also its process group's
	// id) as soon as it runs. A child that cannot start is never reported.
	Started func(pid int)
	// KeepGroup leaves the child's process group alone when the child
	// exits. An action may start something meant to outlive it (a server
	// started in the background); a probe never may.
	KeepGroup bool
}

// Run runs cmd in its own process group and waits for it. cmd comes from
// exec.CommandContext; its Stdout and Stderr may be any writers. When the
// child exits, whatever it left running in its group (a background
// `sleep 600 &`, a server it spawned) is killed at once unless o.KeepGroup:
// a probe's attempt ends whole, not only at its deadline. A cancelled
// context kills the whole group in every case (SetProcessGroup).
func Run(cmd *exec.Cmd, o Options) error {
	SetProcessGroup(cmd)
	// The output is copied through pipes made here rather than by exec's
	// own copiers, so Wait returns as soon as the child itself exits and
	// the rest of its group can be ended before anything waits on it.
	var (
		copies  sync.WaitGroup
		readers []*os.File // our read ends
		writers []*os.File // our write ends, which the child inherits
	)
	pipe := func(w io.Writer) (io.Writer, error) {
		if _, isFile := w.(*os.File); w == nil || isFile {
			return w, nil
		}
		r, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		readers, writers = append(readers, r), append(writers, pw)
		copies.Add(1)
		go func() {
			defer copies.Done()
			_, _ = io.Copy(w, r) // ends when every write end is closed, or r is
		}()
		return pw, nil
	}
	closeAll := func(fs []*os.File) {
		for _, f := range fs {
			_ = f.Close()
		}
	}
	var err error
	if cmd.Stdout != nil && cmd.Stdout == cmd.Stderr {
		var w io.Writer
		if w, err = pipe(cmd.Stdout); err == nil {
			cmd.Stdout, cmd.Stderr = w, w
		}
	} else {
		var wo, we io.Writer
		if wo, err = pipe(cmd.Stdout); err == nil {
			if we, err = pipe(cmd.Stderr); err == nil {
				cmd.Stdout, cmd.Stderr = wo, we
			}
		}
	}
	if err == nil {
		err = cmd.Start()
	}
	closeAll(writers) // the child holds its own copies now (or never will)
	if err != nil {
		closeAll(readers)
		copies.Wait()
		return err
	}
	if o.Started != nil {
		o.Started(cmd.Process.Pid)
	}
	werr := cmd.Wait()
	if !o.KeepGroup {
		// The group's id cannot be handed to another process while any
		// member of the group lives; when none does, the kill finds nothing
		// (ESRCH).
		_ = killGroup(cmd.Process.Pid)
	}
	done := make(chan struct{})
	go func() { copies.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(WaitDelay):
		closeAll(readers) // a process outside the group holds the pipe
		<-done
	}
	closeAll(readers)
	return werr
}
