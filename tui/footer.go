package tui

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// The footer offers the keys that do something now, most important first,
// and always ends with ? (help) and q (quit), which always fit: a narrow
// terminal drops the least important keys before them. The key is drawn
// bold and its words in the hint colour, which keeps a 4.5:1 contrast on
// dark and light backgrounds.

// footerKey is one key the footer offers.
type footerKey struct{ key, desc string }

// footerKeys are the keys that act now, most important first, without ?
// and q. A new key is added here with the condition under which it acts.
func (m Model) footerKeys() []footerKey {
	var ks []footerKey
	add := func(k, d string) { ks = append(ks, footerKey{k, d}) }
	switch {
	case m.values != nil:
		return []footerKey{{"↑/↓", "scroll"}, {"esc", "close"}}
	case m.dialog != nil:
		return []footerKey{{"esc", "cancel"}}
	case m.showHelp:
		if m.helpMaxOffset() > 0 {
			return []footerKey{{"esc", "close help"}, {"pgdn/pgup", "scroll"}}
		}
		return []footerKey{{"esc", "close help"}}
	case m.tooSmall():
		return nil
	case m.debriefShown():
		// Nothing that acts on the step hidden behind the debrief.
		return m.debriefFooterKeys()
	}
	browsing := m.browsing()
	if browsing {
		add("c", "back to the current step")
	}
	live := m.running() && !browsing && m.busy == ""
	cur, hasCur := m.snap.CurrentStep()
	items := m.focusItems()
	var it focusItem
	if m.focus < len(items) {
		it = items[m.focus]
	} else {
		it.cmd = -1
	}
	if live {
		if m.snap.Gate.Open {
			add("n", "next step")
		}
		switch {
		case m.snap.ActionUnknown:
			add("x", "attest the action")
		case hasCur && cur.Step.Action != nil && !m.snap.Recovery.Suspended:
			// A suspended session refuses it until continued (C).
			add("x", "run action")
		}
		if it.check != "" {
			if c, ok := m.snap.Check(it.check); ok && c.Ticked {
				add("space", "untick item")
			} else {
				add("space", "tick item")
			}
		}
		if !m.snap.Gate.Open && m.overridable() {
			add("o", "override")
		}
	}
	ks = append(ks, m.recoveryFooterKeys(live)...)
	if it.cmd >= 0 {
		add("y", "copy command")
	}
	if len(items) > 1 {
		add("tab", "next")
	}
	if m.commandsCut() {
		add("←/→", "scroll command")
	}
	switch {
	case m.haltCut():
		add("enter", "the halt in full")
	case m.hasValues():
		add("enter", "full values")
	}
	if live && m.polled() {
		add("r", "re-poll")
	}
	if m.running() && m.busy == "" {
		add("a", "add note")
	}
	if m.snap.Approval.Pending() && m.running() {
		if d, ok := m.rt.(Decider); ok {
			if may, _ := d.MayDecide(*m.snap.Approval); may {
				add("A", "decide the request")
			}
		}
	}
	add("j/k", "browse steps")
	return ks
}

// footerTail is what always fits at the end.
func (m Model) footerTail() []footerKey {
	switch {
	case m.values != nil, m.dialog != nil, m.showHelp:
		return []footerKey{{"ctrl+c", "leave now"}}
	case m.snap.ReadOnly:
		return []footerKey{{"?", "help"}, {"q", "stop watching"}}
	}
	return []footerKey{{"?", "help"}, {"q", "quit"}}
}

// overridable reports whether o can open the gate now: checks (not an
// action) hold it.
func (m Model) overridable() bool {
	if len(m.snap.Gate.Blocking) == 0 || m.snap.Recovery.Suspended {
		return false
	}
	for _, id := range m.snap.Gate.Blocking {
		if _, ok := m.snap.Check(id); !ok {
			return false
		}
	}
	return true
}

// polled reports whether the current step has a check the poller asks.
func (m Model) polled() bool {
	for _, c := range m.snap.Checks {
		if c.Check.Kind != checks.KindManual {
			return true
		}
	}
	return false
}

// hasValues reports whether enter has values to show: a polled check on
// the step shown.
func (m Model) hasValues() bool {
	if m.browsing() {
		for _, c := range m.shownStep().Step.Checks {
			if c.Kind != checks.KindManual {
				return true
			}
		}
		return false
	}
	return m.polled()
}

// footerView draws the footer: the keys that fit, most important first,
// then ? and q.
func (m Model) footerView() string {
	in := struct {
		keys, tail  []footerKey
		width       int
		dark, ascii bool
	}{m.footerKeys(), m.footerTail(), m.width, m.styles.Dark, m.opts.ASCII}
	return m.memo.help.get(in, func() string { return m.memo.footer.draw(m.styles, in.keys, in.tail, in.width) })
}

// footerItems keeps each key's styled text (lipgloss is slow to render
// it on every frame the footer changes); a change of colours starts afresh.
type footerItems struct {
	dark  bool
	items map[footerKey]string
}

func (f *footerItems) draw(s Styles, keys, tail []footerKey, width int) string {
	if f.items == nil || f.dark != s.Dark || len(f.items) > 256 {
		f.items, f.dark = map[footerKey]string{}, s.Dark
	}
	sep, ok := f.items[footerKey{}]
	if !ok {
		sep = s.Dim.Render(" · ")
		f.items[footerKey{}] = sep
	}
	return drawFooterWith(sep, keys, tail, width, func(k footerKey) string {
		out, ok := f.items[k]
		if !ok {
			out = s.FooterKey.Render(k.key) + " " + s.Dim.Render(k.desc)
			f.items[k] = out
		}
		return out
	})
}

func drawFooter(s Styles, keys, tail []footerKey, width int) string {
	return drawFooterWith(s.Dim.Render(" · "), keys, tail, width, func(k footerKey) string { return s.FooterKey.Render(k.key) + " " + s.Dim.Render(k.desc) })
}

// drawFooterWith lays the footer out: sep (" · ", styled) between the
// keys, item draws one.
func drawFooterWith(sep string, keys, tail []footerKey, width int, item func(footerKey) string) string {
	const sepW = 3 // " · "
	plainW := func(k footerKey) int { return ansi.StringWidth(k.key) + 1 + ansi.StringWidth(k.desc) }
	room := width
	for i, k := range tail {
		room -= plainW(k)
		if i > 0 {
			room -= sepW
		}
	}
	parts := make([]string, 0, len(keys)+len(tail))
	for _, k := range keys {
		w := plainW(k) + sepW // with its separator
		if w > room {
			break // the rest matter less: ? lists them
		}
		parts = append(parts, item(k))
		room -= w
	}
	for _, k := range tail {
		parts = append(parts, item(k))
	}
	return ansi.Truncate(strings.Join(parts, sep), width, "")
}

// journalCause is the words of a journal write failure, without the
// layers of context: "no space left on device".
func journalCause(err error) string {
	if c, ok := changedCause(err); ok {
		return c
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// recoveryFooterKeys are the recovery and rehearsal keys that act now
// (recovery.go, world.go, debrief.go): the goto the runbook offers, a
// password to re-enter for a target that cannot be reached, continuing a
// suspended session, skipping a simulated wait, the graded debrief.
func (m Model) recoveryFooterKeys(live bool) []footerKey {
	var ks []footerKey
	rv := m.snap.Recovery
	_, canRecover := m.rt.(Recoverer)
	switch {
	case rv.Suspended && m.running() && canRecover:
		ks = append(ks, footerKey{"C", "continue"})
	case live && rv.Goto != "" && canRecover:
		ks = append(ks, footerKey{"g", "goto " + gotoLabelShort(m.snap)})
	}
	if live && canRecover {
		for _, c := range m.snap.Checks {
			if c.HasResult && c.Result.Status == checks.StatusUnreachable {
				ks = append(ks, footerKey{"p", "password"})
				break
			}
		}
	}
	if live && m.snap.Clock.Simulated && m.skippable() {
		ks = append(ks, footerKey{"s", "skip the wait"})
	}
	if m.rx.debrief.ready && m.rx.debrief.err == nil {
		if m.rx.debrief.shown {
			ks = append(ks, footerKey{"d", "back to the steps"})
		} else {
			ks = append(ks, footerKey{"d", "debrief"})
		}
	}
	return ks
}

// skippable tells whether s has something to skip to: the simulated
// world, as last read (world.go), has an event scheduled. Before the
// world is read, s is not offered.
func (m Model) skippable() bool {
	return !m.rx.worldAt.IsZero() && m.rx.world.HasNext
}

// gotoLabelShort is the offered step's number, for the footer ("step 18").
func gotoLabelShort(s Snapshot) string {
	step, _ := gotoLabel(s)
	return step
}
