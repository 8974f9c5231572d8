package session

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

func replayCfg() Config {
	return Config{Runbook: testRunbook(), Params: map[string]string{"admin_pw": testParams()["admin_pw"]}}
}

// randomOp applies one random operation; it returns the engine to continue
// with (a resume makes a new one).
func randomOp(t *testing.T, rng *rand.Rand, e *Engine, mj *MemoryJournal, clk *fakeClock) *Engine {
	t.Helper()
	clk.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
	_, st, ok := e.Current()
	if !ok {
		return e
	}
	statuses := []checks.Status{checks.StatusPass, checks.StatusPass, checks.StatusWaiting, checks.StatusHolding, checks.StatusFail,
		checks.StatusPending, checks.StatusUnreachable}
	switch op := rng.IntN(16); op {
	case 0, 1, 2, 3:
		if len(st.Checks) > 0 {
			c := st.Checks[rng.IntN(len(st.Checks))]
			if _, err := e.Observe(result(e, c.ID, statuses[rng.IntN(len(statuses))])); err != nil && !errors.Is(err, ErrEnded) {
				t.Fatalf("Observe: %v", err)
			}
		}
	case 4:
		for _, c := range st.Checks {
			if c.Kind == checks.KindManual {
				_ = e.Tick(c.ID, rng.IntN(4) > 0)
			}
		}
	case 5, 6:
		_ = e.Next()
	case 7:
		g := e.Gate()
		var ids []string
		for _, b := range g.Blocking {
			ids = append(ids, b.Check)
		}
		_ = e.Override(OverrideRequest{Checks: ids, Category: CategoryKnownIssue, Reason: "a long enough reason for the test", Confirmed: rng.IntN(2) == 0})
	case 8:
		_ = e.Note("note " + strings.Repeat("x", rng.IntN(5)))
	case 9:
		if s, _ := e.Action(); s == ActionRunning {
			_ = e.ActionEnd(checks.ActionResult{ExitCode: rng.IntN(2)})
		} else if s == ActionUnknown {
			_ = e.AttestUnknown(OutcomeFailed, "checked the server by hand")
		} else {
			_, _, _ = e.ActionStart(true)
		}
	case 10:
		if of := e.OnFail(); of != nil && of.Goto != "" {
			_ = e.Goto(of.Goto)
		}
		_, _ = e.Refresh()
	case 12:
		_ = e.Continue("the condition was fixed by the DBA on call")
	case 13:
		if s, _ := e.Action(); s == ActionRunning {
			if rng.IntN(2) == 0 {
				_ = e.ActionProcess(checks.ActionProcess{PID: 100 + rng.IntN(10), PGID: 100})
			} else {
				_ = e.ActionInterrupted("SIGTERM", "killed its process group (SIGKILL) after a 5s grace period", 5*time.Second, checks.ActionResult{ExitCode: -1})
			}
		}
	case 14:
		_ = e.CredentialsReentered("slave", checks.Credentials{User: "repl", Password: checks.NewSecret("Fresh-Secret-991")})
	case 15:
		clk.Add(time.Duration(rng.IntN(15)) * time.Second)
		_, _ = e.Refresh()
	case 11:
		// A break: quit (or just drop the engine) and resume.
		if rng.IntN(2) == 0 {
			_ = e.Quit()
		}
		cfg := replayCfg()
		cfg.Journal, cfg.Clock, cfg.Operator = mj, clk.Now, Operator{Name: "bob"}
		r, err := Resume(cfg, mj.Records(), ResumeOptions{})
		if err != nil {
			if errors.Is(err, ErrEnded) {
				return e
			}
			t.Fatalf("Resume: %v", err)
		}
		return r
	}
	return e
}

// TestReplayEqualsLive is the property test: drive random operations on a
// live engine, replay its records, compare the journaled state.
func TestReplayEqualsLive(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 20
	}
	ended := 0
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		e, mj, clk := newTestEngine(t)
		for i := 0; i < 80 && e.Ended() != EndCompleted; i++ {
			e = randomOp(t, rng, e, mj, clk)
			if i%10 == 0 || e.Ended() != "" {
				compareReplay(t, seed, i, e, mj, clk)
			}
		}
		compareReplay(t, seed, -1, e, mj, clk)
		if e.Ended() == EndCompleted || e.Ended() == EndHalted {
			ended++
		}
	}
	if ended == 0 {
		t.Error("no random session ever ended: the operations do not exercise the engine")
	}
}

func compareReplay(t *testing.T, seed, i int, e *Engine, mj *MemoryJournal, clk *fakeClock) {
	t.Helper()
	cfg := replayCfg()
	cfg.Clock = clk.Now
	r, err := Replay(cfg, mj.Records())
	if err != nil {
		t.Fatalf("seed %d op %d: Replay: %v", seed, i, err)
	}
	if live, rep := e.Snapshot(), r.Snapshot(); !reflect.DeepEqual(live, rep) {
		t.Fatalf("seed %d op %d: replayed state differs\nlive:   %+v\nreplay: %+v", seed, i, live, rep)
	}
}

func TestResumeRules(t *testing.T) {
	t.Run("action outcome unknown must be attested", func(t *testing.T) {
		e, mj, clk := newTestEngine(t)
		walkToStop(t, e)
		if _, _, err := e.ActionStart(true); err != nil {
			t.Fatal(err)
		}
		// The process dies here: no action.end.
		cfg := replayCfg()
		cfg.Journal, cfg.Clock = mj, clk.Now
		r, err := Resume(cfg, mj.Records(), ResumeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := r.Action(); s != ActionUnknown {
			t.Fatalf("action after resume = %s", s)
		}
		mustObserve(t, r, "io", checks.StatusPass)
		mustObserve(t, r, "sql", checks.StatusPass)
		if err := r.Next(); !errors.Is(err, ErrGateClosed) || !strings.Contains(err.Error(), "attest") {
			t.Fatalf("Next with unknown outcome: %v", err)
		}
		if err := r.AttestUnknown("maybe", "text here"); err == nil {
			t.Error("a bad outcome was accepted")
		}
		if err := r.AttestUnknown(OutcomeSucceeded, "SHOW SLAVE STATUS shows both threads stopped"); err != nil {
			t.Fatal(err)
		}
		if err := r.Next(); err != nil {
			t.Fatalf("Next after attest: %v", err)
		}
	})
	t.Run("results from before the break are dropped", func(t *testing.T) {
		e, mj, clk := newTestEngine(t)
		walkToStop(t, e)
		mustObserve(t, e, "io", checks.StatusPass)
		mustObserve(t, e, "sql", checks.StatusPass)
		oldGen := e.Generation()
		cfg := replayCfg()
		cfg.Journal, cfg.Clock = mj, clk.Now
		r, err := Resume(cfg, mj.Records(), ResumeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Gate().Open || r.Generation() == oldGen {
			t.Fatalf("gate after resume open=%v gen %d->%d", r.Gate().Open, oldGen, r.Generation())
		}
		for _, c := range r.Checks() {
			if c.Last != nil {
				t.Errorf("check %s kept its pre-break result", c.Check.ID)
			}
		}
		if !r.DowntimeRunning() {
			t.Error("the downtime clock stopped across the break")
		}
	})
	t.Run("changed runbook refused unless accepted", func(t *testing.T) {
		e, mj, clk := newTestEngine(t)
		_ = e.Quit()
		cfg := replayCfg()
		cfg.Journal, cfg.Clock = mj, clk.Now
		cfg.Runbook.SHA256 = "bbbb"
		if _, err := Resume(cfg, mj.Records(), ResumeOptions{}); !errors.Is(err, ErrRunbookChanged) || !strings.Contains(err.Error(), "--accept-changed-runbook") {
			t.Fatalf("changed runbook: %v", err)
		}
		r, err := Resume(cfg, mj.Records(), ResumeOptions{AcceptChanged: true})
		if err != nil {
			t.Fatal(err)
		}
		var rd ResumeData
		recs := mj.Records()
		for _, rec := range recs {
			if rec.Type == EvSessionResume {
				_ = rec.Decode(&rd)
			}
		}
		if !rd.RunbookChanged || !rd.AcceptedChangedRunbook {
			t.Errorf("session.resume = %+v", rd)
		}
		if r.Ended() != "" {
			t.Errorf("resumed session ended = %q", r.Ended())
		}
	})
	t.Run("completed session is not resumed", func(t *testing.T) {
		e, mj, clk := newTestEngine(t)
		e.onFail = nil
		mj.records = append(mj.records, journal.Record{Seq: uint64(len(mj.records) + 1), Time: clk.Now(), Type: EvSessionEnd, Data: []byte(`{"state":"completed"}`)})
		cfg := replayCfg()
		cfg.Journal = mj
		if _, err := Resume(cfg, mj.Records(), ResumeOptions{}); !errors.Is(err, ErrEnded) {
			t.Fatalf("resume of a completed session: %v", err)
		}
	})
}
