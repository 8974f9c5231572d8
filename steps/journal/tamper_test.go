package journal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// lines splits a journal into its lines, each with its newline.
func lines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		out = append(out, append([]byte(nil), b[:i+1]...))
		b = b[i+1:]
	}
	return out
}

func join(ls [][]byte) []byte { return bytes.Join(ls, nil) }

// TestTamper applies 200 random single mutations to a generated journal and
// requires Verify to catch every one. Dropping the last record leaves a
// shorter, valid chain: that case is checked through the head anchor
// (VerifyHead with the original head), which is how `handrail verify --head`
// catches truncation.
func TestTamper(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TAMPER_SEED"); s != "" {
		if _, err := fmt.Sscan(s, &seed); err != nil {
			t.Fatalf("TAMPER_SEED=%q is not a number: %v", s, err)
		}
	}
	t.Logf("tamper seed %d (rerun with TAMPER_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	path, w := newJournal(t, 40)
	head := w.Head()
	mustClose(t, w)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if res := Verify(bytes.NewReader(orig)); !res.OK {
		t.Fatalf("pristine journal does not verify: %+v", res)
	}
	ls := lines(orig)
	n := len(ls)
	kinds := map[string]int{}
	for i := 0; i < 200; i++ {
		var mutated []byte
		var what string
		anchored := false
		switch rng.IntN(4) {
		case 0: // edit one byte anywhere inside a record (newline included)
			m := append([]byte(nil), orig...)
			pos := rng.IntN(len(m))
			old := m[pos]
			for m[pos] == old {
				m[pos] = byte(rng.IntN(256))
			}
			mutated, what = m, fmt.Sprintf("edit byte %d (%q -> %q)", pos, old, m[pos])
		case 1: // drop one record
			k := rng.IntN(n)
			c := append(append([][]byte{}, ls[:k]...), ls[k+1:]...)
			mutated, what = join(c), fmt.Sprintf("drop record %d", k+1)
			anchored = k == n-1
		case 2: // duplicate one record in place
			k := rng.IntN(n)
			c := append(append([][]byte{}, ls[:k+1]...), ls[k:]...)
			mutated, what = join(c), fmt.Sprintf("duplicate record %d", k+1)
		case 3: // swap two different records
			a, b := rng.IntN(n), rng.IntN(n-1)
			if b >= a {
				b++
			}
			c := append([][]byte{}, ls...)
			c[a], c[b] = c[b], c[a]
			mutated, what = join(c), fmt.Sprintf("swap records %d and %d", a+1, b+1)
		}
		kind := strings.Fields(what)[0]
		kinds[kind]++
		var res Result
		if anchored {
			res = VerifyHead(bytes.NewReader(mutated), head)
			if plain := Verify(bytes.NewReader(mutated)); !plain.OK {
				t.Errorf("%s: expected a valid shorter chain without the anchor, got %+v", what, plain)
			}
		} else {
			res = Verify(bytes.NewReader(mutated))
		}
		if res.OK {
			t.Errorf("mutation %d not detected: %s", i, what)
			continue
		}
		if res.Problem == "" || (res.BadLine == 0 && !anchored) {
			t.Errorf("mutation %d (%s): detected without a line or reason: %+v", i, what, res)
		}
	}
	t.Logf("mutations: %v", kinds)
}

// TestVerifyNamesTheFirstBadRecord checks the reported line and reason for
// each kind of damage on a fixed journal.
func TestVerifyNamesTheFirstBadRecord(t *testing.T) {
	path, w := newJournal(t, 6)
	head := w.Head()
	mustClose(t, w)
	orig, _ := os.ReadFile(path)
	ls := lines(orig)
	edit := func(k int, from, to string) []byte {
		c := append([][]byte{}, ls...)
		c[k] = bytes.Replace(c[k], []byte(from), []byte(to), 1)
		return join(c)
	}
	tests := []struct {
		name    string
		in      []byte
		head    string
		line    int
		problem string
	}{
		{"edited data", edit(2, `"note"`, `"nope"`), "", 3, "hash mismatch"},
		{"dropped middle", join(append(append([][]byte{}, ls[:2]...), ls[3:]...)), "", 3, "seq jumps from 2 to 4: record 3 was deleted"},
		{"dropped first", join(ls[1:]), "", 1, "first record has seq 2"},
		{"duplicated", join(append(append([][]byte{}, ls[:3]...), ls[2:]...)), "", 4, "seq 3 repeats"},
		{"swapped", join([][]byte{ls[0], ls[2], ls[1], ls[3], ls[4], ls[5]}), "", 2, "seq jumps from 1 to 3"},
		{"garbage line", join(append(append([][]byte{}, ls[:1]...), append([][]byte{[]byte("hello\n")}, ls[1:]...)...)), "", 2, "too short"},
		{"truncated tail, anchored", join(ls[:5]), head, 0, "expected head"},
		{"torn tail", append(append([]byte(nil), orig...), ls[0][:20]...), "", 7, "incomplete"},
		{"empty", nil, "", 0, "no record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := VerifyHead(bytes.NewReader(tt.in), tt.head)
			if res.OK || res.BadLine != tt.line || !strings.Contains(res.Problem, tt.problem) {
				t.Fatalf("got ok=%v line=%d problem=%q; want line %d containing %q", res.OK, res.BadLine, res.Problem, tt.line, tt.problem)
			}
		})
	}
	// An anchor older than the head is fine: the journal grew after it.
	mid := Verify(bytes.NewReader(join(ls[:3]))).Head
	if res := VerifyHead(bytes.NewReader(orig), mid); !res.OK || res.AnchorSeq != 3 {
		t.Fatalf("older anchor: %+v", res)
	}
}
