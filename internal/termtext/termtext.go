// Package termtext is handrail's one rule for showing untrusted text on a
// terminal. Text from a runbook, a server, a command's output, a journal or
// a person is data: no byte of it may reach a terminal as control. Every
// sink (the console and its window title, watch, plain mode, show,
// sessions, the Markdown report, the debrief and every error message)
// passes such text through Line or Block, or writes through Writer.
//
// The rule: C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls
// (U+0080–U+009F), the Unicode bidi controls (U+202A–U+202E, U+2066–U+2069,
// and the marks U+200E, U+200F, U+061C), the line and paragraph separators
// (U+2028, U+2029) and bytes that are not UTF-8 are shown visibly as Go-style
// escapes (`\x1b`, `\r`, `\u202e`, `\xff`), never emitted. Block keeps
// newline and tab, for text that is meant to have several lines; Line
// escapes them too, for a value shown on one line.
package termtext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r may never reach a terminal as it is. Newline and
// tab are unsafe too: Block lets them through on purpose. (Bytes that are
// not UTF-8 are escaped as well; they are not runes.)
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Line returns s with every unsafe character escaped, newline and tab
// included: the result is one line of plain text.
func Line(s string) string { return clean(s, false) }

// Block returns s with every unsafe character escaped except newline and
// tab: the result may have several lines, and nothing else.
func Block(s string) string { return clean(s, true) }

// Lines splits s into lines and makes each one safe with Line (a trailing
// newline gives no empty last line).
func Lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	out := strings.Split(s, "\n")
	for i, l := range out {
		out[i] = Line(strings.TrimSuffix(l, "\r"))
	}
	return out
}

// IsSafe reports whether Line would return s unchanged.
func IsSafe(s string) bool { return firstUnsafe(s, false) < 0 }

// firstUnsafe is the byte offset of the first character clean must escape,
// or -1.
func firstUnsafe(s string, block bool) int {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			layout := block && (b == '\n' || b == '\t')
			if (b < 0x20 || b == 0x7f) && !layout {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if Unsafe(r) || (r == utf8.RuneError && n == 1) {
			return i
		}
		i += n
	}
	return -1
}

func clean(s string, block bool) string {
	i := firstUnsafe(s, block)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case block && (c == '\n' || c == '\t'):
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\r':
				b.WriteString(`\r`)
			case c < 0x20 || c == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, c)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Writer returns a writer that passes everything through Block before it
// reaches w: for sinks that only ever print plain text (plain mode, show,
// sessions, the Markdown report on a terminal, error messages). A UTF-8
// sequence split across two writes is kept whole: the start of one at the
// end of a write is held back until the next write completes it, or until
// Flush, which the owner calls once nothing more will be written.
func Writer(w io.Writer) *SafeWriter { return &SafeWriter{w: w} }

// SafeWriter is Writer's writer.
type SafeWriter struct {
	w    io.Writer
	tail []byte // the start of a UTF-8 sequence the last write cut
}

// Flush writes what Write held back, the start of a UTF-8 sequence that
// never was completed, escaped through Block (`\xe2\x9c`): output that ends
// in a cut sequence is shown, never dropped.
func (t *SafeWriter) Flush() error {
	if len(t.tail) == 0 {
		return nil
	}
	s := Block(string(t.tail))
	t.tail = t.tail[:0]
	_, err := io.WriteString(t.w, s)
	return err
}

func (t *SafeWriter) Write(p []byte) (int, error) {
	buf := p
	if len(t.tail) > 0 {
		buf = append(append([]byte(nil), t.tail...), p...)
		t.tail = t.tail[:0]
	}
	// Hold back an incomplete UTF-8 sequence at the end.
	if cut := incompleteTail(buf); cut > 0 {
		t.tail = append(t.tail, buf[len(buf)-cut:]...)
		buf = buf[:len(buf)-cut]
	}
	if _, err := io.WriteString(t.w, Block(string(buf))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// incompleteTail is how many bytes at the end of b start a UTF-8 sequence
// that is not complete yet (0 when none).
func incompleteTail(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a leading byte: how long should its sequence be?
			need := 2
			if c >= 0xf0 {
				need = 4
			} else if c >= 0xe0 {
				need = 3
			}
			if need > k {
				return k
			}
			return 0
		}
	}
	return 0
}
