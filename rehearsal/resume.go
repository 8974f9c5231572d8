package rehearsal

import (
	"context"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// ReplayWorld brings a resumed rehearsal's simulated world up to where the
// journal left it: the world starts again from the scenario's initial
// state, then hears every step entered, item ticked and step done, and
// re-runs every action that succeeded, in the journal's order. Timed effects
// (a replica that stops a second after STOP SLAVE) run again from now.
// `handrail resume` and `handrail serve` both resume rehearsals with it.
func ReplayWorld(ctx context.Context, drv *Driver, e *session.Engine, recs []journal.Record) {
	bound := map[string]steps.Step{}
	for _, v := range e.Steps() {
		if st, ok := e.StepAt(v.Index); ok {
			bound[v.Key] = st
		}
	}
	var ends session.StepEnds
	for _, rec := range recs {
		var d struct {
			Step   string              `json:"step"`
			Item   string              `json:"item"`
			Check  string              `json:"check"`
			Ticked bool                `json:"ticked"`
			Via    string              `json:"via"`
			Result checks.ActionResult `json:"result"`
		}
		if rec.Decode(&d) != nil {
			continue
		}
		switch rec.Type {
		case session.EvStepEnter:
			ends.Next(rec)
			drv.StepEntered(d.Step, d.Item)
		case session.EvManualTick:
			drv.CheckTicked(d.Step, d.Check, d.Ticked)
		case session.EvOverride, session.EvStepDone:
			if step, _, ok := ends.Next(rec); ok {
				drv.StepDone(step)
			}
		case session.EvActionEnd:
			if st, ok := bound[d.Step]; ok && st.Action != nil && d.Result.OK() {
				drv.Run(ctx, *st.Action)
			}
		}
	}
}

// GatedHook passes a session's steps to the simulated world only once On
// is set: a resumed rehearsal replays the journal into the world first
// (ReplayWorld), then lets new records through.
type GatedHook struct {
	On   bool
	Hook StepHook
}

// StepEntered passes the step on once the gate is on.
func (g *GatedHook) StepEntered(step, item string) {
	if g.On {
		g.Hook.StepEntered(step, item)
	}
}

// CheckTicked passes the tick on once the gate is on.
func (g *GatedHook) CheckTicked(step, check string, ticked bool) {
	if g.On {
		g.Hook.CheckTicked(step, check, ticked)
	}
}

// StepDone passes the step on once the gate is on.
func (g *GatedHook) StepDone(step string) {
	if g.On {
		g.Hook.StepDone(step)
	}
}
