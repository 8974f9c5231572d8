package tui

import (
	"github.com/handrail/handrail/checks"
)

// The focus is on one thing of the shown step at a time: a command (y copies
// it) or, on the current step, a manual item (space ticks it). tab and
// shift+tab move it in the order the screen shows them, and the pane always
// scrolls the focused thing into view; space ticks only an item the
// operator can see.

// focusItem is one thing the focus can be on: a command (cmd is its index
// in the step's commands) or a manual check (check is its id, cmd -1).
type focusItem struct {
	cmd   int
	check string
}

// focusItems are the shown step's commands, then, on the current step, its
// manual checks: the order the screen shows them.
func (m Model) focusItems() []focusItem {
	var out []focusItem
	st := m.shownStep()
	for i := range st.Step.Commands {
		out = append(out, focusItem{cmd: i})
	}
	if !m.browsing() {
		for _, c := range m.manualChecks() {
			out = append(out, focusItem{cmd: -1, check: c.Check.ID})
		}
	}
	return out
}

// resetFocus puts the focus where a step starts: on its first manual item
// (so space ticks it at once, as before there were commands to focus), or
// else on its first command.
func (m *Model) resetFocus() {
	m.focus = 0
	m.cmdShift = 0
	for i, it := range m.focusItems() {
		if it.check != "" {
			m.focus = i
			return
		}
	}
}

// focusedCommand is the index of the focused command, -1 when the focus is
// not on a command.
func (m Model) focusedCommand() int {
	items := m.focusItems()
	if m.focus < len(items) {
		return items[m.focus].cmd
	}
	return -1
}

// focusedCheck is the id of the focused manual check, "" when the focus is
// not on one.
func (m Model) focusedCheck() string {
	items := m.focusItems()
	if m.focus < len(items) {
		return items[m.focus].check
	}
	return ""
}

// paneGeometry is where things sit in the pane's lines (before scrolling):
// the line span [top, bottom] of the focused thing, and how many lines
// the pane holds in all.
type paneGeometry struct {
	top, bottom int
	ok          bool
	total       int
}

// geometry lays the shown step out as paneView does, building every panel
// (from the cache): only on a key that moves or uses the focus, never on
// a frame. Update and View run on the same goroutine, so the cache is
// safe here.
func (m *Model) geometry() paneGeometry {
	var g paneGeometry
	if len(m.snap.Steps) == 0 {
		return g
	}
	idx := m.list.shown(m.snap)
	st := m.snap.Steps[idx]
	live := idx == m.snap.Current
	textW, panelW, split := m.paneColumns()
	_, paneW := m.columns()
	head := m.stepTextMemo(st, idx, textW-2)
	body := m.stepBody(st, textW-2)
	items := m.focusItems()
	var it focusItem
	if m.focus < len(items) {
		it = items[m.focus]
	} else {
		it.cmd = -2
	}
	if it.cmd >= 0 && it.cmd < len(head.cmds) {
		g.top, g.bottom, g.ok = head.cmds[it.cmd][0], head.cmds[it.cmd][1]-1, true
	}
	width := paneW - 2
	pos := len(head.lines) // stacked: the panels come after the step's text
	if split {
		width, pos = panelW-1, 0
	}
	blocks := m.panelBlocks(st, live, width)
	if live {
		blocks = append(blocks, m.trainingBlocks(width)...) // after the panels (split) or the text (stacked): counted in the total
	}
	for i, b := range blocks {
		n := b.n()
		if live && i < len(m.snap.Checks) && m.snap.Checks[i].Check.Kind == checks.KindManual && m.snap.Checks[i].Check.ID == it.check {
			g.top, g.bottom, g.ok = pos, pos+n-1, true
		}
		pos += n
	}
	if split {
		g.total = max(pos, len(head.lines)+len(body))
	} else {
		if len(body) > 0 {
			pos += len(body)
		}
		g.total = pos
	}
	return g
}

// clampOffset is the offset paneView will use: never past the last page.
func clampOffset(off, total, h int) int { return max(0, min(off, total-h)) }

// focusVisible reports whether the focused thing is on screen now, whole.
func (m *Model) focusVisible() bool {
	g := m.geometry()
	if !g.ok {
		return false
	}
	h := m.bodyHeight()
	off := clampOffset(m.pane.offset, g.total, h)
	usable := h
	if g.total > off+h {
		usable = h - 1 // the last line says "more below"
	}
	return g.top >= off && g.bottom < off+usable
}

// showFocus scrolls the pane so the focused thing is on screen (its top,
// when it is taller than the pane).
func (m *Model) showFocus() {
	g := m.geometry()
	if !g.ok {
		return
	}
	h := m.bodyHeight()
	off := clampOffset(m.pane.offset, g.total, h)
	switch {
	case g.top < off, g.bottom-g.top+1 > h-1:
		off = g.top
	case g.bottom >= off+h-1:
		off = g.bottom - (h - 1) + 1 // leaves the "more below" line free
	}
	m.pane.offset = clampOffset(off, g.total, h)
}

// stepItemSuffix is what a foreach copy's journal key adds to its step's id
// ("@<item>"), "" for a step without foreach.
func stepItemSuffix(item string) string {
	if item == "" {
		return ""
	}
	return "@" + item
}
