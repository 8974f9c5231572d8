package steps

import (
	"testing"

	"github.com/handrail/handrail/internal/benchrunbook"
)

// BenchmarkParse10000Steps lints a 10,000-step runbook (the loader's goal:
// under 2 s and 200 MB on the project's 2-core machine; bench/ measures the
// whole `handrail lint` process).
func BenchmarkParse10000Steps(b *testing.B) {
	data := benchrunbook.Runbook(10000)
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
