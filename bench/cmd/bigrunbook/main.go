// Command bigrunbook writes the runbook of N steps the loader's goal is
// measured on (internal/benchrunbook, the same one steps'
// BenchmarkParse10000Steps parses): bench/run.sh lints it with the real
// binary.
//
//	bigrunbook -steps 10000 -o big.yaml
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/handrail/handrail/internal/benchrunbook"
)

func main() {
	n := flag.Int("steps", 10000, "steps in the runbook")
	out := flag.String("o", "big.yaml", "the file to write")
	flag.Parse()
	if err := os.WriteFile(*out, benchrunbook.Runbook(*n), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "bigrunbook:", err)
		os.Exit(1)
	}
}
