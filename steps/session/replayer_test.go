package session

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// naiveReplay applies every record in order, decoding each: what Replay
// did before it deferred check.status records.
func naiveReplay(t *testing.T, cfg Config, recs []journal.Record) *Engine {
	t.Helper()
	r := NewReplayer(cfg)
	e, err := r.start(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := e.apply(rec); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestReplayerEqualsNaiveReplay drives random sessions and replays every
// prefix of their journals both ways: deferring superseded check.status
// records must never change the state.
func TestReplayerEqualsNaiveReplay(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		e, mj, clk := newTestEngine(t)
		for i := 0; i < 80 && (e.Ended() == "" || e.Ended() == EndQuit); i++ {
			e = randomOp(t, rng, e, mj, clk)
		}
		recs := mj.Records()
		for n := 1; n <= len(recs); n++ {
			cfg := replayCfg()
			cfg.Clock = clk.Now
			got, err := Replay(cfg, recs[:n])
			if err != nil {
				t.Fatalf("seed %d, %d records: %v", seed, n, err)
			}
			want := naiveReplay(t, cfg, recs[:n])
			if g, w := got.Snapshot(), want.Snapshot(); !reflect.DeepEqual(g, w) {
				t.Fatalf("seed %d, %d records (last %s): deferred replay differs\ngot:  %+v\nwant: %+v", seed, n, recs[n-1].Type, g, w)
			}
		}
	}
}

// TestReplaySkipsSupersededObservations: a check.status that a later one
// for the same check replaces is never decoded, so a flapping check costs
// one decode per check, not per record. A record the decoder would choke
// on proves it: replaying it alone fails, superseded it does not.
func TestReplaySkipsSupersededObservations(t *testing.T) {
	e, mj, _ := newTestEngine(t)
	walkToStop(t, e)
	mustObserve(t, e, "io", checks.StatusPass)
	recs := mj.Records()
	last := recs[len(recs)-1]
	for last.Type != EvCheckStatus {
		recs = recs[:len(recs)-1]
		last = recs[len(recs)-1]
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(last.Data, &d); err != nil {
		t.Fatal(err)
	}
	d["observation"] = json.RawMessage(`{"rows":"not rows"}`)
	bad := last
	bad.Data, _ = json.Marshal(d)
	good := last
	good.Seq = bad.Seq + 1

	withBad := append(append([]journal.Record(nil), recs[:len(recs)-1]...), bad)
	if _, err := Replay(replayCfg(), withBad); err == nil || !strings.Contains(err.Error(), "check.status") {
		t.Fatalf("a malformed last check.status replayed: %v", err)
	}
	superseded := append(withBad, good)
	r, err := Replay(replayCfg(), superseded)
	if err != nil {
		t.Fatalf("a superseded check.status was decoded: %v", err)
	}
	if r.LastSeq() != good.Seq {
		t.Errorf("LastSeq = %d, want %d", r.LastSeq(), good.Seq)
	}
}
