package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// dialog is a modal that has the keyboard while it is open. A dialog ignores
// every key but esc until armed (a short debounce after it opens), and
// confirms only with Enter on a button the operator moved to, or by typing
// "yes": the key that opened it can never confirm it. ctrl+c is the
// console's, never a dialog's: it leaves at once.
type dialog interface {
	init() tea.Cmd
	arm() dialog
	// resize gives the dialog the box's outer width and the most lines it
	// may take: a dialog taller than that scrolls inside (frame).
	resize(width, height int) dialog
	// update returns a non-nil result when the dialog is finished: resCancel
	// or what it decided.
	update(msg tea.Msg) (dialog, any, tea.Cmd)
	view() string
}

// Dialog results.
type (
	resCancel   struct{}
	resQuit     struct{}
	resAction   struct{}
	resNote     struct{ text string }
	resOverride struct{ o Override }
	resAttest   struct{ outcome, text string }
)

// buttons is a row of two buttons: 0 the safe one, 1 the one that acts.
// Focus starts on the safe one.
type buttons struct {
	labels [2]string
	focus  int
}

func (b buttons) view(s Styles, active bool) string {
	out := make([]string, 2)
	for i, l := range b.labels {
		if active && b.focus == i {
			out[i] = s.ButtonOn.Render("> " + l + " <")
		} else {
			out[i] = s.Button.Render("[ " + l + " ]")
		}
	}
	return out[0] + "  " + out[1]
}

// move handles left/right between the buttons; it reports whether the key
// was one of those. Tab and shift+tab move between a dialog's fields, and
// each dialog decides where they go.
func (b *buttons) move(k string) bool {
	switch k {
	case "left", "h":
		b.focus = 0
	case "right", "l":
		b.focus = 1
	default:
		return false
	}
	return true
}

// printable reports whether a key types text (a letter, a digit, a space,
// punctuation): a dialog whose focus is on a button gives such a key to its
// text field instead of dropping it.
func printable(k tea.KeyPressMsg) bool {
	return k.Text != "" && k.Mod&^tea.ModShift == 0
}

// confirmDialog asks to confirm one consequential thing.
type confirmDialog struct {
	title  string
	step   string // which step it acts on ("" when it is not about one)
	body   []string
	btn    buttons
	ok     any
	armed  bool
	width  int
	height int
	s      Styles
	// cmd draws a command (the action's statement) at body[cmdAt:],
	// shifted sideways by shift columns; when a line of it is cut at the
	// edge (cmdMax > 0), < and > scroll it by cmdStep, up to cmdMax (←/→
	// choose a button).
	cmd                    func(shift int) []string
	cmdAt                  int
	shift, cmdStep, cmdMax int
}

func newConfirm(title, step string, body []string, cancel, ok string, res any, s Styles) confirmDialog {
	return confirmDialog{title: title, step: step, body: body, btn: buttons{labels: [2]string{cancel, ok}}, ok: res, s: s}
}

func (d confirmDialog) init() tea.Cmd { return nil }
func (d confirmDialog) arm() dialog   { d.armed = true; return d }
func (d confirmDialog) resize(width, height int) dialog {
	d.width, d.height = width, height
	return d
}

func (d confirmDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil, nil
	}
	if k.String() == "esc" {
		return d, resCancel{}, nil
	}
	if !d.armed {
		return d, nil, nil
	}
	switch k.String() {
	case "<", "shift+left":
		d.shift = max(0, d.shift-d.cmdStep)
		return d, nil, nil
	case ">", "shift+right":
		d.shift = min(d.shift+d.cmdStep, d.cmdMax)
		return d, nil, nil
	case "tab":
		d.btn.focus = 1
		return d, nil, nil
	case "shift+tab":
		d.btn.focus = 0
		return d, nil, nil
	}
	if d.btn.move(k.String()) {
		return d, nil, nil
	}
	if k.String() == "enter" {
		if d.btn.focus == 1 {
			return d, d.ok, nil
		}
		return d, resCancel{}, nil
	}
	return d, nil, nil
}

func (d confirmDialog) view() string {
	lines := []string{d.s.DialogTitle.Render(d.title)}
	if d.step != "" {
		lines = append(lines, d.s.Dim.Render("on: "+d.step))
	}
	lines = append(lines, "")
	hint := "←/→ choose · enter confirm · esc cancel"
	if d.cmd != nil {
		at := min(d.cmdAt, len(d.body))
		lines = append(lines, d.body[:at]...)
		lines = append(lines, d.cmd(d.shift)...)
		lines = append(lines, d.body[at:]...)
		if d.cmdMax > 0 {
			hint = "</> scroll the command · " + hint
		}
	} else {
		lines = append(lines, d.body...)
	}
	keep := len(lines)
	lines = append(lines, "", d.btn.view(d.s, true), "", d.s.Dim.Render(hint))
	return frame(d.s, d.width, d.height, lines, keep, len(lines)-1)
}

// frame draws a dialog box of the given outer width, at most height lines
// tall (0: no limit). A box that would be taller scrolls inside: its first
// two lines (the title and the step it is on) stay, and below them it shows
// the lines from keepFrom to keepTo (indices into lines: the part the
// operator is working on) and as much around them as fits, with a mark
// where lines are left out above or below.
func frame(s Styles, width, height int, lines []string, keepFrom, keepTo int) string {
	inner := max(10, width-4)
	var wrapped []string
	start := make([]int, len(lines)+1) // first wrapped line of each line
	for i, l := range lines {
		start[i] = len(wrapped)
		wrapped = append(wrapped, strings.Split(lipgloss.NewStyle().Width(inner).Render(l), "\n")...)
	}
	start[len(lines)] = len(wrapped)
	pin := min(2, len(lines))
	if room := height - 2 - start[pin]; height > 0 && len(wrapped)-start[pin] > room && room >= 3 {
		head, rest := wrapped[:start[pin]], wrapped[start[pin]:]
		keepFrom = min(max(pin, keepFrom), len(lines)-1)
		keepTo = min(max(keepFrom, keepTo), len(lines)-1)
		top, bottom := start[keepFrom]-start[pin], start[keepTo+1]-start[pin] // [top, bottom) in rest
		// The window [off, off+view): marks take a line each where lines
		// are left out, so the view shrinks by them.
		var off, view int
		for _, marks := range []int{0, 1, 2} {
			view = room - marks
			off = max(0, min(top, bottom-view))
			if bottom-top > view {
				off = top
			}
			off = min(off, len(rest)-view)
			need := 0
			if off > 0 {
				need++
			}
			if off+view < len(rest) {
				need++
			}
			if need <= marks {
				break
			}
		}
		win := append([]string(nil), head...)
		if off > 0 {
			win = append(win, s.Dim.Render("↑ more above"))
		}
		win = append(win, rest[off:off+view]...)
		if off+view < len(rest) {
			win = append(win, s.Dim.Render("↓ more below"))
		}
		wrapped = win
	}
	for i, l := range wrapped {
		if ansi.StringWidth(l) > inner {
			wrapped[i] = ansi.Truncate(l, inner, "…")
		}
	}
	return s.Dialog.Width(width).Render(strings.Join(wrapped, "\n"))
}
