package tui

import (
	"fmt"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/internal/termtext"
)

// stepList is the left column: sections and steps with their state. browse
// is the step the operator is looking at read-only (-1: the current one).
type stepList struct {
	browse int
}

// shown is the index of the step the pane shows.
func (l stepList) shown(s Snapshot) int {
	if l.browse >= 0 && l.browse < len(s.Steps) {
		return l.browse
	}
	if s.Current >= 0 {
		return s.Current
	}
	return len(s.Steps) - 1
}

func (l *stepList) move(delta int, s Snapshot) {
	if len(s.Steps) == 0 {
		return
	}
	i := min(len(s.Steps)-1, max(0, l.shown(s)+delta))
	if i == s.Current {
		i = -1
	}
	l.browse = i
}

func (l stepList) symbol(st StepView, sym Symbols) string {
	switch st.State {
	case StepCurrent:
		return sym.Current
	case StepDone:
		return sym.Done
	case StepSkipped:
		return sym.Skipped
	case StepOverridden:
		return sym.Overridden
	case StepFailed:
		return sym.Failed
	default: // StepPending
		return sym.Pending
	}
}

// listView is the step list, drawn again only when a step's title, section
// or state, the step shown, the size or the colours changed.
func (m Model) listView(width, height int) string {
	type row struct {
		section, title string
		number         int
		state          StepState
	}
	type listIn struct {
		rows          []row
		shown         int
		browsing      bool
		width, height int
		dark, ascii   bool
	}
	in := listIn{shown: m.list.shown(m.snap), browsing: m.list.browse >= 0, width: width, height: height,
		dark: m.styles.Dark, ascii: m.opts.ASCII, rows: make([]row, len(m.snap.Steps))}
	for i, st := range m.snap.Steps {
		in.rows[i] = row{section: st.Section, title: st.Title(), number: st.Number, state: st.State}
	}
	return m.memo.list.get(in, func() string { return m.list.view(m.snap, m.styles, width, height) })
}

// view renders the list, scrolled so the shown step stays in sight: each
// step with its state's symbol and its number in the runbook. It reads
// each step's Section, Title(), Number and State, and nothing else of it
// (listView's memo depends on that).
func (l stepList) view(s Snapshot, st Styles, width, height int) string {
	var lines []string
	at := 0
	shown := l.shown(s)
	digits := len(fmt.Sprint(s.StepCount))
	section := "\x00"
	for i, step := range s.Steps {
		if step.Section != section {
			section = step.Section
			if section != "" {
				lines = append(lines, st.Section.Render(ansi.Truncate(termtext.Line(section), width-1, "…")))
			}
		}
		if i == shown {
			at = len(lines)
		}
		num := ""
		if step.Number > 0 {
			num = fmt.Sprintf("%*d ", digits, step.Number)
		}
		text := ansi.Truncate(l.symbol(step, st.Sym)+" "+num+termtext.Line(step.Title()), width-1, "…")
		style := st.Dim
		switch step.State {
		case StepCurrent:
			style = st.StepCurrent
		case StepDone:
			style = st.StepDone
		case StepSkipped:
			style = st.StepSkipped
		case StepOverridden:
			style = st.StepOverridden
		case StepFailed:
			style = st.StepFailed
		case StepPending:
			// Not reached yet: stays dim.
		}
		if i == shown && l.browse >= 0 {
			style = st.StepBrowse
		}
		lines = append(lines, style.Render(text))
	}
	// Keep the shown step a third of the way down once the list scrolls.
	off := 0
	if len(lines) > height {
		off = min(len(lines)-height, max(0, at-height/3))
	}
	end := min(len(lines), off+height)
	return clip(joinLines(lines[off:end]), width, height)
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}
