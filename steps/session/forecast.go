package session

import (
	"fmt"
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
}

// Plan is where the session stands against its forecast.
type Plan struct {
	// Known is false when the session has no forecast.
	Known bool
	// Left is the expected time left (each remaining step at its p50, the
	// current one less the time already spent on it); LeftP90 the same at
	// p90.
	Left, LeftP90 time.Duration
	// Finish and FinishP90 are now plus Left and LeftP90.
	Finish, FinishP90 time.Time
	// Ahead is how far ahead of plan the session is (negative: behind):
	// the p50 of the steps done less the time they took, less the time the
	// current step has run past its p50.
	Ahead time.Duration
	// Unknown counts the steps still to do that no past session ran.
	Unknown int
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
	}
	p.Finish, p.FinishP90 = now.Add(p.Left), now.Add(p.LeftP90)
	p.OverWindow = !f.WindowEnd.IsZero() && p.Finish.After(f.WindowEnd)
	return p
}

// WindowWarning is the warning text when the forecast passes the window's
// end ("" when it does not, or there is no window).
func (p Plan) WindowWarning() string {
	if !p.Known || p.WindowEnd.IsZero() || !p.FinishP90.After(p.WindowEnd) {
		return ""
	}
	if p.OverWindow {
		return fmt.Sprintf("the forecast passes the end of the maintenance window (%s): expected finish %s (p50), %s (p90), %s late",
			clockText(p.WindowEnd), clockText(p.Finish), clockText(p.FinishP90), p.Finish.Sub(p.WindowEnd).Round(time.Minute))
	}
	return fmt.Sprintf("the forecast may pass the end of the maintenance window (%s): expected finish %s (p50), but %s at p90",
		clockText(p.WindowEnd), clockText(p.Finish), clockText(p.FinishP90))
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
