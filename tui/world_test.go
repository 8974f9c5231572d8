package tui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// simFlow is a rehearsal driven as `handrail rehearse` drives it: the
// simulator behind a real engine on a real journal, on the simulator's
// clock at a speed, the world and the debrief given to the console.
type simFlow struct {
	live  *Live
	drv   *rehearsal.Driver
	path  string
	acted map[string]bool
}

func newSimFlow(t *testing.T, runbook, scenario string, speed float64) *simFlow {
	t.Helper()
	rb, err := steps.LoadBundled(runbooks.FS, runbook)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := rehearsal.LoadScenario(runbooks.FS, rb.ID, scenario)
	if err != nil {
		t.Fatal(err)
	}
	clock, err := rehearsal.NewSimClock(time.Time{}, speed)
	if err != nil {
		t.Fatal(err)
	}
	drv, err := rehearsal.New(rb, sc, clock)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "20261122-040000-s1m0"+journal.Ext)
	fj := &session.FileJournal{Path: path}
	e, err := session.New(session.Config{SessionID: "20261122-040000-s1m0", Runbook: rb, Params: drv.Params(),
		Operator: session.Operator{Name: "trainee", User: "trainee"}, Mode: session.ModeRehearsal, Scenario: sc.Name,
		Journal: rehearsal.HookJournal(fj, drv), SimClock: clock, Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	clock.Start()
	r := session.NewRunner(e, drv, nil)
	t.Cleanup(func() {
		r.Close()
		if err := fj.Close(); err != nil {
			t.Errorf("close journal: %v", err)
		}
	})
	live := NewLive(r, rb).SetRehearsal(drv, func() (string, error) {
		recs, err := journal.Read(path)
		if err != nil {
			return "", err
		}
		return rehearsal.Debrief(rb, sc, recs), nil
	})
	return &simFlow{live: live, drv: drv, path: path, acted: map[string]bool{}}
}

func (f *simFlow) current(t *testing.T) StepView {
	t.Helper()
	s := f.live.Snapshot()
	st, ok := s.CurrentStep()
	if !ok {
		t.Fatalf("the session ended (%q) while a step was expected", s.Ended)
	}
	return st
}

// walkTo carries out steps through the runtime (ticks, the action, skips
// while the gate waits on a simulated event, next) until step until is
// current. The console runs meanwhile: it feeds the results to the engine.
func (f *simFlow) walkTo(t *testing.T, until string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := f.current(t)
		if st.ID == until {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("walking to %s: stuck at %s", until, st.ID)
		}
		key := stepKey(st) + "/" + f.live.Snapshot().SessionID
		if st.Step.Action != nil && !f.acted[key] {
			f.acted[key] = true
			if res, _, err := f.live.RunAction(context.Background()); err != nil || !res.OK() {
				t.Fatalf("%s: action: %v %s", st.ID, err, res.Error)
			}
		}
		for _, c := range f.live.Snapshot().Checks {
			if c.Check.Kind == checks.KindManual && !c.Ticked {
				if _, err := f.live.Tick(c.Check.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		closedSince := time.Now()
		for !f.live.Snapshot().Gate.Open {
			if time.Since(closedSince) > 300*time.Millisecond {
				if _, _, err := f.live.SkipWait(); err != nil && !errors.Is(err, rehearsal.ErrNothingScheduled) {
					t.Fatal(err)
				}
				closedSince = time.Now()
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the gate stays closed: %s", st.ID, f.live.Snapshot().Gate.Reason)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := f.live.Advance(); err != nil {
			var ge *GateError
			if !errors.As(err, &ge) {
				t.Fatal(err)
			}
		}
	}
}

// keyStep carries out the current step with the console's keys only:
// space and tab tick the manual items, x runs the action, s skips a
// simulated wait, n leaves once the gate opens. It returns the next step's
// id ("" once the session ended).
func (f *simFlow) keyStep(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	st := f.current(t)
	from := f.live.Snapshot().Current
	var manual []string
	for _, c := range f.live.Snapshot().Checks {
		if c.Check.Kind == checks.KindManual {
			manual = append(manual, c.Check.ID)
		}
	}
	ticked := func(id string) bool {
		c, ok := f.live.Snapshot().Check(id)
		return ok && c.Ticked
	}
	for i, id := range manual {
		if i > 0 {
			press(tm, "tab")
		}
		// An item scrolled out of view is brought into view by the first
		// space and ticked by the second: space never ticks it unseen.
		for try := 0; try < 2 && !ticked(id); try++ {
			press(tm, "space")
			for end := time.Now().Add(time.Second); !ticked(id) && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
		}
		waitSnap(t, f.live, st.ID+": "+id+" ticked", func(Snapshot) bool { return ticked(id) })
	}
	if st.Step.Action != nil {
		ends := count(readAll(t, f.path), session.EvActionEnd, `"`+st.ID+`"`)
		press(tm, "x")
		armed()
		press(tm, "right", "enter")
		waitSnap(t, f.live, st.ID+": the action ran", func(Snapshot) bool {
			return count(readAll(t, f.path), session.EvActionEnd, `"`+st.ID+`"`) > ends
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	last := time.Now()
	for {
		s := f.live.Snapshot()
		if s.Ended != "" {
			return ""
		}
		if s.Current != from {
			st, _ := s.CurrentStep()
			return st.ID
		}
		if s.Recovery.Goto != "" {
			return "goto " + s.Recovery.Goto
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the gate stays closed: %s", st.ID, s.Gate.Reason)
		}
		if time.Since(last) > 400*time.Millisecond {
			if s.Gate.Open {
				press(tm, "n")
			} else {
				press(tm, "s")
			}
			last = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNetcopyFailsCompletesThroughTheGoto is solidDB's netcopy-fails
// scenario in the console, at x20: the steps before s2-connect are carried
// out through the runtime; from there on, keys only. hsb connect is
// refused: the gate bar offers the runbook's goto back to step 18 (the
// manual's step 14), g
// takes it after a confirmation, and the procedure is done again from
// there (s skipping the simulated waits) to its end, where the graded
// debrief is on screen.
func TestNetcopyFailsCompletesThroughTheGoto(t *testing.T) {
	t.Parallel()
	f := newSimFlow(t, "soliddb-hsb-netcopy", "netcopy-fails", 20)
	tm := startConsole(t, f.live, 140, 44)
	waitText(t, tm, "REHEARSAL: netcopy-fails", "x20")
	f.walkTo(t, "s2-connect")
	skipsBefore := count(readAll(t, f.path), session.EvSimSkip, "")

	waitText(t, tm, "Simulated world", "solid-s2: solidDB 7.0.0.8")
	time.Sleep(stepSettle)
	if next := f.keyStep(t, tm); next != "goto s1-upgrade" {
		t.Fatalf("after hsb connect: %q, want the goto offered", next)
	}
	// The console's step 18 is the manual's step 14.
	waitText(t, tm, "the runbook says: go to step 18 — press g", "s1-upgrade: S1: upgrade to the new version, source step 14")
	press(tm, "g")
	waitText(t, tm, "Take the on_fail goto")
	armed()
	press(tm, "right", "enter")
	waitSnap(t, f.live, "back at s1-upgrade", func(s Snapshot) bool {
		st, ok := s.CurrentStep()
		return ok && st.ID == "s1-upgrade"
	})
	var done []string
	for n := 0; ; n++ {
		if n > 20 {
			t.Fatalf("runaway: %v", done)
		}
		time.Sleep(stepSettle + 100*time.Millisecond)
		next := f.keyStep(t, tm)
		if strings.HasPrefix(next, "goto ") {
			t.Fatalf("a second on_fail after %v: %s", done, next)
		}
		if next == "" {
			break
		}
		done = append(done, next)
	}
	waitText(t, tm, "Debrief", "Rehearsal debrief", "Score ")

	recs := readAll(t, f.path)
	var g session.GotoData
	for _, r := range recs {
		if r.Type == session.EvGoto {
			if err := r.Decode(&g); err != nil {
				t.Fatal(err)
			}
		}
	}
	if g.From != "s2-connect" || g.To != "s1-upgrade" || g.ConfirmedBy == nil || g.ConfirmedBy.Name != "trainee" {
		t.Errorf("goto = %+v, want s2-connect -> s1-upgrade confirmed by the trainee", g)
	}
	if count(recs, session.EvSessionEnd, `"completed"`) != 1 || count(recs, session.EvOverride, "") != 0 {
		t.Errorf("the rehearsal did not complete without an override: %v", types(recs))
	}
	if count(recs, session.EvSimSkip, "") <= skipsBefore {
		t.Error("s never skipped a simulated wait")
	}
	if s := f.live.Snapshot(); s.Ended != session.EndCompleted {
		t.Errorf("ended %q", s.Ended)
	}
}

// staticSim is a staticRuntime of a rehearsal with a world and a debrief.
type staticSim struct {
	staticRuntime
	world   WorldView
	debrief string
	skipped rehearsal.Skipped
}

func (s *staticSim) WorldView() (WorldView, bool) { return s.world, true }
func (s *staticSim) SkipWait() (rehearsal.Skipped, Snapshot, error) {
	return s.skipped, s.snap, nil
}
func (s *staticSim) Debrief() (string, error) { return s.debrief, nil }

// runCmd runs cmd and the commands of a batch it returns, and feeds each
// of the given message types back to m.
func feed(t *testing.T, m Model, cmd tea.Cmd, keep func(tea.Msg) bool) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			m = feed(t, m, c, keep)
		}
	default:
		if keep(msg) {
			m = step(t, m, msg)
		}
	}
	return m
}

// TestRehearsalHeaderWorldAndPlan: the header shows the simulated time and
// its speed and the plan; the panel below the checks shows each simulated
// machine, the next event s skips to, why a probe got no answer (the
// simulator's words, made safe), the forecast and the warnings.
func TestRehearsalHeaderWorldAndPlan(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.Local)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal, snap.Scenario = true, "slow-replay"
	snap.Clock = SessionClock{Simulated: true, Now: now, Wall: now, Speed: 20}
	snap.Started = now.Add(-10 * time.Minute)
	snap.Checks[0].Result.Status = checks.StatusUnreachable
	snap.Checks[0].Result.Obs.Error = "nothing on gs2 answers gslist (simulator: it is not installed or not modelled there)\x1b]52;c;x\a"
	snap.Plan = session.Plan{Known: true, Left: 35 * time.Minute, LeftP90: 50 * time.Minute, Finish: now.Add(35 * time.Minute),
		FinishP90: now.Add(50 * time.Minute), Ahead: -5 * time.Minute, WindowEnd: now.Add(40 * time.Minute)}
	snap.Warnings = []string{"no passed rehearsal of this runbook in the last 30 days"}
	rt := &staticSim{staticRuntime: staticRuntime{snap: snap}, world: WorldView{
		Hosts: []rehearsal.HostLine{{Host: "gs1", State: "GemStone stone gs64stone (3.7.1)"},
			{Host: "tm2", State: "stopped: ThinMan Secondary Server", Busy: "installer running", Left: 100 * time.Second}},
		Next: rehearsal.Skipped{By: 100 * time.Second, What: "tm2: installer running"}, HasNext: true}}
	m := New(rt, Options{Now: now})
	// Wide enough for the plan and the session's id in the header.
	m = step(t, m, tea.WindowSizeMsg{Width: 140, Height: 50})
	if got := plain(m); strings.Contains(got, "Simulated world") {
		t.Fatalf("the world shows before it was read:\n%s", got)
	}
	_, cmd := m.Update(clockMsg(now))
	m = feed(t, m, cmd, func(msg tea.Msg) bool { _, ok := msg.(worldMsg); return ok })
	got := plain(m)
	for _, want := range []string{
		"sim 03:00:00 x20", "may pass the window (03:40)", "~35m left, 5m behind plan · session 20261122-020000-abcd",
		"Simulated world", "s: skip the wait: 1m40s (tm2: installer running)",
		"gs1: GemStone stone gs64stone (3.7.1)", "tm2: stopped: ThinMan Secondary Server; installer running, 1m40s left",
		"no answer to replica-00: nothing on gs2 answers gslist (simulator: it is not",
		"Forecast: 35m left (p90 50m), finish about 03:35, 5m behind plan",
		"! warning: no passed rehearsal of this runbook in the last 30 days",
		"! warning: the forecast may pass the end of the maintenance window (03:40)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(m.Render(), "\x1b]52") {
		t.Error("the simulator's text reached the terminal as control")
	}

	// s skips, and says how far.
	m2, cmd, ok := m.recoveryKey(tea.KeyPressMsg{Code: 's', Text: "s"})
	if !ok || cmd == nil {
		t.Fatal("s did nothing in a rehearsal")
	}
	rt.skipped = rehearsal.Skipped{By: 100 * time.Second, What: "tm2: installer running"}
	m = feed(t, m2.(Model), cmd, func(msg tea.Msg) bool { _, ok := msg.(recoveryMsg); return ok })
	if got := plain(m); !strings.Contains(got, "skip the wait: 1m40s (tm2: installer running)") {
		t.Errorf("the skip does not say how far:\n%s", got)
	}
}

// TestSkipRefusedLive: a live session runs on the wall clock; s says so.
func TestSkipRefusedLive(t *testing.T) {
	ts := newTestSession(t)
	m := New(ts.live, Options{})
	m = step(t, m, tea.KeyPressMsg{Code: 's', Text: "s"})
	if got := plain(m); !strings.Contains(got, "nothing to skip: this session runs on the wall clock") {
		t.Fatalf("s in a live session:\n%s", got)
	}
	if count(ts.records(t), session.EvSimSkip, "") != 0 {
		t.Fatal("a live session journaled a skip")
	}
}

// TestDebriefShownOnceTheRehearsalEnds: a completed rehearsal's console
// asks for the graded debrief and shows it rendered (glamour), its text
// made safe; d goes back to the steps and forth.
func TestDebriefShownOnceTheRehearsalEnds(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal, snap.Ended, snap.Current = true, session.EndCompleted, -1
	md := "# Rehearsal debrief: ThinMan\n\n**Score 85/100: passed**\n\n## Notes\n\n- a note with \x1b[2J in it\n"
	rt := &staticSim{staticRuntime: staticRuntime{snap: snap}, debrief: md}
	m := New(rt, Options{Now: now, Dark: true})
	m = step(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	_, cmd := m.Update(clockMsg(now))
	m = feed(t, m, cmd, func(msg tea.Msg) bool { _, ok := msg.(debriefMsg); return ok })
	got := plain(m)
	for _, want := range []string{"Debrief · pgdn/pgup scroll · d back to the steps", "Rehearsal debrief: ThinMan", "Score 85/100: passed", `\x1b[2J`} {
		if !strings.Contains(got, want) {
			t.Errorf("the debrief lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "# Rehearsal") || strings.Contains(got, "**Score") {
		t.Errorf("the debrief is raw Markdown:\n%s", got)
	}
	if strings.Contains(m.Render(), "\x1b[2J") {
		t.Error("the note's escape reached the terminal as control")
	}
	m = step(t, m, tea.KeyPressMsg{Code: 'd', Text: "d"})
	if got := plain(m); strings.Contains(got, "Rehearsal debrief") || !strings.Contains(got, "Many live checks") {
		t.Errorf("d did not go back to the steps:\n%s", got)
	}
	m = step(t, m, tea.KeyPressMsg{Code: 'd', Text: "d"})
	if got := plain(m); !strings.Contains(got, "Rehearsal debrief") {
		t.Errorf("d did not bring the debrief back:\n%s", got)
	}
}

// TestInstructionsBeforeTheForecastAt80x24: stacked on a small terminal,
// the step's own instructions come right after its checks; the forecast and
// the simulated world follow them, never push them off the first screen.
func TestInstructionsBeforeTheForecastAt80x24(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.Local)
	snap := manyChecksSnapshot(1, now)
	snap.Rehearsal = true
	snap.Clock = SessionClock{Simulated: true, Now: now, Wall: now, Speed: 1}
	snap.Started = now
	snap.Plan = session.Plan{Known: true, Left: 35 * time.Minute, LeftP90: 50 * time.Minute, Finish: now.Add(35 * time.Minute), FinishP90: now.Add(50 * time.Minute)}
	rt := &staticSim{staticRuntime: staticRuntime{snap: snap}, world: WorldView{
		Hosts: []rehearsal.HostLine{{Host: "gs1", State: "GemStone stone gs64stone (3.7.1)"}}}}
	m := step(t, New(rt, Options{Now: now}), tea.WindowSizeMsg{Width: 80, Height: 24})
	_, cmd := m.Update(clockMsg(now))
	m = feed(t, m, cmd, func(msg tea.Msg) bool { _, ok := msg.(worldMsg); return ok })
	got := plain(m)
	body, plan := strings.Index(got, "Watch every replica."), strings.Index(got, "Forecast:")
	if body < 0 {
		t.Fatalf("the step's instructions are not on the first screen:\n%s", got)
	}
	if plan >= 0 && plan < body {
		t.Errorf("the forecast comes before the step's instructions:\n%s", got)
	}
}
