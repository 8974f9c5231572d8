package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/handrail/handrail/checks"
)

// Override categories.
const (
	CategoryKnownIssue   = "known-issue"
	CategoryCheckWrong   = "check-wrong"
	CategoryAcceptedRisk = "accepted-risk"
	CategoryOther        = "other"
)

// Categories lists the override categories in the order a form offers them.
var Categories = []string{CategoryKnownIssue, CategoryCheckWrong, CategoryAcceptedRisk, CategoryOther}

// MinReason is the shortest override reason accepted, in characters after
// trimming: long enough that "ok" or "skip" cannot pass for a reason.
const MinReason = 15

// Attestation outcomes for an action whose end was never journaled.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeNotRun    = "not-run"
)

// Outcomes lists the attestation outcomes.
var Outcomes = []string{OutcomeSucceeded, OutcomeFailed, OutcomeNotRun}

// OverrideRequest asks to leave the current step although its gate is
// closed.
type OverrideRequest struct {
	// Checks names the failing checks overridden; it must cover every
	// blocking check and name only blocking ones.
	Checks   []string
	Category string
	Reason   string
	// Confirmed is the operator's second confirmation; without it Override
	// validates the request and returns ErrNeedConfirm.
	Confirmed bool
}

func (e *Engine) live() error {
	if e.ended != "" {
		return fmt.Errorf("%w (%s): resume it with `%s`", ErrEnded, e.ended, e.cfg.Place.Command("resume", e.start.Session))
	}
	if e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return fmt.Errorf("%w: no current step", ErrEnded)
	}
	return nil
}

// Observe feeds one poll result in. Results for another step or from an
// earlier generation are ignored (changed=false). The result is capped
// (checks.CapResult) and kept as the check's latest; check.status is
// journaled when the status, pass/fail or observed values change, at most
// once per poll interval (coalesce.go); gate.open/closed when the gate
// changes; on_fail once, when a required check first fails on data (an
// unreachable target never fires it), unless the session is suspended; a
// continue arms it again (deadline.go).
func (e *Engine) Observe(r checks.Result) (bool, error) {
	if e.ended != "" || e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return false, nil
	}
	u := e.units[e.cur]
	if r.Step != u.Key || r.Gen != e.gen {
		return false, nil
	}
	cs := e.chk[r.CheckID]
	if cs == nil || cs.check.Kind == checks.KindManual {
		return false, nil
	}
	r = e.holdDeadline(checks.CapResult(redactResult(r, e.secrets), cs.check.Named))
	now := e.clock()
	fires := r.Status == checks.StatusFail && !cs.check.Optional && !e.onFailFired && u.Step.OnFail != nil && !e.suspended &&
		!e.overridden[r.CheckID] && e.newFailure(r)
	res := r
	// A result that ends a continued failure is written at once: the
	// journal must say when on_fail was armed again for it.
	if err := e.journalResult(cs, &res, now, fires || e.endsExcuse(r)); err != nil {
		return false, err
	}
	cs.last = &res
	cs.at = now.UTC().Round(0)
	if err := e.flushPending(false); err != nil {
		return true, err
	}
	if err := e.heartbeat(); err != nil {
		return true, err
	}
	if fires {
		of := u.Step.OnFail
		if err := e.emit(EvOnFail, OnFailData{Step: u.Key, Say: of.Say, Goto: of.Goto, Halt: of.Halt, Check: r.CheckID}); err != nil {
			return true, err
		}
		if of.Halt {
			return true, e.halt(fmt.Sprintf("check %s failed and the runbook says to halt: %s", r.CheckID, of.Say))
		}
	}
	_, err := e.updateGate()
	return true, err
}

// Refresh re-judges the gate against the clock (results age even when no
// new one arrives) and journals gate.closed when it went stale. It also
// writes the pending check.status records whose interval has passed and the
// check.fresh heartbeat, and looks again whether an action from before a
// break still runs. Call it about once a second.
func (e *Engine) Refresh() (bool, error) {
	if e.ended != "" || e.cur < 0 || e.st[e.cur].state != StateCurrent {
		return false, nil
	}
	n := e.lastSeq
	orphanEnded := e.refreshOrphan()
	if err := e.flushPending(false); err != nil {
		return true, err
	}
	if err := e.heartbeat(); err != nil {
		return true, err
	}
	if err := e.checkWindow(); err != nil {
		return true, err
	}
	changed, err := e.updateGate()
	return changed || orphanEnded || e.lastSeq != n, err
}

// Next leaves the current step through its open gate and enters the next
// applicable one (or completes the session). It is refused with a
// *GateClosedError while the gate is closed.
func (e *Engine) Next() error {
	if err := e.live(); err != nil {
		return err
	}
	if err := e.notSuspended("next"); err != nil {
		return err
	}
	if _, err := e.updateGate(); err != nil {
		return err
	}
	if !e.gateOpen {
		return &GateClosedError{Step: e.units[e.cur].Key, Blocking: e.Gate().Blocking}
	}
	via := ViaManual
	for _, c := range e.units[e.cur].Step.Checks {
		if c.Kind != checks.KindManual {
			via = ViaGate
		}
	}
	if len(e.overridden) > 0 {
		via = ViaOverride
	}
	// An override a second person approved on this visit already covers
	// leaving the step by it: the step's own approval is not asked again.
	if via != ViaOverride || !e.overrideGranted() {
		if err := e.needApproval(ApproveStep, ApprovalRequestData{}); err != nil {
			return err
		}
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	if err := e.finishStep(via); err != nil {
		return err
	}
	return e.advance()
}

// Override opens the current step's closed gate, with a category and a
// written reason that go on the record with the failing observations as
// evidence. The step stays current: the overridden checks no longer hold
// the gate for this visit (their failure fires no on_fail), and Next leaves
// the step with step.done via override.
func (e *Engine) Override(o OverrideRequest) error {
	if err := e.live(); err != nil {
		return err
	}
	if err := e.notSuspended("override"); err != nil {
		return err
	}
	if _, err := e.updateGate(); err != nil {
		return err
	}
	g := e.Gate()
	if g.Open {
		return errors.New("override: the gate is open: use next")
	}
	blocking := map[string]bool{}
	for _, b := range g.Blocking {
		if b.Check == "" {
			return fmt.Errorf("override: %s; an override cannot cover that", b.Reason)
		}
		blocking[b.Check] = true
	}
	if !slices.Contains(Categories, o.Category) {
		return fmt.Errorf("override: category %q: choose one of %s", e.safe(o.Category), strings.Join(Categories, ", "))
	}
	reason := strings.TrimSpace(o.Reason)
	if n := len([]rune(reason)); n < MinReason {
		return fmt.Errorf("override: the reason must say why in at least %d characters (it has %d)", MinReason, n)
	}
	if len(o.Checks) == 0 {
		return errors.New("override: name the failing checks it covers")
	}
	named := map[string]bool{}
	for _, id := range o.Checks {
		if !blocking[id] {
			return fmt.Errorf("override: check %q is not holding the gate (blocking: %s)", e.safe(id), strings.Join(sortedKeys(blocking), ", "))
		}
		named[id] = true
	}
	var missing []string
	for _, id := range sortedKeys(blocking) {
		if !named[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("override: it must cover every blocking check; also name %s", strings.Join(missing, ", "))
	}
	if !o.Confirmed {
		return ErrNeedConfirm
	}
	ids := sortedKeys(named)
	if err := e.needApproval(ApproveOverride, ApprovalRequestData{Checks: ids, Category: o.Category, Reason: reason}); err != nil {
		return err
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	// One record opens the gate: the decision, its reason and evidence.
	// Leaving the step is the operator's next act (step.done via
	// override), so the journal never says a step was entered while the
	// operator was still on the one before.
	return e.emit(EvOverride, OverrideData{Step: e.units[e.cur].Key, Checks: ids, Category: o.Category,
		Reason: reason, Evidence: e.evidence(ids), OpensGate: true})
}

// overrideGranted reports whether an override a second person approved was
// carried out on this visit.
func (e *Engine) overrideGranted() bool {
	for _, a := range e.appr.cur {
		if a.Kind == ApproveOverride && a.Decision == DecisionGranted && a.used {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// finishStep journals step.done, and downtime.stop when the step ran the
// downtime clock.
func (e *Engine) finishStep(via string) error {
	key := e.units[e.cur].Key
	d := e.clock().Sub(e.st[e.cur].entered)
	if err := e.emit(EvStepDone, StepDoneData{Step: key, Via: via, DurationNS: d}); err != nil {
		return err
	}
	return e.stopDowntime()
}

func (e *Engine) stopDowntime() error {
	if !e.downRunning {
		return nil
	}
	d := e.clock().Sub(e.downSince)
	return e.emit(EvDowntimeStop, DowntimeStopData{Step: e.downStep, DurationNS: d, TotalNS: e.downTotal + d})
}

// advance enters the first applicable step after the current one, or
// completes the session.
func (e *Engine) advance() error {
	for i := e.cur + 1; i < len(e.units); i++ {
		if e.st[i].state == StatePending {
			return e.enter(i)
		}
	}
	return e.emit(EvSessionEnd, EndData{State: EndCompleted, DowntimeTotalNS: e.downTotal})
}

func (e *Engine) enter(i int) error {
	u := e.units[i]
	if err := e.emit(EvStepEnter, StepEnterData{Step: u.Key, Title: u.Step.Title, Index: i, Item: u.Item, Number: u.Number}); err != nil {
		return err
	}
	e.lastFresh = e.clock()
	if u.Step.Impact == "downtime" && !e.downRunning {
		if err := e.emit(EvDowntimeStart, DowntimeStartData{Step: u.Key}); err != nil {
			return err
		}
	}
	_, err := e.updateGate()
	return err
}

// Note journals a free-text note on the current step.
func (e *Engine) Note(text string) error {
	if err := e.live(); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return errors.New("note: empty: write what happened")
	}
	return e.emit(EvNote, NoteData{Step: e.units[e.cur].Key, Text: text})
}

// Tick sets a manual check's tick (the operator's attestation) and
// journals it.
func (e *Engine) Tick(checkID string, ticked bool) error {
	if err := e.live(); err != nil {
		return err
	}
	cs := e.chk[checkID]
	if cs == nil || cs.check.Kind != checks.KindManual {
		return fmt.Errorf("tick: %q is not a manual check of step %s (manual checks: %s)", e.safe(checkID), e.units[e.cur].Key, strings.Join(e.manualIDs(), ", "))
	}
	if cs.ticked == ticked {
		return nil
	}
	if err := e.emit(EvManualTick, ManualTickData{Step: e.units[e.cur].Key, Check: checkID, Ticked: ticked, Attest: cs.check.Attest}); err != nil {
		return err
	}
	_, err := e.updateGate()
	return err
}

func (e *Engine) manualIDs() []string {
	var out []string
	for _, c := range e.units[e.cur].Step.Checks {
		if c.Kind == checks.KindManual {
			out = append(out, c.ID)
		}
	}
	if out == nil {
		return []string{"none"}
	}
	return out
}

// ActionStart journals action.start for the current step's action and
// returns it (bound) with its target, for the caller to run through the
// Driver off the UI thread and report with ActionEnd. Unconfirmed, it
// returns ErrNeedConfirm: the operator must confirm the exact thing first.
func (e *Engine) ActionStart(confirmed bool) (checks.Action, checks.Target, error) {
	if err := e.live(); err != nil {
		return checks.Action{}, checks.Target{}, err
	}
	u := e.units[e.cur]
	if u.Step.Action == nil {
		return checks.Action{}, checks.Target{}, fmt.Errorf("%w: step %s has no action; carry out its commands by hand", ErrNoAction, u.Key)
	}
	if err := e.notSuspended("action"); err != nil {
		return checks.Action{}, checks.Target{}, err
	}
	if e.refreshOrphan(); e.orphanAlive {
		return checks.Action{}, checks.Target{}, e.errOrphanAlive("action")
	}
	switch e.action {
	case ActionNone:
		// Nothing in flight: the action may start.
	case ActionRunning:
		return checks.Action{}, checks.Target{}, errors.New("action: it is already running")
	case ActionUnknown:
		return checks.Action{}, checks.Target{}, errors.New("action: the previous run's outcome is unknown: attest it first")
	}
	a := *u.Step.Action
	t := e.targets[a.Target]
	if !confirmed {
		return a, t, ErrNeedConfirm
	}
	if err := e.needApproval(ApproveAction, ApprovalRequestData{Action: a.Describe()}); err != nil {
		return checks.Action{}, checks.Target{}, err
	}
	if err := e.emit(EvActionStart, ActionStartData{Step: u.Key, Kind: a.Kind, Target: a.Target,
		Address: t.Address(), Describe: a.Describe()}); err != nil {
		return checks.Action{}, checks.Target{}, err
	}
	_, err := e.updateGate()
	return a, t, err
}

// ActionEnd journals what the running action did.
func (e *Engine) ActionEnd(res checks.ActionResult) error {
	if err := e.live(); err != nil {
		return err
	}
	if e.action != ActionRunning {
		return fmt.Errorf("%w: no action is running", ErrNoAction)
	}
	u := e.units[e.cur]
	if err := e.emit(EvActionEnd, ActionEndData{Step: u.Key, Result: res}); err != nil {
		return err
	}
	if a := u.Step.Action; a != nil && a.FailsStep && !res.OK() && !res.Unreachable && u.Step.OnFail != nil && !e.onFailFired && !e.suspended {
		// The runbook says a failed run of this action fails the step:
		// its on_fail applies now, not when a check's deadline passes.
		// An action that never reached its target (Unreachable: a
		// network blip, a server not yet up) did not run, so it did not
		// fail: the step stays and the operator runs it again.
		of := u.Step.OnFail
		what := a.Describe() + ": " + res.Error
		if err := e.emit(EvOnFail, OnFailData{Step: u.Key, Say: of.Say, Goto: of.Goto, Halt: of.Halt, Action: what}); err != nil {
			return err
		}
		if of.Halt {
			return e.halt(fmt.Sprintf("the step's action failed and the runbook says to halt: %s", of.Say))
		}
	}
	_, err := e.updateGate()
	return err
}

// AttestUnknown records what the operator found happened to an action whose
// end was never journaled (outcome: succeeded, failed or not-run).
func (e *Engine) AttestUnknown(outcome, text string) error {
	if err := e.live(); err != nil {
		return err
	}
	if e.action != ActionUnknown {
		return fmt.Errorf("%w: no action has an unknown outcome", ErrNoAction)
	}
	if e.refreshOrphan(); e.orphanAlive {
		return e.errOrphanAlive("attest")
	}
	if !slices.Contains(Outcomes, outcome) {
		return fmt.Errorf("attest: outcome %q: choose one of %s", e.safe(outcome), strings.Join(Outcomes, ", "))
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return errors.New("attest: say how you know what happened")
	}
	if err := e.emit(EvActionAttest, ActionAttestData{Step: e.units[e.cur].Key, Outcome: outcome, Text: text}); err != nil {
		return err
	}
	_, err := e.updateGate()
	return err
}

// Goto follows the current step's on_fail goto, once one of its checks
// failed (GotoOffer names it). step is the target's step id (the first of
// a foreach's items). Calling it is the operator's confirmation: the goto
// record names who confirmed it.
func (e *Engine) Goto(step string) error {
	if err := e.live(); err != nil {
		return err
	}
	if err := e.notSuspended("goto"); err != nil {
		return err
	}
	u := e.units[e.cur]
	if e.onFail == nil || u.Step.OnFail == nil || u.Step.OnFail.Goto == "" {
		return fmt.Errorf("goto: step %s offers no goto now (only after a check fails and its on_fail names one)", u.Key)
	}
	if step != u.Step.OnFail.Goto {
		return fmt.Errorf("goto: step %s's on_fail offers %s, not %s", u.Key, u.Step.OnFail.Goto, e.safe(step))
	}
	to := -1
	for i, v := range e.units {
		if (v.BaseID == step || v.Key == step) && v.SkipWhy == "" {
			to = i
			break
		}
	}
	if to < 0 {
		return fmt.Errorf("goto: step %s does not apply in this session (its `when` does not hold)", step)
	}
	if e.action == ActionRunning {
		return errors.New("goto: the step's action is still running")
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	if err := e.stopDowntime(); err != nil {
		return err
	}
	who := e.operator
	if err := e.emit(EvGoto, GotoData{From: u.Key, To: e.units[to].Key, Check: e.onFail.Check, ConfirmedBy: &who}); err != nil {
		return err
	}
	return e.enter(to)
}

// halt suspends the session at the current step: session.halt, then
// session.end (halted). `handrail resume` picks it up suspended. Like a
// quit, it leaves a running downtime clock running: the systems stay down
// while the condition is being fixed.
func (e *Engine) halt(reason string) error {
	key := ""
	if e.cur >= 0 {
		key = e.units[e.cur].Key
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	if err := e.emit(EvSessionHalt, HaltData{Step: key, Reason: reason}); err != nil {
		return err
	}
	return e.emit(EvSessionEnd, EndData{State: EndHalted, DowntimeTotalNS: e.Downtime()})
}

// Quit ends the session for now; `handrail resume` picks it up. A running
// downtime clock keeps running: the systems stay down while nobody watches.
// A suspended session stays suspended: it ends halted again.
func (e *Engine) Quit() error {
	if e.ended != "" {
		return nil
	}
	if err := e.flushPending(true); err != nil {
		return err
	}
	state := EndQuit
	if e.suspended {
		state = EndHalted
	}
	return e.emit(EvSessionEnd, EndData{State: state, DowntimeTotalNS: e.Downtime()})
}

// safe scrubs secret values from operator input echoed in an error.
func (e *Engine) safe(s string) string { return redactString(s, e.secrets) }
