package journal

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"
)

// TestFastAndSlowParsersAgree feeds both parsers every line of a journal and
// many single-byte mutations of it. The fast path may decline a line (it
// leaves escaped type names to the decoder) but must never accept one the
// decoder rejects, must read the same record, and must accept every plain
// line the Writer produces.
func TestFastAndSlowParsersAgree(t *testing.T) {
	path, w := newJournal(t, 8)
	if _, err := w.Append("type with \"quotes\" and <html>", map[string]any{"s": "a\u2028b", "n": 1.5e300, "nested": []any{nil, true, map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	b, _ := os.ReadFile(path)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, line := range lines(b) {
		line = line[:len(line)-1]
		variants := [][]byte{line}
		for i := 0; i < 300; i++ {
			m := append([]byte(nil), line...)
			m[rng.IntN(len(m))] = byte(rng.IntN(256))
			variants = append(variants, m)
		}
		for _, v := range variants {
			fast, fok := parseFast(v)
			slow, err := parseSlow(v)
			if fok && err != nil {
				t.Fatalf("fast path accepted a line the decoder rejects (%v): %q", err, v)
			}
			if !fok && err == nil && bytes.Equal(v, line) && !bytes.Contains(v, []byte(`quotes`)) {
				t.Fatalf("fast path declined a plain line: %q", v)
			}
			if fok && (fast.Seq != slow.Seq || !fast.Time.Equal(slow.Time) || fast.Type != slow.Type || !bytes.Equal(fast.Data, slow.Data) || fast.Prev != slow.Prev || fast.Hash != slow.Hash) {
				t.Fatalf("parsers disagree:\nfast %+v\nslow %+v", fast, slow)
			}
		}
	}
}

// TestDataWithSurroundingSpaceIsNotCanonical: `"data": {}` and
// `"data":{} ` carry the same record as `"data":{}`, so only the last may
// be accepted, by either parser (FuzzJournalLine found the fast parser
// accepting the others).
func TestDataWithSurroundingSpaceIsNotCanonical(t *testing.T) {
	for _, data := range []string{` {}`, `{} `, "\t\"x\"", "1\n"} {
		b := []byte(`{"seq":1,"time":"2026-11-22T02:15:01Z","type":"note","data":` + data + `,"prev":""`)
		line, _ := seal(b)
		line = line[:len(line)-1]
		if _, ok := parseFast(line); ok {
			t.Errorf("fast parser accepted data %q", data)
		}
		if _, err := parseSlow(line); err == nil {
			t.Errorf("decoder accepted data %q", data)
		}
	}
}
