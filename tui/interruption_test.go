package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// resumeAfterBreak starts the replica step's action, reports its process
// group, lets brk end the first run (journaling an interruption or not),
// and resumes the session with the process group alive or not.
func resumeAfterBreak(t *testing.T, brk func(e *session.Engine) error, alive bool) *Live {
	t.Helper()
	ts := newTrustSession(t)
	ts.toReplica(t)
	started := time.Date(2026, 11, 22, 2, 14, 5, 0, time.Local)
	if _, err := ts.live.do(func(e *session.Engine) error {
		if _, _, err := e.ActionStart(true); err != nil {
			return err
		}
		if err := e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242, Started: started}); err != nil {
			return err
		}
		return brk(e)
	}); err != nil {
		t.Fatal(err)
	}
	ts.live.r.Close()
	if err := ts.fj.Close(); err != nil {
		t.Fatal(err)
	}
	w, recs, _, err := journal.Open(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ts.cfg
	fj := &session.FileJournal{Path: ts.path, W: w}
	cfg.Journal = fj
	cfg.ProcessAlive = func(checks.ActionProcess) bool { return alive }
	t.Cleanup(func() { _ = fj.Close() })
	eng, err := session.Resume(cfg, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	r := session.NewRunner(eng, newRowDriver(), nil)
	t.Cleanup(r.Close)
	return NewLive(r, nil)
}

// TestResumedInterruptedActionSaysWhatHappened: a resumed session whose
// action was interrupted says why handrail stopped, how the action was
// stopped and when, and whether its process group still runs, not just
// "outcome unknown"; the values viewer has it whole.
func TestResumedInterruptedActionSaysWhatHappened(t *testing.T) {
	t.Run("interrupted, group ended", func(t *testing.T) {
		lv := resumeAfterBreak(t, func(e *session.Engine) error {
			return e.ActionInterrupted("SIGTERM", "killed its process group (SIGKILL) after a 5s grace period", 5*time.Second, checks.ActionResult{})
		}, false)
		snap := lv.Snapshot()
		in := snap.Interruption
		if !snap.ActionUnknown || in == nil {
			t.Fatalf("no interruption in the snapshot: unknown %v, %+v", snap.ActionUnknown, in)
		}
		if !in.Interrupted || in.Cause != "SIGTERM" || !strings.Contains(in.Stopped, "SIGKILL") || in.At.IsZero() || in.Alive || in.PGID != 4242 {
			t.Errorf("interruption %+v", *in)
		}
		m := sizedLive(t, lv, 100, 30)
		out := paneWords(m)
		for _, want := range []string{"the action was interrupted at " + timeOfDay(in.At) + " (SIGTERM)", "killed its process group (SIGKILL) after a 5s grace period",
			"process group 4242 has ended", "press x to attest"} {
			if !strings.Contains(out, want) {
				t.Errorf("the console lacks %q:\n%s", want, plain(m))
			}
		}
		m = doKey(t, m, "enter")
		full := strings.Join(strings.Fields(plain(m)), " ")
		for _, want := range []string{"stopped: " + timeOfDay(in.At) + " · SIGTERM", "how: killed its process group", "process: group 4242, started 02:14:05: ended"} {
			if !strings.Contains(full, want) {
				t.Errorf("the viewer lacks %q:\n%s", want, plain(m))
			}
		}
	})
	t.Run("no record, group alive", func(t *testing.T) {
		lv := resumeAfterBreak(t, func(*session.Engine) error { return nil }, true)
		in := lv.Snapshot().Interruption
		if in == nil || in.Interrupted || !in.Alive {
			t.Fatalf("interruption %+v", in)
		}
		m := sizedLive(t, lv, 100, 30)
		out := paneWords(m)
		for _, want := range []string{"never ended on the record", "process group 4242 is STILL RUNNING (started 02:14:05)", "wait until it has ended"} {
			if !strings.Contains(out, want) {
				t.Errorf("the console lacks %q:\n%s", want, plain(m))
			}
		}
	})
}

// paneWords is the step pane's text (right of the step list), its words
// joined by single spaces.
func paneWords(m Model) string {
	var b strings.Builder
	for _, l := range strings.Split(plain(m), "\n") {
		if _, pane, ok := strings.Cut(l, "│"); ok {
			b.WriteString(pane + " ")
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
