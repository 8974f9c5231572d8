package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// The full-value viewer: a panel shows each value on one line, cut to fit,
// and at most four lines of an error. enter opens every value of the shown
// step's checks in full, wrapped, in a scrollable viewer (bubbles
// viewport): each field with what was expected, the error, the state and
// the command's whole output, line by line. It follows the session while
// it is open; esc, enter or q closes it.

// valuesView is the open viewer.
type valuesView struct {
	vp viewport.Model
	// first is the line of the first failing value, where it opens.
	first  int
	opened bool
}

// openValues opens the viewer on the shown step.
func (m Model) openValues() (tea.Model, tea.Cmd) {
	if len(m.snap.Steps) == 0 {
		return m, nil
	}
	m.values = &valuesView{vp: viewport.New()}
	m.refreshValues()
	return m, nil
}

// refreshValues lays the viewer's text out again (the session moved on, the
// terminal was resized), keeping the place the operator scrolled to.
func (m *Model) refreshValues() {
	if m.values == nil {
		return
	}
	v := *m.values
	w, h := m.width, m.bodyHeight()
	v.vp.SetWidth(w)
	v.vp.SetHeight(max(1, h-2))
	lines, first := m.valuesText(max(20, w-2))
	y := v.vp.YOffset()
	v.vp.SetContentLines(lines)
	if !v.opened {
		v.opened, v.first = true, first
		y = max(0, first-2)
	}
	v.vp.SetYOffset(y)
	m.values = &v
}

func (m Model) valuesKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc", "enter", "q":
		m.values = nil
		return m, nil
	case "home", "g":
		v := *m.values
		v.vp.GotoTop()
		m.values = &v
		return m, nil
	case "end", "G":
		v := *m.values
		v.vp.GotoBottom()
		m.values = &v
		return m, nil
	}
	v := *m.values
	var cmd tea.Cmd
	v.vp, cmd = v.vp.Update(k)
	m.values = &v
	return m, cmd
}

// valuesBody is the viewer as the body of the screen.
func (m Model) valuesBody(h int) string {
	s := m.styles
	st := m.shownStep()
	title := s.DialogTitle.Render("Every value of "+stepLabel(st)) + s.Dim.Render("  (read-only)")
	v := m.values.vp
	more := ""
	switch {
	case v.TotalLineCount() <= v.VisibleLineCount():
	case v.AtBottom():
		more = "↑ more above"
	case v.AtTop():
		more = "↓ more below"
	default:
		more = "↑↓ more"
	}
	hint := s.Dim.Render(strings.TrimPrefix(more+" · ↑/↓ pgup/pgdn scroll · esc closes", " · "))
	return clip(strings.Join([]string{ansi.Truncate(title, m.width, "…"), v.View(), hint}, "\n"), m.width, h)
}

// valuesText is every value of the shown step's checks, in full, wrapped to
// width; first is the line of the first value that fails.
func (m Model) valuesText(width int) (lines []string, first int) {
	s := m.styles
	first = -1
	st := m.shownStep()
	live := m.list.shown(m.snap) == m.snap.Current
	var cvs []CheckView
	if live {
		cvs = m.snap.Checks
	} else {
		for _, c := range st.Step.Checks {
			cvs = append(cvs, CheckView{Check: c})
		}
	}
	block := func(label, text string, st *lipgloss.Style) {
		lines = append(lines, "  "+s.Bold.Render(label))
		for _, l := range textLines(st, text, width-6, 0) {
			lines = append(lines, "      "+l)
		}
	}
	// A halt's instruction, or a suspension's reason, the banner and the
	// gate bar may cut: here it is whole, first.
	switch rv := m.snap.Recovery; {
	case m.haltText() != "":
		lines = append(lines, s.Fail.Render(s.Sym.Fail+" HALTED: the runbook says"))
		for _, l := range textLines(nil, m.haltText(), width-2, 0) {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "")
	case rv.Suspended && rv.HaltReason != "":
		lines = append(lines, s.Warn.Render("⏸ SUSPENDED at "+termtext.Line(rv.HaltStep)+": it halted because"))
		for _, l := range textLines(nil, rv.HaltReason, width-2, 0) {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "")
	}
	if m.list.shown(m.snap) == m.snap.Current {
		lines = append(lines, m.interruptionLines(width)...)
	}
	// The viewer then opens on it, not on the first failing value.
	haltFirst := len(lines) > 0
	if !live {
		lines = append(lines, s.Warn.Render("This step is not the current one: what its checks expect, no values."), "")
	}
	for _, c := range cvs {
		ck := c.Check
		name := termtext.Line(ck.ID)
		if ck.Title != "" {
			name = termtext.Line(ck.Title) + " (" + name + ")"
		}
		lines = append(lines, s.PanelTitle.Render(name))
		for _, l := range textLines(&s.Dim, m.checkQuery(ck), width-2, 0) {
			lines = append(lines, "  "+l)
		}
		switch {
		case ck.Kind == checks.KindManual:
			box := s.Sym.Unticked
			if c.Ticked {
				box = s.Sym.Ticked
			}
			for i, l := range textLines(nil, ck.Attest, width-3-ansi.StringWidth(box), 0) {
				if i == 0 {
					lines = append(lines, "  "+box+" "+l)
					continue
				}
				lines = append(lines, strings.Repeat(" ", 3+ansi.StringWidth(box))+l)
			}
		case !c.HasResult:
			for _, fe := range ck.Expect {
				lines = append(lines, "  "+termtext.Line(fe.Field)+s.Dim.Render(" expected "+termtext.Line(fe.Expect.String())))
			}
			if live {
				lines = append(lines, "  "+s.Wait.Render("no answer yet"))
			}
		default:
			r := c.Result
			lines = append(lines, "  status: "+termtext.Line(r.Status.String()))
			if r.Obs.Error != "" {
				if first < 0 {
					first = len(lines)
				}
				block("error:", r.Obs.Error, &s.Fail)
			}
			if r.Obs.State != "" {
				block("state:", r.Obs.State, nil)
			}
			if !r.Verdict.Pass && r.Verdict.Reason != "" && len(r.Verdict.Fields) == 0 {
				block("why:", r.Verdict.Reason, &s.Warn)
			}
			for _, f := range r.Verdict.Fields {
				sym, fst := s.Sym.Pass, s.Pass
				if !f.Pass {
					sym, fst = s.Sym.Fail, s.Fail
					if first < 0 {
						first = len(lines)
					}
				}
				name := termtext.Line(f.Field)
				if f.Row != "" {
					name = termtext.Line(f.Row) + "/" + name
				}
				val := f.Shown()
				if val == "" {
					val = `""`
				}
				expected := s.Dim.Render("expected " + termtext.Line(f.Expected))
				if f.FailWhen {
					expected = s.Dim.Render(termtext.Line(f.Expected)) // "fail when …"
				}
				head := "  " + fst.Render(sym) + " " + s.Bold.Render(name+":") + " "
				vl := textLines(&fst, val, width-6, 0)
				if len(vl) == 1 && ansi.StringWidth(head)+ansi.StringWidth(vl[0])+2+ansi.StringWidth(expected) <= width {
					// Short: on one line with what was expected.
					lines = append(lines, head+vl[0]+"  "+expected)
					continue
				}
				lines = append(lines, head+expected)
				for _, l := range vl {
					lines = append(lines, "      "+l)
				}
			}
			if r.Obs.Raw != "" {
				block(fmt.Sprintf("output (%d lines):", strings.Count(strings.TrimRight(r.Obs.Raw, "\n"), "\n")+1), r.Obs.Raw, nil)
			}
		}
		lines = append(lines, "")
	}
	if len(cvs) == 0 {
		lines = append(lines, s.Dim.Render("This step has no checks."))
	}
	if haltFirst {
		first = 0
	}
	lines, first = wrapWide(lines, first, width, s.Sym.Continue)
	return lines, max(0, first)
}

// wrapWide breaks every line still wider than width (a long check title,
// what a field is expected to be) where it can, ending each piece that goes
// on below with cont; the pieces after the first are indented two more
// than the line was. first, an index into lines, is moved with its line.
// The viewer never cuts a line at its edge: what does not fit goes on
// below.
func wrapWide(lines []string, first, width int, cont string) ([]string, int) {
	var out []string
	for i, l := range lines {
		if i == first {
			first = len(out)
		}
		if ansi.StringWidth(l) <= width {
			out = append(out, l)
			continue
		}
		indent := len(ansi.Strip(l)) - len(strings.TrimLeft(ansi.Strip(l), " ")) + 2
		room := max(8, width-indent-1-ansi.StringWidth(cont))
		pieces := strings.Split(ansi.Wrap(l, max(8, width-1-ansi.StringWidth(cont)), " "), "\n")
		if len(pieces) == 1 {
			out = append(out, ansi.Truncate(l, width-1, "")+"…") // nowhere to break
			continue
		}
		rest := strings.Join(pieces[1:], " ")
		out = append(out, pieces[0]+" "+cont)
		more := strings.Split(ansi.Wrap(strings.TrimLeft(rest, " "), room, " "), "\n")
		for j, p := range more {
			p = strings.Repeat(" ", indent) + p
			if j < len(more)-1 {
				p += " " + cont
			}
			out = append(out, p)
		}
	}
	return out, first
}
