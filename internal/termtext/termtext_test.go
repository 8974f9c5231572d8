package termtext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineAndBlock(t *testing.T) {
	cases := []struct{ in, line, block string }{
		{"plain text", "plain text", "plain text"},
		{"Slave_IO_Running: Yes", "Slave_IO_Running: Yes", "Slave_IO_Running: Yes"},
		{"a\nb\tc", `a\nb\tc`, "a\nb\tc"},
		{"\x1b]0;PWN\a\x1b[2J", `\x1b]0;PWN\x07\x1b[2J`, `\x1b]0;PWN\x07\x1b[2J`},
		{"echo \x1b[8m rm -rf /\x1b[0m\x1b[1K\r echo safe", `echo \x1b[8m rm -rf /\x1b[0m\x1b[1K\r echo safe`, `echo \x1b[8m rm -rf /\x1b[0m\x1b[1K\r echo safe`},
		{"\u009b31m", `\u009b31m`, `\u009b31m`},
		{"abc\u202eevil\u2066x\u2069", `abc\u202eevil\u2066x\u2069`, `abc\u202eevil\u2066x\u2069`},
		{"bad \xff byte", `bad \xff byte`, `bad \xff byte`},
		{"ok \ufffd replacement", "ok \ufffd replacement", "ok \ufffd replacement"},
		{"del\x7f", `del\x7f`, `del\x7f`},
		{"ünïcödé ✔ 日本", "ünïcödé ✔ 日本", "ünïcödé ✔ 日本"},
		{"crlf\r\n", `crlf\r\n`, "crlf\\r\n"},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := Block(c.in); got != c.block {
			t.Errorf("Block(%q) = %q, want %q", c.in, got, c.block)
		}
	}
}

// TestNothingUnsafeSurvives is the rule's property: whatever goes in, no
// byte that a terminal treats as control comes out.
func TestNothingUnsafeSurvives(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		all.WriteRune(r)
	}
	all.WriteString("\xff\xfe\xc3")
	for _, out := range []string{Line(all.String()), Block(all.String())} {
		if !utf8.ValidString(out) {
			t.Fatal("output is not valid UTF-8")
		}
		for _, r := range out {
			if Unsafe(r) && r != '\n' && r != '\t' {
				t.Fatalf("unsafe rune %U survived", r)
			}
		}
	}
	if strings.ContainsAny(Line(all.String()), "\n\t") {
		t.Fatal("Line let a newline or tab through")
	}
}

func TestWriterKeepsSplitRunes(t *testing.T) {
	var out bytes.Buffer
	w := Writer(&out)
	in := []byte("ok ✔ \x1b[2J done\n")
	for i := range in { // one byte at a time: every rune is split
		if n, err := w.Write(in[i : i+1]); n != 1 || err != nil {
			t.Fatalf("write: %d %v", n, err)
		}
	}
	if got, want := out.String(), "ok ✔ \\x1b[2J done\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLines(t *testing.T) {
	got := Lines("one\r\ntwo\x1b[1A\n")
	if len(got) != 2 || got[0] != "one" || got[1] != `two\x1b[1A` {
		t.Fatalf("Lines = %q", got)
	}
}

func FuzzLine(f *testing.F) {
	f.Add("\x1b[2J\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Line(s) {
			if Unsafe(r) {
				t.Fatalf("unsafe %U in Line(%q)", r, s)
			}
		}
	})
}

// TestWriterFlushShowsACutSequence: output that ends in the start of a
// UTF-8 sequence is held back by Write and written, escaped, by Flush;
// nothing is dropped, and a Flush with nothing held writes nothing.
func TestWriterFlushShowsACutSequence(t *testing.T) {
	var b strings.Builder
	w := Writer(&b)
	if _, err := w.Write([]byte("done \xe2\x9c")); err != nil {
		t.Fatal(err)
	}
	if b.String() != "done " {
		t.Fatalf("before Flush: %q", b.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if !strings.HasPrefix(got, "done ") || len(got) == len("done ") || !IsSafe(got) || !utf8.ValidString(got) {
		t.Fatalf("after Flush: %q", got)
	}
	if err := w.Flush(); err != nil || b.String() != got {
		t.Fatalf("a second Flush wrote %q (%v)", b.String()[len(got):], err)
	}
	// A sequence completed by the next write is still written whole.
	if _, err := w.Write([]byte("\xe2\x9c")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("\x94 ok")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "✔ ok") {
		t.Fatalf("a split sequence: %q", b.String())
	}
}
