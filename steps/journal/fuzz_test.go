package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzJournalLine feeds the journal's readers arbitrary bytes three ways:
//
//   - as JSON: validJSON, the fast parser's check of a record's data,
//     accepts exactly what encoding/json.Valid accepts;
//   - as the body of a line, sealed with its correct hash so the input gets
//     past the hash check: the fast parser never accepts a line the strict
//     decoder (parseSlow) rejects, and reads the same record from it;
//   - as a whole journal: Scan (resume, report, watch) and Verify (verify)
//     never panic and reach the same verdict, Scan hands over exactly the
//     records it counts, and every record it hands over re-encodes to its
//     own line.
func FuzzJournalLine(f *testing.F) {
	path, w := newJournal(f, 6)
	if _, err := w.Append("type with \"quotes\"", map[string]any{"s": "a\u2028b\\\"", "n": -1.5e300, "nested": []any{nil, true, false, map[string]any{"": []any{}}}}); err != nil {
		f.Fatal(err)
	}
	mustClose(f, w)
	whole, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(whole)
	for _, l := range lines(whole) {
		f.Add(l)
		f.Add(l[:len(l)-1-hashSuffixLen]) // a body: sealed by the target
	}
	for _, s := range []string{
		`{"seq":1,"time":"2026-11-22T02:15:01Z","type":"note","data":{"a":1},"prev":""`,
		`{"seq":2,"time":"2026-11-22T02:15:01.5Z","type":"note","data":[1,2,{"b":"\u00e9"}],"prev":"` + string(bytes.Repeat([]byte("a"), 64)) + `"`,
		`{"seq":1,"time":"2026-11-22T02:15:01Z","type":"x","data":{"a":1},"prev":"","prev":""`,
		`{"seq":01,"time":"2026-11-22T02:15:01Z","type":"x","data":1e5,"prev":""`,
		`{"step":"a","STEP":"b","check":"c","ſtep":"\u0064","observation":{"step":"x","rows":[{"k":"}"}]}}`,
		` [1, 2.5e-3, -0, "\ud800", true, false, null] `, `{"a":}`, `[1,]`, `"\x"`, `-`, `1.`, `01`, "\"\x1f\"", "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}

		if json.Valid(b) {
			// Fields reads a key as the decoder does.
			var d struct {
				Step  string `json:"step"`
				Check string `json:"check"`
			}
			if json.Unmarshal(b, &d) == nil {
				got := Fields(b, "step", "check")
				for i, want := range []string{d.Step, d.Check} {
					if s, ok := String(got[i]); ok && s != want || !ok && want != "" {
						t.Fatalf("Fields(%q)[%d] = %q, the decoder reads %q", b, i, got[i], want)
					}
				}
			}
		}

		line, _ := seal(b)
		line = line[:len(line)-1]
		fast, fok := parseFast(line)
		slow, err := parseSlow(line)
		if fok && err != nil {
			t.Fatalf("the fast parser accepted a line the decoder rejects (%v): %q", err, line)
		}
		if fok && (fast.Seq != slow.Seq || !fast.Time.Equal(slow.Time) || fast.Type != slow.Type || !bytes.Equal(fast.Data, slow.Data) || fast.Prev != slow.Prev || fast.Hash != slow.Hash) {
			t.Fatalf("parsers disagree on %q:\nfast %+v\nslow %+v", line, fast, slow)
		}
		if err == nil {
			// A record either parser accepts is the canonical encoding of
			// its fields: re-encoding gives the same bytes.
			again, _, encErr := encode(slow.Seq, slow.Time, slow.Type, slow.Data, slow.Prev)
			if encErr != nil || !bytes.Equal(again[:len(again)-1], line) {
				t.Fatalf("accepted line is not canonical:\n%q\nre-encodes to\n%q (%v)", line, again, encErr)
			}
		}

		var n int
		res, err := Scan(bytes.NewReader(b), func(r Record) error {
			n++
			if r.Seq != uint64(n) {
				t.Fatalf("Scan handed over seq %d as record %d", r.Seq, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Scan of an in-memory journal: %v", err)
		}
		if n != res.Records {
			t.Fatalf("Scan handed over %d records and counts %d", n, res.Records)
		}
		if v := Verify(bytes.NewReader(b)); v != res {
			t.Fatalf("Verify and Scan disagree:\nverify %+v\nscan   %+v", v, res)
		}
	})
}
