package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAppend measures one fsynced append: the cost of every event the
// engine journals before the screen shows it as done.
func BenchmarkAppend(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	w, _, err := Create(path, "session.start", map[string]any{"session": "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	data := map[string]any{"step": "stop-slave", "check": "io-thread", "status": "pass", "verdict": "Slave_IO_Running = No (expected No)"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.Append("check.status", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay100k reads and verifies a 100,000-record journal of small
// records (about 30 MB) with Scan, as resume, report and verify do, one line
// at a time. bench/journal-scale.sh measures the real binary on journals of
// real-shape records (about 3 KB each).
func BenchmarkReplay100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "replay.jsonl")
	// Written without fsync per record (the format is identical) so that
	// setup takes a second, not minutes.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	clock := fixedClock()
	prev := Genesis
	for i := uint64(1); i <= 100_000; i++ {
		data, _ := marshalData(map[string]any{"step": "wait-catch-up", "check": "lag", "status": "fail", "observation": map[string]any{"Seconds_Behind_Master": i % 300}})
		line, rec, err := encode(i, clock(), "check.status", data, prev)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		prev = rec.Hash
	}
	mustClose(b, f)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		n := 0
		res, err := ScanFile(path, func(Record) error { n++; return nil })
		if err != nil || !res.OK || n != 100_000 {
			b.Fatalf("%v %+v", err, res)
		}
	}
}
