package tui

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
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

// panel renders one check: what it asks where, then expected beside actual
// for every field, with a symbol and a colour for each.
func (m Model) panel(c CheckView, live, focused bool, width int) string {
	s := m.styles
	inner := max(20, width-4)
	ck := c.Check
	var lines []string

	name := ck.ID
	if ck.Title != "" {
		name = ck.Title + s.Dim.Render(" ("+ck.ID+")")
	}
	if ck.Optional {
		name += s.Dim.Render(" optional")
	}
	lines = append(lines, s.PanelTitle.Render(ansi.Truncate(name, inner, "…")))
	lines = append(lines, wrap(s.Dim.Render(m.checkQuery(ck)), inner)...)

	if m.snap.Rehearsal && ck.Why != "" {
		lines = append(lines, wrap(s.Warn.Render("why: ")+ck.Why, inner)...)
	}

	if ck.Kind == checks.KindManual {
		box := s.Sym.Unticked
		st := s.Wait
		if c.Ticked {
			box, st = s.Sym.Ticked, s.Pass
		}
		cursor := "  "
		if focused && live {
			cursor = s.Sym.Current + " "
		}
		lines = append(lines, wrap(cursor+st.Render(box)+" "+ck.Attest, inner)...)
		if live && focused {
			lines = append(lines, s.Dim.Render("  space ticks it once you have checked it yourself"))
		}
		return m.frame(lines, width, focused && live)
	}

	if live {
		lines = append(lines, m.statusLine(c))
		if extra := summary(ck, c.Result.Obs); extra != "" && c.HasResult {
			lines = append(lines, s.Bold.Render(extra))
		}
	}
	// Why there is no answer comes first: an unreachable server or "not a
	// replica" matters more than the rows it leaves empty, and must stay
	// on a small screen.
	if live && c.HasResult {
		if e := c.Result.Obs.Error; e != "" {
			lines = append(lines, wrap(s.Fail.Render("error: ")+e, inner)...)
		} else if st := c.Result.Obs.State; st != "" {
			lines = append(lines, wrap(s.Fail.Render("state: ")+st, inner)...)
		} else if !c.Result.Verdict.Pass && c.Result.Verdict.Reason != "" && len(c.Result.Verdict.Fields) == 0 {
			lines = append(lines, wrap(s.Warn.Render(c.Result.Verdict.Reason), inner)...)
		}
	}
	lines = append(lines, m.fieldTable(c, live, inner)...)
	return m.frame(lines, width, false)
}

func (m Model) frame(lines []string, width int, focused bool) string {
	st := m.styles.Panel
	if focused {
		st = m.styles.PanelFocus
	}
	return st.Width(width).Render(strings.Join(lines, "\n"))
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

// statusLine: state, age of the data, spinner, time left or held.
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
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" waiting"))
		case checks.StatusFail:
			parts = append(parts, s.Fail.Render(s.Sym.Fail+" FAIL"))
		case checks.StatusUnreachable:
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" unreachable"))
		default:
			parts = append(parts, s.Wait.Render(s.Sym.Wait+" pending"))
		}
		if !r.Obs.At.IsZero() {
			parts = append(parts, "data "+age(m.snap.SessionNow(m.now).Sub(r.Obs.At))+" old")
		}
		if sf := time.Duration(c.Check.StableFor); sf > 0 {
			parts = append(parts, fmt.Sprintf("held %s/%s", short(r.Held), short(sf)))
		}
		if c.Check.Within > 0 && r.Status != checks.StatusPass {
			parts = append(parts, "left "+short(r.Left))
		}
	}
	if !m.snap.ReadOnly && polling(c, m.snap.SessionNow(m.now)) {
		parts = append(parts, s.Wait.Render(m.spin.View()+" polling"))
	}
	return strings.Join(parts, " · ")
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
	return strings.TrimSuffix(d.String(), "0s")
}

// fieldTable shows expected beside actual, like `show slave status\G` rows:
// `Slave_IO_Running: No   = No  ✔`.
func (m Model) fieldTable(c CheckView, live bool, width int) []string {
	s := m.styles
	type row struct {
		field, actual, expected string
		pass, known             bool
	}
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
			rows = append(rows, row{field: name + ":", actual: actual, expected: f.Expected, pass: f.Pass, known: true})
		}
	} else {
		for _, fe := range c.Check.Expect {
			rows = append(rows, row{field: fe.Field + ":", actual: "?", expected: fe.Expect.String()})
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

// summary is the one line that matters most for some kinds of check: the
// HotStandby state of a solidDB server, the role and state of a Terracotta
// server.
func summary(ck checks.Check, obs checks.Observation) string {
	if len(obs.Rows) == 0 {
		return ""
	}
	row := obs.Rows[0]
	switch ck.Kind {
	case checks.KindSolid:
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ck.Admin)), "hsb") {
			if f, ok := row.Get("TEXT"); ok {
				return "HSB: " + f.Value
			}
		}
	case checks.KindCommand:
		var parts []string
		for _, f := range row.Fields {
			n := strings.ToLower(f.Name)
			if n == "role" || n == "state" || strings.HasSuffix(n, ".role") || strings.HasSuffix(n, ".state") {
				parts = append(parts, f.Name+": "+f.Value)
			}
		}
		return strings.Join(parts, " · ")
	}
	return ""
}
