package session

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// rowResult is a result for check whose observation holds one field.
func rowResult(e *Engine, check string, st checks.Status, field, value string, at time.Time) checks.Result {
	r := result(e, check, st)
	r.Obs = checks.Observation{At: at, Rows: []checks.Row{{Fields: []checks.Field{{Name: field, Value: value}}}}}
	r.Verdict.Fields = []checks.FieldVerdict{{Field: field, Expected: "= No", Actual: value, Pass: st == checks.StatusPass}}
	return r
}

// TestValuesChangeIsJournaled: the same status with other values is
// journaled (a watcher sees what the panel shows), a repeat is not.
func TestValuesChangeIsJournaled(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	walkToStop(t, e)
	seq := []struct {
		value string
		want  bool
	}{{"1236", true}, {"1236", false}, {"2003", true}, {"2003", false}}
	for i, s := range seq {
		clk.Add(time.Second)
		n := len(mj.Records())
		if _, err := e.Observe(rowResult(e, "io", checks.StatusWaiting, "Last_IO_Errno", s.value, clk.Now())); err != nil {
			t.Fatal(err)
		}
		if got := len(mj.Records()) > n; got != s.want {
			t.Errorf("#%d value %s: journaled=%v, want %v (%v)", i, s.value, got, s.want, types(mj)[n:])
		}
	}
	var d CheckStatusData
	recs := mj.Records()
	_ = json.Unmarshal(recs[len(recs)-1].Data, &d)
	if d.Verdict.Fields[0].Actual != "2003" || d.Observation.Rows[0].Fields[0].Value != "2003" {
		t.Errorf("last check.status = %+v", d)
	}
}

// TestFlappingCheckIsCoalesced: results faster than the poll interval make
// at most one record per interval, and the latest is written once the
// interval has passed (the trailing edge), even with no further result.
func TestFlappingCheckIsCoalesced(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	walkToStop(t, e)
	mustObserve(t, e, "sql", checks.StatusPass)
	n := len(mj.Records())
	statuses := []checks.Status{checks.StatusPass, checks.StatusWaiting}
	for i := range 100 { // 100 flips in 10 seconds of a 1s interval
		clk.Add(100 * time.Millisecond)
		if _, err := e.Observe(rowResult(e, "io", statuses[i%2], "Slave_IO_Running", []string{"No", "Yes"}[i%2], clk.Now())); err != nil {
			t.Fatal(err)
		}
	}
	status := 0
	for _, r := range mj.Records()[n:] {
		if r.Type == EvCheckStatus {
			status++
		}
	}
	if status > 11 {
		t.Errorf("%d check.status records for 10 intervals, want at most 11", status)
	}
	// The last result (waiting, "Yes") is not on the record yet; a second
	// later Refresh writes it without any new result.
	clk.Add(time.Second)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	var last CheckStatusData
	for _, r := range mj.Records() {
		if r.Type == EvCheckStatus {
			_ = json.Unmarshal(r.Data, &last)
		}
	}
	if last.Check != "io" || last.Status != "waiting" || last.Observation.Rows[0].Fields[0].Value != "Yes" {
		t.Errorf("trailing record = %+v, want io waiting Yes", last)
	}
	// Leaving the step writes a pending result first.
	mustObserve(t, e, "io", checks.StatusPass)
	clk.Add(10 * time.Millisecond)
	if _, err := e.Observe(rowResult(e, "io", checks.StatusPass, "Slave_IO_Running", "No", clk.Now())); err != nil {
		t.Fatal(err)
	}
	_ = e.Quit()
	tail := types(mj)[len(types(mj))-2:]
	if !slices.Equal(tail, []string{EvCheckStatus, EvSessionEnd}) {
		t.Errorf("quit with a pending result: %v", tail)
	}
}

// TestHeartbeatShowsDataAge: a watcher replaying the journal sees the age
// of the operator's data within HeartbeatEvery, and sees it grow when the
// operator's data stops coming.
func TestHeartbeatShowsDataAge(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	walkToStop(t, e)
	for range 25 { // 25 s of unchanged answers, one a second
		clk.Add(time.Second)
		if _, err := e.Observe(rowResult(e, "io", checks.StatusPass, "Slave_IO_Running", "No", clk.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if n := countType(mj, EvCheckFresh); n != 2 {
		t.Errorf("%d check.fresh records in 25s, want 2", n)
	}
	age := func() time.Duration {
		cfg := replayCfg()
		cfg.Clock = clk.Now
		r, err := Replay(cfg, mj.Records())
		if err != nil {
			t.Fatal(err)
		}
		return clk.Now().Sub(r.Checks()[0].Last.Obs.At)
	}
	operator := clk.Now().Sub(e.Checks()[0].Last.Obs.At)
	if w := age(); w-operator > HeartbeatEvery {
		t.Errorf("watcher's data age %v, operator's %v: further apart than %v", w, operator, HeartbeatEvery)
	}
	// The operator's data stops: no heartbeat, and the watcher's age grows.
	clk.Add(time.Minute)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	if w := age(); w < time.Minute {
		t.Errorf("after a minute without data the watcher sees data %v old", w)
	}
	// Growth: a heartbeat is small.
	for _, r := range mj.Records() {
		if r.Type == EvCheckFresh && len(r.Data) > 200 {
			t.Errorf("check.fresh is %d bytes: %s", len(r.Data), r.Data)
		}
	}
}

// TestObserveCapsWhatItKeeps: a megabyte of output reaches neither the
// journal nor the engine's view whole.
func TestObserveCapsWhatItKeeps(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	walkToStop(t, e)
	big := strings.Repeat("x", 1<<20)
	r := rowResult(e, "io", checks.StatusWaiting, "stdout", big, time.Now())
	r.Obs.Raw = big
	if _, err := e.Observe(r); err != nil {
		t.Fatal(err)
	}
	recs := mj.Records()
	if n := len(recs[len(recs)-1].Data); n > 4*checks.MaxValueBytes {
		t.Errorf("check.status holds %d bytes", n)
	}
	// A capped text is at most its cap plus the "… [truncated: N bytes]"
	// mark that says so.
	const mark = 40
	if c := e.Checks()[0]; len(c.Last.Obs.Raw) > checks.MaxRawBytes+mark || len(c.Last.Verdict.Fields[0].Actual) > checks.MaxVerdictValueBytes+mark {
		t.Errorf("the engine keeps %d bytes of raw output", len(c.Last.Obs.Raw))
	}
}

// TestHeartbeatCarriesTheTimeLeft: while a check waits with its values
// unchanged, only check.fresh reaches the journal; a watcher replaying it
// sees the time left run down as the operator's does, not frozen at the
// last check.status.
func TestHeartbeatCarriesTheTimeLeft(t *testing.T) {
	e, mj, clk := newTestEngine(t)
	walkToStop(t, e)
	left := 60 * time.Second
	for range 25 { // 25 s of the same waiting answer, one a second
		clk.Add(time.Second)
		left -= time.Second
		r := rowResult(e, "io", checks.StatusWaiting, "Slave_IO_Running", "Yes", clk.Now())
		r.Left = left
		if _, err := e.Observe(r); err != nil {
			t.Fatal(err)
		}
	}
	cfg := replayCfg()
	cfg.Clock = clk.Now
	rp, err := Replay(cfg, mj.Records())
	if err != nil {
		t.Fatal(err)
	}
	w, op := rp.Checks()[0].Last, e.Checks()[0].Last
	// Heartbeats come every 10 s: the watcher is at most that far behind,
	// and its time left is the operator's at the watcher's data age.
	behind := op.Obs.At.Sub(w.Obs.At)
	if behind > HeartbeatEvery || w.Left != op.Left+behind {
		t.Errorf("watcher: left %v at %v; operator: left %v at %v", w.Left, w.Obs.At, op.Left, op.Obs.At)
	}
}
