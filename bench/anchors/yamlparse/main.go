// Command yamlparse is the loader's anchor: it reads a YAML file and
// decodes it into plain values with the YAML library handrail's loader
// uses (goccy/go-yaml), and nothing else: no positions kept, no schema, no
// validation. bench/run.sh runs it beside `handrail lint` on the same
// 10,000-step runbook.
package main

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: yamlparse FILE")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "yamlparse:", err)
		os.Exit(1)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		fmt.Fprintln(os.Stderr, "yamlparse:", err)
		os.Exit(1)
	}
	m, _ := v.(map[string]any)
	steps, _ := m["steps"].([]any)
	fmt.Println(len(steps), "steps")
}
