package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
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
	head := m.stepTextMemo(st, idx, textW-2).lines
	body := m.stepBody(st, textW-2)
	var lines []string
	var more bool
	if split {
		// Side by side: the instructions left, the live panels right.
		text := append(head, body...)
		panels := (&m).panelBlocks(st, live, panelW-1)
		if live {
			panels = append(panels, m.trainingBlocks(panelW-1)...)
		}
		off := m.pane.offset
		right, rmore, done, rtotal := window(panels, off, height)
		if total := max(len(text), rtotal); done && off > max(0, total-height) {
			off = max(0, total-height)
			right, rmore, _, _ = window(panels, off, height)
		}
		more = rmore || len(text) > off+height
		blank := strings.Repeat(" ", panelW-1)
		for i := range height {
			l := ""
			if off+i < len(text) {
				l = text[off+i]
			}
			r := blank
			if i < len(right) {
				r = right[i]
			}
			lines = append(lines, fit(" "+l, textW)+" "+r)
		}
	} else {
		// Stacked: what to type and the proof that it worked come first,
		// so they fit a small terminal; the step's instructions follow,
		// then the forecast and the simulated world.
		var blocks []paneBlock
		blocks = appendText(blocks, head, width)
		for _, b := range (&m).panelBlocks(st, live, width-2) {
			blocks = append(blocks, indented(b))
		}
		blocks = appendText(blocks, body, width)
		if live {
			for _, b := range m.trainingBlocks(width - 2) {
				blocks = append(blocks, indented(b))
			}
		}
		off := m.pane.offset
		var done bool
		var total int
		lines, more, done, total = window(blocks, off, height)
		if done && off > max(0, total-height) {
			lines, more, _, _ = window(blocks, max(0, total-height), height)
		}
	}
	if more && len(lines) > 0 {
		lines[len(lines)-1] = fit(m.styles.Dim.Render(" ↓ more below: pgdn/f"), width)
	}
	for len(lines) < height {
		lines = append(lines, strings.Repeat(" ", width))
	}
	return strings.Join(lines, "\n")
}

// paneBlock is a run of the pane's lines: fixed text, or a check's panel,
// which is built (or taken from the cache) only once the window reaches it.
// Every line a block gives is exactly the column's width.
type paneBlock struct {
	n    func() int         // how many lines (may build the panel)
	line func(i int) string // line i, 0 <= i < n()
}

// window lays blocks out top to bottom and returns their lines
// [off, off+h). A block that starts below the window is never asked for
// anything: a panel off the bottom of the screen is not built. more says
// that lines follow the window; done that every block was laid out, and
// then total is how many lines they hold.
func window(blocks []paneBlock, off, h int) (lines []string, more, done bool, total int) {
	pos := 0
	for _, b := range blocks {
		if pos >= off+h {
			return lines, true, false, 0
		}
		n := b.n()
		for i := max(0, off-pos); i < n && pos+i < off+h; i++ {
			lines = append(lines, b.line(i))
		}
		pos += n
	}
	return lines, pos > off+h, true, pos
}

// appendText adds fixed lines, each with the pane's one-column margin and
// fitted to width when it is shown.
func appendText(blocks []paneBlock, text []string, width int) []paneBlock {
	if len(text) == 0 {
		return blocks
	}
	return append(blocks, paneBlock{
		n:    func() int { return len(text) },
		line: func(i int) string { return fit(" "+text[i], width) },
	})
}

// indented gives a panel the pane's one-column margin on each side.
func indented(b paneBlock) paneBlock {
	return paneBlock{n: b.n, line: func(i int) string { return " " + b.line(i) + " " }}
}

func bodyWidth(textW int) int { return max(10, textW) }

// stepBody is the step's rendered Markdown.
func (m Model) stepBody(st StepView, width int) []string {
	if body, ok := m.body.get(stepKey(st), bodyWidth(width)); ok && body != "" {
		return append([]string{""}, strings.Split(body, "\n")...)
	}
	return nil
}

// stepText is the title, state, commands and action of a step: what to
// do, where, before the details. cmds is the line range [from, to) of
// each command in lines, so the focus can be kept in view.
type stepText struct {
	lines []string
	cmds  [][2]int
}

// stepTextMemo is buildStepText, drawn again only when the step, whether it
// is the current one, the notice, the targets, the width, the colours, the
// focused command or the sideways scroll changed: everything it reads.
func (m Model) stepTextMemo(st StepView, idx, width int) stepText {
	type textIn struct {
		st          StepView
		current     bool
		notice      string
		targets     map[string]checks.Target
		width       int
		dark, ascii bool
		focusCmd    int
		shift       int
		ended       string
	}
	in := textIn{st: st, current: idx == m.snap.Current, notice: m.snap.Notice, targets: m.snap.Targets,
		width: width, dark: m.styles.Dark, ascii: m.opts.ASCII, focusCmd: m.focusedCommand(), shift: m.cmdShift, ended: m.snap.Ended}
	return m.memo.text.get(in, func() stepText { return m.buildStepText(st, idx, width) })
}

func (m Model) buildStepText(st StepView, idx, width int) stepText {
	s := m.styles
	var out stepText
	add := func(l ...string) { out.lines = append(out.lines, l...) }
	title := termtext.Line(st.Title())
	if st.Number > 0 {
		title = fmt.Sprintf("%d. %s", st.Number, title)
	}
	title = s.Title.Render(title)
	if len(st.Step.SourceStep) > 0 {
		title += s.Dim.Render("  (source step " + termtext.Line(strings.Join(st.Step.SourceStep, ", ")) + ")")
	}
	add(wrap(title, width)...)
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
		add(wrap(strings.Join(meta, " · "), width)...)
	}
	// A halt's reason is the banner's (bannerLines): not said twice.
	if idx == m.snap.Current && m.snap.Notice != "" && m.snap.Ended != "halted" {
		n := 2
		if m.snap.Interruption != nil {
			n = 4 // what befell the action: enter has it whole
		}
		add(textLines(&s.Warn, m.snap.Notice, width, n)...)
	}
	if idx != m.snap.Current {
		state := map[StepState]string{StepPending: "not reached yet", StepDone: "done", StepSkipped: "skipped",
			StepOverridden: "passed by override", StepFailed: "failed"}[st.State]
		if st.State == StepSkipped && st.SkipReason != "" {
			state += ": " + termtext.Line(st.SkipReason)
		}
		add(wrap(s.Warn.Render("viewing read-only ("+state+"); c returns to the current step"), width)...)
	}
	if len(st.Step.Commands) > 0 {
		add("", s.Bold.Render("Type exactly:"))
		focused := m.focusedCommand()
		for i, c := range m.stepCommands(st, width) {
			from := len(out.lines)
			add(m.drawCommand(c, i == focused, m.cmdShift, width)...)
			out.cmds = append(out.cmds, [2]int{from, len(out.lines)})
		}
	}
	if st.Step.Action != nil {
		add("")
		add(m.actionText(&st.Step, width)...)
	}
	return out
}

func (m Model) targetLabel(name string) string {
	name, addr := m.targetParts(name)
	if addr == "" {
		return m.styles.Host.Render(name)
	}
	return m.styles.Host.Render(name) + m.styles.Dim.Render(" ("+addr+")")
}

// targetParts are a target's name and address, made safe ("" when the
// target is unknown): the one source of "slave (127.0.0.1:3306)", in the
// step's text and in the action dialog alike.
func (m Model) targetParts(name string) (string, string) {
	t, ok := m.snap.Targets[name]
	if !ok {
		return termtext.Line(name), ""
	}
	return termtext.Line(name), termtext.Line(t.Address())
}

// panelBlocks are the panels of the step shown, one per check: live for the
// current step, the specification for any other. Nothing is built here.
// The forecast and the simulated world (trainingBlocks) are not among
// them: they come after the step's own instructions.
func (m *Model) panelBlocks(st StepView, live bool, width int) []paneBlock {
	key := stepKey(st)
	var out []paneBlock
	if live {
		focused := m.focusedCheck()
		for _, c := range m.snap.Checks {
			// Nothing can be ticked once the session has ended.
			f := c.Check.Kind == checks.KindManual && c.Check.ID == focused && m.snap.Ended == ""
			out = append(out, m.panelBlock(key, c, true, f, width))
		}
		return out
	}
	for _, c := range st.Step.Checks {
		out = append(out, m.panelBlock(key, CheckView{Check: c}, false, false, width))
	}
	return out
}

// panelBlock is one check's panel as a block: built when first asked for,
// its status line drawn only when it is on screen.
func (m *Model) panelBlock(step string, c CheckView, live, focused bool, width int) paneBlock {
	var p *panelLines
	get := func() *panelLines {
		if p == nil {
			pl := m.panelFor(step, c, live, focused, width)
			p = &pl
		}
		return p
	}
	return paneBlock{
		n: func() int { return len(get().lines) },
		line: func(i int) string {
			pl := get()
			if i == pl.status {
				return pl.frame(m.statusLine(c), width)
			}
			return pl.lines[i]
		},
	}
}

func wrap(s string, width int) []string {
	if width < 1 {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, width, " "), "\n")
}
