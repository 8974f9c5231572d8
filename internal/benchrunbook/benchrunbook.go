// Package benchrunbook writes the large runbook the loader is measured on:
// steps' BenchmarkParse10000Steps parses it in process, and bench/run.sh
// lints it with the real binary (bench/cmd/bigrunbook writes the file).
package benchrunbook

import (
	"fmt"
	"strings"
)

// Runbook is a valid runbook of n steps, each with a body, a command, an
// action and a check with expectations: what lint reads for a large
// procedure.
func Runbook(n int) []byte {
	var b strings.Builder
	b.WriteString(`id: big
title: A runbook of many steps
source: none
params:
  - {name: host, pattern: '^[a-z0-9.-]+$', default: db2}
targets:
  db: {kind: mysql, host: "${host}", port: 3306, user_env: U, password_env: P}
  box: {kind: host, host: "${host}"}
steps:
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `  - id: step-%d
    title: Step %d on ${host}
    body: |
      Do the thing number %d on **${host}**, then check it.
    commands: [{on: box, run: "echo %d"}]
    action: {kind: command, target: box, argv: [echo, "${host}", "%d"]}
    checks:
      - id: check-%d
        kind: mysql.replica
        target: db
        expect: {Slave_IO_Running: "Yes", Last_IO_Errno: "0", Seconds_Behind_Master: {le: 5}}
        within: 60s
`, i, i, i, i, i, i)
	}
	return []byte(b.String())
}
