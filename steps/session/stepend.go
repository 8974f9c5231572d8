package session

import (
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// StepEnds follows a journal record by record and says which records leave
// a step, with the step's duration. Overrides changed shape twice, and a
// reader of old journals must count each step's end once:
//
//   - now an override opens the gate (opens_gate) and the step is left with
//     step.done via override;
//   - for a while an override ended its step by itself (duration_ns, no
//     step.done after it);
//   - before that an override (with no duration) was followed by step.done
//     via override.
//
// The zero value is ready to use.
type StepEnds struct {
	endedBy string // the step an override of the second shape ended
}

// Next reports whether rec leaves a step, which one (its journal key) and
// how long it took.
func (s *StepEnds) Next(rec journal.Record) (step string, took time.Duration, ok bool) {
	switch rec.Type {
	case EvStepEnter:
		s.endedBy = ""
	case EvOverride:
		var d OverrideData
		if rec.Decode(&d) != nil || d.OpensGate || d.DurationNS == 0 {
			return "", 0, false
		}
		s.endedBy = d.Step
		return d.Step, d.DurationNS, true
	case EvStepDone:
		var d StepDoneData
		if rec.Decode(&d) != nil {
			return "", 0, false
		}
		if d.Via == ViaOverride && s.endedBy == d.Step {
			return "", 0, false
		}
		return d.Step, d.DurationNS, true
	}
	return "", 0, false
}
