package recording

import (
	"io"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/internal/termtext"
)

// Filter passes on to a terminal only what a recording may do there: draw
// on the screen. A recording is a stream of terminal control, so it cannot
// go through termtext like other untrusted text; and a recording may have
// been edited. Filter keeps an allowlist of sequences that move the cursor,
// erase, scroll, set colours and switch to the alternate screen, and drops
// everything else, above all what acts outside the screen: OSC 52 (the
// clipboard), window titles, hyperlinks and notifications (every OSC),
// DCS/APC/PM/SOS strings (tmux passthrough, terminal queries), requests
// that make the terminal answer on its input (device status, attributes,
// window reports), input modes (mouse, bracketed paste, focus, keyboard
// protocols) and a full reset. Text between sequences passes through
// termtext.Line, the one rule: a bidi control or a C1 character shows as
// an escape.
type Filter struct {
	w       io.Writer
	p       *ansi.Parser
	pending []byte // an escape sequence the last write cut
	out     []byte
	// Dropped counts the sequences and controls left out.
	Dropped int
}

// NewFilter returns a Filter writing to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w, p: ansi.NewParser()} }

// Write filters p. A sequence cut at the end of p is held for the next
// write.
func (f *Filter) Write(p []byte) (int, error) {
	b := p
	if len(f.pending) > 0 {
		b = append(f.pending, p...)
		f.pending = nil
	}
	f.out = f.out[:0]
	var state byte
	for len(b) > 0 {
		seq, _, n, next := ansi.DecodeSequence(b, state, f.p)
		if next != ansi.NormalState && n == len(b) {
			// An escape sequence not finished yet.
			f.pending = append([]byte(nil), b...)
			break
		}
		state = ansi.NormalState
		f.token(seq)
		b = b[n:]
	}
	if len(f.out) > 0 {
		if _, err := f.w.Write(f.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush drops an unfinished sequence held back (the recording ended in
// the middle of one).
func (f *Filter) Flush() {
	if len(f.pending) > 0 {
		f.pending = nil
		f.Dropped++
	}
}

func (f *Filter) token(seq []byte) {
	c := seq[0]
	switch {
	case c == ansi.ESC && len(seq) == 1:
		f.Dropped++
	case c == ansi.ESC:
		if f.allowed(seq) {
			f.out = append(f.out, seq...)
		} else {
			f.Dropped++
		}
	case c < 0x20 || c == 0x7f:
		switch c {
		case '\r', '\n', '\t', '\b':
			f.out = append(f.out, c)
		default: // BEL, SO/SI (charset shifts), and the rest
			f.Dropped++
		}
	case c >= 0x80 && c <= 0x9f: // a raw 8-bit C1 control (CSI, OSC, …)
		f.Dropped++
	default:
		s := termtext.Line(string(seq))
		if len(s) != len(seq) {
			f.Dropped++
		}
		f.out = append(f.out, s...)
	}
}

// allowed decides an ESC sequence from its bytes (7-bit forms only: 8-bit
// C1 forms are dropped before).
func (f *Filter) allowed(seq []byte) bool {
	if len(seq) < 2 {
		return false
	}
	switch seq[1] {
	case '[':
		return f.csiAllowed()
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS
		return false
	}
	switch string(seq[1:]) {
	case "7", "8", // save, restore the cursor
		"D", "E", "M", // index, next line, reverse index
		"H",                    // set a tab stop
		"(B", "(0", ")B", ")0": // line-drawing charsets
		return true
	}
	return false
}

// screenModes are the DEC private modes a recording may set or reset: what
// the screen shows, never how the terminal reads input.
var screenModes = map[int]bool{
	6: true, 7: true, 12: true, 25: true, // origin, autowrap, blinking cursor, cursor visible
	47: true, 1047: true, 1048: true, 1049: true, // the alternate screen
	2026: true, // synchronized output
}

func (f *Filter) csiAllowed() bool {
	cmd := ansi.Cmd(f.p.Command())
	prefix, inter, final := cmd.Prefix(), cmd.Intermediate(), cmd.Final()
	if cmd == 0 {
		return false
	}
	switch {
	case prefix == 0 && inter == 0:
		switch final {
		case 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'f', 'd', 'e', 'a', '`', // cursor
			'J', 'K', 'X', // erase
			'@', 'L', 'M', 'P', 'S', 'T', 'b', // insert, delete, scroll, repeat
			'r', 's', 'u', // margins, save and restore the cursor
			'I', 'Z', 'g', // tabs
			'm': // colours and attributes
			return true
		case 'h', 'l':
			return f.paramsIn(map[int]bool{4: true}) // insert mode
		}
	case prefix == '?' && inter == 0:
		switch final {
		case 'h', 'l':
			return f.paramsIn(screenModes)
		case 'J', 'K': // selective erase
			return true
		case 'W': // tab stops every 8 columns (DECST8C)
			return f.paramsIn(map[int]bool{5: true})
		}
	case prefix == 0 && inter == ' ' && final == 'q': // cursor shape
		return true
	case prefix == 0 && inter == '!' && final == 'p': // soft reset
		return true
	}
	return false
}

// paramsIn reports whether the sequence has parameters and every one is in
// ok.
func (f *Filter) paramsIn(ok map[int]bool) bool {
	params := f.p.Params()
	if len(params) == 0 {
		return false
	}
	for _, p := range params {
		v := p.Param(-1)
		if !ok[v] {
			return false
		}
	}
	return true
}
