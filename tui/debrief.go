package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// The graded debrief in the console: once a rehearsal has completed or
// halted, the console asks the runtime for the debrief (rehearsal.Grade's
// Markdown, graded from the journal in a tea.Cmd), renders it with glamour
// in Update, and shows it in place of the step pane; d goes back to the
// steps and forth, pgdn/pgup scroll, q leaves.

// debriefState is where the debrief stands in the console.
type debriefState struct {
	asked, ready bool // asked for; answered
	shown        bool // the debrief is on screen (d toggles)
	md           string
	err          error
}

// debriefMsg carries the debrief graded in a Cmd.
type debriefMsg struct {
	md  string
	err error
}

// debriefKey is the debrief's key in the body cache (no step id holds a
// NUL).
const debriefKey = "\x00debrief"

// fetchDebrief asks for the debrief once the rehearsal has ended.
func (m *Model) fetchDebrief() tea.Cmd {
	if m.rx.debrief.asked || !m.snap.Rehearsal || m.snap.ReadOnly {
		return nil
	}
	if m.snap.Ended != session.EndCompleted && m.snap.Ended != session.EndHalted {
		return nil
	}
	d, ok := m.rt.(Debriefer)
	if !ok {
		return nil
	}
	m.rx.debrief.asked = true
	return func() tea.Msg {
		md, err := d.Debrief()
		return debriefMsg{md: md, err: err}
	}
}

func (m Model) debriefWidth() int { return max(20, min(100, m.width-4)) }

// renderDebrief renders the debrief's Markdown for the width and
// background (in Update: glamour is slow). Its text comes from the
// journal (names, reasons, notes): it passes the sanitizing rule first.
func (m *Model) renderDebrief() {
	d := m.rx.debrief
	if !d.ready || d.err != nil {
		return
	}
	m.body.render(debriefKey, termtext.Block(d.md), m.debriefWidth())
}

// debriefShown tells whether the body shows the debrief.
func (m Model) debriefShown() bool {
	return m.rx.debrief.shown && m.rx.debrief.ready && m.rx.debrief.err == nil
}

func (m Model) debriefLines() []string {
	out, ok := m.body.get(debriefKey, m.debriefWidth())
	if !ok {
		return []string{"(the debrief is being rendered)"}
	}
	return strings.Split(out, "\n")
}

// debriefMaxOffset is how far the debrief scrolls in a body of height h.
func (m Model) debriefMaxOffset(h int) int { return max(0, len(m.debriefLines())-(h-1)) }

// debriefView is the debrief in place of the step list and pane.
func (m Model) debriefView(h int) string {
	s := m.styles
	lines := m.debriefLines()
	off := min(max(0, m.pane.offset), m.debriefMaxOffset(h))
	head := s.Title.Render("Debrief") + s.Dim.Render(" · pgdn/pgup scroll · d back to the steps · q leave")
	body := lines[off:]
	if len(body) > h-1 {
		body = body[:h-1]
	}
	out := make([]string, 0, h)
	out = append(out, " "+head)
	for _, l := range body {
		out = append(out, " "+l)
	}
	return clip(strings.Join(out, "\n"), m.width, h)
}

// toggleDebrief is d: the debrief, or back to the steps.
func (m Model) toggleDebrief() (tea.Model, tea.Cmd) {
	d := m.rx.debrief
	switch {
	case d.ready && d.err != nil:
		m.setFlash("no debrief: "+d.err.Error(), true)
	case d.ready:
		m.rx.debrief.shown = !d.shown
		m.pane.offset = 0
	case d.asked:
		m.setFlash("the debrief is being graded", false)
	case m.snap.Rehearsal:
		m.setFlash("the graded debrief comes when the rehearsal completes or halts", true)
	default:
		m.setFlash("no debrief: this is not a rehearsal", true)
	}
	return m, nil
}

// debriefKey handles the pane's keys while the debrief is shown: ↑/↓ and
// pgup/pgdn scroll it; the keys that would act on the step hidden behind
// it (browse, back to current, focus, copy, sideways scroll, the values
// viewer) do nothing. ok=false passes the key on to the global keys (d,
// ?, q, and the session keys, which the ended session refuses).
func (m Model) debriefKey(k tea.KeyPressMsg) (Model, bool) {
	h := m.bodyHeight()
	switch {
	case key.Matches(k, m.keys.Up):
		m.pane.offset = max(0, m.pane.offset-1)
	case key.Matches(k, m.keys.Down):
		m.pane.offset = min(m.pane.offset+1, m.debriefMaxOffset(h))
	case key.Matches(k, m.keys.PageUp):
		m.pane.offset = max(0, m.pane.offset-h/2)
	case key.Matches(k, m.keys.PageDown):
		m.pane.offset = min(m.pane.offset+h/2, m.debriefMaxOffset(h))
	case key.Matches(k, m.keys.Values) && m.haltCut():
		// The halt's instruction in full (a halted rehearsal's banner
		// cuts it): the viewer shows it first.
		return m, false
	case key.Matches(k, m.keys.Current, m.keys.FocusNext, m.keys.FocusPrev, m.keys.Left, m.keys.Right, m.keys.Copy, m.keys.Values):
		m.flash = ""
	default:
		return m, false
	}
	return m, true
}

// debriefFooterKeys are the footer's keys while the debrief is shown.
func (m Model) debriefFooterKeys() []footerKey {
	ks := []footerKey{{"d", "back to the steps"}}
	if m.haltCut() {
		ks = append(ks, footerKey{"enter", "the halt in full"})
	}
	if m.debriefMaxOffset(m.bodyHeight()) > 0 {
		ks = append(ks, footerKey{"pgdn/pgup", "scroll"})
	}
	return ks
}
