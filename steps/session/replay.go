package session

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// StartOf decodes a journal's session.start (its first record).
func StartOf(records []journal.Record) (StartData, error) {
	if len(records) == 0 {
		return StartData{}, errors.New("session: the journal is empty")
	}
	if records[0].Type != EvSessionStart {
		return StartData{}, fmt.Errorf("session: the journal starts with %s, not %s", records[0].Type, EvSessionStart)
	}
	var d StartData
	if err := decode(records[0].Data, &d); err != nil {
		return StartData{}, fmt.Errorf("session: decode session.start: %w", err)
	}
	return d, nil
}

// MissingSecrets lists the params that session.start recorded as secret and
// that cfgParams does not supply: a resume must ask for them again.
func MissingSecrets(start StartData, cfgParams map[string]string) []string {
	var out []string
	for k, v := range start.Params {
		if v == SecretMark && cfgParams[k] == "" {
			out = append(out, k)
		}
	}
	return out
}

// readOnly refuses every append: a replayed engine without a journal is a
// view (the watch and report commands).
type readOnly struct{}

func (readOnly) Append(typ string, _ any) (journal.Record, error) {
	return journal.Record{}, fmt.Errorf("the session is open read-only: cannot record %s", typ)
}

// Replay rebuilds an engine from a journal's records. cfg supplies the
// runbook, the journal for further events (nil: read-only) and the values of
// secret params (the journal holds only "[secret]"); the rest comes from
// session.start.
func Replay(cfg Config, records []journal.Record) (*Engine, error) {
	r := NewReplayer(cfg)
	for _, rec := range records {
		if err := r.Add(rec); err != nil {
			return nil, err
		}
	}
	return r.Engine()
}

// Replayer rebuilds an engine from a journal's records handed over one at a
// time, as a journal.Scan reads them, so a resume, a watch or a report holds
// the session's state and never the journal. It keeps no record it was
// given (their Data may be the reader's buffer) except, per check, the
// latest check.status of the current step: only the last one of a run of
// them decides the check's state, so the ones it supersedes are never
// decoded. A replayed engine is the same as one that applied every record
// (TestReplayerEqualsNaiveReplay).
type Replayer struct {
	cfg     Config
	e       *Engine
	err     error
	lastSeq uint64
	// pending holds check.status records not applied yet, by check id;
	// all of them belong to the current step.
	pending map[string]journal.Record
}

// NewReplayer starts a replay over cfg (see Replay).
func NewReplayer(cfg Config) *Replayer {
	return &Replayer{cfg: cfg, pending: map[string]journal.Record{}}
}

// SetSpeed sets the rehearsal speed a resume journals: a resume that keeps
// the speed the session last ran at learns it only from the records.
func (r *Replayer) SetSpeed(speed float64) { r.cfg.Speed = speed }

// deferrable lists the record types that may be applied before a pending
// check.status without changing the result: they neither read nor change
// the checks' state or which step is current. They are the ones a long
// session interleaves with check.status; any other type (an unknown one
// included) first applies what is pending.
var deferrable = map[string]bool{EvGateOpen: true, EvGateClosed: true}

// Add applies one record. The first must be the session.start.
func (r *Replayer) Add(rec journal.Record) error {
	if r.err != nil {
		return r.err
	}
	if r.e == nil {
		e, err := r.start(rec)
		if err != nil {
			r.err = err
			return err
		}
		r.e = e
	}
	r.lastSeq = rec.Seq
	if rec.Type == EvCheckStatus {
		if deferred, err := r.deferStatus(rec); deferred || err != nil {
			return err
		}
	} else if !deferrable[rec.Type] {
		if err := r.flush(); err != nil {
			return err
		}
	}
	if err := r.e.apply(rec); err != nil {
		r.err = fmt.Errorf("replay: %w", err)
		return r.err
	}
	return nil
}

// deferStatus keeps a check.status of the current step for later (or drops
// it when it is for another step, which apply would ignore too). It returns
// false for a record whose step or check is not a string: apply decodes
// that one at once, after what is pending, and reports what is wrong.
func (r *Replayer) deferStatus(rec journal.Record) (bool, error) {
	f := journal.Fields(rec.Data, "step", "check", "status")
	step, ok1 := journal.String(f[0])
	check, ok2 := journal.String(f[1])
	if !ok1 || !ok2 {
		return false, r.flush()
	}
	if _, excused := r.e.excused[check]; excused {
		// It may end a continued failure, which arms on_fail again for
		// the check (deadline.go): a later record must not hide it.
		if st, ok := journal.String(f[2]); !ok || r.e.endsExcuseStatus(checks.ParseStatus(st)) {
			return false, r.flush()
		}
	}
	if r.e.curCheck(step, check) != nil {
		r.pending[check] = rec.Clone()
	}
	return true, nil
}

// flush applies the pending check.status records in journal order.
func (r *Replayer) flush() error {
	if len(r.pending) == 0 {
		return nil
	}
	recs := make([]journal.Record, 0, len(r.pending))
	for _, rec := range r.pending {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b journal.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	clear(r.pending)
	for _, rec := range recs {
		if err := r.e.apply(rec); err != nil {
			r.err = fmt.Errorf("replay: %w", err)
			return r.err
		}
	}
	return nil
}

// Engine applies what is pending and returns the engine as the records so
// far describe it. More records may be added after (watch).
func (r *Replayer) Engine() (*Engine, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.e == nil {
		return nil, errors.New("session: the journal is empty")
	}
	if err := r.flush(); err != nil {
		return nil, err
	}
	r.e.lastSeq = r.lastSeq
	return r.e, nil
}

// start builds the engine from the session.start record.
func (r *Replayer) start(rec journal.Record) (*Engine, error) {
	start, err := StartOf([]journal.Record{rec})
	if err != nil {
		return nil, err
	}
	cfg := r.cfg
	params := map[string]string{}
	for k, v := range start.Params {
		params[k] = v
	}
	for k, v := range cfg.Params {
		if params[k] == SecretMark || params[k] == "" {
			params[k] = v
		}
	}
	cfg.Params = params
	cfg.SessionID = start.Session
	cfg.Mode = start.Mode
	cfg.Scenario = start.Scenario
	cfg.Ticket = start.Ticket
	if cfg.Journal == nil {
		cfg.Journal = readOnly{}
	}
	for k, v := range start.Params {
		if v == SecretMark {
			cfg.Secrets = append(cfg.Secrets, k)
		}
	}
	return newEngine(cfg)
}

// ResumeOptions are the operator's choices at resume.
type ResumeOptions struct {
	// AcceptChanged lets a session continue with a runbook whose SHA-256
	// differs from the one it started with (journaled).
	AcceptChanged bool
	// Repair, when the journal's torn tail was cut off on open, is
	// journaled as journal.repair before session.resume.
	Repair *RepairData
}

// Resume replays a journal and continues the session: it journals
// journal.repair (when given) and session.resume, drops every check result
// (every check runs again), turns an action that started and never ended
// into "outcome unknown" (saying whether its process group still runs),
// and completes a transition the break interrupted (a step done but the
// next not entered, a goto not followed, a halt not recorded). A halted
// session resumes suspended (see Continue). It refuses a completed session,
// and a changed runbook unless opt.AcceptChanged.
func Resume(cfg Config, records []journal.Record, opt ResumeOptions) (*Engine, error) {
	r := NewReplayer(cfg)
	for _, rec := range records {
		if err := r.Add(rec); err != nil {
			return nil, err
		}
	}
	return r.Resume(opt)
}

// Resume continues the session the records added so far describe, as the
// package-level Resume does; the Replayer's Config must hold the journal to
// write to.
func (r *Replayer) Resume(opt ResumeOptions) (*Engine, error) {
	if r.cfg.Journal == nil {
		return nil, errors.New("session: resume needs the journal to write to")
	}
	e, err := r.Engine()
	if err != nil {
		return nil, err
	}
	cfg := r.cfg
	if e.ended == EndCompleted {
		return nil, fmt.Errorf("%w (%s): nothing to resume; print its report with `%s`", ErrEnded, e.ended, cfg.Place.Command("report", e.start.Session))
	}
	changed := cfg.Runbook.SHA256 != e.start.Runbook.SHA256
	if changed && !opt.AcceptChanged {
		return nil, fmt.Errorf("%w: it started with sha256 %s, the file now has %s; review the change, then resume with --accept-changed-runbook",
			ErrRunbookChanged, shortHash(e.start.Runbook.SHA256), shortHash(cfg.Runbook.SHA256))
	}
	if opt.Repair != nil {
		if err := e.emit(EvJournalRepair, *opt.Repair); err != nil {
			return nil, err
		}
	}
	if e.onFail != nil && e.onFail.Halt && !e.haltDone {
		// The on_fail said to halt and the break came first.
		if err := e.emit(EvSessionHalt, HaltData{Step: e.onFail.Step, Reason: "the runbook's on_fail said to halt: " + e.onFail.Say}); err != nil {
			return nil, err
		}
	}
	pendingGoto := e.pendingGoto
	rd := ResumeData{Operator: cfg.Operator, RunbookChanged: changed, AcceptedChangedRunbook: changed && opt.AcceptChanged,
		Suspended: e.suspended, Action: e.orphan(), Speed: cfg.Speed}
	if changed {
		rd.SHA256 = cfg.Runbook.SHA256
	}
	if err := e.emit(EvSessionResume, rd); err != nil {
		return nil, err
	}
	switch {
	case pendingGoto >= 0:
		return e, e.enter(pendingGoto)
	case e.cur < 0 || e.st[e.cur].state != StateCurrent:
		return e, e.advance()
	case e.units[e.cur].Step.Impact == "downtime" && !e.downRunning:
		if err := e.emit(EvDowntimeStart, DowntimeStartData{Step: e.units[e.cur].Key}); err != nil {
			return e, err
		}
	}
	_, err = e.updateGate()
	return e, err
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "(none)"
	}
	return h
}
