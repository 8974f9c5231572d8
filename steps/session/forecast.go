package session

import (
	"fmt"
	"strings"
	"time"
)

// EvWarning records a warning the operator was given: a readiness warning
// before a live run, a forecast that passes the end of the maintenance
// window.
const EvWarning = "warning"

// Warning kinds.
const (
	// WarnReadiness: the operator has no passed rehearsal of this
	// runbook's hash recently enough (docs/rehearsal.md).
	WarnReadiness = "readiness"
	// WarnWindow: the forecast finish passes the maintenance window's end.
	WarnWindow = "forecast.window"
)

// WarningData is warning's data.
type WarningData struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Warn journals a warning now.
func (e *Engine) Warn(kind, text string) error {
	return e.emit(EvWarning, WarningData{Kind: kind, Text: text})
}

// Warnings lists every warning journaled in the session.
func (e *Engine) Warnings() []WarningData { return append([]WarningData(nil), e.warnings...) }

// Forecast is what a session is planned against: per step, how long it
// took in past sessions (steps/forecast computes it from the journals),
// and the end of the maintenance window.
type Forecast struct {
	// Kind is the kind of sessions it was drawn from: live or rehearsal.
	Kind string
	// Steps holds each step's p50 and p90, by the runbook's step id.
	Steps map[string]StepForecast
	// WindowEnd is when the maintenance window ends (zero: no window).
	WindowEnd time.Time
}

// StepForecast is one step's expected duration.
type StepForecast struct {
	P50, P90 time.Duration
	// N is how many past runs of the step it was drawn from.
	N int
	// Reference: no past session ran the step, and P50 and P90 are the
	// rehearsal scenario's reference time for it (N is 0). The plan says
	// so (Plan.Referenced).
	Reference bool
}

// Plan is where the session stands against its forecast.
type Plan struct {
	// Known is false when the session has no forecast.
	Known bool
	// Left is the expected time left (each remaining step at its p50, the
	// current one less the time already spent on it); LeftP90 the same at
	// p90.
	Left, LeftP90 time.Duration
	// Finish and FinishP90 are now plus Left and LeftP90. When the plan is
	// Partial they cover only the steps with a forecast: the earliest the
	// session can finish, never a finish time to show.
	Finish, FinishP90 time.Time
	// Ahead is how far ahead of plan the session is (negative: behind):
	// the p50 of the steps done less the time they took, less the time the
	// current step has run past its p50. A Partial plan gives no verdict
	// (AheadText is "").
	Ahead time.Duration
	// Steps counts the steps still to do, the current one included;
	// Unknown those of them that no past session ran and that have no
	// reference time either (no forecast at all), Referenced those planned
	// on the rehearsal scenario's reference time (no history).
	Steps, Unknown, Referenced int
	// WindowEnd is the maintenance window's end (zero: none); OverWindow
	// says the p50 finish passes it.
	WindowEnd  time.Time
	OverWindow bool
}

// Plan is the session's forecast now.
func (e *Engine) Plan() Plan {
	f := e.cfg.Forecast
	if f == nil {
		return Plan{}
	}
	now := e.clock()
	p := Plan{Known: true, WindowEnd: f.WindowEnd}
	for i, u := range e.units {
		sf, ok := f.Steps[u.BaseID]
		st := e.st[i]
		if st.state == StateCurrent || st.state == StatePending {
			p.Steps++
			if ok && sf.Reference {
				p.Referenced++
			}
		}
		switch st.state {
		case StateDone, StateOverridden:
			if ok {
				p.Ahead += sf.P50 - st.duration
			}
		case StateCurrent:
			on := now.Sub(st.entered)
			if !ok {
				p.Unknown++
				continue
			}
			p.Left += max(sf.P50-on, 0)
			p.LeftP90 += max(sf.P90-on, 0)
			if on > sf.P50 {
				p.Ahead -= on - sf.P50
			}
		case StatePending:
			if !ok {
				p.Unknown++
				continue
			}
			p.Left += sf.P50
			p.LeftP90 += sf.P90
		case StateSkipped, StateFailed:
			// not done, and not to be done (a goto back resets to pending)
		}
	}
	if e.ended != "" {
		p.Left, p.LeftP90 = 0, 0
		p.Steps, p.Unknown, p.Referenced = 0, 0, 0
	}
	p.Finish, p.FinishP90 = now.Add(p.Left), now.Add(p.LeftP90)
	p.OverWindow = !f.WindowEnd.IsZero() && p.Finish.After(f.WindowEnd)
	return p
}

// Partial says some steps still to do have no forecast: no history and no
// reference time. Such a plan gives the time left for the other steps
// only, and neither a finish time nor an ahead/behind verdict.
func (p Plan) Partial() bool { return p.Known && p.Unknown > 0 }

// FinishAt is the p50 and p90 finish seen at now, the session's clock
// (a snapshot's plan is read a moment after it was made): never earlier
// than now.
func (p Plan) FinishAt(now time.Time) (p50, p90 time.Time) {
	p50, p90 = p.Finish, p.FinishP90
	if p50.Before(now) {
		p50 = now
	}
	if p90.Before(now) {
		p90 = now
	}
	return p50, p90
}

// AheadText is "5m ahead of plan", "5m behind plan" or "on plan"; "" for a
// Partial plan, whose steps with no forecast cannot be judged.
func (p Plan) AheadText() string {
	switch {
	case p.Partial():
		return ""
	case p.Ahead >= time.Minute:
		return Minutes(p.Ahead) + " ahead of plan"
	case p.Ahead <= -time.Minute:
		return Minutes(-p.Ahead) + " behind plan"
	}
	return "on plan"
}

// coverText is how much of the steps left the time covers: "for 6 of 14
// steps left; 8 have no history".
func (p Plan) coverText() string {
	return fmt.Sprintf("for %d of %d steps left; %d %s no history", p.Steps-p.Unknown, p.Steps, p.Unknown, map[bool]string{true: "has", false: "have"}[p.Unknown == 1])
}

// referenceText says how many steps left are planned on the scenario's
// reference time ("" for none).
func (p Plan) referenceText() string {
	if p.Referenced == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d steps left on the scenario's reference time: no history", p.Referenced, p.Steps)
}

// Short is the plan in the console's header: "~35m left, 5m behind plan";
// "~35m left for 6 of 14 steps left; 8 have no history" when Partial.
func (p Plan) Short() string {
	if !p.Known {
		return ""
	}
	if p.Partial() {
		if p.Unknown == p.Steps {
			return fmt.Sprintf("no forecast: the %d steps left have no history", p.Steps)
		}
		return "~" + Minutes(p.Left) + " left " + p.coverText()
	}
	s := "~" + Minutes(p.Left) + " left"
	if p.Referenced > 0 {
		s += " (reference times)"
	}
	return s + ", " + p.AheadText()
}

// Line is the plan in full at now, the session's clock, for the console's
// panel and plain mode's status: "Forecast: 35m left (p90 50m), finish
// about 03:35, 5m behind plan". A Partial plan says what it covers and
// gives neither a finish nor a verdict; steps planned on the scenario's
// reference time are named as such.
func (p Plan) Line(now time.Time) string {
	if !p.Known {
		return ""
	}
	if p.Partial() {
		if p.Unknown == p.Steps {
			return fmt.Sprintf("Forecast: none for the %d steps left: no past session ran them; no finish time, no ahead or behind", p.Steps)
		}
		return fmt.Sprintf("Forecast (partial): %s left (p90 %s) %s: no finish time, no ahead or behind", Minutes(p.Left), Minutes(p.LeftP90), p.coverText())
	}
	fin, _ := p.FinishAt(now)
	s := fmt.Sprintf("Forecast: %s left (p90 %s), finish about %s, %s", Minutes(p.Left), Minutes(p.LeftP90), fin.Local().Format("15:04"), p.AheadText())
	if r := p.referenceText(); r != "" {
		s += " (" + r + ")"
	}
	return s
}

// Minutes is a plan's duration to the minute ("35m", "1h5m"), to the
// second under a minute ("45s").
func Minutes(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(max(d, 0).Round(time.Second).Seconds()))
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// WindowWarning is the warning text when the forecast passes the window's
// end ("" when it does not, or there is no window). For a Partial plan the
// finish is the earliest possible, and the warning says so.
func (p Plan) WindowWarning() string {
	if !p.Known || p.WindowEnd.IsZero() || !p.FinishP90.After(p.WindowEnd) {
		return ""
	}
	partial := ""
	if p.Partial() {
		partial = fmt.Sprintf(", and %d of the %d steps left have no history and are not counted: later still", p.Unknown, p.Steps)
	}
	if p.OverWindow {
		return fmt.Sprintf("the forecast passes the end of the maintenance window (%s): expected finish %s (p50), %s (p90), %s late%s",
			clockText(p.WindowEnd), clockText(p.Finish), clockText(p.FinishP90), p.Finish.Sub(p.WindowEnd).Round(time.Minute), partial)
	}
	return fmt.Sprintf("the forecast may pass the end of the maintenance window (%s): expected finish %s (p50), but %s at p90%s",
		clockText(p.WindowEnd), clockText(p.Finish), clockText(p.FinishP90), partial)
}

func clockText(t time.Time) string { return t.Local().Format("15:04") }

// checkWindow journals a forecast.window warning the first time (since the
// session started or resumed) the p90 finish passes the window's end.
func (e *Engine) checkWindow() error {
	if e.windowWarned || e.cfg.Forecast == nil || e.cfg.Forecast.WindowEnd.IsZero() || e.ended != "" {
		return nil
	}
	if w := e.Plan().WindowWarning(); w != "" {
		return e.Warn(WarnWindow, w)
	}
	return nil
}
