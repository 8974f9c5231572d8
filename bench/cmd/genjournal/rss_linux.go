package main

import (
	"os"
	"syscall"
)

// maxRSS is the peak resident set of a finished process in KiB (Linux
// reports ru_maxrss in KiB).
func maxRSS(st *os.ProcessState) int64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return -1
}
