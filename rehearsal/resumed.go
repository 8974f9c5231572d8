package rehearsal

import (
	"fmt"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Resumed is a stopped rehearsal's simulated world, rebuilt for a resume.
// NewResumed builds the scenario's world on a simulated clock held at the
// session's start; hand it every record of the journal, in order, with Add
// (it keeps none: the journal may be streamed through it); then Ready: the
// world is exactly as it was when the last record was written, and the
// clock stands at that instant until Clock.Start.
type Resumed struct {
	Scenario *Scenario
	World    *Driver
	Clock    *SimClock
	// Speed is the speed from now on: the one asked for, else the last
	// one the journal recorded (keep tells which).
	Speed float64
	keep  bool
}

// NewResumed starts rebuilding the world of sc for the rehearsal whose
// journal starts with first (its session.start, with its simulated time).
// speed 0 keeps the speed the journal last recorded.
func NewResumed(rb *steps.Runbook, sc *Scenario, start session.StartData, first journal.Record, speed float64) (*Resumed, error) {
	r := &Resumed{Scenario: sc, Speed: speed}
	if speed == 0 {
		r.keep, r.Speed = true, start.Speed
		if r.Speed <= 0 {
			r.Speed = 1
		}
	}
	var err error
	if r.Clock, err = NewSimClock(session.RecordTime(first), r.Speed); err != nil {
		return nil, fmt.Errorf("speed: %w", err)
	}
	if r.World, err = New(rb, sc, r.Clock); err != nil {
		return nil, err
	}
	return r, nil
}

// Add takes one journal record into the world (Driver.Restore), and a
// resume's speed when the speed is kept.
func (r *Resumed) Add(rec journal.Record) {
	r.World.Restore(rec)
	if r.keep && rec.Type == session.EvSessionResume {
		var d session.ResumeData
		if rec.Decode(&d) == nil && d.Speed > 0 {
			r.Speed = d.Speed
		}
	}
}

// Ready sets the clock to the last record's instant, at the speed from now
// on; the caller starts it when the session is driven again.
func (r *Resumed) Ready() error {
	r.Clock.Set(r.World.RestoredAt())
	if err := r.Clock.SetSpeed(r.Speed); err != nil {
		return fmt.Errorf("speed: %w", err)
	}
	return nil
}
