package recording

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// maxLabel caps a marker's label, in characters: a player shows it as a
// chapter title; the journal keeps the whole text.
const maxLabel = 200

// Marked reports whether a record of this type gets a marker: every step
// entered, gate opened, action started, finished and interrupted, override,
// note, tick, attestation, approval, resume, halt, continue after a halt
// and end.
func Marked(typ string) bool {
	switch typ {
	case session.EvStepEnter, session.EvGateOpen, session.EvActionStart, session.EvActionEnd,
		session.EvActionInterrupted, session.EvOverride, session.EvNote, session.EvManualTick,
		session.EvActionAttest, session.EvSessionResume, session.EvSessionHalt, session.EvSessionContinue,
		session.EvSessionEnd:
		return true
	}
	return isApproval(typ)
}

// Boundary reports whether the recording is checkpointed after a record of
// this type: a step entered (the previous one is left), an override, an
// approval or a continue after a halt (what was on screen when it was
// decided), a halt and the end.
func Boundary(typ string) bool {
	switch typ {
	case session.EvStepEnter, session.EvOverride, session.EvSessionHalt, session.EvSessionContinue, session.EvSessionEnd:
		return true
	}
	return isApproval(typ)
}

// isApproval: the two-person rule's records (approval.request,
// approval.grant, …) all start with "approval".
func isApproval(typ string) bool { return typ == "approval" || strings.HasPrefix(typ, "approval.") }

// Label is the marker label of a journal record, or "" when it gets none.
// It names the step: the record's own, else cur, the current one; titles
// gives a step's title by key. The label is one safe line
// (termtext.Line), at most maxLabel characters.
func Label(rec journal.Record, titles map[string]string, cur string) string {
	if !Marked(rec.Type) {
		return ""
	}
	var d struct {
		Step     string              `json:"step"`
		Title    string              `json:"title"`
		Item     string              `json:"item"`
		Check    string              `json:"check"`
		Ticked   bool                `json:"ticked"`
		Attest   string              `json:"attest"`
		Describe string              `json:"describe"`
		Result   checks.ActionResult `json:"result"`
		Category string              `json:"category"`
		Reason   string              `json:"reason"`
		Cause    string              `json:"cause"`
		Stopped  string              `json:"stopped"`
		Text     string              `json:"text"`
		Outcome  string              `json:"outcome"`
		State    string              `json:"state"`
		Operator session.Operator    `json:"operator"`
		Decision string              `json:"decision"`
		Approver json.RawMessage     `json:"approver"`
		By       json.RawMessage     `json:"by"`
	}
	_ = json.Unmarshal(rec.Data, &d)
	step := d.Step
	if step == "" {
		step = cur
	}
	var s string
	switch rec.Type {
	case session.EvStepEnter:
		s = "step " + d.Step
		if d.Item != "" && !strings.Contains(d.Step, "@") {
			s += " [" + d.Item + "]"
		}
		if d.Title != "" {
			s += ": " + d.Title
		}
	case session.EvGateOpen:
		s = step + ": gate open, every check passed"
	case session.EvActionStart:
		s = step + ": action started: " + d.Describe
	case session.EvActionEnd:
		s = step + ": action " + verdict(d.Result)
	case session.EvActionInterrupted:
		s = fmt.Sprintf("%s: action interrupted (%s)", step, d.Cause)
		if d.Stopped != "" {
			s += ": " + d.Stopped
		}
	case session.EvOverride:
		s = fmt.Sprintf("%s: OVERRIDE (%s): %s", step, d.Category, d.Reason)
	case session.EvNote:
		s = step + ": note: " + d.Text
	case session.EvManualTick:
		if d.Ticked {
			s = step + ": ticked " + d.Check
		} else {
			s = step + ": unticked " + d.Check
		}
		if d.Attest != "" {
			s += ": " + d.Attest
		}
	case session.EvActionAttest:
		s = fmt.Sprintf("%s: attested the interrupted action: %s", step, d.Outcome)
		if d.Text != "" {
			s += ": " + d.Text
		}
	case session.EvSessionResume:
		s = "resumed by " + operatorName(d.Operator) + atStep(step, titles)
	case session.EvSessionHalt:
		s = step + ": HALTED: " + d.Reason
	case session.EvSessionContinue:
		s = fmt.Sprintf("%s: CONTINUED after the halt by %s: %s", step, operatorName(d.Operator), d.Reason)
	case session.EvSessionEnd:
		s = "session ended: " + d.State + atStep(step, titles)
	default: // an approval
		s = step + ": " + rec.Type
		if d.Decision != "" {
			s += " " + d.Decision
		}
		if who := person(d.Approver, d.By); who != "" {
			s += " by " + who
		}
		if d.Reason != "" {
			s += ": " + d.Reason
		}
	}
	return clip(termtext.Line(s))
}

// Interrupted is the label of the marker that ends an interrupted run.
func Interrupted(cur string, titles map[string]string) string {
	return clip(termtext.Line("interrupted" + atStep(cur, titles)))
}

func atStep(step string, titles map[string]string) string {
	if step == "" {
		return ""
	}
	if t := titles[step]; t != "" {
		return " at step " + step + " (" + t + ")"
	}
	return " at step " + step
}

func operatorName(o session.Operator) string {
	switch {
	case o.Name != "":
		return o.Name
	case o.User != "":
		return o.User
	}
	return "unknown"
}

// person reads who approved: a name, or an object with a name.
func person(raws ...json.RawMessage) string {
	for _, raw := range raws {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		var o struct{ Name, User string }
		if json.Unmarshal(raw, &o) == nil && (o.Name != "" || o.User != "") {
			return operatorName(session.Operator{Name: o.Name, User: o.User})
		}
	}
	return ""
}

func verdict(r checks.ActionResult) string {
	switch {
	case r.Unreachable:
		return "not run, the target could not be reached: " + r.Error
	case r.Error != "":
		return "failed: " + r.Error
	case r.ExitCode != 0:
		return fmt.Sprintf("failed: exit status %d", r.ExitCode)
	}
	return "ok"
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	n := 0
	for i := range s {
		if n == maxLabel-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
