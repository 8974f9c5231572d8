package rehearsal

import (
	"encoding/json"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// The world's inputs are the session's journal records: a step entered, a
// manual check ticked, a step left (done or overridden), an action
// started, credentials re-entered (whether the login is now good, never
// the value: session.CredentialsData.LoginGood). Each takes effect at its record's simulated instant (sim_time),
// both while the rehearsal runs (HookJournal) and when a resumed rehearsal
// rebuilds its world from the journal (Restore): the same inputs at the
// same instants give the same world, scheduled events and struck faults
// included.

// inputRecord is what a record carries for the world.
type inputRecord struct {
	Step   string `json:"step"`
	Item   string `json:"item"`
	Check  string `json:"check"`
	Ticked bool   `json:"ticked"`
	Via    string `json:"via"`
	// Target and LoginGood, of credentials.reentered.
	Target    string `json:"target"`
	LoginGood *bool  `json:"login_good"`
}

// worldInput reports whether records of this type change the world.
func worldInput(typ string) bool {
	switch typ {
	case session.EvStepEnter, session.EvManualTick, session.EvStepDone, session.EvOverride, session.EvActionStart,
		session.EvCredentials:
		return true
	}
	return false
}

// hear takes one record into the world. An action.start sets the instant
// the action takes effect: while the rehearsal runs, the driver's next Run
// (the runner runs it right after the record); on a restore (restoring),
// the bound action runs at once, as it did then. Callers hold mu.
func (d *Driver) hear(rec journal.Record, restoring bool) {
	if !worldInput(rec.Type) {
		return
	}
	var in inputRecord
	if json.Unmarshal(rec.Data, &in) != nil {
		return
	}
	at := session.SimTime(rec)
	if restoring && at.IsZero() {
		// A journal from before simulated time: the rehearsal ran on the
		// wall clock, and its records' times are the world's.
		at = rec.Time
	}
	switch rec.Type {
	case session.EvStepEnter:
		d.ends.Next(rec)
		d.stepEntered(at, in.Step, in.Item)
	case session.EvManualTick:
		d.checkTicked(at, in.Step, in.Check, in.Ticked)
	case session.EvOverride, session.EvStepDone:
		// The record that leaves the step, whatever the override's shape
		// (session.StepEnds).
		if step, _, ok := d.ends.Next(rec); ok {
			d.stepDone(at, step)
		}
	case session.EvCredentials:
		end := d.w.inputAt(at)
		d.loginHeard(in.Target, in.LoginGood)
		end()
		if !restoring && in.LoginGood != nil {
			d.loginsHeard[in.Target]++ // SetCredentials follows
		}
	case session.EvActionStart:
		if !restoring {
			d.actionAt = at
			return
		}
		a, ok := d.actions[in.Step]
		if !ok {
			return
		}
		end := d.w.inputAt(at)
		// As Run: an outage or a refused login stopped it then.
		if d.reach(a.Target) == nil {
			d.run(a.Kind, a.Target, a.SQL, a.Admin, a.Argv, a.Shell)
		}
		end()
	}
}

// Hear takes a record of the running session into the world
// (HookJournal calls it once the record is on the journal).
func (d *Driver) Hear(rec journal.Record) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.hear(rec, false)
}

// Restore rebuilds a resumed rehearsal's world from its journal, one record
// at a time in the journal's order (it keeps no record, so a journal can be
// streamed through it). Build the driver on a clock held at the session's
// start (session.start's sim_time), restore every record, then set the
// clock to RestoredAt and start it: the world is then exactly as it was
// when the last record was written.
func (d *Driver) Restore(rec journal.Record) {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	at := session.RecordTime(rec)
	d.hear(rec, true)
	if at.After(d.restoredAt) {
		d.restoredAt = at
		w.settleTo(at)
	}
}

// RestoredAt is the simulated instant of the last record restored.
func (d *Driver) RestoredAt() time.Time {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	return d.restoredAt
}
