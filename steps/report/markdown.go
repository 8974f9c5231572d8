package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// timeFmt is how times appear in reports: UTC, to the second.
const timeFmt = "2006-01-02 15:04:05 UTC"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(timeFmt)
}

// clock is a timeline's time of day; the date is in the summary.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// Markdown writes the report as Markdown. Everything that came from the
// journal is escaped, so a note cannot inject links, HTML or table breaks,
// and the whole text passes through the sanitizing rule (termtext.Writer):
// a report file shown with `cat` or `less -R` carries no control either.
func (r *Report) Markdown(out io.Writer) error {
	w := bufio.NewWriter(termtext.Writer(out))
	mark := ""
	if r.Rehearsal {
		mark = " · REHEARSAL"
	}
	h2 := func(s string) { fmt.Fprintf(w, "\n## %s%s\n\n", s, mark) }

	fmt.Fprintf(w, "# %s\n\n", mdText(r.Title()))
	if r.Rehearsal {
		fmt.Fprintf(w, "> **%s.** This session ran against a simulator", RehearsalMark)
		if r.Scenario != "" {
			fmt.Fprintf(w, " (scenario %s)", mdCode(r.Scenario))
		}
		fmt.Fprint(w, "; no real system was touched.\n\n")
	}
	if !r.Integrity.OK && !r.Integrity.Torn {
		fmt.Fprintf(w, "> **WARNING: this journal does not verify.** Line %d: %s. This report covers only the %d intact records before it.\n\n", r.Integrity.BadLine, mdText(r.Integrity.Problem), r.Records)
	}

	h2("Summary")
	row := func(k, v string) { fmt.Fprintf(w, "| %s | %s |\n", k, v) }
	fmt.Fprint(w, "| | |\n|---|---|\n")
	row("Session", mdCode(r.SessionID))
	row("Mode", mdCell(r.ModeLine()))
	row("Runbook", mdCell(r.Runbook.Title)+" ("+mdCode(r.Runbook.ID)+")")
	row("Source procedure", mdCell(r.Runbook.Source))
	row("Runbook file", mdCell(r.Runbook.Path))
	row("Runbook SHA-256", mdCode(r.Runbook.SHA256))
	row("Operator", mdCell(operatorLine(r.Operator)))
	row("Host", mdCell(r.Operator.Host))
	if r.Ticket == "" {
		row("Ticket", "— (none given: pass --ticket)")
	} else {
		row("Ticket", mdCell(r.Ticket))
	}
	row("Started", fmtTime(r.Started))
	row("Ended", mdCell(r.EndLine()))
	row("Duration", r.DurationLine())
	row("Overrides", fmt.Sprint(len(r.Overrides)))
	row("Downtime", r.DowntimeLine())
	row("handrail", mdCell(r.Version))
	row("Journal", mdCell(r.IntegrityLine()))
	if who := r.WatchedBy(); who == "" {
		row("Watched by", noWatcherMD)
	} else {
		row("Watched by", mdCell(who))
	}

	if r.Recording != nil {
		h2("Recording")
		r.recordingMD(w)
	}

	h2(fmt.Sprintf("Overrides (%d)", len(r.Overrides)))
	if len(r.Overrides) == 0 {
		fmt.Fprint(w, "No gate was overridden: every step opened on passing checks or was done manually.\n")
	}
	for _, o := range r.Overrides {
		fmt.Fprintf(w, "### Override %d: step %s%s — %s\n\n", o.N, StepNumber(o.Number), mdCode(o.Step), mdText(o.Category))
		fmt.Fprintf(w, "- **When:** %s%s\n", fmtTime(o.Time), r.castMD(o.Time))
		if o.StepTitle != "" {
			fmt.Fprintf(w, "- **Step:** %s\n", mdText(o.StepTitle))
		}
		fmt.Fprintf(w, "- **Category:** %s\n", mdText(o.Category))
		fmt.Fprintf(w, "- **Checks overridden:** %s\n", codeList(o.Checks))
		if a := r.ApprovalOf(o); a != nil {
			fmt.Fprintf(w, "- **Approved by:** %s at %s, asked by %s (%s)\n", mdText(Who(a.Approver)), fmtTime(a.DecidedAt), mdText(Who(a.Requester)), mdText(a.Rule))
			fmt.Fprint(w, "- **The approver's reason:**\n\n")
			quote(w, a.Why)
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, "- **Reason:**\n\n")
		quote(w, o.Reason)
		fmt.Fprint(w, "\n**Evidence at the time of the override:**\n\n")
		evidenceMD(w, o.Evidence)
		fmt.Fprintln(w)
	}

	if as := r.Approvals(); len(as) > 0 {
		h2(fmt.Sprintf("Approvals (%d)", len(as)))
		fmt.Fprint(w, "| asked | step | for | asked by | rule | decision | by | when | why |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, a := range as {
			decision, by, when := "**never decided**", "—", "—"
			if a.Decision != "" {
				decision, by, when = a.Decision, mdText(Who(a.Approver)), fmtTime(a.DecidedAt)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", fmtTime(a.Time), mdCode(a.Step), mdText(approvalWhat(a)),
				mdText(Who(a.Requester)), mdText(a.Rule), decision, by, when, mdText(a.Why))
		}
	}

	h2("Parameters")
	if len(r.Params) == 0 {
		fmt.Fprint(w, "None.\n")
	} else {
		fmt.Fprint(w, "| name | value |\n|---|---|\n")
		for _, p := range r.Params {
			fmt.Fprintf(w, "| %s | %s |\n", mdCode(p.Name), paramValueMD(p.Value))
		}
	}

	h2("Timeline")
	for it := range r.Timeline() {
		switch it.Kind {
		case EntryEvent:
			fmt.Fprintf(w, "- %s %s%s\n", clock(it.Event.Time), eventMD(*it.Event), r.castMD(it.Event.Time))
		case EntryOpen:
			v := it.Visit
			fmt.Fprintf(w, "\n### %s%s%s%s\n\n", stepHeading(v.Number), mdText(firstNonEmpty(v.Title, v.Step)), itemSuffix(v.Item), " ("+mdCode(v.Step)+")")
			fmt.Fprintf(w, "- %s entered%s\n", clock(v.Entered), r.castMD(v.Entered))
		case EntryItem:
			e := it.Event
			fmt.Fprintf(w, "- %s %s%s\n", clock(e.Time), eventMD(*e), r.castMD(e.Time))
			if len(e.Evidence) > 0 {
				fmt.Fprintln(w)
				evidenceMD(w, e.Evidence)
				fmt.Fprintln(w)
			}
		case EntryClose:
			v := it.Visit
			if v.Done.IsZero() {
				fmt.Fprint(w, "- not completed\n")
			} else {
				fmt.Fprintf(w, "- %s **done** via %s after %s\n", clock(v.Done), mdText(v.Via), FormatDuration(v.Duration))
			}
		}
	}
	if r.err != nil {
		return fmt.Errorf("report timeline: %w", r.err)
	}

	h2(fmt.Sprintf("Skipped steps (%d)", len(r.Skipped)))
	if len(r.Skipped) == 0 {
		fmt.Fprint(w, "None.\n")
	} else {
		fmt.Fprint(w, "| step | when | reason |\n|---|---|---|\n")
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "| %s%s | %s | %s |\n", StepNumber(s.Number), mdCode(s.Step), fmtTime(s.Time), mdCell(s.Reason))
		}
	}

	h2("Downtime")
	fmt.Fprintf(w, "Total: **%s**", FormatDuration(r.Downtime.Total))
	if r.Downtime.Open {
		fmt.Fprint(w, " (a downtime window was still open when the journal ends)")
	}
	fmt.Fprintln(w)
	if len(r.Downtime.Windows) > 0 {
		fmt.Fprint(w, "\n| step | start | stop | duration |\n|---|---|---|---|\n")
		for _, d := range r.Downtime.Windows {
			stop := "open"
			if !d.Stop.IsZero() {
				stop = fmtTime(d.Stop)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", mdCode(d.Step), fmtTime(d.Start), stop, FormatDuration(d.Duration))
		}
	}

	fmt.Fprint(w, r.suspensionsMD(mark))

	if len(r.Resumes) > 0 || len(r.Repairs) > 0 {
		h2("Interruptions")
		for _, x := range r.Interruptions() {
			fmt.Fprintf(w, "- %s %s\n", fmtTime(x.Time), mdText(x.Text))
		}
	}

	h2("Journal integrity")
	fmt.Fprintf(w, "- File: %s\n", mdCode(r.Path))
	fmt.Fprintf(w, "- Verdict: **%s**\n", mdText(r.IntegrityLine()))
	if r.Integrity.Head != "" {
		fmt.Fprintf(w, "- Head: %s\n", mdCode(r.Integrity.Head))
	}
	fmt.Fprint(w, "- A truncated journal still verifies on its own: compare the head with one kept when the session ended (`handrail verify --head`).\n")
	return w.Flush()
}

func (r *Report) ModeLine() string {
	m := firstNonEmpty(r.Mode, "live")
	if r.Rehearsal {
		m = RehearsalMark
		if r.Scenario != "" {
			m += ", scenario " + r.Scenario
		}
	}
	return m
}

func (r *Report) EndLine() string {
	if r.EndState == "" {
		return "not ended (last record " + fmtTime(r.LastSeen) + ")"
	}
	s := fmtTime(r.Ended) + " — " + r.EndState
	if r.Halt != nil && r.EndState == "halted" {
		s += ": " + r.Halt.Reason
	}
	return s
}

func (r *Report) DurationLine() string {
	end := r.Ended
	if end.IsZero() {
		end = r.LastSeen
	}
	return FormatDuration(end.Sub(r.Started))
}

func (r *Report) DowntimeLine() string {
	s := FormatDuration(r.Downtime.Total)
	if n := len(r.Downtime.Windows); n > 0 {
		s += fmt.Sprintf(" in %d window(s)", n)
	}
	return s
}

func (r *Report) IntegrityLine() string {
	res := r.Integrity
	switch {
	case res.OK:
		return fmt.Sprintf("chain intact, %d records", res.Records)
	case res.Torn:
		return fmt.Sprintf("chain intact for %d records; the last line is incomplete (%d bytes: a write in progress or interrupted)", res.Records, res.TornBytes)
	}
	return fmt.Sprintf("DOES NOT VERIFY at line %d: %s", res.BadLine, res.Problem)
}

func itemSuffix(item string) string {
	if item == "" {
		return ""
	}
	return " [" + mdText(item) + "]"
}

func eventMD(e Event) string {
	switch e.Kind {
	case "action":
		a := e.Action
		s := fmt.Sprintf("action %s on %s", mdText(a.Kind), mdText(firstNonEmpty(a.Target, "local")))
		if a.Address != "" {
			s += " (" + mdText(a.Address) + ")"
		}
		s += ": " + mdCode(a.Describe) + " → " + actionResult(a, mdText)
		return s
	case "note":
		return "note: " + mdText(oneLine(e.Text))
	case "override":
		return "**" + mdText(e.Text) + "**"
	case "halt":
		return "**" + mdText(e.Text) + "**"
	}
	return mdText(e.Text)
}

func actionResult(a *Action, esc func(string) string) string {
	switch a.Result {
	case "ok":
		return fmt.Sprintf("ok (exit %d, %s)", a.ExitCode, FormatDuration(a.Duration))
	case "failed":
		s := fmt.Sprintf("FAILED (exit %d, %s)", a.ExitCode, FormatDuration(a.Duration))
		if a.Error != "" {
			s += ": " + esc(oneLine(a.Error))
		}
		return s
	case "attested":
		return "outcome unknown (interrupted); operator attested: " + esc(oneLine(a.Attested))
	}
	return "outcome unknown (never finished)"
}

func evidenceMD(w io.Writer, ev []Evidence) {
	if len(ev) == 0 {
		fmt.Fprint(w, "(no evidence recorded)\n")
		return
	}
	fmt.Fprint(w, "| check | status | field | expected | actual | |\n|---|---|---|---|---|---|\n")
	for _, e := range ev {
		for _, row := range evidenceRows(e) {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", mdCode(e.Check), mdCell(e.Status), mdCell(row.Field), mdCell(row.Expected), mdCell(row.Actual), row.Mark)
		}
	}
}

// evRow is one line of an evidence table.
type evRow struct{ Field, Expected, Actual, Mark string }

// evidenceRows flattens a check's evidence: one row per judged field, or
// one row saying what the probe saw when no field was judged.
func evidenceRows(e Evidence) []evRow {
	var rows []evRow
	for _, f := range e.Fields {
		rows = append(rows, evRow{Field: fieldName(f), Expected: f.Expected, Actual: f.Shown(), Mark: passMark(f.Pass)})
	}
	if len(rows) > 0 {
		// Every field is a row with its whole value: the verdict's
		// reason, which names only the first failing one, adds nothing.
		return rows
	}
	switch {
	case e.Ticked:
		return []evRow{{Field: "manual", Expected: "ticked", Actual: "ticked by the operator", Mark: "✓"}}
	case e.Error != "":
		return []evRow{{Field: "error", Actual: e.Error, Mark: "✗"}}
	case e.State != "":
		return []evRow{{Field: "state", Actual: e.State, Mark: passMark(e.Status == "pass")}}
	case e.Reason != "":
		return []evRow{{Field: "why", Actual: e.Reason, Mark: passMark(e.Status == "pass")}}
	case e.Raw != "":
		return []evRow{{Field: "output", Actual: truncate(e.Raw, 200), Mark: passMark(e.Status == "pass")}}
	}
	return []evRow{{Field: "—", Mark: passMark(e.Status == "pass")}}
}

func fieldName(f checks.FieldVerdict) string {
	if f.Row != "" {
		return f.Row + "." + f.Field
	}
	return f.Field
}

func passMark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func paramValueMD(v string) string {
	if v == checks.Redacted {
		return "*" + mdText(checks.Redacted) + "*"
	}
	return mdCode(v)
}

func codeList(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = mdCode(id)
	}
	return strings.Join(parts, ", ")
}

// quote writes multi-line text as a Markdown block quote.
func quote(w io.Writer, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "(no reason given)"
	}
	for _, line := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "> %s\n", mdText(strings.TrimRight(line, "\r")))
	}
}

// mdEscaper escapes the characters that make Markdown (CommonMark + GFM
// tables) syntax inside a line: emphasis, code, links (no [ means no link,
// so parentheses stay plain), table pipes, strikethrough, and < > & so that
// no HTML passes through. Every line the report writes starts with its own
// prefix (a list dash, "> ", "| "), so line-start syntax cannot arise.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`|`, `\|`, `~`, `\~`, `<`, "&lt;", `>`, "&gt;", `&`, "&amp;",
)

// mdText escapes inline text; newlines become spaces.
func mdText(s string) string { return mdEscaper.Replace(oneLineKeep(s)) }

// mdCell is mdText for a table cell (empty shows as a dash).
func mdCell(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return mdText(s)
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func oneLineKeep(s string) string { return lineBreaks.Replace(s) }

// mdCode renders s as a code span that no content can break out of: the
// fence is one backtick longer than the longest run inside, and a pipe is
// escaped so a table row stays whole.
func mdCode(s string) string {
	s = oneLineKeep(s)
	if s == "" {
		return "—"
	}
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || longest > 0 {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}

// StepNumber is "step N · " for a step the journal numbers (the runbook's
// number, as the console, plain mode and show give it), "" for a journal
// written before step records carried it.
func StepNumber(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%d · ", n)
}

// stepHeading starts a visit's heading: "Step N · ", or nothing for a
// journal that does not number its steps.
func stepHeading(n int) string {
	if n <= 0 {
		return ""
	}
	return "Step " + StepNumber(n)
}
