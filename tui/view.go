package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/internal/termtext"
)

// View lays the screen out: header, step list beside the step pane, gate
// bar, key help. It reads the model only.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	// The title is a terminal escape's payload: the runbook's words go
	// through the one sanitizing rule like every other untrusted text.
	v.WindowTitle = "handrail: " + termtext.Line(m.snap.Runbook.Title)
	return v
}

// Render is the screen as text (View's content), for tests and captures.
func (m Model) Render() string {
	if m.quitting {
		return m.goodbye()
	}
	if m.tooSmall() {
		msg := fmt.Sprintf("handrail needs a terminal of at least %dx%d; this one is %dx%d.\nEnlarge the window: the session keeps running.\nq quits (the session stays resumable).",
			MinWidth, MinHeight, m.width, m.height)
		return lipgloss.NewStyle().Width(max(1, m.width)).Render(msg)
	}
	header := m.headerView()
	bodyH := m.bodyHeight()
	var body string
	switch {
	case m.values != nil:
		body = m.valuesBody(bodyH)
	case m.dialog != nil:
		body = lipgloss.Place(m.width, bodyH, lipgloss.Center, lipgloss.Center, m.dialog.view())
		body = clip(body, m.width, bodyH)
	case m.showHelp:
		body = m.fullHelpView(bodyH)
	case m.debriefShown():
		body = m.debriefView(bodyH)
	default:
		listW, paneW := m.columns()
		list := m.listView(listW, bodyH)
		sep := lipgloss.NewStyle().Foreground(m.styles.Border).Render("│")
		pane := m.paneView(paneW, bodyH)
		body = besides(list, sep, pane)
	}
	parts := []string{header, body}
	parts = append(parts, m.bannerLines()...)
	return strings.Join(append(parts, m.gateView(), m.footerView()), "\n")
}

// bodyHeight is what is left of the screen under the header, above the
// banner, the gate bar and the footer.
func (m Model) bodyHeight() int { return max(1, m.height-4-len(m.bannerLines())) }

// columns splits the width between the step list and the step pane.
func (m Model) columns() (listW, paneW int) {
	listW = min(38, max(22, m.width/4))
	return listW, m.width - listW - 1
}

// paneColumns splits the step pane into text and check panels side by side
// when both get room, or stacks them. The instructions get the larger
// share: side by side only when they keep at least minTextW columns beside
// panels of at least minPanelW; stacked, they use the whole pane.
func (m Model) paneColumns() (textW, panelW int, split bool) {
	_, paneW := m.columns()
	panelW = min(90, max(minPanelW, paneW*9/20))
	if textW = paneW - panelW - 1; textW >= minTextW {
		return textW, panelW, true
	}
	return paneW, paneW, false
}

// The narrowest columns worth splitting the pane for.
const (
	minTextW  = 80
	minPanelW = 60
)

// ---- header ----

func (m Model) headerView() string {
	s := m.styles
	title := s.Header.Render("handrail · " + m.snap.Runbook.Title)
	var badges []string
	if m.snap.Rehearsal {
		b := " REHEARSAL "
		if m.snap.Scenario != "" {
			b = " REHEARSAL: " + termtext.Line(m.snap.Scenario) + " "
		}
		badges = append(badges, s.Rehearsal.Render(b))
	}
	if m.snap.ReadOnly {
		badges = append(badges, s.Rehearsal.Render(" WATCHING (read-only) "))
	}
	line1 := title
	if len(badges) > 0 {
		b := strings.Join(badges, " ")
		room := m.width - lipgloss.Width(b) - 1
		line1 = ansi.Truncate(title, max(0, room), "…") + " " + b
	}

	// Most important first: a narrow terminal cuts the end of the line.
	var parts []string
	if st, ok := m.snap.CurrentStep(); ok && st.Number > 0 {
		parts = append(parts, s.Header.Render(fmt.Sprintf("step %d/%d", st.Number, m.snap.StepCount)))
	} else if m.snap.Ended != "" {
		parts = append(parts, s.Header.Render(m.snap.Ended))
	}
	if dt := m.snap.Downtime; dt.Running || dt.Total > 0 {
		d := dt.Total
		label := "downtime total "
		if dt.Running {
			d += m.snap.SessionNow(m.now).Sub(dt.Since)
			label = "DOWNTIME "
		}
		parts = append(parts, s.Downtime.Render(label+clock(d)))
	}
	if !m.snap.Started.IsZero() {
		parts = append(parts, s.HeaderDim.Render("elapsed "+clock(m.snap.SessionNow(m.now).Sub(m.snap.Started))))
	}
	parts = append(parts, m.trainingParts()...)
	var rest []string
	if m.snap.Operator != "" {
		rest = append(rest, s.HeaderDim.Render(termtext.Line(m.snap.Operator)))
	}
	rest = append(rest, s.HeaderDim.Render("session "+m.snap.SessionID))
	sep := s.HeaderDim.Render(" · ")
	line2 := strings.Join(append(parts, rest...), sep)
	// The plan goes before the operator when the line has room for it;
	// else it is left out (the panel below the checks says it in full),
	// never the session's id.
	if pp := m.planPart(); pp != "" {
		if with := strings.Join(append(append(parts, pp), rest...), sep); lipgloss.Width(with) <= m.width {
			line2 = with
		}
	}
	return ansi.Truncate(line1, m.width, "…") + "\n" + ansi.Truncate(line2, m.width, "…")
}

// clock formats a duration as h:mm:ss.
func clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// ---- gate bar and help ----

// gateView is the one line under the pane: the flash, or where the gate
// stands. The texts in it can quote a server's answer (a blocking check's
// value, an action's error): each is cut to the line and made safe before
// anything measures it.
func (m Model) gateView() string {
	s := m.styles
	fit := func(t string) string { return oneLine(t, m.width) }
	var line string
	switch {
	case m.flash != "":
		st := s.Flash
		if m.flashBad {
			st = s.Fail
		}
		line = st.Render(fit(m.flash))
	case m.journalErr != nil:
		line = s.Fail.Render("the journal cannot be written: " + fit(journalCause(m.journalErr)))
	case m.approvalBanner() != "":
		line = m.approvalBanner()
	case m.snap.ReadOnly:
		line = m.watchLine()
	case m.snap.Ended == "completed":
		line = s.GateOpen.Render(s.Sym.Done + " procedure complete: " + m.command("report"))
	case m.snap.Ended == "halted":
		line = s.GateClosed.Render("suspended, not over: ") +
			fit(m.command("resume")+" checks the step again once the condition is fixed")
	case m.snap.Ended != "":
		line = s.GateClosed.Render("session " + m.snap.Ended)
	case m.busy != "":
		line = s.Wait.Render(m.spin.View() + " " + m.busy + "…")
	case m.recoveryBanner() != "":
		line = m.recoveryBanner()
	case m.snap.Gate.Open && len(m.snap.Gate.Overridden) > 0:
		line = s.Warn.Render("! gate open by override: ") + s.GateOpen.Render("press n to leave the step") +
			s.Dim.Render(" (overridden: "+fit(strings.Join(m.snap.Gate.Overridden, ", "))+")")
	case m.snap.Gate.Open:
		line = s.GateOpen.Render(s.Sym.Pass + " ready: press n for the next step")
	default:
		line = s.GateClosed.Render(s.Sym.Fail+" blocked: ") + fit(gateReason(m.snap))
		if m.snap.Advice != "" {
			line += s.Warn.Render("  on fail: " + fit(m.snap.Advice))
		}
	}
	return ansi.Truncate(line, m.width, "…")
}

// watchLine is a watcher's gate bar: how the operator's session stands,
// said as news, never as a key to press.
func (m Model) watchLine() string {
	s := m.styles
	if a := m.watchAlarmLine(); a != "" {
		return a
	}
	switch m.snap.Ended {
	case "quit":
		return s.Warn.Render("paused: the operator quit; resumable") + s.Dim.Render(" ("+m.command("resume")+")")
	case "completed":
		return s.GateOpen.Render("ended: the procedure is complete")
	case "halted":
		return s.GateClosed.Render("ended: halted") + s.Dim.Render("; suspended, resumable once the condition is fixed")
	case "":
	default:
		return s.Dim.Render("ended: " + m.snap.Ended)
	}
	since := ""
	if !m.snap.LastRecord.IsZero() {
		since = " · last record " + age(m.now.Sub(m.snap.LastRecord)) + " ago"
	}
	head := s.Dim.Render("watching" + since + " · ")
	switch {
	case m.snap.Gate.Open && len(m.snap.Gate.Overridden) > 0:
		return head + s.Warn.Render("! the gate is open by override")
	case m.snap.Gate.Open:
		return head + s.GateOpen.Render(s.Sym.Pass+" the gate is open: the operator may go on")
	}
	return head + s.GateClosed.Render(s.Sym.Fail+" blocked: ") + oneLine(gateReason(m.snap), m.width)
}

// bannerLines are the lasting lines above the gate bar: what no flash may
// cover. A journal that cannot be written comes first (nothing more is
// recorded); a halted session shows the runbook's instruction itself.
func (m Model) bannerLines() []string {
	s := m.styles
	switch {
	case m.quitting || m.tooSmall():
		return nil
	case m.journalErr != nil:
		t := s.Sym.Fail + " nothing after " + m.lastRecordClock() + " is recorded: " + m.journalWayOn()
		return []string{s.Banner.Render(fit(" "+t, m.width))}
	case m.snap.Ended == "halted":
		lines := textLines(nil, m.haltText(), m.width-12, 0)
		out := []string{s.Banner.Render(fit(" "+s.Sym.Fail+" HALTED: "+lines[0], m.width))}
		switch {
		case len(lines) > 2:
			// Cut: the second line says where the rest is (the viewer).
			l := ansi.Truncate(lines[1], m.width-12-ansi.StringWidth(haltMore)-1, "") + "…" + haltMore
			out = append(out, s.Banner.Render(fit("           "+l, m.width)))
		case len(lines) > 1:
			out = append(out, s.Banner.Render(fit("           "+lines[1], m.width)))
		}
		return out
	}
	return nil
}

// haltMore ends the halt banner's second line when the instruction goes on.
const haltMore = " enter: read it whole"

// haltText is a halted session's instruction: the runbook's on_fail
// advice, or else why it halted ("" when it did not halt).
func (m Model) haltText() string {
	if m.snap.Ended != "halted" {
		return ""
	}
	if m.snap.Advice != "" {
		return m.snap.Advice
	}
	return m.snap.HaltReason
}

// haltCut tells whether the banner cuts the halt's instruction (enter
// then shows it whole, at the top of the values viewer).
func (m Model) haltCut() bool {
	t := m.haltText()
	return t != "" && len(textLines(nil, t, m.width-12, 3)) > 2
}

// lastRecordClock is the time of day of the journal's last record, as the
// operator's clock shows it.
func (m Model) lastRecordClock() string {
	if m.snap.LastRecord.IsZero() {
		return "the start"
	}
	return m.snap.LastRecord.Local().Format("15:04:05")
}

// journalRefusal is what a key that needs a record is told once the
// journal cannot be written.
func (m Model) journalRefusal() string {
	way := "free space, then resume"
	if journalChanged(m.journalErr) {
		way = "someone else changed it: start a new session"
	}
	return "not done: the journal cannot be written, and nothing is done off the record; " + way + " (q leaves)"
}

// gateReason says in words which checks hold the gate.
func gateReason(s Snapshot) string {
	switch {
	case s.Gate.Reason != "":
		return s.Gate.Reason
	case len(s.Gate.Blocking) > 0:
		return "waiting for " + strings.Join(s.Gate.Blocking, ", ")
	}
	return "the checks have not passed yet"
}

// command is the command line that runs verb on this session, naming
// where it is kept when that is not the default (journal.Place.Command):
// printed as it must be typed. A path may hold any byte: it is shown, not
// obeyed.
func (m Model) command(verb string) string {
	return termtext.Line(m.opts.Place.Command(verb, m.snap.SessionID))
}

// Goodbye is what to print once the console has left the alternate screen:
// how the session stands and the command that continues it.
func (m Model) Goodbye() string { return m.goodbye() }

// goodbye is the last frame, left on the terminal after the console exits.
func (m Model) goodbye() string {
	switch {
	case m.journalErr != nil:
		// Never "saved": the last write failed.
		return "Session " + m.snap.SessionID + " is NOT fully recorded: the journal could not be written (" + journalCause(m.journalErr) +
			"), and nothing after " + m.lastRecordClock() + " is on the record. " + m.journalWayOnSentence() + "\n"
	case m.snap.ReadOnly:
		return m.watchGoodbye()
	case m.snap.Ended == "completed":
		return "Procedure complete. Report: " + m.command("report") + "\n"
	case m.snap.Ended == "halted":
		return "Session " + m.snap.SessionID + " halted. Report: " + m.command("report") + "\n"
	}
	if m.interrupted {
		return "Interrupted (ctrl+c): session " + m.snap.SessionID + " saved. Resume it with: " + m.command("resume") + "\n"
	}
	return "Session " + m.snap.SessionID + " saved. Resume it with: " + m.command("resume") + "\n"
}

// besides puts two columns of the same height side by side with sep
// between them. Each column's lines are already exactly its width, so
// nothing is measured again.
func besides(left, sep, right string) string {
	ls, rs := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	b.Grow(len(left) + len(right) + len(ls)*(len(sep)+1))
	for i := range max(len(ls), len(rs)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(ls) {
			b.WriteString(ls[i])
		}
		b.WriteString(sep)
		if i < len(rs) {
			b.WriteString(rs[i])
		}
	}
	return b.String()
}

// clip cuts or pads s to exactly w columns and h lines.
func clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			l = ansi.Truncate(l, w, "")
		}
		lines[i] = l + strings.Repeat(" ", max(0, w-lipgloss.Width(l)))
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}
