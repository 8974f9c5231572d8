//go:build linux

package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Identify returns what tells this process apart from a later one that
// reuses its pid: its start time in clock ticks since boot (field 22 of
// /proc/<pid>/stat) and the boot's id. ok is false when /proc cannot say.
func Identify(pid int) (startTicks uint64, bootID string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces
	// or parentheses itself: the fields after it follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field 22 is f[19].
	if len(f) < 20 {
		return 0, "", false
	}
	t, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return t, BootID(), true
}

// BootID is this boot's id ("" when unknown): a process from an earlier
// boot is never alive.
func BootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// liveMember reports whether a process of group pgid is running (not a
// zombie waiting to be reaped). known is false when /proc cannot say.
func liveMember(pgid int) (alive, known bool) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		// After the name: state (field 3), ppid (4), pgrp (5).
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		if f[0] != "Z" && f[0] != "X" {
			return true, true
		}
	}
	return false, true
}
