package tui

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/session"
)

// waitSeq waits on the watch until its engine has applied record seq.
func waitSeq(t *testing.T, w *Watch, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		w.mu.Lock()
		got := w.eng.LastSeq()
		w.mu.Unlock()
		if got >= seq {
			return
		}
		if _, err := w.Wait(ctx); err != nil {
			t.Fatalf("waiting for record %d (at %d): %v", seq, got, err)
		}
	}
}

// TestWatchAppliesNewRecordsToWhatItHas: the watch applies each new record
// to the engine it already has, and ends up where a replay of the whole
// journal does.
func TestWatchAppliesNewRecordsToWhatItHas(t *testing.T) {
	ts := newTestSession(t)
	cfg := ts.cfg
	cfg.Journal = nil
	w, err := NewWatch(t.Context(), cfg, ts.path)
	if err != nil {
		t.Fatal(err)
	}
	before := w.eng
	toStopReplica(t, ts)
	if _, err := ts.live.Annotate("paged the DBA"); err != nil {
		t.Fatal(err)
	}
	recs := ts.records(t)
	waitSeq(t, w, recs[len(recs)-1].Seq)
	if w.eng != before {
		t.Error("the watch built a new engine instead of applying the new records")
	}
	full, err := session.Replay(cfg, recs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.eng.Snapshot(), full.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatalf("watch state differs from a full replay\nwatch: %+v\nfull:  %+v", got, want)
	}
}

// TestWatchStartsBesideARecordBeingWritten: a watch that starts while the
// last line is half written reads that record once it is complete.
func TestWatchStartsBesideARecordBeingWritten(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts)
	recs := ts.records(t)
	b, err := os.ReadFile(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	last := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	half := last + (len(b)-last)/2
	if err := os.WriteFile(ts.path, b[:half], 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := ts.cfg
	cfg.Journal = nil
	w, err := NewWatch(t.Context(), cfg, ts.path)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.eng.LastSeq(); got != recs[len(recs)-2].Seq {
		t.Fatalf("watch starts at record %d, want %d", got, recs[len(recs)-2].Seq)
	}
	f, err := os.OpenFile(ts.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b[half:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitSeq(t, w, recs[len(recs)-1].Seq)
}
