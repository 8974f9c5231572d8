package plain

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/session"
)

// fakeWorld is a simulated world for plain mode: its lines, and a skip
// that moves the session's simulated clock.
type fakeWorld struct {
	mu    sync.Mutex
	lines []WorldLine
	clock *fakeSim
}

func (w *fakeWorld) Lines() []WorldLine {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WorldLine(nil), w.lines...)
}

func (w *fakeWorld) set(lines ...WorldLine) {
	w.mu.Lock()
	w.lines = lines
	w.mu.Unlock()
}

func (w *fakeWorld) Skip(by time.Duration) (string, time.Duration, error) {
	what := ""
	if by == 0 {
		by, what = 100*time.Second, "tm2: installer running"
	}
	w.clock.add(by)
	return what, by, nil
}

// fakeSim is a settable simulated clock with wall timers.
type fakeSim struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeSim) Now() time.Time                        { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeSim) add(d time.Duration)                   { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *fakeSim) NewTimer(d time.Duration) checks.Timer { return checks.WallClock{}.NewTimer(d) }

// TestPlainRehearsalWorldAndSkip: a rehearsal's machines are printed when
// their state changes (not when a countdown ticks) and in `status` with the
// simulated time; `skip` says how far and to what, and is journaled.
func TestPlainRehearsalWorldAndSkip(t *testing.T) {
	sim := &fakeSim{t: time.Date(2030, 1, 1, 2, 0, 0, 0, time.UTC)}
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-5a5a", Runbook: plainRunbook(), Mode: session.ModeRehearsal,
		Scenario: "happy", Params: map[string]string{"slave_host": "db2"}, Journal: mj, SimClock: sim, Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{running: true}, nil)
	defer r.Close()
	w := &fakeWorld{clock: sim}
	w.set(WorldLine{Key: "tm2: up; installer running", Text: "tm2: up; installer running, 1m40s left"})
	in, feed := io.Pipe()
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		_, err := Run(t.Context(), r, Options{In: in, Out: out, Refresh: 10 * time.Millisecond, World: w})
		done <- err
	}()
	say := func(line string) { t.Helper(); _, _ = feed.Write([]byte(line + "\n")) }

	waitFor(t, out, "WORLD tm2: up; installer running, 1m40s left")
	// Only the countdown changes: nothing printed.
	w.set(WorldLine{Key: "tm2: up; installer running", Text: "tm2: up; installer running, 1m30s left"})
	say("skip")
	waitFor(t, out, "Skipped the wait: 1m40s (tm2: installer running).")
	w.set(WorldLine{Key: "tm2: up; ", Text: "tm2: up"})
	waitFor(t, out, "WORLD tm2: up\n")
	say("skip 30s")
	waitFor(t, out, "Skipped the wait: 30s.")
	say("skip soon")
	waitFor(t, out, "! skip soon: give a duration such as 30s or 2m")
	say("status")
	waitFor(t, out, "Simulated time ")
	waitFor(t, out, "(speed x20)\n  tm2: up\n")
	say("quit")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "installer running, 1m"); n != 1 {
		t.Errorf("the installer's line was printed %d times, want once:\n%s", n, out.String())
	}
	var skipped time.Duration
	for _, rec := range mj.Records() {
		if rec.Type == session.EvSimSkip {
			var d session.SimSkipData
			if err := rec.Decode(&d); err != nil {
				t.Fatal(err)
			}
			skipped += d.SkippedNS
		}
	}
	if skipped != 130*time.Second {
		t.Errorf("journaled skips add up to %s, want 2m10s", skipped)
	}
}

// TestPlainSkipLive: a live session has nothing to skip.
func TestPlainSkipLive(t *testing.T) {
	e, err := session.New(session.Config{SessionID: "20261122-020000-1111", Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{}, nil)
	defer r.Close()
	out := &syncBuf{}
	if _, err := Run(t.Context(), r, Options{In: strings.NewReader("skip\nhelp\n"), Out: out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Nothing to skip: this session runs on the wall clock") {
		t.Errorf("output:\n%s", out.String())
	}
	if strings.Contains(out.String(), "skip [DURATION]") {
		t.Errorf("a live session's help offers skip:\n%s", out.String())
	}
}
