package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Watch is the read-only Runtime of `handrail watch`: it follows a live
// session's journal and applies each new record to the engine it replayed
// at the start (session.Replayer), so a batch costs what it holds, not the
// journal's length. It reads the journal once; then only what is appended.
// Every request that would change the session answers ErrReadOnly.
type Watch struct {
	mu  sync.Mutex
	rb  *steps.Runbook
	rp  *session.Replayer
	eng *session.Engine
	seq uint64
	// alarm: the journal stopped verifying; nothing more is followed.
	alarm string
	// sim: the journal's records carry simulated time (a rehearsal on
	// the simulator's clock): the watcher shows the session's clock, as
	// the operator's console does, estimated from the last record.
	sim bool

	recCh <-chan journal.Record
	errCh <-chan error
}

// NewWatch reads the journal at path, replays it over cfg (its Runbook;
// Journal must be nil: a watch never writes) and follows it until ctx ends.
func NewWatch(ctx context.Context, cfg session.Config, path string) (*Watch, error) {
	cfg.Journal = nil
	rp := session.NewReplayer(cfg)
	w := &Watch{rb: cfg.Runbook, rp: rp}
	res, err := journal.ScanFile(path, w.add)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if !res.OK && !res.Torn && res.BadLine > 0 {
		return nil, fmt.Errorf("watch: %w", &journal.ChainError{Path: path, Result: res})
	}
	eng, err := rp.Engine()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	w.eng = eng
	// Follow from where the reading ended: a record still being written
	// (a torn tail) is read when it is complete.
	w.recCh, w.errCh = journal.FollowTailer(ctx, journal.TailerAfter(path, res), 200*time.Millisecond)
	return w, nil
}

// add replays one record, noting whether the session runs on simulated
// time (every record of such a rehearsal carries it).
func (w *Watch) add(rec journal.Record) error {
	if !w.sim && !session.SimTime(rec).IsZero() {
		w.sim = true
	}
	return w.rp.Add(rec)
}

// Snapshot is the session as the journal tells it so far.
func (w *Watch) Snapshot() Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.snapshotLocked()
}

// snapshotLocked is Snapshot with mu held.
func (w *Watch) snapshotLocked() Snapshot {
	w.seq++
	s := buildSnapshot(w.eng, w.rb, w.seq, true)
	s.JournalAlarm = w.alarm
	if w.sim {
		// A rehearsal on simulated time is shown on its clock (the
		// engine's estimate from the last record's sim_time, carried on
		// at the session's speed), so that the watcher's elapsed time,
		// data ages and "sim" clock are the operator's.
		s.Clock = SessionClock{Simulated: true, Now: w.eng.Now(), Wall: time.Now(), Speed: w.eng.Speed()}
	}
	return s
}

// Wait blocks for the next journal records, applies them, and returns the
// new state; every second without records it returns a fresh snapshot so
// ages and the downtime clock move. A journal that stops verifying (a
// record that breaks the chain or cannot be replayed, the file cut back or
// replaced) is not an error that ends the watch silently: the snapshot
// then carries the alarm (JournalAlarm), and the next Wait says ErrClosed.
func (w *Watch) Wait(ctx context.Context) (Event, error) {
	w.mu.Lock()
	alarmed := w.alarm != ""
	w.mu.Unlock()
	if alarmed {
		return Event{}, ErrClosed
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return Event{}, ErrClosed
	case <-t.C:
		return Event{Snap: w.Snapshot()}, nil
	case err, ok := <-w.errCh:
		if !ok || err == nil {
			return Event{}, ErrClosed
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.raise(watchAlarm(err)), nil
	case rec, ok := <-w.recCh:
		if !ok {
			return Event{}, ErrClosed
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if err := w.add(rec); err != nil {
			return w.raise(replayAlarm(rec.Seq, err)), nil
		}
		// Take whatever else is already there, so a burst is one event.
	drain:
		for {
			select {
			case r, ok := <-w.recCh:
				if !ok {
					break drain
				}
				if err := w.add(r); err != nil {
					return w.raise(replayAlarm(r.Seq, err)), nil
				}
			default:
				break drain
			}
		}
		eng, err := w.rp.Engine()
		if err != nil {
			return w.raise(replayAlarm(rec.Seq, err)), nil
		}
		w.eng = eng
		return Event{Snap: w.snapshotLocked()}, nil
	}
}

// Advance is refused: watch mode is read-only.
func (w *Watch) Advance() (Snapshot, error) { return w.Snapshot(), ErrReadOnly }

// Override is refused: watch mode is read-only.
func (w *Watch) Override(Override) (Snapshot, error) { return w.Snapshot(), ErrReadOnly }

// Annotate is refused: watch mode is read-only.
func (w *Watch) Annotate(string) (Snapshot, error) { return w.Snapshot(), ErrReadOnly }

// Tick is refused: watch mode is read-only.
func (w *Watch) Tick(string, bool) (Snapshot, error) { return w.Snapshot(), ErrReadOnly }

// Attest is refused: watch mode is read-only.
func (w *Watch) Attest(string, string) (Snapshot, error) { return w.Snapshot(), ErrReadOnly }

// RunAction is refused: watch mode is read-only.
func (w *Watch) RunAction(context.Context) (checks.ActionResult, Snapshot, error) {
	return checks.ActionResult{}, w.Snapshot(), ErrReadOnly
}

// Repoll does nothing: a watcher never probes the systems itself.
func (w *Watch) Repoll() {}

// Quit only stops watching: the session is not the watcher's to end.
func (w *Watch) Quit() (Snapshot, error) { return w.Snapshot(), nil }
