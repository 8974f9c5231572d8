package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/handrail/handrail/internal/termtext"
)

// HTML writes the report as one self-contained page: inline CSS, no
// external asset, every journal value escaped by html/template, and no
// script unless the session was recorded: then the vendored player
// (recording.go) and the recording itself are inline too.
func (r *Report) HTML(out io.Writer) error {
	// html/template escapes markup, not terminal control: the page passes
	// through the sanitizing rule too, so a note's ESC or a reason's
	// U+202E is shown as text, in a browser and with `cat` alike.
	sw := termtext.Writer(out)
	w := bufio.NewWriter(sw)
	if err := pageTmpl.Execute(w, r); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if r.err != nil {
		return fmt.Errorf("report timeline: %w", r.err)
	}
	return nil
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"time":         fmtTime,
	"clock":        clock,
	"dur":          FormatDuration,
	"operator":     operatorLine,
	"first":        firstNonEmpty,
	"stepNumber":   StepNumber,
	"stepHeading":  stepHeading,
	"join":         func(ids []string) string { return strings.Join(ids, ", ") },
	"rows":         evidenceRows,
	"result":       func(a *Action) string { return actionResult(a, func(s string) string { return s }) },
	"failed":       func(a *Action) bool { return a.Result != "ok" },
	"secret":       func(v string) bool { return v == "[secret]" },
	"mark":         func() string { return RehearsalMark },
	"lines":        func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
	"integrityOK":  func(r *Report) bool { return r.Integrity.OK },
	"who":          Who,
	"approvalWhat": approvalWhat,
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1f21;max-width:72rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}
h2{font-size:1.2rem;border-bottom:2px solid #ccd;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;width:100%}
th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f1f5}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f3f6;padding:0 .2rem;word-break:break-all}
.banner{background:#7a4b00;color:#fff;font-weight:700;padding:.6rem 1rem;border-radius:4px;letter-spacing:.03em}
.badge{background:#7a4b00;color:#fff;font-size:.75rem;padding:.1rem .4rem;border-radius:3px;margin-left:.5rem;vertical-align:middle}
.warn{background:#fde8e8;border-left:5px solid #b00020;padding:.6rem 1rem}
.override{border-left:5px solid #b00020;background:#fff6f6;padding:.2rem 1rem .6rem;margin-bottom:1rem}
.reason{white-space:pre-wrap;border-left:3px solid #999;padding-left:.6rem;margin:.3rem 0}
.pass{color:#146c2e;font-weight:700}.fail{color:#b00020;font-weight:700}
ul.tl{list-style:none;padding-left:0}ul.tl li{margin:.15rem 0}
.t{font-family:ui-monospace,Menlo,Consolas,monospace;color:#555;margin-right:.5rem}
.k-override,.k-halt{color:#b00020;font-weight:700}
.k-note{font-style:italic}
@media print{.banner,.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
</style>{{template "recording-head" .}}
</head>
<body>
{{- $r := . }}
{{- define "badge"}}{{if .Rehearsal}}<span class="badge">REHEARSAL</span>{{end}}{{end}}
{{- define "evidence"}}
{{- if not .}}<p>(no evidence recorded)</p>{{else}}
<table><tr><th>check</th><th>status</th><th>field</th><th>expected</th><th>actual</th><th></th></tr>
{{- range $e := .}}{{range rows $e}}
<tr><td><code>{{$e.Check}}</code></td><td>{{$e.Status}}</td><td>{{.Field}}</td><td>{{.Expected}}</td><td>{{.Actual}}</td><td class="{{if eq .Mark "✓"}}pass{{else}}fail{{end}}">{{.Mark}}</td></tr>
{{- end}}{{end}}
</table>{{end}}
{{- end}}
{{- if .Rehearsal}}
<div class="banner">{{mark}}{{if .Scenario}} · scenario {{.Scenario}}{{end}} · no real system was touched</div>
{{- end}}
<h1>{{.Title}}</h1>
{{- if not (integrityOK .)}}{{if not .Integrity.Torn}}
<p class="warn"><strong>WARNING: this journal does not verify.</strong> Line {{.Integrity.BadLine}}: {{.Integrity.Problem}}. This report covers only the {{.Records}} intact records before it.</p>
{{- end}}{{end}}

<h2>Summary{{template "badge" .}}</h2>
<table>
<tr><th>Session</th><td><code>{{.SessionID}}</code></td></tr>
<tr><th>Mode</th><td>{{.ModeLine}}</td></tr>
<tr><th>Runbook</th><td>{{.Runbook.Title}} (<code>{{.Runbook.ID}}</code>)</td></tr>
<tr><th>Source procedure</th><td>{{.Runbook.Source}}</td></tr>
<tr><th>Runbook file</th><td>{{.Runbook.Path}}</td></tr>
<tr><th>Runbook SHA-256</th><td><code>{{.Runbook.SHA256}}</code></td></tr>
<tr><th>Operator</th><td>{{operator .Operator}}</td></tr>
<tr><th>Host</th><td>{{.Operator.Host}}</td></tr>
<tr><th>Ticket</th><td>{{with .Ticket}}{{.}}{{else}}— (none given: pass --ticket){{end}}</td></tr>
<tr><th>Started</th><td>{{time .Started}}</td></tr>
<tr><th>Ended</th><td>{{.EndLine}}</td></tr>
<tr><th>Duration</th><td>{{.DurationLine}}</td></tr>
<tr><th>Overrides</th><td>{{len .Overrides}}</td></tr>
<tr><th>Downtime</th><td>{{.DowntimeLine}}</td></tr>
<tr><th>handrail</th><td>{{.Version}}</td></tr>
<tr><th>Journal</th><td>{{.IntegrityLine}}</td></tr>
<tr><th>Watched by</th><td>{{with .WatchedBy}}{{.}}{{else}}— (none recorded: <code>handrail serve</code> journals who watches a session it drives; a local <code>handrail watch</code> reads the journal and leaves no record){{end}}</td></tr>
</table>

{{- template "recording" .}}

<h2>Overrides ({{len .Overrides}}){{template "badge" .}}</h2>
{{- if not .Overrides}}
<p>No gate was overridden: every step opened on passing checks or was done manually.</p>
{{- end}}
{{- range .Overrides}}
<div class="override">
<h3>Override {{.N}}: step {{stepNumber .Number}}<code>{{.Step}}</code> — {{.Category}}{{template "reclink" ($r.CastLink .Time)}}</h3>
<p><strong>When:</strong> {{time .Time}}{{if .StepTitle}}<br><strong>Step:</strong> {{.StepTitle}}{{end}}<br>
<strong>Category:</strong> {{.Category}}<br>
<strong>Checks overridden:</strong> {{range $i, $c := .Checks}}{{if $i}}, {{end}}<code>{{$c}}</code>{{end}}</p>
{{- with $r.ApprovalOf .}}
<p><strong>Approved by:</strong> {{who .Approver}} at {{time .DecidedAt}}, asked by {{who .Requester}} ({{.Rule}})</p>
<p><strong>The approver's reason:</strong></p>
<div class="reason">{{.Why}}</div>
{{- end}}
<p><strong>Reason:</strong></p>
<div class="reason">{{.Reason}}</div>
<p><strong>Evidence at the time of the override:</strong></p>
{{template "evidence" .Evidence}}
</div>
{{- end}}
{{- with .Approvals}}

<h2>Approvals ({{len .}}){{template "badge" $r}}</h2>
<table><tr><th>asked</th><th>step</th><th>for</th><th>asked by</th><th>rule</th><th>decision</th><th>by</th><th>when</th><th>why</th></tr>
{{- range .}}
<tr><td>{{time .Time}}</td><td><code>{{.Step}}</code></td><td>{{approvalWhat .}}</td><td>{{who .Requester}}</td><td>{{.Rule}}</td>
{{- if .Decision}}<td>{{.Decision}}</td><td>{{who .Approver}}</td><td>{{time .DecidedAt}}</td><td>{{.Why}}</td>{{else}}<td><strong>never decided</strong></td><td>—</td><td>—</td><td>—</td>{{end}}</tr>
{{- end}}
</table>
{{- end}}

<h2>Parameters{{template "badge" .}}</h2>
{{- if not .Params}}<p>None.</p>{{else}}
<table><tr><th>name</th><th>value</th></tr>
{{- range .Params}}
<tr><td><code>{{.Name}}</code></td><td>{{if secret .Value}}<em>[secret]</em>{{else}}<code>{{.Value}}</code>{{end}}</td></tr>
{{- end}}
</table>{{end}}

<h2>Timeline{{template "badge" .}}</h2>
{{- range .Timeline}}
{{- if eq .Kind "event"}}
<ul class="tl"><li class="k-{{.Event.Kind}}"><span class="t">{{clock .Event.Time}}</span>{{.Event.Text}}{{template "reclink" ($r.CastLink .Event.Time)}}</li></ul>
{{- else if eq .Kind "open"}}{{with .Visit}}
<h3>{{stepHeading .Number}}{{first .Title .Step}}{{if .Item}} [{{.Item}}]{{end}} (<code>{{.Step}}</code>)</h3>
<ul class="tl">
<li><span class="t">{{clock .Entered}}</span>entered{{template "reclink" ($r.CastLink .Entered)}}</li>
{{- end}}
{{- else if eq .Kind "item"}}{{with .Event}}
<li class="k-{{.Kind}}"><span class="t">{{clock .Time}}</span>
{{- if .Action}}action {{.Action.Kind}} on {{first .Action.Target "local"}}{{if .Action.Address}} ({{.Action.Address}}){{end}}: <code>{{.Action.Describe}}</code> → <span class="{{if failed .Action}}fail{{else}}pass{{end}}">{{result .Action}}</span>
{{- else if eq .Kind "note"}}note: {{.Text}}
{{- else}}{{.Text}}{{end}}{{template "reclink" ($r.CastLink .Time)}}
{{- if .Evidence}}{{template "evidence" .Evidence}}{{end}}</li>
{{- end}}
{{- else if eq .Kind "close"}}{{with .Visit}}
{{- if .Done.IsZero}}
<li>not completed</li>
{{- else}}
<li><span class="t">{{clock .Done}}</span><strong>done</strong> via {{.Via}} after {{dur .Duration}}</li>
{{- end}}
</ul>
{{- end}}{{end}}
{{- end}}

<h2>Skipped steps ({{len .Skipped}}){{template "badge" .}}</h2>
{{- if not .Skipped}}<p>None.</p>{{else}}
<table><tr><th>step</th><th>when</th><th>reason</th></tr>
{{- range .Skipped}}
<tr><td>{{stepNumber .Number}}<code>{{.Step}}</code></td><td>{{time .Time}}</td><td>{{.Reason}}</td></tr>
{{- end}}
</table>{{end}}

<h2>Downtime{{template "badge" .}}</h2>
<p>Total: <strong>{{dur .Downtime.Total}}</strong>{{if .Downtime.Open}} (a downtime window was still open when the journal ends){{end}}</p>
{{- if .Downtime.Windows}}
<table><tr><th>step</th><th>start</th><th>stop</th><th>duration</th></tr>
{{- range .Downtime.Windows}}
<tr><td><code>{{.Step}}</code></td><td>{{time .Start}}</td><td>{{if .Stop.IsZero}}open{{else}}{{time .Stop}}{{end}}</td><td>{{dur .Duration}}</td></tr>
{{- end}}
</table>{{end}}

{{- if .Suspensions}}
<h2>Suspensions ({{len .Suspensions}}){{template "badge" .}}</h2>
<ul>
{{- range .Suspensions}}
<li>{{time .Halted}} halted at step <code>{{.Step}}</code>: {{.Reason}}<ul>
{{- range .Resumed}}<li>{{time .Time}} resumed, suspended</li>{{end}}
<li>{{.Ended}}</li></ul></li>
{{- end}}
</ul>
{{- end}}

{{- if or .Resumes .Repairs}}
<h2>Interruptions{{template "badge" .}}</h2>
<ul>
{{- range .Interruptions}}
<li>{{time .Time}} {{.Text}}</li>
{{- end}}
</ul>
{{- end}}

<h2>Journal integrity{{template "badge" .}}</h2>
<ul>
<li>File: <code>{{.Path}}</code></li>
<li>Verdict: <strong class="{{if integrityOK .}}pass{{else}}fail{{end}}">{{.IntegrityLine}}</strong></li>
{{- if .Integrity.Head}}
<li>Head: <code>{{.Integrity.Head}}</code></li>
{{- end}}
<li>A truncated journal still verifies on its own: compare the head with one kept when the session ended (<code>handrail verify --head</code>).</li>
</ul>
{{- template "recording-script" .}}
</body>
</html>
`
