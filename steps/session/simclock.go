package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// ErrSimulatedLive refuses a live session (or the resume of one) given the
// simulator's clock: a live change runs on the wall clock, always.
var ErrSimulatedLive = errors.New("a live session runs on the wall clock only")

// SimTimeKey is the field every record of a rehearsal on the simulator's
// clock carries in its data: the simulated instant of the record. The
// record's own `time` stays the wall clock.
const SimTimeKey = "sim_time"

// EvSimSkip records that the simulator's clock was moved ahead by the
// trainee ("skip the wait").
const EvSimSkip = "sim.skip"

// SimSkipData is sim.skip's data.
type SimSkipData struct {
	Step      string        `json:"step"`
	SkippedNS time.Duration `json:"skipped_ns"`
	// What is the simulated event skipped to, in the simulator's words
	// ("" for a plain jump of so much time).
	What string `json:"what,omitempty"`
}

// checkClockConfig refuses the simulator's clock outside a rehearsal.
func checkClockConfig(cfg Config) error {
	if cfg.SimClock != nil && cfg.Mode != ModeRehearsal {
		return fmt.Errorf("session: %w: this %s session was given the simulator's clock", ErrSimulatedLive, cfg.Mode)
	}
	if cfg.Speed != 0 && cfg.Mode != ModeRehearsal {
		return fmt.Errorf("session: %w: a speed is for rehearsals only", ErrSimulatedLive)
	}
	return nil
}

// SimTime is a record's simulated time (zero when it has none: a live
// session's records, or a rehearsal on the wall clock).
func SimTime(rec journal.Record) time.Time {
	if !bytes.Contains(rec.Data, []byte(`"`+SimTimeKey+`"`)) {
		return time.Time{}
	}
	var d struct {
		SimTime time.Time `json:"sim_time"`
	}
	if json.Unmarshal(rec.Data, &d) != nil {
		return time.Time{}
	}
	return d.SimTime
}

// RecordTime is the instant a record happened on the session's clock: its
// simulated time in a rehearsal on the simulator's clock, else its `time`.
func RecordTime(rec journal.Record) time.Time {
	if t := SimTime(rec); !t.IsZero() {
		return t
	}
	return rec.Time
}

// SessionClock is the clock the session runs on: the simulator's in a
// rehearsal given one, else the wall clock (as the engine's Config.Clock
// reads it, with wall timers). The runner's poller runs on it.
func (e *Engine) SessionClock() checks.Clock {
	if e.cfg.SimClock != nil {
		return e.cfg.SimClock
	}
	return checks.ClockFunc(e.clock)
}

// Simulated reports whether the session runs on the simulator's clock.
func (e *Engine) Simulated() bool { return e.cfg.SimClock != nil }

// Now is the session's time now (simulated in a rehearsal).
func (e *Engine) Now() time.Time { return e.clock() }

// Speed is the rehearsal's speed as last journaled (0: not recorded).
func (e *Engine) Speed() float64 { return e.speed }

// estimatedSimNow is the clock of a rehearsal replayed without the
// simulator (watch, report): the last record's simulated time plus the wall
// time since it was written. Before any simulated record it is the wall
// clock.
func (e *Engine) estimatedSimNow() time.Time {
	if e.lastSim.IsZero() {
		return time.Now()
	}
	el := time.Since(e.lastWall)
	if e.speed > 0 {
		el = time.Duration(float64(el) * e.speed)
	}
	return e.lastSim.Add(max(el, 0))
}

// stampSim adds the simulated time to a rehearsal record's data.
func stampSim(raw json.RawMessage, at time.Time) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	t, err := json.Marshal(at.UTC().Round(0))
	if err != nil {
		return nil, err
	}
	m[SimTimeKey] = t
	return json.Marshal(m)
}

// RecordSkip journals that the simulator's clock was moved ahead by d, to
// the simulated event what (sim.skip). Only a rehearsal on the simulator's
// clock can skip.
func (e *Engine) RecordSkip(d time.Duration, what string) error {
	if e.cfg.SimClock == nil {
		return fmt.Errorf("skip: %w", ErrSimulatedLive)
	}
	if e.ended != "" {
		return fmt.Errorf("%w (%s)", ErrEnded, e.ended)
	}
	step := ""
	if e.cur >= 0 {
		step = e.units[e.cur].Key
	}
	return e.emit(EvSimSkip, SimSkipData{Step: step, SkippedNS: d, What: what})
}
