package rehearsal

import (
	"encoding/json"
	"strings"

	"github.com/handrail/handrail/steps/journal"
)

// Journal is the journal a session appends to (session.Journal's method
// set, repeated here so the simulator does not depend on the engine).
type Journal interface {
	Append(typ string, data any) (journal.Record, error)
}

// HookJournal returns j, telling h about every step.enter, manual.tick and
// step left (step.done, or an override, which ends its step by itself) once
// it is on the record. A rehearsal wraps its journal with it,
// so the simulated world follows the operator without the engine or the
// TUI knowing about the simulator.
func HookJournal(j Journal, h StepHook) Journal { return &hookJournal{j: j, h: h} }

type hookJournal struct {
	j Journal
	h StepHook
}

func (hj *hookJournal) Append(typ string, data any) (journal.Record, error) {
	rec, err := hj.j.Append(typ, data)
	if err != nil {
		return rec, err
	}
	var d struct {
		Step   string `json:"step"`
		Item   string `json:"item"`
		Check  string `json:"check"`
		Ticked bool   `json:"ticked"`
		Via    string `json:"via"`
	}
	switch typ {
	case "step.enter", "manual.tick", "step.done", "override":
		if json.Unmarshal(rec.Data, &d) != nil {
			return rec, nil
		}
	default:
		return rec, nil
	}
	switch typ {
	case "step.enter":
		hj.h.StepEntered(d.Step, d.Item)
	case "manual.tick":
		hj.h.CheckTicked(d.Step, d.Check, d.Ticked)
	case "override":
		hj.h.StepDone(d.Step)
	case "step.done":
		if d.Via != "override" { // older journals: the override said it already
			hj.h.StepDone(d.Step)
		}
	}
	return rec, nil
}

// baseID is a step's (or check's) id from its journal key:
// "mirror-start@tc-m1" -> "mirror-start".
func baseID(key string) string {
	if i := strings.IndexByte(key, '@'); i > 0 {
		return key[:i]
	}
	return key
}
