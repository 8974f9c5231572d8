package checks

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456789… [truncated: 3 bytes]"},
		// Never cut inside a rune: ✔ is 3 bytes.
		{"abcdefghi✔xyz", 10, "abcdefghi… [truncated: 6 bytes]"},
		// Cut again: the bytes cut the first time count too.
		{"0123456789abcdef… [truncated: 100 bytes]", 10, "0123456789… [truncated: 106 bytes]"},
		// Cut once already and within the cap: unchanged.
		{"0123… [truncated: 100 bytes]", 10, "0123… [truncated: 100 bytes]"},
	}
	for _, c := range cases {
		got := Truncate(c.in, c.max)
		if got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q) is not UTF-8", c.in)
		}
	}
}

// TestCapBoundsAHugeAnswer is the replica status of 100 rows of
// 1 MiB values: what is kept is bounded and says what was cut.
func TestCapBoundsAHugeAnswer(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	o := Observation{Raw: big, Error: "", State: ""}
	for i := 0; i < 100; i++ {
		r := Row{Key: fmt.Sprint(i)}
		for j := 0; j < 5; j++ {
			r.Fields = append(r.Fields, Field{Name: fmt.Sprintf("f%d", j), Value: big})
		}
		r.Fields = append(r.Fields, Field{Name: "Slave_IO_Running", Value: "Yes"})
		o.Rows = append(o.Rows, r)
	}
	o.Cap(func(f string) bool { return f == "Slave_IO_Running" })

	if len(o.Rows) != MaxRows {
		t.Fatalf("kept %d rows, want %d", len(o.Rows), MaxRows)
	}
	if !strings.Contains(o.Error, "100 rows") || !strings.Contains(o.Error, fmt.Sprint(MaxRows)) {
		t.Errorf("error %q does not say rows were cut", o.Error)
	}
	if !strings.HasSuffix(o.Raw, fmt.Sprintf("… [truncated: %d bytes]", 1<<20-MaxRawBytes)) {
		t.Errorf("raw does not say it was cut: …%s", o.Raw[len(o.Raw)-40:])
	}
	size, dropped := len(o.Raw)+len(o.Error)+len(o.State), 0
	for _, r := range o.Rows {
		if f, ok := r.Get("Slave_IO_Running"); !ok || f.Value != "Yes" {
			t.Fatalf("row %s lost the field the check names: %+v", r.Key, f)
		}
		for _, f := range r.Fields {
			size += len(f.Name) + len(f.Value)
			if len(f.Value) > MaxValueBytes+40 {
				t.Errorf("value of %d bytes kept", len(f.Value))
			}
			if f.Name == TruncatedField {
				dropped++
			}
		}
	}
	if size > MaxObservationBytes+MaxRows*(64+len("Slave_IO_Running")) {
		t.Errorf("capped observation is %d bytes, cap %d", size, MaxObservationBytes)
	}
	if dropped == 0 {
		t.Error("no row says fields were dropped")
	}
}

func TestCapLeavesASmallAnswerAlone(t *testing.T) {
	o := Observation{Raw: "ok\n", Rows: []Row{{Fields: []Field{{Name: "a", Value: "1"}, {Name: "b", Null: true}}}}}
	want := fmt.Sprintf("%+v", o)
	o.Cap(nil)
	if got := fmt.Sprintf("%+v", o); got != want {
		t.Errorf("Cap changed a small observation:\n got %s\nwant %s", got, want)
	}
}

func TestMarkTruncated(t *testing.T) {
	if got := MarkTruncated("abc", 0); got != "abc" {
		t.Errorf("nothing dropped: %q", got)
	}
	if got := MarkTruncated("abc", 5); got != "abc… [truncated: 5 bytes]" {
		t.Errorf("got %q", got)
	}
	// A reader's cut, cut again by Cap: both counts add up.
	if got := Truncate(MarkTruncated("abcdef", 10), 2); got != "ab… [truncated: 14 bytes]" {
		t.Errorf("got %q", got)
	}
}
