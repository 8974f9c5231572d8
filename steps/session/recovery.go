package session

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// ErrSuspended refuses what would move a halted (suspended) session on
// before the operator chose to continue it.
var ErrSuspended = errors.New("the session is suspended")

// ErrUnreachableTargets refuses to start a session whose preflight could
// not reach a target, unless the operator chose to start anyway.
var ErrUnreachableTargets = errors.New("a target could not be reached")

// notSuspended refuses while the session is suspended: it says what halted
// it and how to go on.
func (e *Engine) notSuspended(what string) error {
	if !e.suspended {
		return nil
	}
	return fmt.Errorf("%s: %w at step %s (%s): once the condition is fixed and its checks are re-run, continue it with a reason",
		what, ErrSuspended, termtext.Line(e.haltStep), termtext.Line(e.safe(e.haltReason)))
}

// Suspended reports whether the session is suspended: a halt stopped it at
// HaltStep, and it has not been continued. A suspended session polls the
// halting step's checks but refuses next, override, goto and actions.
func (e *Engine) Suspended() bool { return e.suspended }

// HaltStep is the step the last halt stopped at ("" if none).
func (e *Engine) HaltStep() string { return e.haltStep }

// Continues lists every session.continue of the session.
func (e *Engine) Continues() []ContinueData { return slices.Clone(e.continues) }

// Operator is who drives the session now (session.start's operator, or the
// last resume's).
func (e *Engine) Operator() Operator { return e.operator }

// ChecksPass reports whether every required check of the current step
// passes on fresh data (manual ones ticked); actions and a suspension
// aside. It is what Continue records.
func (e *Engine) ChecksPass() bool {
	if e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return false
	}
	for _, b := range e.Gate().Blocking {
		if b.Check != "" {
			return false
		}
	}
	return true
}

// Continue ends a suspension on the operator's explicit choice, with a
// reason of at least MinReason characters. It records whether the halting
// step's checks pass now, with their observations as evidence; the step
// then goes on under the normal rules (next once the gate opens, override,
// or the on_fail goto). A continue is a new decision point: on_fail is armed
// again, for a failure that is new since (rearmOnFail).
func (e *Engine) Continue(reason string) error {
	if err := e.live(); err != nil {
		return err
	}
	if !e.suspended {
		return errors.New("continue: the session is not suspended")
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < MinReason {
		return fmt.Errorf("continue: say why it is safe to go on, in at least %d characters (it has %d)", MinReason, n)
	}
	// The journal holds the results the evidence shows, so that a replay
	// arms on_fail again exactly as the live engine did.
	if err := e.flushPending(true); err != nil {
		return err
	}
	if _, err := e.updateGate(); err != nil {
		return err
	}
	if err := e.emit(EvSessionContinue, ContinueData{Step: e.units[e.cur].Key, Reason: reason, ChecksPass: e.ChecksPass(),
		Evidence: e.evidence(nil), Operator: e.operator}); err != nil {
		return err
	}
	_, err := e.updateGate()
	return err
}

// GotoOffer is the step the current step's on_fail offers to go to, once
// one of its checks failed ("", false when none is offered now).
func (e *Engine) GotoOffer() (string, bool) {
	if e.ended != "" || e.cur < 0 || e.st[e.cur].state != StateCurrent || e.onFail == nil {
		return "", false
	}
	of := e.units[e.cur].Step.OnFail
	if of == nil || of.Goto == "" {
		return "", false
	}
	return of.Goto, true
}

// CredentialsReentered records that the operator re-entered a target's
// credentials (never their values), and teaches the engine the new secret
// values so that no record can hold them. The caller hands them to the
// Driver (Runner.SetCredentials does both).
func (e *Engine) CredentialsReentered(target string, c checks.Credentials) error {
	return e.credentialsReentered(target, c, nil)
}

// credentialsReentered is CredentialsReentered with the driver's verdict
// on the login (nil: none; CredentialsData.LoginGood).
func (e *Engine) credentialsReentered(target string, c checks.Credentials, loginGood *bool) error {
	if err := e.live(); err != nil {
		return err
	}
	if _, ok := e.targets[target]; !ok {
		return fmt.Errorf("credentials: no target %s in this session", termtext.Line(strconv.Quote(e.safe(target))))
	}
	var fields []string
	if c.User != "" {
		fields = append(fields, "user")
	}
	for _, s := range []struct {
		name string
		v    checks.Secret
	}{{"password", c.Password}, {"dsn", c.DSN}} {
		if s.v.IsZero() {
			continue
		}
		fields = append(fields, s.name)
		e.secrets = append(e.secrets, s.v.Reveal())
	}
	if len(fields) == 0 {
		return errors.New("credentials: nothing was entered")
	}
	return e.emit(EvCredentials, CredentialsData{Target: target, Fields: fields, Source: c.Source, LoginGood: loginGood, Operator: e.operator})
}

// preflightRecord is the preflight as journaled: Unreachable filled in
// from the results. It refuses one with an unreachable target that the
// operator did not accept, before anything is journaled.
func preflightRecord(p *PreflightData) (*PreflightData, error) {
	if p == nil {
		return nil, nil
	}
	d := *p
	d.Unreachable = nil
	for _, t := range d.Targets {
		if !t.Reachable {
			d.Unreachable = append(d.Unreachable, t.Target)
		}
	}
	if len(d.Unreachable) > 0 && !d.Accepted {
		return nil, fmt.Errorf("session: %w: %s; fix it, or start anyway (the choice is recorded)", ErrUnreachableTargets, termtext.Line(strings.Join(d.Unreachable, ", ")))
	}
	if len(d.Unreachable) == 0 {
		d.Accepted, d.Reason = false, ""
	}
	return &d, nil
}

// journalPreflight records the preflight's results right after
// session.start.
func (e *Engine) journalPreflight(p *PreflightData) error {
	if p == nil {
		return nil
	}
	return e.emit(EvPreflight, *p)
}

// Preflight is the preflight journaled at session start (nil if none).
func (e *Engine) Preflight() *PreflightData { return e.preflight }
