package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
)

// How a command reads on screen ("Type exactly:"): it is never broken
// inside a word. A command too long for its line is broken between words,
// and each line that goes on below ends with a continuation mark (↩), which
// is not part of the command. A single word longer than the line (a long
// path) stays whole: its line is cut at the pane's edge with a mark (→),
// and ←/→ scroll it sideways. y copies the focused command, whole, to the
// clipboard with OSC 52, which works over SSH and in tmux.

// commandLines lays text out in lines of at most width columns, broken only
// between words: a line that goes on below ends with a space and mark. A
// word longer than a line stays whole on a line of its own (wider than
// width: the pane scrolls it sideways), unless hard, which breaks it at the
// width with mark after each piece (a check panel's query, which cannot
// scroll, still shows every character; the action dialog scrolls like the
// pane). text must already be safe (termtext).
func commandLines(text string, width int, mark string, hard bool) []string {
	budget := max(4, width-1-ansi.StringWidth(mark)) // room for " ↩"
	var out []string
	cur, has := "", false
	flush := func(more bool) {
		if more {
			out = append(out, cur+" "+mark)
		} else {
			out = append(out, cur)
		}
		cur, has = "", false
	}
	for _, w := range strings.Split(text, " ") {
		switch {
		case !has:
			cur, has = w, true
		case ansi.StringWidth(cur)+1+ansi.StringWidth(w) <= budget:
			cur += " " + w
		case hard && ansi.StringWidth(w) > budget:
			// It fits no line: broken anyway, it starts where it is.
			cur += " " + w
		default:
			flush(true)
			cur, has = w, true
		}
		for hard && ansi.StringWidth(cur) > budget {
			// Only in a dialog: the piece ends with the mark, no space, so
			// the break inside the word shows.
			out = append(out, ansi.Cut(cur, 0, budget)+mark)
			cur = ansi.Cut(cur, budget, ansi.StringWidth(cur))
		}
	}
	if has {
		flush(false)
	}
	return out
}

// cmdLayout is one command of a step as the pane draws it.
type cmdLayout struct {
	prompt string   // "slave$"
	lines  []string // its text, laid out (commandLines)
	// where says on which target it runs when that is not the step's own
	// ("" otherwise).
	where string
}

// stepCommands lays out the step's commands for a text column of width.
func (m Model) stepCommands(st StepView, width int) []cmdLayout {
	var out []cmdLayout
	for _, c := range st.Step.Commands {
		on := c.On
		if on == "" {
			on = st.Step.On
		}
		prompt := "$"
		if on != "" {
			prompt = termtext.Line(on) + "$"
		}
		avail := max(8, width-2-ansi.StringWidth(prompt)-1)
		var lines []string
		for _, l := range strings.Split(strings.TrimRight(c.Run, "\n"), "\n") {
			lines = append(lines, commandLines(termtext.Line(l), avail, m.styles.Sym.Continue, false)...)
		}
		cl := cmdLayout{prompt: prompt, lines: lines}
		if t, ok := m.snap.Targets[on]; ok && on != st.Step.On {
			cl.where = "(" + t.Kind + " " + t.Address() + ")"
		}
		out = append(out, cl)
	}
	return out
}

// drawCommand draws one laid-out command: the focus mark, the prompt, its
// lines, each line wider than the column cut at the edge with a mark and
// shifted sideways by shift columns.
func (m Model) drawCommand(c cmdLayout, focused bool, shift, width int) []string {
	s := m.styles
	cursor := "  "
	if focused {
		cursor = s.Sym.Current + " "
	}
	pw := ansi.StringWidth(c.prompt) + 1
	out := m.drawLines(c.lines, cursor+s.Host.Render(c.prompt)+" ", strings.Repeat(" ", 2+pw), width, shift)
	if c.where != "" {
		out = append(out, s.Dim.Render(strings.Repeat(" ", 2+pw)+c.where))
	}
	return out
}

// drawLines draws laid-out command lines after lead (the first line) and
// cont (the others), both as wide: a line wider than what is left is cut at
// the edge with a mark, shifted sideways by shift columns; a continuation
// mark is drawn dim (it is the screen's, not the command's).
func (m Model) drawLines(lines []string, lead, cont string, width, shift int) []string {
	s := m.styles
	avail := max(4, width-ansi.StringWidth(cont))
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		pre := cont
		if i == 0 {
			pre = lead
		}
		text, n := l, ansi.StringWidth(l)
		left, right := "", ""
		if n > avail {
			from := min(shift, max(0, n-avail+1))
			if from > 0 {
				left = s.Dim.Render(s.Sym.MoreLeft)
				from++
			}
			to := from + avail - ansi.StringWidth(ansi.Strip(left))
			if to < n {
				right = s.Dim.Render(s.Sym.MoreRight)
				to--
			}
			text = ansi.Cut(l, from, to)
		}
		if body, ok := strings.CutSuffix(text, " "+s.Sym.Continue); ok {
			text = s.Command.Render(body) + " " + s.Dim.Render(s.Sym.Continue)
		} else {
			text = s.Command.Render(text)
		}
		out = append(out, pre+left+text+right)
	}
	return out
}

// commandsCut reports whether a command of the shown step (or its action)
// is wider than its column, so ←/→ have something to scroll.
func (m Model) commandsCut() bool {
	textW, _, _ := m.paneColumns()
	width := textW - 2
	st := m.shownStep()
	for _, c := range m.stepCommands(st, width) {
		avail := width - 2 - ansi.StringWidth(c.prompt) - 1
		for _, l := range c.lines {
			if ansi.StringWidth(l) > avail {
				return true
			}
		}
	}
	if a := st.Step.Action; a != nil {
		for _, l := range commandLines(a.Shown(), width-2, m.styles.Sym.Continue, false) {
			if ansi.StringWidth(l) > width-2 {
				return true
			}
		}
	}
	return false
}

// shiftStep is how far ←/→ scroll the commands: half the column.
func (m Model) shiftStep() int {
	textW, _, _ := m.paneColumns()
	return max(8, textW/2)
}

// copyCommand sends the focused command, exactly as the runbook gives it,
// to the terminal's clipboard (OSC 52: it works over SSH and in tmux).
func (m Model) copyCommand() (tea.Model, tea.Cmd) {
	items := m.focusItems()
	st := m.shownStep()
	if m.focus >= len(items) || items[m.focus].cmd < 0 {
		if len(st.Step.Commands) == 0 {
			m.setFlash("this step has no command to copy", true)
		} else {
			m.setFlash("y copies a command: tab moves the focus to one", true)
		}
		return m, nil
	}
	c := st.Step.Commands[items[m.focus].cmd]
	m.setFlash(fmt.Sprintf("copied to the clipboard (OSC 52): %s", termtext.Line(c.Run)), false)
	return m, tea.SetClipboard(c.Run)
}

// actionText is the step's "x runs" lines: where, then the exact argv or
// statement (checks.Action.Shown, the same the confirmation dialog shows),
// broken only between words like a command, and scrolled with the
// commands.
func (m Model) actionText(st *steps.Step, width int) []string {
	act := st.Action
	// The target with its address (the dialog adds its kind).
	head := m.styles.Bold.Render("x runs") + " on " + m.targetLabel(act.Target) + ":"
	shown := act.Shown()
	if ansi.StringWidth(head)+1+ansi.StringWidth(shown) <= width {
		// It fits beside where it runs: one line, on a small screen too.
		return []string{head + " " + m.styles.Command.Render(shown)}
	}
	lines := commandLines(shown, max(8, width-2), m.styles.Sym.Continue, false)
	return append(wrap(head, width), m.drawLines(lines, "  ", "  ", width, m.cmdShift)...)
}

// actionLines lays out the exact argv or statement an action runs
// (checks.Action.Shown) for a dialog as the step's text does: broken only
// between words (a line that goes on ends with ↩), a word longer than the
// line cut at the edge with → and scrolled sideways (draw's shift).
// maxShift is how far it scrolls (0: no line is cut).
func (m Model) actionLines(a *checks.Action, width int) (draw func(shift int) []string, maxShift int) {
	lines := commandLines(a.Shown(), max(8, width-2), m.styles.Sym.Continue, false)
	for _, l := range lines {
		if n := ansi.StringWidth(l); n > width-2 {
			maxShift = max(maxShift, n-(width-2)+1)
		}
	}
	return func(shift int) []string { return m.drawLines(lines, "  ", "  ", width, shift) }, maxShift
}
