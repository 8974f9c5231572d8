//go:build !linux

package main

import "os"

// maxRSS is not measured off Linux.
func maxRSS(*os.ProcessState) int64 { return -1 }
