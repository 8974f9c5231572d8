// Command handrail is an interactive terminal runbook for high-risk procedures.
package main

import (
	"os"

	"github.com/handrail/handrail/cli"
)

func main() { os.Exit(int(cli.Run())) }
