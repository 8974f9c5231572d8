package steps

import (
	"fmt"
	"strings"
	"testing"
)

// bigRunbook is a valid runbook of n steps, each with a body, a command,
// an action and a check with expectations: what lint reads for a large
// procedure.
func bigRunbook(n int) []byte {
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

// BenchmarkParse10000Steps lints a 10,000-step runbook (the loader's goal:
// under 2 s and 200 MB on the project's 2-core machine; bench/ measures the
// whole `handrail lint` process).
func BenchmarkParse10000Steps(b *testing.B) {
	data := bigRunbook(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse10000StepsWhole parses the same runbook in one piece, as a
// file below chunkAbove is: the cost the item-by-item parse saves.
func BenchmarkParse10000StepsWhole(b *testing.B) {
	old := chunkAbove
	chunkAbove = 1 << 30
	defer func() { chunkAbove = old }()
	BenchmarkParse10000Steps(b)
}
