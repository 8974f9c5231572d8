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
// it is on the record. When h is the simulator's Driver it hears every
// record itself (Driver.Hear), action.start included, each at the record's
// simulated instant. A rehearsal wraps its journal with it,
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
	if len(rec.Data) == 0 {
		// A journal that hands back no data (the engine's own records
		// always have some): read what was appended.
		if raw, ok := data.(json.RawMessage); ok {
			rec.Data = raw
		}
	}
	if rec.Type == "" {
		rec.Type = typ
	}
	if d, ok := hj.h.(*Driver); ok {
		// The simulator hears the record itself, at its simulated instant.
		d.Hear(rec)
		return rec, nil
	}
	if !worldInput(rec.Type) {
		return rec, nil
	}
	var d inputRecord
	if json.Unmarshal(rec.Data, &d) != nil {
		return rec, nil
	}
	switch rec.Type {
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
