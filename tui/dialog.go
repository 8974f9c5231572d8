package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// dialog is a modal that has the keyboard while it is open. A dialog ignores
// every key but esc until armed (a short debounce after it opens), and
// confirms only with Enter on a button the operator moved to, or by typing
// "yes": the key that opened it can never confirm it.
type dialog interface {
	init() tea.Cmd
	arm() dialog
	resize(width int) dialog
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

// move handles left/right/tab between the buttons; it reports whether the key
// was one of those.
func (b *buttons) move(k string) bool {
	switch k {
	case "left", "h", "shift+tab":
		b.focus = 0
	case "right", "l", "tab":
		b.focus = 1
	default:
		return false
	}
	return true
}

// confirmDialog asks to confirm one consequential thing.
type confirmDialog struct {
	title string
	body  []string
	btn   buttons
	ok    any
	armed bool
	width int
	s     Styles
}

func newConfirm(title string, body []string, cancel, ok string, res any, s Styles) confirmDialog {
	return confirmDialog{title: title, body: body, btn: buttons{labels: [2]string{cancel, ok}}, ok: res, s: s}
}

func (d confirmDialog) init() tea.Cmd           { return nil }
func (d confirmDialog) arm() dialog             { d.armed = true; return d }
func (d confirmDialog) resize(width int) dialog { d.width = width; return d }

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
	lines := []string{d.s.DialogTitle.Render(d.title), ""}
	lines = append(lines, d.body...)
	lines = append(lines, "", d.btn.view(d.s, true), "", d.s.Dim.Render("←/→ choose · enter confirm · esc cancel"))
	return frame(d.s, d.width, lines)
}

// frame draws a dialog box of the given outer width.
func frame(s Styles, width int, lines []string) string {
	inner := max(10, width-4)
	wrapped := make([]string, 0, len(lines))
	for _, l := range lines {
		wrapped = append(wrapped, lipgloss.NewStyle().Width(inner).Render(l))
	}
	return s.Dialog.Width(width).Render(strings.Join(wrapped, "\n"))
}
