package forecast

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func mins(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Minute
	}
	return out
}

func TestDistribution(t *testing.T) {
	tests := []struct {
		name        string
		in          []time.Duration
		n, outliers int
		p50, p90    time.Duration
	}{
		{"none", nil, 0, 0, 0, 0},
		{"one", mins(7), 1, 0, 7 * time.Minute, 7 * time.Minute},
		{"three: too few for fences, every one counts", mins(1, 2, 90), 3, 0, 2 * time.Minute, 90 * time.Minute},
		{"ten by nearest rank", mins(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 10, 0, 5 * time.Minute, 9 * time.Minute},
		// Q1 = 10, Q3 = 12, IQR 2: fences 7 and 15. The three-hour coffee
		// break and the 1-minute slip are set aside.
		{"outliers set aside", mins(10, 11, 12, 10, 11, 12, 11, 180, 1), 7, 2, 11 * time.Minute, 12 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Distribution(tt.in)
			if d.N != tt.n || d.Outliers != tt.outliers || d.P50 != tt.p50 || d.P90 != tt.p90 {
				t.Errorf("got n %d outliers %d p50 %s p90 %s; want %d %d %s %s", d.N, d.Outliers, d.P50, d.P90, tt.n, tt.outliers, tt.p50, tt.p90)
			}
		})
	}
}

const statsRunbook = `
id: drill
title: Drill
steps:
  - id: prepare
    title: Prepare
    checks: [{id: ready, kind: manual, attest: Ready}]
  - id: work
    title: Work
    checks: [{id: done, kind: manual, attest: Done}]
`

// session writes one journal of the drill runbook in dir: prepare takes
// prep, work takes work, on mode's clock.
func writeSession(t *testing.T, dir string, rb *steps.Runbook, id, mode string, prep, work time.Duration) {
	t.Helper()
	now := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id), Opts: []journal.Option{journal.WithClock(clock)}}
	defer fj.Close() //nolint:errcheck // a test journal
	cfg := session.Config{SessionID: id, Runbook: rb, Mode: mode, Journal: fj, Clock: clock}
	if mode == session.ModeRehearsal {
		cfg.Scenario = "happy"
	}
	e, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		check string
		took  time.Duration
	}{{"ready", prep}, {"done", work}} {
		now = now.Add(step.took)
		if err := e.Tick(step.check, true); err != nil {
			t.Fatal(err)
		}
		if err := e.Next(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCollectFromJournals: durations come from every journal of the
// runbook in the state directory, live and rehearsal apart; other
// runbooks' journals and a broken file are left out.
func TestCollectFromJournals(t *testing.T) {
	dir := t.TempDir()
	rb, err := steps.Parse("drill.yaml", []byte(statsRunbook))
	if err != nil {
		t.Fatal(err)
	}
	other, err := steps.Parse("other.yaml", []byte(`
id: other
title: Other
steps:
  - {id: prepare, title: P, checks: [{id: ready, kind: manual, attest: R}]}
  - {id: work, title: W, checks: [{id: done, kind: manual, attest: D}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	writeSession(t, dir, rb, "20260501-020000-0001", session.ModeLive, 5*time.Minute, 20*time.Minute)
	writeSession(t, dir, rb, "20260501-020000-0002", session.ModeLive, 7*time.Minute, 30*time.Minute)
	writeSession(t, dir, rb, "20260501-020000-0003", session.ModeRehearsal, time.Minute, 3*time.Minute)
	writeSession(t, dir, other, "20260501-020000-0004", session.ModeLive, time.Hour, time.Hour)
	if err := os.WriteFile(filepath.Join(dir, "20260501-020000-0005.jsonl"), []byte("not a journal\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := Collect(dir, "drill")
	if err != nil {
		t.Fatal(err)
	}
	if st.Live != 2 || st.Rehearsal != 1 || len(st.Steps) != 2 {
		t.Fatalf("live %d rehearsal %d steps %d: %+v", st.Live, st.Rehearsal, len(st.Steps), st)
	}
	w := st.Steps[1]
	if w.Step != "work" || w.Live.N != 2 || w.Live.P50 != 20*time.Minute || w.Live.P90 != 30*time.Minute || w.Rehearsal.P50 != 3*time.Minute {
		t.Errorf("work: %+v", w)
	}
	fl := st.Forecast(session.ModeLive)
	if fl.Steps["prepare"].P50 != 5*time.Minute {
		t.Errorf("live forecast %+v", fl.Steps)
	}
	fr := st.Forecast(session.ModeRehearsal)
	if fr.Steps["work"].P90 != 3*time.Minute {
		t.Errorf("rehearsal forecast %+v", fr.Steps)
	}
}

// TestWithReferences: a rehearsal's steps with no history are planned on
// the scenario's reference time, marked as such; history wins; with no
// history at all the references alone make the forecast.
func TestWithReferences(t *testing.T) {
	refs := map[string]time.Duration{"backup": 10 * time.Minute, "stop": time.Minute, "none": 0}
	hist := &session.Forecast{Kind: session.ModeRehearsal, Steps: map[string]session.StepForecast{"backup": {P50: 3 * time.Minute, P90: 4 * time.Minute, N: 2}}}
	f := WithReferences(hist, session.ModeRehearsal, refs)
	if got := f.Steps["backup"]; got.Reference || got.P50 != 3*time.Minute {
		t.Errorf("backup %+v: its history must win", got)
	}
	if got := f.Steps["stop"]; !got.Reference || got.P50 != time.Minute || got.P90 != time.Minute || got.N != 0 {
		t.Errorf("stop %+v: want its reference time, marked", got)
	}
	if _, ok := f.Steps["none"]; ok {
		t.Error("a step with no reference time was planned")
	}
	if f := WithReferences(nil, session.ModeRehearsal, refs); f == nil || f.Kind != session.ModeRehearsal || len(f.Steps) != 2 || !f.Steps["backup"].Reference {
		t.Errorf("no history: %+v, want both references", f)
	}
	if f := WithReferences(nil, session.ModeLive, nil); f != nil {
		t.Errorf("no history, no references: %+v, want none", f)
	}
}
