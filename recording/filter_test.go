package recording

import (
	"bytes"
	"testing"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name, in, want string
		dropped        int
	}{
		{"text and colours", "\x1b[1;31mred\x1b[0m ok\r\n", "\x1b[1;31mred\x1b[0m ok\r\n", 0},
		{"cursor and erase", "\x1b[H\x1b[2J\x1b[10;5H\x1b[K\x1b[3X\x1b[2A\x1b7\x1b8", "\x1b[H\x1b[2J\x1b[10;5H\x1b[K\x1b[3X\x1b[2A\x1b7\x1b8", 0},
		{"alternate screen and cursor", "\x1b[?1049h\x1b[?25l\x1b[?2026h\x1b[?2026l\x1b[?25h\x1b[?1049l", "\x1b[?1049h\x1b[?25l\x1b[?2026h\x1b[?2026l\x1b[?25h\x1b[?1049l", 0},
		{"clipboard", "a\x1b]52;c;cm0gLXJmIC8=\x07b", "ab", 1},
		{"clipboard with ST", "a\x1b]52;c;cm0gLXJmIC8=\x1b\\b", "ab", 1},
		{"window title", "\x1b]0;pwned\x07\x1b]2;x\x1b\\t", "t", 2},
		{"hyperlink", "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "click", 2},
		{"colour query", "\x1b]11;?\x07", "", 1},
		{"tmux passthrough", "\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\x", "x", -1},
		{"DCS query", "\x1bP+q544e\x1b\\", "", 1},
		{"APC", "\x1b_Gf=100;AAAA\x1b\\", "", 1},
		{"device status and attributes", "\x1b[6n\x1b[c\x1b[>c\x1b[>q\x1b[?2026$p\x1b[?u", "", 6},
		{"window ops", "\x1b[8;100;200t\x1b[21t", "", 2},
		{"input modes", "\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?1004h\x1b[>1u\x1b[?1h", "", 6},
		{"a mode list with one input mode", "\x1b[?25;1000h", "", 1},
		{"full reset and keypad", "\x1bc\x1b=\x1b>", "", 3},
		{"8-bit controls", "a\u009b31mb\u009d52;c;x\u0007", `a\u009b31mb\u009d52;c;x`, 3},
		{"bidi", "abc\u202eevil", `abc\u202eevil`, 1},
		{"bell and shifts", "a\a\x0eb\x0f", "ab", 3},
		{"charsets and tabs", "\x1b(0qq\x1b(B\tx\x1bH\x1b[3g\x1b[?5W", "\x1b(0qq\x1b(B\tx\x1bH\x1b[3g\x1b[?5W", 0},
		{"cursor shape and soft reset", "\x1b[2 q\x1b[!p", "\x1b[2 q\x1b[!p", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			f := NewFilter(&out)
			if _, err := f.Write([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			f.Flush()
			if out.String() != tt.want || (tt.dropped >= 0 && f.Dropped != tt.dropped) || (tt.dropped < 0 && f.Dropped == 0) {
				t.Errorf("got %q (dropped %d), want %q (dropped %d)", out.String(), f.Dropped, tt.want, tt.dropped)
			}
		})
	}
}

// A sequence cut between two output events is judged whole.
func TestFilterAcrossWrites(t *testing.T) {
	in := "ok \x1b]52;c;cm0gLXJmIC8=\x07 \x1b[1;31mred\x1b[0m"
	for cut := 0; cut <= len(in); cut++ {
		var out bytes.Buffer
		f := NewFilter(&out)
		f.Write([]byte(in[:cut])) //nolint:errcheck
		f.Write([]byte(in[cut:])) //nolint:errcheck
		f.Flush()
		if want := "ok  \x1b[1;31mred\x1b[0m"; out.String() != want {
			t.Fatalf("cut at %d: %q, want %q", cut, out.String(), want)
		}
	}
}

func TestFilterFlushDropsAnUnfinishedSequence(t *testing.T) {
	var out bytes.Buffer
	f := NewFilter(&out)
	f.Write([]byte("x\x1b]52;c;AAAA")) //nolint:errcheck
	f.Flush()
	if out.String() != "x" || f.Dropped != 1 {
		t.Fatalf("%q %d", out.String(), f.Dropped)
	}
}
