package session

import (
	"errors"
	"fmt"

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
	start, err := StartOf(records)
	if err != nil {
		return nil, err
	}
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
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		if err := e.apply(rec); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	return e, nil
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
	if cfg.Journal == nil {
		return nil, errors.New("session: resume needs the journal to write to")
	}
	e, err := Replay(cfg, records)
	if err != nil {
		return nil, err
	}
	if e.ended == EndCompleted {
		return nil, fmt.Errorf("%w (%s): nothing to resume; print its report with `handrail report %s`", ErrEnded, e.ended, e.start.Session)
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
