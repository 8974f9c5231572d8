package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// stepPane is the right column: the shown step's instructions, the exact
// commands, and a panel per check. offset scrolls it.
type stepPane struct {
	offset int
}

func stepKey(st StepView) string { return st.ID + "\x00" + st.Item }

// refreshBody renders the shown step's Markdown for the current width (in
// Update, never in View: glamour is slow).
func (m *Model) refreshBody() {
	if len(m.snap.Steps) == 0 {
		return
	}
	st := m.snap.Steps[m.list.shown(m.snap)]
	textW, _, _ := m.paneColumns()
	m.body.render(stepKey(st), st.Step.Body, bodyWidth(textW-2))
}

func (m Model) paneView(width, height int) string {
	if len(m.snap.Steps) == 0 {
		return clip("This runbook has no steps.", width, height)
	}
	idx := m.list.shown(m.snap)
	st := m.snap.Steps[idx]
	// The current step's panels show the session's results, also once the
	// session has ended: a completed procedure keeps its last evidence on
	// screen (a browsed step shows only what its checks expect).
	live := idx == m.snap.Current
	textW, panelW, split := m.paneColumns()

	// One column of margin on the left of the pane, beside the separator.
	head := m.stepText(st, idx, textW-2)
	body := m.stepBody(st, textW-2)
	var lines []string
	if split {
		// Side by side: the instructions left, the live panels right.
		text := prefixLines(strings.Join(append(head, body...), "\n"), " ")
		panels := m.panelsView(st, live, panelW-1)
		left := clip(strings.Join(text, "\n"), textW, max(len(text), 1))
		joined := lipgloss.JoinHorizontal(lipgloss.Top, left, " ", strings.Join(panels, "\n"))
		lines = strings.Split(joined, "\n")
	} else {
		// Stacked: what to type and the proof that it worked come first,
		// so they fit a small terminal; the details follow.
		lines = prefixLines(strings.Join(head, "\n"), " ")
		for _, p := range m.panelsView(st, live, panelW-2) {
			lines = append(lines, prefixLines(p, " ")...)
		}
		lines = append(lines, prefixLines(strings.Join(body, "\n"), " ")...)
	}
	off := min(m.pane.offset, max(0, len(lines)-height))
	more := off+height < len(lines)
	end := min(len(lines), off+height)
	view := lines[off:end]
	if more && len(view) > 0 {
		view[len(view)-1] = m.styles.Dim.Render(fmt.Sprintf(" ↓ %d more lines: pgdn/f", len(lines)-end+1))
	}
	return clip(strings.Join(view, "\n"), width, height)
}

func bodyWidth(textW int) int { return max(10, textW) }

func prefixLines(s, p string) []string {
	ls := strings.Split(s, "\n")
	for i := range ls {
		ls[i] = p + ls[i]
	}
	return ls
}

// stepBody is the step's rendered Markdown.
func (m Model) stepBody(st StepView, width int) []string {
	if body, ok := m.body.get(stepKey(st), bodyWidth(width)); ok && body != "" {
		return append([]string{""}, strings.Split(body, "\n")...)
	}
	return nil
}

// stepText is the title, state, commands and action of a step: what to do,
// where, before the details.
func (m Model) stepText(st StepView, idx, width int) []string {
	s := m.styles
	var out []string
	title := st.Title()
	if len(st.Step.SourceStep) > 0 {
		title += s.Dim.Render("  (source step " + strings.Join(st.Step.SourceStep, ", ") + ")")
	}
	out = append(out, wrap(s.Title.Render(title), width)...)
	var meta []string
	if st.Step.On != "" {
		meta = append(meta, "on "+m.targetLabel(st.Step.On))
	}
	switch st.Step.Impact {
	case "downtime":
		meta = append(meta, s.Downtime.Render("impact: downtime"))
	case "degraded":
		meta = append(meta, s.Warn.Render("impact: degraded"))
	}
	if len(meta) > 0 {
		out = append(out, wrap(strings.Join(meta, " · "), width)...)
	}
	if idx == m.snap.Current && m.snap.Notice != "" {
		out = append(out, wrap(s.Warn.Render(m.snap.Notice), width)...)
	}
	if idx != m.snap.Current {
		state := map[StepState]string{StepPending: "not reached yet", StepDone: "done", StepSkipped: "skipped",
			StepOverridden: "passed by override", StepFailed: "failed"}[st.State]
		if st.State == StepSkipped && st.SkipReason != "" {
			state += ": " + st.SkipReason
		}
		out = append(out, wrap(s.Warn.Render("viewing read-only ("+state+"); c returns to the current step"), width)...)
	}
	if len(st.Step.Commands) > 0 {
		out = append(out, "", s.Bold.Render("Type exactly:"))
		for _, c := range st.Step.Commands {
			on := c.On
			if on == "" {
				on = st.Step.On
			}
			prompt := "$"
			if on != "" {
				prompt = on + "$"
			}
			out = append(out, wrap("  "+s.Host.Render(prompt)+" "+s.Command.Render(c.Run), width)...)
			if t, ok := m.snap.Targets[on]; ok && on != st.Step.On {
				out = append(out, s.Dim.Render("    ("+t.Kind+" "+t.Address()+")"))
			}
		}
	}
	if a := st.Step.Action; a != nil {
		out = append(out, "")
		out = append(out, wrap(s.Bold.Render("x runs: ")+s.Command.Render(a.Describe())+" on "+m.targetLabel(a.Target), width)...)
	}
	return out
}

func (m Model) targetLabel(name string) string {
	t, ok := m.snap.Targets[name]
	if !ok {
		return m.styles.Host.Render(name)
	}
	return m.styles.Host.Render(name) + m.styles.Dim.Render(" ("+t.Address()+")")
}

// panelsView renders one panel per check: live for the current step, the
// specification for any other.
func (m Model) panelsView(st StepView, live bool, width int) []string {
	var out []string
	manualIdx := 0
	if live {
		for _, c := range m.snap.Checks {
			focused := false
			if c.Check.Kind == checks.KindManual {
				// Nothing can be ticked once the session has ended.
				focused = m.snap.Ended == "" && manualIdx == m.focus%max(1, len(m.manualChecks()))
				manualIdx++
			}
			out = append(out, m.panel(c, true, focused, width))
		}
		return out
	}
	for _, c := range st.Step.Checks {
		out = append(out, m.panel(CheckView{Check: c}, false, false, width))
	}
	return out
}

func wrap(s string, width int) []string {
	if width < 1 {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, width, " "), "\n")
}
