package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// staticRuntime answers with a fixed snapshot: benchmarks measure the
// console, not the engine.
type staticRuntime struct{ snap Snapshot }

func (s *staticRuntime) Snapshot() Snapshot { return s.snap }
func (s *staticRuntime) Wait(ctx context.Context) (Event, error) {
	<-ctx.Done()
	return Event{}, ErrClosed
}
func (s *staticRuntime) Advance() (Snapshot, error)              { return s.snap, nil }
func (s *staticRuntime) Override(Override) (Snapshot, error)     { return s.snap, nil }
func (s *staticRuntime) Annotate(string) (Snapshot, error)       { return s.snap, nil }
func (s *staticRuntime) Tick(string, bool) (Snapshot, error)     { return s.snap, nil }
func (s *staticRuntime) Attest(string, string) (Snapshot, error) { return s.snap, nil }
func (s *staticRuntime) Repoll()                                 {}
func (s *staticRuntime) Quit() (Snapshot, error)                 { return s.snap, nil }
func (s *staticRuntime) RunAction(context.Context) (checks.ActionResult, Snapshot, error) {
	return checks.ActionResult{}, s.snap, nil
}

// BenchmarkFirstFrame: a real engine over the bundled ThinMan runbook, the
// console built over it, sized, and its first frame rendered.
func BenchmarkFirstFrame(b *testing.B) {
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		b.Fatal(err)
	}
	eng, err := session.New(session.Config{SessionID: "20261122-020000-abcd", Runbook: rb,
		Params:   map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "7.1.2"},
		Operator: session.Operator{Name: "alice"}, Mode: session.ModeLive, Journal: &session.MemoryJournal{}})
	if err != nil {
		b.Fatal(err)
	}
	r := session.NewRunner(eng, newFakeDriver(), nil)
	defer r.Close()
	live := NewLive(r, rb)
	b.ResetTimer()
	for b.Loop() {
		m := New(live, Options{Dark: true})
		out, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		_ = out.View()
	}
}

// BenchmarkKeyWith20Checks: one key press and the frame after it, while 20
// live check results stream in.
func BenchmarkKeyWith20Checks(b *testing.B) {
	rb := &steps.Runbook{ID: "bench", Title: "Twenty checks",
		Targets: map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db2", Port: 3306}}}
	st := steps.Step{ID: "many", Title: "Twenty live checks", Body: "Watch **every** replica."}
	var cvs []CheckView
	now := time.Now()
	for i := range 20 {
		no := "No"
		c := checks.Check{ID: fmt.Sprintf("replica-%02d", i), Kind: checks.KindMySQLReplica, Target: "db",
			Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: &no}}, {Field: "Slave_SQL_Running", Expect: checks.Expect{Equals: &no}}}}
		st.Checks = append(st.Checks, c)
		cvs = append(cvs, CheckView{Check: c, HasResult: true, Result: checks.Result{Step: "many", CheckID: c.ID, Status: checks.StatusWaiting,
			Obs:     checks.Observation{At: now},
			Verdict: checks.Verdict{Fields: []checks.FieldVerdict{{Field: "Slave_IO_Running", Expected: "= No", Actual: "Yes"}, {Field: "Slave_SQL_Running", Expected: "= No", Actual: "No", Pass: true}}}}})
	}
	rb.Sections = []steps.Section{{Title: "Main", Steps: []steps.Step{st, {ID: "after", Title: "After"}}}}
	snap := Snapshot{Seq: 1, Runbook: rb, SessionID: "20261122-020000-abcd", Targets: rb.Targets, Current: 0, Checks: cvs,
		Steps: []StepView{{ID: "many", Section: "Main", State: StepCurrent, Step: st}, {ID: "after", Section: "Main", Step: steps.Step{ID: "after", Title: "After"}}},
		Gate:  Gate{Blocking: []string{"replica-00"}, Reason: "replica-00: waiting"}}
	m := New(&staticRuntime{snap: snap}, Options{Dark: true, Now: now})
	out, _ := m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	m = out.(Model)
	keys := []tea.KeyPressMsg{{Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		s := snap
		s.Seq = uint64(i + 1)
		s.Checks = append([]CheckView(nil), cvs...)
		s.Checks[i%20].Result.Obs.At = now.Add(time.Duration(i) * time.Millisecond)
		out, _ = m.Update(eventMsg{ev: Event{Snap: s}})
		out, _ = out.(Model).Update(keys[i%2])
		m = out.(Model)
		_ = m.View()
	}
}
