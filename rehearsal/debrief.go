package rehearsal

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
)

// Debrief is the graded debrief of a rehearsal's journal in Markdown (see
// Grade and Markdown).
func Debrief(rb *steps.Runbook, sc *Scenario, records []journal.Record) string {
	return GradeRecords(rb, sc, records).Markdown()
}

// VerdictLine is the grade in one line: "Score 85/100: passed".
func (g Grade) VerdictLine() string {
	if !g.Graded {
		state := g.End
		if state == "" {
			state = "still running"
		}
		return fmt.Sprintf("Not graded, not passed: the session is %s (only a rehearsal that completed or halted is graded).", state)
	}
	word := "passed"
	if !g.Passed {
		word = "not passed"
	}
	if g.NotPassed != "" {
		// Whatever the score: say why first.
		word += ": " + g.NotPassed + ";"
	}
	return fmt.Sprintf("Score %d/100: %s (the pass mark is %d, with no override the manual forbids).", g.Score, word, max(g.PassMark, PassMark))
}

// TimeLine compares the time of the steps done with the scenario's
// reference for those same steps: "Steps done in 4m10s (simulated, 3 of 14
// steps) against a reference of 13m0s for those steps (−8m50s)." A step a
// halt stopped on, or one still open, is not done: its time is in
// ClocksLine, never in the comparison.
func (g Grade) TimeLine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Steps done in %s (simulated", fmtDur(g.DoneTook))
	switch {
	case g.Total > 0:
		fmt.Fprintf(&b, ", %d of %d steps", g.Done, g.Total)
	default:
		fmt.Fprintf(&b, ", %d steps", g.Done)
	}
	b.WriteString(")")
	if g.Reference > 0 {
		fmt.Fprintf(&b, " against a reference of %s for those steps (%s)", fmtDur(g.Reference), signed(g.DoneTook-g.Reference))
	} else {
		b.WriteString(": no reference time to compare with")
	}
	b.WriteString(".")
	var open []string
	var openTook, noRef time.Duration
	for _, s := range g.Steps {
		switch {
		case !s.Done() && s.Visits > 0:
			open = append(open, s.Label())
			openTook += s.Took
		case s.Done() && s.Reference == 0:
			noRef += s.Took
		}
	}
	if len(open) > 0 {
		fmt.Fprintf(&b, " Not done, not compared: %s (%s).", strings.Join(open, ", "), fmtDur(openTook))
	}
	if noRef > 0 {
		fmt.Fprintf(&b, " Steps done with no reference time, not compared: %s.", fmtDur(noRef))
	}
	return b.String()
}

// ClocksLine says how long on both clocks.
func (g Grade) ClocksLine() string {
	s := fmt.Sprintf("%s of simulated time on the steps, %s of wall-clock time", fmtDur(g.Took), fmtDur(g.TookWall))
	var extra []string
	if g.Speed > 0 && g.Speed != 1 {
		extra = append(extra, "speed "+trimFloat(g.Speed))
	}
	if g.Skipped > 0 {
		extra = append(extra, fmtDur(g.Skipped)+" skipped")
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// TookText is a step's took cell: "1m20s (2 visits), overridden".
func (s StepGrade) TookText() string {
	took := "—"
	if s.Visits > 0 {
		took = fmtDur(s.Took)
	}
	if s.Visits > 1 {
		took += fmt.Sprintf(" (%d visits)", s.Visits)
	}
	if s.Via == "override" || s.Via == "halted" || s.Via == "goto" {
		took += ", " + map[string]string{"override": "overridden", "halted": "halted", "goto": "left by goto"}[s.Via]
	}
	return took
}

// DiffText is the step's time against its reference ("+1m5s").
func (s StepGrade) DiffText() string {
	if s.Visits == 0 || s.Reference == 0 {
		return ""
	}
	return signed(s.Took - s.Reference)
}

// ChecksText is "passed first time / polled checks".
func (s StepGrade) ChecksText() string {
	if s.Checks == 0 {
		return "—"
	}
	return fmt.Sprintf("%d/%d", s.FirstTime, s.Checks)
}

func durOrDash(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmtDur(d)
}

// mdEscape keeps a value on its table cell or list line and makes it text:
// pipes and newlines would break the Markdown around it, and markup or HTML
// in a note or a name (`<script>`, a link) must read as written in any
// Markdown viewer, not act.
func mdEscape(s string) string {
	return mdEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

// mdEscaper escapes what can act in Markdown (links, code, HTML, table
// cells), not emphasis marks, so the file reads as written with cat too.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `[`, `\[`, `]`, `\]`,
	`|`, `\|`, `<`, "&lt;", `>`, "&gt;", `&`, "&amp;",
)

// Markdown renders the graded debrief. Values from the journal are kept on
// their line, and the text passes through the sanitizing rule
// (internal/termtext): the file beside the journal is as safe to `cat` as
// what the terminal shows.
func (g Grade) Markdown() string { return termtext.Block(g.markdown()) }

func (g Grade) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	title := g.RunbookTitle
	if title == "" {
		title = g.Runbook
	}
	p("# Rehearsal debrief: %s\n\n", mdEscape(title))
	if g.Scenario != "" {
		p("Scenario **%s**", mdEscape(g.Scenario))
		if g.ScenarioTitle != "" {
			p(": %s", mdEscape(g.ScenarioTitle))
		}
		p("\n\n")
	}
	if g.Mode != "" && g.Mode != "rehearsal" {
		p("> This session ran in %s mode, not as a rehearsal.\n\n", mdEscape(g.Mode))
	}
	state := g.End
	if state == "" {
		state = "still running"
	}
	p("Session %s, operator %s: %s. %s.\n\n", orDash(g.Session), mdEscape(orDash(g.Operator)), state, g.ClocksLine())
	p("**%s**\n", g.VerdictLine())
	if len(g.Deductions) > 0 {
		p("\n")
		for _, d := range g.Deductions {
			p("- −%d: %s\n", d.Points, mdEscape(d.Why))
		}
	}
	p("\n## Time per step\n\n| step | took (simulated) | wall clock | reference | difference | checks passed first time |\n|---|---|---|---|---|---|\n")
	for _, s := range g.Steps {
		p("| %s | %s | %s | %s | %s | %s |\n", mdEscape(s.Label()), s.TookText(), fmtDur(s.TookWall), durOrDash(s.Reference), s.DiffText(), s.ChecksText())
	}
	p("\n%s\n", g.TimeLine())
	if len(g.Faults) > 0 {
		p("\n## Faults\n\n")
		for _, f := range g.Faults {
			p("- **%s** (%s", mdEscape(f.ID), mdEscape(f.Kind))
			if f.Step != "" {
				p(", shows at step %s", mdEscape(f.Step))
			}
			p("): **%s**: %s.", f.Outcome, mdEscape(strings.TrimSuffix(f.How, ".")))
			if f.Say != "" {
				p(" What the manual expects: %s", mdEscape(f.Say))
			}
			p("\n")
		}
	}
	p("\n## Overrides\n\n")
	if len(g.Overrides) == 0 {
		p("None: every gate opened on its checks.\n")
	}
	for _, o := range g.Overrides {
		p("- **%s** (%s): %s", mdEscape(o.Step), mdEscape(o.Category), mdEscape(o.Verdict))
		if o.Reason != "" {
			p(" Your reason: %q.", mdEscape(o.Reason))
		}
		p("\n")
		for _, w := range o.Why {
			p("  - why it matters: %s\n", mdEscape(w))
		}
	}
	list := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		p("\n## %s\n\n", title)
		for _, l := range lines {
			p("- %s\n", mdEscape(l))
		}
	}
	list("Failures and on_fail paths", append(append([]string{}, g.OnFails...), prefixAll("goto ", g.Gotos)...))
	list("Halt", g.Halts)
	p("\n## Notes\n\n")
	if len(g.Notes) == 0 {
		p("None taken.\n")
	}
	for _, n := range g.Notes {
		p("- %s\n", mdEscape(n))
	}
	return b.String()
}

func prefixAll(p string, in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = p + s
	}
	return out
}

// HTML renders the graded debrief as a self-contained page: every value
// escaped by html/template, and the page through the sanitizing rule
// (html/template leaves terminal control and bidi characters as they are).
func (g Grade) HTML() string {
	var b bytes.Buffer
	if err := debriefPage.Execute(&b, g); err != nil {
		// The template is fixed and the data plain values: this cannot
		// happen short of a bug; say so in the page rather than panic.
		return "<!doctype html><p>debrief: " + template.HTMLEscapeString(termtext.Line(err.Error())) + "</p>"
	}
	return termtext.Block(b.String())
}

var debriefPage = template.Must(template.New("debrief").Funcs(template.FuncMap{
	"dur":     fmtDur,
	"durDash": durOrDash,
	"join":    strings.Join,
	"title": func(g Grade) string {
		if g.RunbookTitle != "" {
			return g.RunbookTitle
		}
		return g.Runbook
	},
	"state": func(s string) string {
		if s == "" {
			return "still running"
		}
		return s
	},
	"neg": func(n int) string { return fmt.Sprintf("−%d", n) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Rehearsal debrief: {{title .}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}
th{background:#f3f3f3}.score{font-size:1.3rem;font-weight:bold}.passed{color:#1a7f37}.failed{color:#b3261e}
.forbidden{color:#b3261e;font-weight:bold}.muted{color:#666}
</style></head><body>
<h1>Rehearsal debrief: {{title .}}</h1>
{{if .Scenario}}<p>Scenario <strong>{{.Scenario}}</strong>{{if .ScenarioTitle}}: {{.ScenarioTitle}}{{end}}</p>{{end}}
{{if and .Mode (ne .Mode "rehearsal")}}<p class="forbidden">This session ran in {{.Mode}} mode, not as a rehearsal.</p>{{end}}
<p>Session {{.Session}}, operator {{.Operator}}: {{state .End}}. {{.ClocksLine}}.</p>
<p class="score {{if .Passed}}passed{{else}}failed{{end}}">{{.VerdictLine}}</p>
{{if .Deductions}}<ul>{{range .Deductions}}<li>{{neg .Points}}: {{.Why}}</li>{{end}}</ul>{{end}}
<h2>Time per step</h2>
<table><tr><th>step</th><th>took (simulated)</th><th>wall clock</th><th>reference</th><th>difference</th><th>checks passed first time</th></tr>
{{range .Steps}}<tr><td>{{.Label}}</td><td>{{.TookText}}</td><td>{{dur .TookWall}}</td><td>{{durDash .Reference}}</td><td>{{.DiffText}}</td><td>{{.ChecksText}}</td></tr>
{{end}}</table>
<p>{{.TimeLine}}</p>
{{if .Faults}}<h2>Faults</h2><ul>{{range .Faults}}<li><strong>{{.ID}}</strong> ({{.Kind}}{{if .Step}}, shows at step {{.Step}}{{end}}): <strong>{{.Outcome}}</strong>: {{.How}}.{{if .Say}} <span class="muted">What the manual expects: {{.Say}}</span>{{end}}</li>
{{end}}</ul>{{end}}
<h2>Overrides</h2>
{{if not .Overrides}}<p>None: every gate opened on its checks.</p>{{end}}
<ul>{{range .Overrides}}<li{{if .Forbidden}} class="forbidden"{{end}}><strong>{{.Step}}</strong> ({{.Category}}): {{.Verdict}}{{if .Reason}} Your reason: “{{.Reason}}”.{{end}}{{if .Why}}<ul>{{range .Why}}<li>why it matters: {{.}}</li>{{end}}</ul>{{end}}</li>
{{end}}</ul>
{{if or .OnFails .Gotos}}<h2>Failures and on_fail paths</h2><ul>{{range .OnFails}}<li>{{.}}</li>{{end}}{{range .Gotos}}<li>goto {{.}}</li>{{end}}</ul>{{end}}
{{if .Halts}}<h2>Halt</h2><ul>{{range .Halts}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Notes</h2>
{{if not .Notes}}<p>None taken.</p>{{end}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
</body></html>
`))
