package session

import (
	"hash/fnv"
	"io"
	"strconv"
	"time"

	"github.com/handrail/handrail/checks"
)

// How a check's results reach the journal (docs/engine.md, "What the
// journal holds of a check"):
//
//   - check.status is written when the status, pass/fail, or the observed
//     values change (never for a poll that only repeats the last one), so a
//     watcher replaying the journal sees the values the operator's panel
//     shows;
//   - at most one check.status per check per poll interval: a change that
//     comes sooner waits as the check's pending result, and the latest one
//     is written once the interval has passed (the trailing edge: from
//     Refresh, the next Observe, or before the step is left), so a flapping
//     check costs at most one record per interval;
//   - the observation is capped (checks.CapObservation) before anyone sees
//     it;
//   - check.fresh, at most every HeartbeatEvery, says how fresh each
//     check's data is when nothing else was written, so a watcher can show
//     the operator's real data age.

// HeartbeatEvery is the most often check.fresh is journaled.
const HeartbeatEvery = 10 * time.Second

// valuesSig hashes what a panel shows of a result: status, verdict
// (fields, reason), and the observation's rows, text, state and error. The
// observation's time and latency are left out: they change on every poll.
func valuesSig(r *checks.Result) uint64 {
	h := fnv.New64a()
	w := func(ss ...string) {
		for _, s := range ss {
			_, _ = io.WriteString(h, s)
			_, _ = h.Write([]byte{0})
		}
	}
	w(r.Status.String(), strconv.FormatBool(r.Verdict.Pass), strconv.FormatBool(r.Verdict.Final), r.Verdict.Reason)
	for _, f := range r.Verdict.Fields {
		w(f.Row, f.Field, f.Expected, f.Actual, strconv.FormatBool(f.Null), strconv.FormatBool(f.Missing),
			strconv.FormatBool(f.Pass), strconv.FormatBool(f.FailWhen))
	}
	o := r.Obs
	since := ""
	if !r.Since.IsZero() {
		since = strconv.FormatInt(r.Since.UnixNano(), 10)
	}
	w(o.Raw, o.State, o.Error, since)
	for _, row := range o.Rows {
		w("row", row.Key)
		for _, f := range row.Fields {
			w(f.Name, f.Value, strconv.FormatBool(f.Null))
		}
	}
	return h.Sum64()
}

// statusData is the check.status record of a result.
func statusData(step string, r *checks.Result) CheckStatusData {
	return CheckStatusData{Step: step, Check: r.CheckID, Status: r.Status.String(), Verdict: r.Verdict,
		Observation: r.Obs, Since: r.Since, HeldNS: r.Held, LeftNS: r.Left}
}

// journalResult decides whether res (already the check's latest) is
// journaled now, later (pending), or not at all. force writes a pending
// change at once (the result fires on_fail, which must follow it).
func (e *Engine) journalResult(cs *checkState, res *checks.Result, now time.Time, force bool) error {
	if cs.journaled && cs.status == res.Status && cs.pass == res.Verdict.Pass && cs.sig == valuesSig(res) {
		cs.pending = nil // the journal already holds what the panel shows
		return nil
	}
	if cs.journaled && !force && now.Sub(cs.journaledAt) < cs.check.PollInterval() {
		cs.pending = res
		return nil
	}
	cs.pending = nil
	if err := e.emit(EvCheckStatus, statusData(e.units[e.cur].Key, res)); err != nil {
		return err
	}
	// Compare later results with what this engine journaled, not with its
	// JSON round trip; time intervals on this engine's clock.
	cs.sig, cs.journaledAt = valuesSig(res), now
	return nil
}

// flushPending writes every pending result whose interval has passed (all
// of them when force: the step is being left, or the session stops).
func (e *Engine) flushPending(force bool) error {
	if e.cur < 0 || e.chk == nil {
		return nil
	}
	now := e.clock()
	for _, c := range e.units[e.cur].Step.Checks {
		cs := e.chk[c.ID]
		if cs == nil || cs.pending == nil {
			continue
		}
		if !force && now.Sub(cs.journaledAt) < c.PollInterval() {
			continue
		}
		p, last, at := cs.pending, cs.last, cs.at
		if err := e.emit(EvCheckStatus, statusData(e.units[e.cur].Key, p)); err != nil {
			return err
		}
		// The result is as old as it was: writing it late does not make
		// it fresher.
		cs.sig, cs.last, cs.at, cs.journaledAt = valuesSig(p), last, at, now
	}
	return nil
}

// heartbeat journals check.fresh when HeartbeatEvery has passed since the
// last one and some check's data is newer than the journal says.
func (e *Engine) heartbeat() error {
	if e.cur < 0 || e.chk == nil || e.st[e.cur].state != StateCurrent {
		return nil
	}
	now := e.clock()
	if now.Sub(e.lastFresh) < HeartbeatEvery {
		return nil
	}
	at := map[string]time.Time{}
	for _, c := range e.units[e.cur].Step.Checks {
		cs := e.chk[c.ID]
		if cs == nil || cs.last == nil || c.Kind == checks.KindManual {
			continue
		}
		if t := cs.last.Obs.At; t.After(cs.freshAt) {
			at[c.ID] = t.UTC().Round(0)
		}
	}
	if len(at) == 0 {
		return nil
	}
	if err := e.emit(EvCheckFresh, CheckFreshData{Step: e.units[e.cur].Key, At: at}); err != nil {
		return err
	}
	e.lastFresh = now
	return nil
}

// applyFresh is check.fresh applied: each named check's latest result is
// as fresh as the record says (a replayed engine ages it from there).
func (e *Engine) applyFresh(d CheckFreshData, t time.Time) {
	e.lastFresh = t
	for id, at := range d.At {
		cs := e.curCheck(d.Step, id)
		if cs == nil {
			continue
		}
		cs.freshAt = at
		if cs.last != nil && at.After(cs.last.Obs.At) {
			r := *cs.last
			// The status did not change since (check.status would say
			// so): the within and stable_for clocks ran on as the poller's
			// did, so the time left and held are as of the new instant.
			if !r.Obs.At.IsZero() {
				d := at.Sub(r.Obs.At)
				switch r.Status {
				case checks.StatusWaiting:
					r.Left = max(0, r.Left-d)
				case checks.StatusHolding:
					r.Held += d
				case checks.StatusPending, checks.StatusPass, checks.StatusFail, checks.StatusUnreachable:
					// no clock runs on for them
				}
			}
			r.Obs.At = at
			cs.last = &r
			cs.at = t
		}
	}
}
