package tui

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// polling reports whether a check waits for an answer: the runtime says an
// attempt is under way, or the answer is overdue (a hanging target).
func polling(c CheckView, now time.Time) bool {
	if c.Check.Kind == checks.KindManual {
		return false
	}
	if c.Polling || !c.HasResult {
		return true
	}
	at := c.Result.Obs.At
	return !at.IsZero() && now.Sub(at) > c.Check.PollInterval()+1500*time.Millisecond
}

// panelLines is one check's panel, framed: every line is exactly the
// panel's width. status is the index of the line that statusLine fills in
// on every frame (the age of the data, the spinner, held and left change
// while the rest stays), or -1 when the panel has none.
type panelLines struct {
	lines  []string
	status int
	// left and right are the border and padding around a content line.
	left, right string
}

// panel renders one check's panel as text, its status line filled in (for
// tests and one-off renders; the pane takes panels from m.panels).
func (m Model) panel(c CheckView, live, focused bool, width int) string {
	p := m.buildPanel(c, live, focused, width)
	lines := append([]string(nil), p.lines...)
	if p.status >= 0 {
		lines[p.status] = p.frame(m.statusLine(c), width)
	}
	return strings.Join(lines, "\n")
}

// buildPanel lays one check out: what it asks where, then expected beside
// actual for every field, with a symbol and a colour for each. It reads
// only c, the styles, the check's target and whether this is a rehearsal:
// panelInput names the same things, so a cached panel is rebuilt exactly
// when one of them changes. Text from the runbook, the server or a command
// passes through termtext, cut to what fits before it is measured: a 5 MB
// output costs no more than a short one.
func (m Model) buildPanel(c CheckView, live, focused bool, width int) panelLines {
	s := m.styles
	inner := max(20, width-4)
	ck := c.Check
	var lines []string

	name := oneLine(ck.ID, inner)
	if ck.Title != "" {
		name = oneLine(ck.Title, inner) + s.Dim.Render(" ("+oneLine(ck.ID, inner)+")")
	}
	if ck.Optional {
		name += s.Dim.Render(" optional")
	}
	lines = append(lines, s.PanelTitle.Render(ansi.Truncate(name, inner, "…")))
	// What the check asks is a command: broken only between words, a word
	// too long for the panel with a continuation mark.
	for _, l := range commandLines(oneLine(m.checkQuery(ck), 4*inner), inner, s.Sym.Continue, true) {
		lines = append(lines, s.Dim.Render(l))
	}

	if m.snap.Rehearsal && ck.Why != "" {
		lines = append(lines, prefixFirst(s.Warn.Render("why: "), textLines(nil, ck.Why, inner-5, 0))...)
	}

	focus := focused && live
	if ck.Kind == checks.KindManual {
		box := s.Sym.Unticked
		st := s.Wait
		if c.Ticked {
			box, st = s.Sym.Ticked, s.Pass
		}
		cursor := "  "
		if focus {
			cursor = s.Sym.Current + " "
		}
		lead := cursor + st.Render(box) + " "
		lines = append(lines, prefixFirst(lead, textLines(nil, ck.Attest, inner-ansi.StringWidth(lead), 0))...)
		if focus {
			lines = append(lines, s.Dim.Render("  space ticks it once you have checked it yourself"))
		}
		return m.framePanel(lines, -1, width, focus)
	}

	status := -1
	if live {
		status = len(lines)
		lines = append(lines, "") // statusLine, on every frame
		if c.HasResult {
			if extra := summary(ck, c.Result.Obs, inner); extra != "" {
				lines = append(lines, s.Bold.Render(extra))
			}
		}
	}
	// Why there is no answer comes first: an unreachable server or "not a
	// replica" matters more than the rows it leaves empty, and must stay
	// on a small screen.
	if live && c.HasResult {
		r := c.Result
		switch {
		case r.Obs.Error != "":
			lines = append(lines, prefixFirst(s.Fail.Render("error: "), textLines(nil, r.Obs.Error, inner-7, maxMessageLines))...)
		case r.Obs.State != "":
			lines = append(lines, prefixFirst(s.Fail.Render("state: "), textLines(nil, r.Obs.State, inner-7, maxMessageLines))...)
		case !r.Verdict.Pass && r.Verdict.Reason != "" && len(r.Verdict.Fields) == 0:
			lines = append(lines, textLines(&s.Warn, r.Verdict.Reason, inner, maxMessageLines)...)
		}
	}
	lines = append(lines, m.fieldTable(c, live, inner)...)
	return m.framePanel(lines, status, width, false)
}

// maxMessageLines bounds an error or a reason in a panel: the first lines
// say what went wrong; a command's whole output does not belong there.
const maxMessageLines = 4

// framePanel draws the rounded border and one column of padding around
// lines, each cut or padded to fit, so every line is exactly width columns.
func (m Model) framePanel(lines []string, status, width int, focused bool) panelLines {
	s := m.styles
	inner := max(1, width-4)
	bst := lipgloss.NewStyle().Foreground(s.Border)
	if focused {
		bst = bst.Foreground(s.Accent)
	}
	b := lipgloss.RoundedBorder()
	out := make([]string, 0, len(lines)+2)
	out = append(out, bst.Render(b.TopLeft+strings.Repeat(b.Top, max(0, width-2))+b.TopRight))
	left, right := bst.Render(b.Left)+" ", " "+bst.Render(b.Right)
	for _, l := range lines {
		out = append(out, left+fit(l, inner)+right)
	}
	out = append(out, bst.Render(b.BottomLeft+strings.Repeat(b.Bottom, max(0, width-2))+b.BottomRight))
	if status >= 0 {
		status++ // below the top border
	}
	return panelLines{lines: out, status: status, left: left, right: right}
}

// frame frames one content line the way framePanel did the others.
func (p panelLines) frame(l string, width int) string {
	return p.left + fit(l, max(1, width-4)) + p.right
}

// fit cuts or pads a styled line to exactly w columns.
func fit(l string, w int) string {
	n := ansi.StringWidth(l)
	if n > w {
		l = ansi.Truncate(l, w, "…")
		n = ansi.StringWidth(l)
	}
	return l + strings.Repeat(" ", max(0, w-n))
}

// prefixFirst puts p before the first line and indents the others to line
// up under it.
func prefixFirst(p string, lines []string) []string {
	if len(lines) == 0 {
		return []string{p}
	}
	ind := strings.Repeat(" ", ansi.StringWidth(p))
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = p + l
		} else {
			out[i] = ind + l
		}
	}
	return out
}

// checkQuery says what the check asks, and where, the way the operator would
// type it.
func (m Model) checkQuery(ck checks.Check) string {
	where := ""
	if ck.Target != "" {
		where = " on " + ck.Target
		if t, ok := m.snap.Targets[ck.Target]; ok {
			where += " (" + t.Address() + ")"
		}
	}
	switch ck.Kind {
	case checks.KindMySQLReplica:
		q := `SHOW SLAVE STATUS\G`
		if ck.Channel != "" {
			q = `SHOW SLAVE '` + ck.Channel + `' STATUS\G`
		}
		return q + where
	case checks.KindMySQLQuery:
		return ck.Query + where
	case checks.KindSolid:
		return "ADMIN COMMAND '" + ck.Admin + "'" + where
	case checks.KindCommand:
		cmd := ck.Shell
		if cmd == "" {
			cmd = checks.Action{Argv: ck.Argv}.Describe()
		}
		return "$ " + cmd + where
	case checks.KindHTTP:
		u := ""
		if t, ok := m.snap.Targets[ck.Target]; ok {
			u = t.URL
		}
		if joined, err := url.JoinPath(u, ck.Path); err == nil && u != "" {
			u = joined
		} else {
			u += ck.Path
		}
		return "GET " + u
	case checks.KindTCP:
		port := ""
		if ck.Port != 0 {
			port = fmt.Sprintf(" port %d", ck.Port)
		}
		return "tcp connect" + where + port
	case checks.KindManual:
		return "manual: confirm it yourself"
	}
	return ck.Kind + where
}

// statusLine: state, age of the data, spinner, time left or held. It is the
// only part of a panel drawn on every frame.
func (m Model) statusLine(c CheckView) string {
	s := m.styles
	var parts []string
	if !c.HasResult && m.snap.ReadOnly {
		parts = append(parts, s.Wait.Render(s.Sym.Wait+" no result journaled yet"))
	} else if !c.HasResult {
		parts = append(parts, s.Wait.Render(s.Sym.Wait+" no answer yet"))
	} else {
		r := c.Result
		switch r.Status {
		case checks.StatusPass:
			parts = append(parts, s.Pass.Render(s.Sym.Pass+" pass"))
		case checks.StatusHolding:
			parts = append(parts, s.Wait.Render(s.Sym.Hold+" holding"))
		case checks.StatusWaiting:
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" "+waitingWord(c, m.snap.ReadOnly)))
		case checks.StatusFail:
			parts = append(parts, s.Fail.Render(s.Sym.Fail+" FAIL"))
		case checks.StatusUnreachable:
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" "+m.unreachableStatus(r)))
		case checks.StatusPending:
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" pending"))
		default:
			// A status this console does not know yet: say its name
			// rather than pretend it is one it knows.
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" "+termtext.Line(r.Status.String())))
		}
		if !r.Obs.At.IsZero() {
			parts = append(parts, "data "+age(m.snap.SessionNow(m.now).Sub(r.Obs.At))+" old")
		}
		if sf := time.Duration(c.Check.StableFor); sf > 0 {
			parts = append(parts, fmt.Sprintf("held %s/%s", short(r.Held), short(sf)))
		}
		switch {
		case r.Status == checks.StatusFail && r.Verdict.Final:
			parts = append(parts, "final (fail_when)")
		case c.AwaitsAction && r.Status != checks.StatusPass && r.Status != checks.StatusFail:
			// The deadline has not started: it runs from the action's end.
			parts = append(parts, "within "+short(time.Duration(c.Check.Within))+" of the action's end")
		case c.Check.Within > 0 && r.Status != checks.StatusPass && r.Status != checks.StatusFail:
			parts = append(parts, "left "+short(r.Left))
		}
	}
	// Only a running session polls: once it has ended (or cannot record)
	// nothing is asked, and no spinner says otherwise.
	if m.running() && polling(c, m.snap.SessionNow(m.now)) {
		parts = append(parts, s.Wait.Render(m.spin.View()+" polling"))
	}
	return strings.Join(parts, " · ")
}

// waitingWord is a waiting check's status: on a step whose action has not
// run, its deadline waits for the action (x, for the operator driving).
func waitingWord(c CheckView, readOnly bool) string {
	switch {
	case !c.AwaitsAction:
		return "waiting"
	case readOnly:
		return "waiting for the action"
	default:
		return "waiting for the action (x)"
	}
}

func age(d time.Duration) string {
	if d < time.Second {
		return "<1s"
	}
	return short(d)
}

func short(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	// "5m0s" reads "5m"; "1m20s" stays whole.
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	return out
}

// fieldTable shows expected beside actual, like `show slave status\G` rows:
// `Slave_IO_Running: No   = No  ✔`.
func (m Model) fieldTable(c CheckView, live bool, width int) []string {
	s := m.styles
	type row struct {
		field, actual, expected string
		pass, known             bool
	}
	// No column is wider than the panel: cut every cell to that before
	// anything measures it.
	var rows []row
	if live && c.HasResult && len(c.Result.Verdict.Fields) > 0 {
		for _, f := range c.Result.Verdict.Fields {
			name := f.Field
			if f.Row != "" {
				name = f.Row + "/" + f.Field
			}
			actual := f.Shown()
			if actual == "" {
				actual = `""` // an empty value, visibly so in a column
			}
			rows = append(rows, row{field: oneLine(name, width) + ":", actual: oneLine(actual, width),
				expected: oneLine(f.Expected, width), pass: f.Pass, known: true})
		}
	} else {
		for _, fe := range c.Check.Expect {
			rows = append(rows, row{field: oneLine(fe.Field, width) + ":", actual: "?", expected: oneLine(fe.Expect.String(), width)})
		}
	}
	fw, aw, ew := 0, 0, 0
	for _, r := range rows {
		fw = max(fw, ansi.StringWidth(r.field))
		aw = max(aw, ansi.StringWidth(r.actual))
		ew = max(ew, ansi.StringWidth(r.expected))
	}
	aw = min(aw, max(6, width/3))
	fw = min(fw, max(10, width/2))
	ew = min(ew, max(4, width-fw-aw-6))
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		sym, st := " ", s.Dim
		if r.known {
			if r.pass {
				sym, st = s.Sym.Pass, s.Pass
			} else {
				sym, st = s.Sym.Fail, s.Fail
			}
		}
		field := pad(ansi.Truncate(r.field, fw, "…"), fw)
		actual := pad(ansi.Truncate(r.actual, aw, "…"), aw)
		expected := pad(ansi.Truncate(r.expected, ew, "…"), ew)
		out = append(out, field+" "+st.Render(actual)+"  "+expected+" "+st.Render(sym))
	}
	return out
}

func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// oneLine is untrusted text as one line of at most about width columns: the
// first line only (an ellipsis says more follows), cut before termtext
// escapes it and anything measures it.
func oneLine(s string, width int) string {
	lim := cutAt(s, 4*max(1, width)+16)
	first, more := lim, len(lim) < len(s)
	if i := strings.IndexByte(lim, '\n'); i >= 0 {
		first, more = lim[:i], true
	}
	first = termtext.Line(strings.TrimSuffix(first, "\r"))
	if more {
		first += "…"
	}
	return first
}

// textLines is untrusted multi-line text wrapped to width: each line made
// safe by termtext (a tab or a control is shown, never obeyed, so it cannot
// move the cursor out of the panel), styled with st (nil: plain), at most maxLines of
// them (0: no limit) with an ellipsis when some are left out. The text is
// cut before anything measures it.
func textLines(st *lipgloss.Style, s string, width, maxLines int) []string {
	width = max(1, width)
	cut := false
	if maxLines > 0 {
		c := cutAt(s, maxLines*(4*width+16))
		cut, s = len(c) < len(s), c
	}
	var out []string
	for _, l := range termtext.Lines(s) {
		out = append(out, strings.Split(ansi.Wrap(l, width, " "), "\n")...)
		if maxLines > 0 && len(out) > maxLines {
			break
		}
	}
	if maxLines > 0 && len(out) > maxLines {
		out, cut = out[:maxLines], true
	}
	if cut {
		last := len(out) - 1
		out[last] = ansi.Truncate(out[last], width-1, "") + "…"
	}
	if st != nil {
		for i, l := range out {
			out[i] = st.Render(l)
		}
	}
	return out
}

// cutAt is s cut to at most n bytes, on a character boundary.
func cutAt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// summary is the one line that matters most for some kinds of check: the
// HotStandby state of a solidDB server, the role and state of a Terracotta
// server.
func summary(ck checks.Check, obs checks.Observation, width int) string {
	if len(obs.Rows) == 0 {
		return ""
	}
	row := obs.Rows[0]
	switch ck.Kind {
	case checks.KindSolid:
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ck.Admin)), "hsb") {
			if f, ok := row.Get("TEXT"); ok {
				return "HSB: " + oneLine(f.Value, width)
			}
		}
	case checks.KindCommand:
		var parts []string
		for _, f := range row.Fields {
			n := strings.ToLower(f.Name)
			if n == "role" || n == "state" || strings.HasSuffix(n, ".role") || strings.HasSuffix(n, ".state") {
				parts = append(parts, oneLine(f.Name, width)+": "+oneLine(f.Value, width))
			}
		}
		return strings.Join(parts, " · ")
	}
	return ""
}
