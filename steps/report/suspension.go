package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Suspension is one halt and how it ended: a halt suspends the session at
// its step; resume picks it up suspended, and only the operator's explicit
// session.continue, with a reason, lets it go on.
type Suspension struct {
	Step   string
	Reason string
	Halted time.Time
	// Resumed lists when the suspended session was picked up again, and by
	// whom.
	Resumed []Resume
	// Continued is zero while the session is still suspended.
	Continued      time.Time
	ContinuedBy    Operator
	ContinueReason string
	// ChecksPass says whether the halting step's checks passed when the
	// operator continued.
	ChecksPass bool
}

// Ended says in words how the suspension ended.
func (s Suspension) Ended() string {
	if s.Continued.IsZero() {
		return "still suspended"
	}
	checks := "its checks passed"
	if !s.ChecksPass {
		checks = "its checks did NOT all pass"
	}
	return fmt.Sprintf("continued at %s by %s (%s): %s", fmtTime(s.Continued), operatorLine(s.ContinuedBy), checks, s.ContinueReason)
}

// suspensionRecord reports whether suspensions needs records of type typ.
func suspensionRecord(typ string) bool {
	return typ == session.EvSessionHalt || typ == session.EvSessionResume || typ == session.EvSessionContinue
}

// suspensions reads the journal's halts, resumes and continues.
func suspensions(recs []journal.Record) []Suspension {
	var out []Suspension
	open := -1
	for _, rec := range recs {
		switch rec.Type {
		case session.EvSessionHalt:
			var d session.HaltData
			if json.Unmarshal(rec.Data, &d) == nil {
				out = append(out, Suspension{Step: d.Step, Reason: d.Reason, Halted: rec.Time})
				open = len(out) - 1
			}
		case session.EvSessionResume:
			var d session.ResumeData
			if open >= 0 && json.Unmarshal(rec.Data, &d) == nil {
				out[open].Resumed = append(out[open].Resumed, Resume{Time: rec.Time, Operator: d.Operator})
			}
		case session.EvSessionContinue:
			var d session.ContinueData
			if open >= 0 && json.Unmarshal(rec.Data, &d) == nil {
				s := &out[open]
				s.Continued, s.ContinuedBy, s.ContinueReason, s.ChecksPass = rec.Time, d.Operator, d.Reason, d.ChecksPass
				open = -1
			}
		}
	}
	return out
}

// suspensionsMD is the Markdown Suspensions section, its heading marked
// like the others ("" when there was no halt).
func (r *Report) suspensionsMD(mark string) string {
	if len(r.Suspensions) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Suspensions (%d)%s\n\n", len(r.Suspensions), mark)
	for _, s := range r.Suspensions {
		fmt.Fprintf(&b, "- %s halted at step %s: %s\n", fmtTime(s.Halted), mdCode(s.Step), mdText(s.Reason))
		for _, x := range s.Resumed {
			fmt.Fprintf(&b, "  - %s resumed, suspended, by %s\n", fmtTime(x.Time), mdText(operatorLine(x.Operator)))
		}
		fmt.Fprintf(&b, "  - %s\n", mdText(s.Ended()))
	}
	return b.String()
}

// recoveryEvent is the timeline entry of the recovery records (see
// docs/journal.md); ok is false for a type it does not know. A nil event
// means the record belongs in no timeline (the check.fresh heartbeat).
func recoveryEvent(rec journal.Record) (ev *Event, step string, ok bool) {
	e := &Event{Time: rec.Time, Kind: rec.Type}
	switch rec.Type {
	case session.EvCheckFresh:
		return nil, "", true
	case session.EvSessionContinue:
		var d session.ContinueData
		_ = json.Unmarshal(rec.Data, &d)
		checks := "its checks pass"
		if !d.ChecksPass {
			checks = "its checks do NOT all pass"
		}
		e.Text = fmt.Sprintf("suspension ended: continued by %s (%s): %s", operatorLine(d.Operator), checks, d.Reason)
		return e, d.Step, true
	case session.EvActionProcess:
		var d session.ActionProcessData
		_ = json.Unmarshal(rec.Data, &d)
		e.Text = fmt.Sprintf("the action runs as process group %d", d.Process.PGID)
		return e, d.Step, true
	case session.EvActionInterrupted:
		var d session.ActionInterruptedData
		_ = json.Unmarshal(rec.Data, &d)
		e.Text = fmt.Sprintf("ACTION INTERRUPTED by %s: %s (%s); its outcome is unknown", d.Cause, d.Describe, d.Stopped)
		return e, d.Step, true
	case session.EvCredentials:
		var d session.CredentialsData
		_ = json.Unmarshal(rec.Data, &d)
		e.Text = fmt.Sprintf("credentials for %s re-entered (%s) by %s", d.Target, strings.Join(d.Fields, ", "), operatorLine(d.Operator))
		return e, "", true
	case session.EvPreflight:
		var d session.PreflightData
		_ = json.Unmarshal(rec.Data, &d)
		e.Text = fmt.Sprintf("preflight: %d targets contacted", len(d.Targets))
		if len(d.Unreachable) > 0 {
			e.Text += fmt.Sprintf("; UNREACHABLE: %s; started anyway on the operator's choice", strings.Join(d.Unreachable, ", "))
			if d.Reason != "" {
				e.Text += ": " + d.Reason
			}
		}
		return e, "", true
	}
	return nil, "", false
}
