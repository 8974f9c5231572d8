package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// simClock is a simulated clock for the engine: settable, wall timers.
type simClock struct{ fakeClock }

func (c *simClock) NewTimer(d time.Duration) checks.Timer { return checks.WallClock{}.NewTimer(d) }

func newSimClock(start time.Time) *simClock { return &simClock{fakeClock{t: start}} }

// TestLiveNeverRunsOnTheSimulatedClock: New and Resume refuse the
// simulator's clock (or a speed) for a live session, whatever else is right.
func TestLiveNeverRunsOnTheSimulatedClock(t *testing.T) {
	sim := newSimClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		cfg  func(*Config)
		want error
	}{
		{"live with the simulator's clock", func(c *Config) { c.SimClock = sim }, ErrSimulatedLive},
		{"live with no mode given and the simulator's clock", func(c *Config) { c.Mode, c.SimClock = "", sim }, ErrSimulatedLive},
		{"live at a speed", func(c *Config) { c.Speed = 20 }, ErrSimulatedLive},
		{"rehearsal with the simulator's clock", func(c *Config) { c.Mode, c.SimClock, c.Speed = ModeRehearsal, sim, 20 }, nil},
		{"live on the wall clock", func(*Config) {}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			cfg := Config{SessionID: "s", Runbook: testRunbook(), Params: testParams(), Mode: ModeLive,
				Journal: &MemoryJournal{Clock: clk.Now}, Clock: clk.Now}
			tt.cfg(&cfg)
			_, err := New(cfg)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("New: err %v, want %v", err, tt.want)
			}
		})
	}

	// A live journal resumed with the simulator's clock: refused too.
	e, mj, clk := newTestEngine(t)
	if err := e.Quit(); err != nil {
		t.Fatal(err)
	}
	_, err := Resume(Config{Runbook: testRunbook(), Params: testParams(), Journal: mj, Clock: clk.Now, SimClock: sim}, mj.Records(), ResumeOptions{})
	if !errors.Is(err, ErrSimulatedLive) {
		t.Fatalf("Resume of a live session on the simulator's clock: err %v, want ErrSimulatedLive", err)
	}
}

// TestRehearsalRunsOnSimulatedTime: every record of a rehearsal on the
// simulator's clock carries its simulated time beside the wall-clock time;
// step durations, the downtime clock and Elapsed run on simulated time; a
// replay rebuilds the same state; a skip is journaled.
func TestRehearsalRunsOnSimulatedTime(t *testing.T) {
	wall := newClock()
	sim := newSimClock(time.Date(2030, 6, 1, 3, 0, 0, 0, time.UTC))
	mj := &MemoryJournal{Clock: wall.Now}
	cfg := Config{SessionID: "r", Runbook: testRunbook(), Params: testParams(), Mode: ModeRehearsal, Scenario: "happy",
		Journal: mj, Clock: wall.Now, SimClock: sim, Speed: 20}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if e.Speed() != 20 || !e.Simulated() {
		t.Fatalf("speed %v simulated %v", e.Speed(), e.Simulated())
	}
	// Ten simulated minutes pass in one wall second.
	sim.Add(10 * time.Minute)
	wall.Add(time.Second)
	walkToStop(t, e)
	if got := e.Elapsed(); got != 10*time.Minute {
		t.Errorf("Elapsed %s, want 10m0s of simulated time", got)
	}
	sim.Add(5 * time.Minute)
	if got := e.Downtime(); got != 5*time.Minute {
		t.Errorf("Downtime %s, want 5m0s of simulated time", got)
	}
	if err := e.RecordSkip(90*time.Second, "db2: threads stop"); err != nil {
		t.Fatal(err)
	}
	for _, r := range mj.Records() {
		st := SimTime(r)
		if st.IsZero() {
			t.Fatalf("record %d %s has no sim_time: %s", r.Seq, r.Type, r.Data)
		}
		if st.Year() != 2030 || r.Time.Year() != 2026 {
			t.Errorf("record %d: sim_time %s, time %s: want the simulated and the wall clock apart", r.Seq, st, r.Time)
		}
	}
	steps := e.Steps()
	if d := steps[0].Duration; d != 10*time.Minute {
		t.Errorf("step prep took %s, want 10m0s simulated (the wall clock moved 1s)", d)
	}
	rp, err := Replay(Config{Runbook: testRunbook(), Params: testParams()}, mj.Records())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := e.Snapshot(), rp.Snapshot(); !equalSnap(a, b) {
		t.Errorf("replayed snapshot differs:\n live %+v\nreplay %+v", a, b)
	}
	if rp.Snapshot().Skipped != 90*time.Second {
		t.Errorf("skipped %s, want 1m30s", rp.Snapshot().Skipped)
	}

	// The live engine refuses to skip.
	live, _, _ := newTestEngine(t)
	if err := live.RecordSkip(time.Second, ""); !errors.Is(err, ErrSimulatedLive) {
		t.Errorf("a live session skipped: %v", err)
	}
}

func equalSnap(a, b Snapshot) bool {
	// Started and step entries are simulated instants: they must match.
	if a.Started != b.Started || len(a.Steps) != len(b.Steps) || a.Skipped != b.Skipped || a.Speed != b.Speed {
		return false
	}
	for i := range a.Steps {
		if a.Steps[i] != b.Steps[i] {
			return false
		}
	}
	return a.DowntimeSince.Equal(b.DowntimeSince)
}

// TestPlanAgainstTheForecast: the expected time left, ahead/behind plan
// and the maintenance window, step by step.
func TestPlanAgainstTheForecast(t *testing.T) {
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	fc := &Forecast{Kind: ModeLive, Steps: map[string]StepForecast{
		"prep":         {P50: 5 * time.Minute, P90: 8 * time.Minute, N: 10},
		"stop-replica": {P50: 10 * time.Minute, P90: 20 * time.Minute, N: 10},
		"per-mirror":   {P50: time.Minute, P90: 2 * time.Minute, N: 10},
		// verify has no history.
	}, WindowEnd: clk.Now().Add(40 * time.Minute)}
	e, err := New(Config{SessionID: "p", Runbook: testRunbook(), Params: testParams(), Mode: ModeLive, Journal: mj, Clock: clk.Now, Forecast: fc})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		left, leftP90, ahead time.Duration
		unknown              int
		over                 bool
		// steps counts the steps left; line is what the panel and plain
		// mode say (a partial forecast: no finish, no verdict).
		steps int
		line  string
	}
	check := func(label string, w want) {
		t.Helper()
		p := e.Plan()
		if !p.Known || p.Left != w.left || p.LeftP90 != w.leftP90 || p.Ahead != w.ahead || p.Unknown != w.unknown || p.OverWindow != w.over || p.Steps != w.steps {
			t.Errorf("%s: plan left %s/%s ahead %s unknown %d of %d over %v; want %s/%s ahead %s unknown %d of %d over %v",
				label, p.Left, p.LeftP90, p.Ahead, p.Unknown, p.Steps, p.OverWindow, w.left, w.leftP90, w.ahead, w.unknown, w.steps, w.over)
		}
		if got := p.Line(clk.Now()); w.line != "" && got != w.line {
			t.Errorf("%s: line %q, want %q", label, got, w.line)
		}
		if p.Partial() && (p.AheadText() != "" || strings.Contains(p.Short()+p.Line(clk.Now()), "finish about") || strings.Contains(p.Short(), "plan")) {
			t.Errorf("%s: a partial forecast gives a finish or a verdict: %q / %q", label, p.Short(), p.Line(clk.Now()))
		}
	}
	// At the start: 5 + 10 + 1 + 1 (two mirrors) = 17m, p90 8+20+2+2 = 32m;
	// verify has no history: the forecast covers 4 of the 5 steps left, and
	// says so instead of counting verify as 0 s.
	check("start", want{left: 17 * time.Minute, leftP90: 32 * time.Minute, unknown: 1, steps: 5,
		line: "Forecast (partial): 17m left (p90 32m) for 4 of 5 steps left; 1 has no history: no finish time, no ahead or behind"})
	if got := e.Plan().Short(); got != "~17m left for 4 of 5 steps left; 1 has no history" {
		t.Errorf("header %q", got)
	}
	clk.Add(3 * time.Minute)
	check("3m into prep", want{left: 14 * time.Minute, leftP90: 29 * time.Minute, unknown: 1, steps: 5})
	clk.Add(4 * time.Minute) // prep runs 2m past its p50
	check("7m into prep", want{left: 12 * time.Minute, leftP90: 25 * time.Minute, ahead: -2 * time.Minute, unknown: 1, steps: 5})
	walkToStop(t, e)
	check("prep done in 7m", want{left: 12 * time.Minute, leftP90: 24 * time.Minute, ahead: -2 * time.Minute, unknown: 1, steps: 4})
	// 30 minutes on stop-replica: 20m behind on it, and the p90 finish
	// (now 37m + 2m + 2m = 41m from start) passes the window (40m).
	clk.Add(30 * time.Minute)
	check("30m on stop-replica", want{left: 2 * time.Minute, leftP90: 4 * time.Minute, ahead: -22 * time.Minute, unknown: 1, steps: 4})
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	ws := e.Warnings()
	if len(ws) != 1 || ws[0].Kind != WarnWindow {
		t.Fatalf("warnings %v, want one forecast.window", ws)
	}
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Warnings()); n != 1 {
		t.Errorf("the window warning was journaled %d times, want once", n)
	}
}

// TestStartWarningsAreJournaled: Config.Warnings follow session.start.
func TestStartWarningsAreJournaled(t *testing.T) {
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	_, err := New(Config{SessionID: "w", Runbook: testRunbook(), Params: testParams(), Mode: ModeLive, Journal: mj, Clock: clk.Now,
		Warnings: []WarningData{{Kind: WarnReadiness, Text: "no passed rehearsal"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := types(mj)
	if len(got) < 2 || got[0] != EvSessionStart || got[1] != EvWarning {
		t.Fatalf("records %v: want the warning right after session.start", got)
	}
}

// TestPlanOnReferenceTimes: in a rehearsal, a step no past session ran is
// planned on the scenario's reference time (steps/forecast's
// WithReferences), never as 0 s, and the plan says so; the finish it shows
// is never earlier than the session's clock, read a moment after the plan
// was made.
func TestPlanOnReferenceTimes(t *testing.T) {
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	ref := func(d time.Duration) StepForecast { return StepForecast{P50: d, P90: d, Reference: true} }
	fc := &Forecast{Kind: ModeRehearsal, Steps: map[string]StepForecast{
		"prep":         {P50: 5 * time.Minute, P90: 8 * time.Minute, N: 3},
		"stop-replica": ref(10 * time.Minute),
		"per-mirror":   ref(time.Minute),
		"verify":       ref(2 * time.Minute),
	}}
	e, err := New(Config{SessionID: "r", Runbook: testRunbook(), Params: testParams(), Mode: ModeRehearsal, Journal: mj, Clock: clk.Now, Forecast: fc})
	if err != nil {
		t.Fatal(err)
	}
	p := e.Plan()
	if p.Partial() || p.Unknown != 0 || p.Referenced != 4 || p.Steps != 5 || p.Left != 19*time.Minute {
		t.Fatalf("plan %+v: want 19m left, 4 of 5 steps on reference times, not partial", p)
	}
	if got, want := p.Short(), "~19m left (reference times), on plan"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	finish := clk.Now().Add(19 * time.Minute).Local().Format("15:04")
	want := "Forecast: 19m left (p90 22m), finish about " + finish + ", on plan (4 of 5 steps left on the scenario's reference time: no history)"
	if got := p.Line(clk.Now()); got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	// Read an hour later (a stale plan): the finish is the clock's now,
	// never earlier.
	later := clk.Now().Add(time.Hour)
	if f50, f90 := p.FinishAt(later); !f50.Equal(later) || !f90.Equal(later) {
		t.Errorf("finish %s/%s read at %s: earlier than now", f50, f90, later)
	}
	if got := p.Line(later); !strings.Contains(got, "finish about "+later.Local().Format("15:04")) {
		t.Errorf("a stale plan's line %q: want the finish at the clock's %s", got, later.Local().Format("15:04"))
	}
}
