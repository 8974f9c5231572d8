//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// GroupAlive reports whether process group pgid, whose leader started at
// startTicks in boot bootID (both as Identify gave them; zero values when
// unknown), still has a process in it.
//
// A group from an earlier boot is gone. A group with no process is gone.
// When the leader is still there with another start time, its pid was
// reused by a new group leader, so the recorded group is gone (a group id
// cannot be handed out while its group has members). When the leader has
// exited but others remain, the group is alive: those are what the action
// left behind. A zombie (killed, not yet reaped) does not count.
func GroupAlive(pgid int, startTicks uint64, bootID string) bool {
	if pgid <= 1 {
		return false
	}
	if bootID != "" {
		if cur := BootID(); cur != "" && cur != bootID {
			return false
		}
	}
	if err := syscall.Kill(-pgid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if startTicks != 0 {
		if t, _, ok := Identify(pgid); ok && t != startTicks {
			return false
		}
	}
	// Killed processes stay zombies until reaped: they do not run.
	if alive, known := liveMember(pgid); known {
		return alive
	}
	return true
}
