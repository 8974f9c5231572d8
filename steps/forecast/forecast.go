// Package forecast draws per-step durations from the session journals in
// the state directory: p50 and p90 per step, live sessions and rehearsals
// counted apart, outliers set aside. `handrail stats` prints them; a
// session is planned against them (session.Forecast: the time left, ahead
// or behind plan, a maintenance window that the forecast passes).
package forecast

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// MinForFences is the fewest durations of a step from which outliers are
// set aside: with fewer, every duration counts.
const MinForFences = 4

// Dist is the durations of one step in one kind of session.
type Dist struct {
	// N counts the durations used; Outliers those set aside.
	N, Outliers int
	P50, P90    time.Duration
	// Sessions counts the sessions they came from.
	Sessions int
}

// StepStats is one step's durations, live and rehearsal apart.
type StepStats struct {
	Step            string
	Live, Rehearsal Dist
}

// Stats is a runbook's per-step durations from the journals of a state
// directory.
type Stats struct {
	Runbook string
	// Steps in the order first seen (the runbook's order, as sessions
	// walk it).
	Steps []StepStats
	// Sessions counts the journals of the runbook, live and rehearsal;
	// Unreadable lists those that could not be read (and why).
	Live, Rehearsal int
	Unreadable      []string
}

// errOther ends the scan of a journal of another runbook.
var errOther = errors.New("another runbook")

// Collect reads every journal in dir (streaming, one record at a time) and
// gathers the durations of runbook's steps: each step.done and override
// gives its step's duration, on the session's clock (simulated time in a
// rehearsal on the simulator's clock).
func Collect(dir, runbook string) (*Stats, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+journal.Ext))
	if err != nil {
		return nil, fmt.Errorf("stats: list journals in %s: %w", dir, err)
	}
	sort.Strings(paths)
	st := &Stats{Runbook: runbook}
	samples := map[string]map[string][]time.Duration{} // mode -> step -> durations
	sessions := map[string]map[string]int{}            // mode -> step -> sessions
	var order []string
	seen := map[string]bool{}
	for _, p := range paths {
		mode := ""
		got := map[string]bool{}
		var ends session.StepEnds
		_, err := journal.ScanFile(p, func(r journal.Record) error {
			if mode == "" {
				if r.Type != session.EvSessionStart {
					return errOther
				}
				var d session.StartData
				if r.Decode(&d) != nil || d.Runbook.ID != runbook {
					return errOther
				}
				mode = d.Mode
				if mode != session.ModeRehearsal {
					mode = session.ModeLive
				}
				return nil
			}
			key, dur, ok := ends.Next(r)
			if !ok {
				return nil
			}
			step := baseID(key)
			if samples[mode] == nil {
				samples[mode] = map[string][]time.Duration{}
				sessions[mode] = map[string]int{}
			}
			samples[mode][step] = append(samples[mode][step], dur)
			if !got[step] {
				got[step] = true
				sessions[mode][step]++
			}
			if !seen[step] {
				seen[step] = true
				order = append(order, step)
			}
			return nil
		})
		switch {
		case errors.Is(err, errOther):
			continue
		case err != nil:
			st.Unreadable = append(st.Unreadable, err.Error())
			continue
		}
		switch mode {
		case session.ModeLive:
			st.Live++
		case session.ModeRehearsal:
			st.Rehearsal++
		}
	}
	for _, step := range order {
		ss := StepStats{Step: step,
			Live:      Distribution(samples[session.ModeLive][step]),
			Rehearsal: Distribution(samples[session.ModeRehearsal][step])}
		ss.Live.Sessions = sessions[session.ModeLive][step]
		ss.Rehearsal.Sessions = sessions[session.ModeRehearsal][step]
		st.Steps = append(st.Steps, ss)
	}
	return st, nil
}

// Distribution is the p50 and p90 of ds, outliers set aside: with at least
// MinForFences durations, those outside Tukey's fences (below Q1 − 1.5·IQR
// or above Q3 + 1.5·IQR, the quartiles by nearest rank) do not count.
// Percentiles are by nearest rank: the p-th is the smallest duration with
// at least p% of the durations at or below it.
func Distribution(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	kept := s
	if len(s) >= MinForFences {
		q1, q3 := rank(s, 25), rank(s, 75)
		iqr := q3 - q1
		lo, hi := q1-iqr*3/2, q3+iqr*3/2
		kept = kept[:0:0]
		for _, d := range s {
			if d >= lo && d <= hi {
				kept = append(kept, d)
			}
		}
	}
	return Dist{N: len(kept), Outliers: len(s) - len(kept), P50: rank(kept, 50), P90: rank(kept, 90)}
}

// rank is the p-th percentile of sorted s by nearest rank.
func rank(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := (p*len(s) + 99) / 100 // ceil(p/100 · n)
	return s[max(i-1, 0)]
}

// Forecast is the session.Forecast for a session of mode: each step's p50
// and p90 from sessions of the same mode, or from the other mode when the
// step never ran in this one. Nil when no step has a duration.
func (st *Stats) Forecast(mode string) *session.Forecast {
	if st == nil || len(st.Steps) == 0 {
		return nil
	}
	f := &session.Forecast{Kind: mode, Steps: map[string]session.StepForecast{}}
	for _, s := range st.Steps {
		d, other := s.Live, s.Rehearsal
		if mode == session.ModeRehearsal {
			d, other = s.Rehearsal, s.Live
		}
		if d.N == 0 {
			d = other
		}
		if d.N > 0 {
			f.Steps[s.Step] = session.StepForecast{P50: d.P50, P90: d.P90, N: d.N}
		}
	}
	return f
}

// WithReferences completes a rehearsal's forecast: each step of refs (a
// scenario's reference time per step id) that no past session ran is
// planned on its reference time, marked as such (StepForecast.Reference),
// so a step with no history never counts as 0 s. f may be nil (no
// history at all); the result is nil only when both are empty. Steps with
// history keep it.
func WithReferences(f *session.Forecast, mode string, refs map[string]time.Duration) *session.Forecast {
	for id, d := range refs {
		if d <= 0 {
			continue
		}
		if f == nil {
			f = &session.Forecast{Kind: mode, Steps: map[string]session.StepForecast{}}
		}
		if f.Steps == nil {
			f.Steps = map[string]session.StepForecast{}
		}
		if _, ok := f.Steps[id]; !ok {
			f.Steps[id] = session.StepForecast{P50: d, P90: d, Reference: true}
		}
	}
	return f
}

func baseID(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == '@' && i > 0 {
			return key[:i]
		}
	}
	return key
}
