package tui

import (
	"context"
	"regexp"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps/session"
)

// TestWatchShowsTheSessionsClock: a rehearsal at x20 runs on simulated
// time, and its journal's records carry it (sim_time). A watcher shows the
// session's clock as the operator does: the same elapsed time, the same
// "sim HH:MM:SS x20" and the same data ages (to the few simulated seconds
// the two snapshots are apart, and the journal's heartbeat for the
// ages), never the wall clock's.
func TestWatchShowsTheSessionsClock(t *testing.T) {
	f := newSimFlow(t, "thinman-dual-db", "happy", 20)
	f.walkTo(t, "stop-replica")
	w, err := NewWatch(t.Context(), session.Config{Runbook: f.live.Snapshot().Runbook}, f.path)
	if err != nil {
		t.Fatal(err)
	}
	elapsedRe := regexp.MustCompile(`elapsed ([0-9]+):([0-9]{2}):([0-9]{2})`)
	simRe := regexp.MustCompile(`sim ([0-9]{2}):([0-9]{2}):([0-9]{2}) x20`)
	ageRe := regexp.MustCompile(`data (<1s|[0-9hms]+) old`)
	secs := func(m []string) int {
		if m == nil {
			return -1
		}
		h, mi, s := atoi(m[1]), atoi(m[2]), atoi(m[3])
		return h*3600 + mi*60 + s
	}
	ageOf := func(out string) (time.Duration, bool) {
		m := ageRe.FindStringSubmatch(out)
		if m == nil {
			return 0, false
		}
		if m[1] == "<1s" {
			return 0, true
		}
		d, err := time.ParseDuration(m[1])
		return d, err == nil
	}
	// The two snapshots are taken apart: 4 simulated seconds are 0.2 s of
	// wall time at x20. A watcher's data age is the journal's, which says
	// how fresh the data is at most every HeartbeatEvery and a changed
	// status at most once per poll interval: 12 s of the session's time.
	within := func(a, b, tol int) bool { return a >= 0 && b >= 0 && a-b <= tol && b-a <= tol }
	near := func(a, b int) bool { return within(a, b, 4) }
	var op, wat string
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		ev, _ := f.live.Wait(ctx) // nothing new: the snapshot as it stands
		cancel()
		if ev.Snap.Seq == 0 {
			ev.Snap = f.live.Snapshot()
		}
		// Catch the watcher up: it takes one record per Wait when they come
		// one by one (a console asks again at once).
		for {
			ctx, cancel = context.WithTimeout(t.Context(), 100*time.Millisecond)
			_, err := w.Wait(ctx)
			cancel()
			if err != nil {
				break
			}
		}
		wev := Event{Snap: w.Snapshot()}
		now := time.Now()
		op = plain(step(t, step(t, New(f.live, Options{Dark: true, Now: now}), sizeMsg(140, 44)), eventMsg{ev: ev, n: 1}))
		wat = plain(step(t, step(t, New(w, Options{Dark: true, Now: now}), sizeMsg(140, 44)), eventMsg{ev: wev, n: 1}))
		oe, we := secs(elapsedRe.FindStringSubmatch(op)), secs(elapsedRe.FindStringSubmatch(wat))
		ops, ws := secs(simRe.FindStringSubmatch(op)), secs(simRe.FindStringSubmatch(wat))
		oa, ok1 := ageOf(op)
		wa, ok2 := ageOf(wat)
		if oe >= 60 && near(oe, we) && near(ops, ws) && ok1 && ok2 && within(int(oa.Seconds()), int(wa.Seconds()), 12) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher's clock is not the operator's (elapsed %d/%d s, sim %d/%d s, data age %v/%v)\noperator:\n%s\nwatcher:\n%s",
				oe, we, ops, ws, oa, wa, op, wat)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
