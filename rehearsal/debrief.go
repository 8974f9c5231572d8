package rehearsal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// Debrief is the after-action summary of a rehearsal, in Markdown: how long
// each step took against the scenario's reference time, every override and
// its reason, each fault the scenario injected and how the trainee handled
// it, the on_fail paths followed, and the notes taken. It reads the journal
// records generically (by type and JSON field), so it works on any
// session's journal, live or replayed; sc may be nil (no references).
func Debrief(records []journal.Record, sc *Scenario) string {
	var d debrief
	for _, r := range records {
		d.add(r)
	}
	return d.render(sc)
}

type stepRun struct {
	key, title string
	took       time.Duration
	via        string
	visits     int
}

type debrief struct {
	session, runbook, title, mode, scenario, operator string
	started, ended                                    time.Time
	endState                                          string
	order                                             []string
	runs                                              map[string]*stepRun
	overrides, onFails, gotos, notes, halts           []string
	entered                                           map[string]bool // base step ids entered
	cur                                               string          // the step being worked on
	curAt                                             time.Time       // since when
	perStep                                           map[string][]string
}

func (d *debrief) step(key string) *stepRun {
	if d.runs == nil {
		d.runs = map[string]*stepRun{}
	}
	s := d.runs[key]
	if s == nil {
		s = &stepRun{key: key}
		d.runs[key] = s
		d.order = append(d.order, key)
	}
	return s
}

func (d *debrief) event(step, text string) {
	if d.perStep == nil {
		d.perStep = map[string][]string{}
	}
	b := baseID(step)
	d.perStep[b] = append(d.perStep[b], text)
}

func (d *debrief) add(r journal.Record) {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Data, &m) != nil {
		return
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	step := str("step")
	// Time on a step runs from its step.enter to whatever leaves it: done,
	// a goto back (no step.done), a halt or the end of the session.
	leave := func() {
		if d.cur != "" {
			d.step(d.cur).took += r.Time.Sub(d.curAt)
			d.cur = ""
		}
	}
	switch r.Type {
	case "step.enter", "step.done", "override", "goto", "session.halt", "session.end":
		leave()
	}
	switch r.Type {
	case "session.start":
		d.session, d.mode, d.scenario, d.started = str("session"), str("mode"), str("scenario"), r.Time
		var rb struct{ ID, Title string }
		_ = json.Unmarshal(m["runbook"], &rb)
		d.runbook, d.title = rb.ID, rb.Title
		var op struct{ Name, User string }
		_ = json.Unmarshal(m["operator"], &op)
		d.operator = op.Name
		if d.operator == "" {
			d.operator = op.User
		}
	case "step.enter":
		s := d.step(step)
		s.title = str("title")
		s.visits++
		d.cur, d.curAt = step, r.Time
		if d.entered == nil {
			d.entered = map[string]bool{}
		}
		d.entered[baseID(step)] = true
	case "step.done":
		d.step(step).via = str("via")
	case "override":
		var ids []string
		_ = json.Unmarshal(m["checks"], &ids)
		line := fmt.Sprintf("**%s** (%s), checks %s: %q", step, str("category"), strings.Join(ids, ", "), str("reason"))
		d.overrides = append(d.overrides, line)
		d.step(step).via = "override" // the override ends its step
		d.event(step, "overridden ("+str("category")+"): "+str("reason"))
	case "on_fail":
		line := fmt.Sprintf("**%s**: %s", step, str("say"))
		d.onFails = append(d.onFails, line)
		what := "a check failed"
		if str("action") != "" {
			what = "the step's action failed"
		}
		d.event(step, what+"; on_fail said: "+str("say"))
	case "goto":
		d.gotos = append(d.gotos, fmt.Sprintf("%s → %s", str("from"), str("to")))
		d.event(str("from"), "followed on_fail to "+str("to"))
	case "note":
		d.notes = append(d.notes, fmt.Sprintf("**%s**: %s", step, str("text")))
	case "action.end":
		var res struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(m["result"], &res)
		if res.Error != "" {
			d.event(step, "its action failed: "+res.Error)
		}
	case "session.halt":
		d.halts = append(d.halts, fmt.Sprintf("**%s**: %s", step, str("reason")))
		d.event(step, "halted the session")
	case "session.end":
		d.endState, d.ended = str("state"), r.Time
	}
}

func (d *debrief) render(sc *Scenario) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	title := d.title
	if title == "" {
		title = d.runbook
	}
	p("# Rehearsal debrief: %s\n\n", title)
	if sc != nil {
		p("Scenario **%s**: %s\n\n", sc.Name, sc.Title)
	} else if d.scenario != "" {
		p("Scenario **%s**\n\n", d.scenario)
	}
	if d.mode != "" && d.mode != "rehearsal" {
		p("> This session ran in %s mode, not as a rehearsal.\n\n", d.mode)
	}
	state := d.endState
	if state == "" {
		state = "still running"
	}
	p("Session %s, operator %s: %s", orDash(d.session), orDash(d.operator), state)
	if !d.ended.IsZero() && !d.started.IsZero() {
		p(" after %s", fmtDur(d.ended.Sub(d.started)))
	}
	p(".\n\n## Time per step\n\n| step | took | reference | difference |\n|---|---|---|---|\n")
	var total, ref time.Duration
	for _, k := range d.order {
		s := d.runs[k]
		r := sc.Reference(baseID(k))
		took, diff := "—", ""
		if s.visits > 0 {
			took = fmtDur(s.took)
			total += s.took
			if r > 0 {
				ref += r
				diff = signed(s.took - r)
			}
		}
		if s.visits > 1 {
			took += fmt.Sprintf(" (%d visits)", s.visits)
		}
		if s.via == "override" {
			took += ", overridden"
		}
		refText := "—"
		if r > 0 {
			refText = fmtDur(r)
		}
		p("| %s | %s | %s | %s |\n", k, took, refText, diff)
	}
	p("\nSteps done in %s", fmtDur(total))
	if ref > 0 {
		p(" against a reference of %s (%s)", fmtDur(ref), signed(total-ref))
	}
	p(".\n")

	if sc != nil && len(sc.Faults) > 0 {
		p("\n## Faults\n\n")
		for _, f := range sc.Faults {
			p("- **%s** (%s", f.ID, f.Kind)
			if f.Step != "" {
				p(", shows at step %s", f.Step)
			}
			p("): ")
			switch {
			case f.Step != "" && !d.entered[f.Step]:
				p("not met: the session never reached step %s.", f.Step)
			case f.Step != "" && len(d.perStep[f.Step]) > 0:
				var evs []string
				for _, e := range d.perStep[f.Step] {
					evs = append(evs, strings.TrimSuffix(e, "."))
				}
				p("met; %s.", strings.Join(evs, "; "))
			case f.Step != "":
				p("met; the step passed its checks without intervention.")
			default:
				p("injected.")
			}
			if f.Say != "" {
				p(" What the manual expects: %s", f.Say)
			}
			p("\n")
		}
	}
	section := func(title string, lines []string, none string) {
		p("\n## %s\n\n", title)
		if len(lines) == 0 {
			p("%s\n", none)
			return
		}
		for _, l := range lines {
			p("- %s\n", l)
		}
	}
	section("Overrides", d.overrides, "None: every gate opened on its checks.")
	if len(d.onFails) > 0 || len(d.gotos) > 0 {
		section("Failures and on_fail paths", append(append([]string{}, d.onFails...), prefixAll("goto ", d.gotos)...), "")
	}
	if len(d.halts) > 0 {
		section("Halt", d.halts, "")
	}
	section("Notes", d.notes, "None taken.")
	return b.String()
}

func prefixAll(p string, in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = p + s
	}
	return out
}

// fmtDur rounds to the second: "1m5s", "0s".
func fmtDur(d time.Duration) string {
	return d.Round(time.Second).String()
}

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + fmtDur(d)
	}
	return "−" + fmtDur(-d)
}
