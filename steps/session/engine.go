package session

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
)

// Journal is where the engine records events. *journal.Writer satisfies it;
// tests use a MemoryJournal. Append must not return before the record is
// durable (the file journal fsyncs).
type Journal interface {
	Append(typ string, data any) (journal.Record, error)
}

// Modes of a session.
const (
	ModeLive      = "live"
	ModeRehearsal = "rehearsal"
)

// Config is what a session starts from.
type Config struct {
	// SessionID names the session (journal.NewSessionID).
	SessionID string
	Runbook   *steps.Runbook
	// Params holds every param's value (defaults already applied).
	Params map[string]string
	// Secrets names params whose values are secret, besides those the
	// runbook marks `secret: true`.
	Secrets []string
	// Redact lists further secret values (resolved passwords, DSNs) that
	// must never reach the journal, even if a probe echoes one back.
	Redact   []string
	Operator Operator
	Ticket   string
	// Mode is ModeLive or ModeRehearsal; Scenario names a rehearsal's.
	Mode     string
	Scenario string
	// Version is handrail's version, for session.start.
	Version string
	// Place is where the session is kept: the commands the engine names
	// in its messages (resume it with …) are built from it, so that they
	// work as printed (journal.Place.Command).
	Place journal.Place
	// Approval is the site's part of the two-person rule (approval.go).
	Approval ApprovalPolicy
	Journal  Journal
	// Clock is the wall clock the session's ages and elapsed times are
	// measured on (default time.Now; tests give the one their journal is
	// stamped with).
	Clock func() time.Time
	// SimClock is the simulator's clock, for a rehearsal only (New and
	// Resume refuse it for a live session): the engine, its poller, the
	// step and downtime clocks run on it, and every record carries its
	// simulated time (sim_time) beside the journal's wall-clock time.
	SimClock checks.Clock
	// Speed is a rehearsal's speed (simulated seconds per wall second),
	// journaled in session.start and session.resume; 0 when not given.
	Speed float64
	// Warnings are journaled right after session.start (and the
	// preflight): a readiness warning, a forecast past the window.
	Warnings []WarningData
	// Forecast is the per-step p50/p90 the session is planned against
	// (nil: none), with the maintenance window's end.
	Forecast *Forecast
	// ProcessAlive tells whether an action's process group is still alive
	// (default checks.ProcessGroupAlive); Resume asks it about an action
	// that never ended.
	ProcessAlive func(checks.ActionProcess) bool
	// Preflight, when set, is journaled right after session.start. New
	// refuses a preflight with an unreachable target unless Accepted.
	Preflight *PreflightData
}

// StepState is where a step stands in the session.
type StepState string

// Step states.
const (
	StatePending    StepState = "pending"
	StateCurrent    StepState = "current"
	StateDone       StepState = "done"
	StateSkipped    StepState = "skipped"
	StateOverridden StepState = "overridden"
	StateFailed     StepState = "failed"
)

// ActionState is where the current step's action stands. The confirmation
// dialog before an action runs belongs to the UI: ActionStart(false)
// refuses with ErrNeedConfirm.
type ActionState string

// Action states.
const (
	ActionNone    ActionState = "none"
	ActionRunning ActionState = "running"
	// ActionUnknown: the action started before a break and its end was
	// never journaled; the operator must attest what happened.
	ActionUnknown ActionState = "unknown-outcome"
)

// Errors the engine returns; match them with errors.Is.
var (
	ErrGateClosed     = errors.New("the gate is closed")
	ErrNeedConfirm    = errors.New("confirmation required")
	ErrEnded          = errors.New("the session has ended")
	ErrRunbookChanged = errors.New("the runbook changed since the session started")
	ErrNoAction       = errors.New("no action to do that with")
	// ErrJournalWrite: a record could not be written (a full disk, a
	// journal moved away). The journal writer refuses every record after
	// the first failure, so nothing after the last record written is on
	// the record; the session resumes from there once the journal is
	// writable (LastRecord says when that was).
	ErrJournalWrite = errors.New("the journal cannot be written")
)

// GateClosedError lists what holds the gate; errors.Is(err, ErrGateClosed).
type GateClosedError struct {
	Step     string
	Blocking []Blocker
}

func (e *GateClosedError) Error() string {
	parts := make([]string, len(e.Blocking))
	for i, b := range e.Blocking {
		parts[i] = b.String()
	}
	return fmt.Sprintf("step %s: %v: %s (wait for the checks, or override with a written reason)", e.Step, ErrGateClosed, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrGateClosed) true.
func (e *GateClosedError) Is(target error) bool { return target == ErrGateClosed }

type checkState struct {
	check checks.Check
	// last is the latest accepted result and at when it arrived (the
	// engine's clock live; the record's time on replay).
	last *checks.Result
	at   time.Time
	// status and pass as last journaled (check.status), which is what a
	// new result is compared with.
	status    checks.Status
	pass      bool
	journaled bool
	ticked    bool
	// Coalescing (coalesce.go): when the last check.status was written
	// (record time), a hash of the values it held, the newer result not
	// journaled yet (the trailing edge), and the observation time the
	// journal last vouched for (check.status or check.fresh).
	journaledAt time.Time
	sig         uint64
	pending     *checks.Result
	freshAt     time.Time
}

type unitState struct {
	state    StepState
	entered  time.Time
	duration time.Duration
	reason   string
}

// Engine is one session's state machine. It is not safe for concurrent use:
// one goroutine owns it.
type Engine struct {
	cfg     Config
	j       Journal
	clock   func() time.Time
	secrets []string

	units   []unit
	targets map[string]checks.Target
	st      []unitState
	cur     int
	gen     uint64
	chk     map[string]*checkState

	gateOpen bool
	onFail   *OnFailData
	// onFailFired says the current visit's on_fail has fired (and not
	// been re-armed by a continue since): it fires once per decision.
	// excused names the checks that were failing when the session was
	// continued (true: on a fail_when verdict); their failure fires
	// on_fail again only once it is new (deadline.go).
	onFailFired bool
	excused     map[string]bool
	// actionRan says the current visit's action has run (its end
	// journaled, having reached its target, or an outcome attested other
	// than not-run): from then on its checks' `within` deadlines run
	// (deadline.go).
	actionRan   bool
	action      ActionState
	lastAction  *checks.ActionResult
	start       StartData
	started     time.Time
	ended       string
	haltReason  string
	downRunning bool
	downSince   time.Time
	downStep    string
	downTotal   time.Duration
	overrides   []OverrideData
	// overridden names the checks the current visit's override covers:
	// they no longer hold the gate, and the step is left with
	// `step.done via override`. A step change or a resume clears it.
	overridden map[string]bool
	notes      []NoteData
	attests    []ActionAttestData
	resumes    int
	// pendingGoto is the goto's target until its step.enter (-1: none).
	pendingGoto int
	repairs     int
	lastSeq     uint64
	lastTime    time.Time // the wall-clock time of the last record

	// operator drives the session now: session.start's, then the last
	// session.resume's.
	operator Operator
	// Suspension (recovery.go): a halt suspends the session at haltStep;
	// haltDone says the current visit's halt is journaled.
	suspended bool
	haltStep  string
	haltDone  bool
	continues []ContinueData
	// The running action's process group, an interruption, and whether
	// an action from before a break is still alive (interrupt.go).
	actionProc  *checks.ActionProcess
	interrupted *ActionInterruptedData
	// interruptedAt is when action.interrupted was journaled (the
	// session's clock).
	interruptedAt time.Time
	orphanAlive   bool
	// lastFresh is when check.fresh (or the step's entry) was journaled.
	lastFresh time.Time
	preflight *PreflightData
	appr      approvals // the two-person rule's requests (approval.go)
	// The simulated clock (simclock.go): the last record's simulated and
	// wall times, the speed last journaled; warnings and the forecast
	// (forecast.go).
	lastSim, lastWall time.Time
	speed             float64
	warnings          []WarningData
	skipped           time.Duration
	windowWarned      bool
}

// newEngine builds the engine's static part (units, secrets) without
// journaling anything.
func newEngine(cfg Config) (*Engine, error) {
	if cfg.Runbook == nil {
		return nil, errors.New("session: no runbook")
	}
	if cfg.Journal == nil {
		return nil, errors.New("session: no journal")
	}
	estimate := false
	if cfg.Clock == nil {
		cfg.Clock = time.Now
		estimate = true
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeLive
	}
	if err := checkClockConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.ProcessAlive == nil {
		cfg.ProcessAlive = checks.ProcessGroupAlive
	}
	if cfg.Mode != ModeLive && cfg.Mode != ModeRehearsal {
		return nil, fmt.Errorf("session: mode %q: want %q or %q", cfg.Mode, ModeLive, ModeRehearsal)
	}
	units, targets, params, err := expand(cfg.Runbook, cfg.Params)
	if err != nil {
		return nil, err
	}
	cfg.Params = params
	e := &Engine{units: units, targets: targets, cfg: cfg, j: cfg.Journal, clock: cfg.Clock, cur: -1, action: ActionNone, pendingGoto: -1}
	switch {
	case cfg.SimClock != nil:
		e.clock = cfg.SimClock.Now
	case estimate && cfg.Mode == ModeRehearsal:
		// A rehearsal replayed without its simulator (watch, report):
		// its records' simulated times are what the clock follows.
		e.clock = e.estimatedSimNow
	}
	secretNames := map[string]bool{}
	for _, n := range cfg.Secrets {
		secretNames[n] = true
	}
	for _, p := range cfg.Runbook.Params {
		if p.Secret {
			secretNames[p.Name] = true
		}
	}
	for n := range secretNames {
		if v := params[n]; v != "" && v != SecretMark {
			e.secrets = append(e.secrets, v)
		}
	}
	for _, v := range cfg.Redact {
		if v != "" {
			e.secrets = append(e.secrets, v)
		}
	}
	if len(e.units) == 0 {
		return nil, fmt.Errorf("session: runbook %s has no steps", cfg.Runbook.ID)
	}
	e.st = make([]unitState, len(e.units))
	for i, u := range e.units {
		e.st[i].state = StatePending
		if u.SkipWhy != "" {
			e.st[i].state = StateSkipped
			e.st[i].reason = u.SkipWhy
		}
	}
	e.start = StartData{
		Session: cfg.SessionID,
		Runbook: RunbookRef{ID: cfg.Runbook.ID, Title: cfg.Runbook.Title, Source: cfg.Runbook.Source,
			Path: journaledPath(cfg.Runbook.Path), SHA256: cfg.Runbook.SHA256},
		Params:          map[string]string{},
		Operator:        cfg.Operator,
		Ticket:          cfg.Ticket,
		Mode:            cfg.Mode,
		Scenario:        cfg.Scenario,
		HandrailVersion: cfg.Version,
		Speed:           cfg.Speed,
	}
	for k, v := range params {
		if secretNames[k] {
			v = SecretMark
		}
		e.start.Params[k] = v
	}
	return e, nil
}

// New starts a session: it journals session.start (secret params as
// "[secret]"), a step.skip for every step whose `when` does not hold, and
// enters the first applicable step.
func New(cfg Config) (*Engine, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	pf, err := preflightRecord(cfg.Preflight)
	if err != nil {
		return nil, err
	}
	if err := e.emit(EvSessionStart, e.start); err != nil {
		return nil, err
	}
	if err := e.journalPreflight(pf); err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		if err := e.emit(EvWarning, w); err != nil {
			return nil, err
		}
	}
	for _, u := range e.units {
		if u.SkipWhy != "" {
			if err := e.emit(EvStepSkip, StepSkipData{Step: u.Key, Reason: u.SkipWhy, Number: u.Number}); err != nil {
				return nil, err
			}
		}
	}
	if err := e.advance(); err != nil {
		return nil, err
	}
	// A forecast that passes the maintenance window is said at once.
	if err := e.checkWindow(); err != nil {
		return nil, err
	}
	return e, nil
}

// emit journals one event and, once the append returned, applies it.
func (e *Engine) emit(typ string, data any) error {
	raw, err := redactJSON(data, e.secrets)
	if err != nil {
		return fmt.Errorf("session: encode %s: %w", typ, err)
	}
	if e.cfg.Mode == ModeRehearsal || e.start.Mode == ModeRehearsal {
		// Every record of a rehearsal says so, so that no record, read on
		// its own, can be taken for part of a live change.
		if raw, err = markRehearsal(raw); err != nil {
			return fmt.Errorf("session: encode %s: %w", typ, err)
		}
		if e.cfg.SimClock != nil {
			if raw, err = stampSim(raw, e.clock()); err != nil {
				return fmt.Errorf("session: encode %s: %w", typ, err)
			}
		}
	}
	rec, err := e.j.Append(typ, raw)
	if err != nil {
		return fmt.Errorf("session: journal %s: %w: %w", typ, ErrJournalWrite, err)
	}
	if len(rec.Data) == 0 {
		rec.Data = raw
	}
	if rec.Type == "" {
		rec.Type = typ
	}
	return e.apply(rec)
}

// unitIndex finds a unit by key.
func (e *Engine) unitIndex(key string) int {
	for i, u := range e.units {
		if u.Key == key {
			return i
		}
	}
	return -1
}

// apply changes state by one record. Live operations and Replay both go
// through here, which is what makes a replayed engine equal to the live one.
func (e *Engine) apply(rec journal.Record) error {
	t := rec.Time.UTC().Round(0)
	if st := SimTime(rec); !st.IsZero() {
		// A rehearsal on the simulator's clock: its steps, downtime and
		// ages run on simulated time.
		t = st.UTC().Round(0)
		e.lastSim, e.lastWall = t, rec.Time
	}
	e.lastSeq, e.lastTime = rec.Seq, rec.Time
	bad := func(err error) error {
		return fmt.Errorf("session: record %d (%s): %w", rec.Seq, rec.Type, err)
	}
	if done, err := e.applyApproval(rec); done {
		return err
	}
	switch rec.Type {
	case EvSessionStart:
		var d StartData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.start = d
		e.started = t
		e.operator = d.Operator
		e.speed = d.Speed
	case EvStepSkip:
		var d StepSkipData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		if i := e.unitIndex(d.Step); i >= 0 {
			e.st[i].state = StateSkipped
			e.st[i].reason = d.Reason
		}
	case EvStepEnter:
		var d StepEnterData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		i := e.unitIndex(d.Step)
		if i < 0 {
			return bad(fmt.Errorf("step %s is not in the runbook", d.Step))
		}
		e.cur = i
		e.pendingGoto = -1
		e.st[i] = unitState{state: StateCurrent, entered: t}
		e.gen++
		e.chk = map[string]*checkState{}
		for _, c := range e.units[i].Step.Checks {
			e.chk[c.ID] = &checkState{check: c}
		}
		e.gateOpen = false
		e.onFail, e.onFailFired, e.excused = nil, false, nil
		e.action = ActionNone
		e.actionRan = false
		e.lastAction = nil
		e.haltDone = false
		e.actionProc, e.interrupted, e.orphanAlive = nil, nil, false
		e.overridden = nil
		e.lastFresh = t
	case EvCheckStatus:
		var d CheckStatusData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		if cs := e.curCheck(d.Step, d.Check); cs != nil {
			st := checks.ParseStatus(d.Status)
			cs.status, cs.pass, cs.journaled = st, d.Verdict.Pass, true
			cs.last = &checks.Result{Step: d.Step, CheckID: d.Check, Gen: e.gen, Obs: d.Observation, Verdict: d.Verdict, Status: st,
				Held: d.HeldNS, Left: d.LeftNS, Since: d.Since}
			cs.at = t
			cs.journaledAt, cs.sig, cs.pending, cs.freshAt = t, valuesSig(cs.last), nil, d.Observation.At
			e.clearExcuse(d.Check, st)
		}
	case EvCheckFresh:
		var d CheckFreshData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.applyFresh(d, t)
	case EvGateOpen:
		e.gateOpen = true
	case EvGateClosed:
		e.gateOpen = false
	case EvManualTick:
		var d ManualTickData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		if cs := e.curCheck(d.Step, d.Check); cs != nil {
			cs.ticked = d.Ticked
		}
	case EvActionStart:
		e.action = ActionRunning
		e.actionProc, e.interrupted = nil, nil
	case EvActionProcess:
		var d ActionProcessData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.actionProc = &d.Process
	case EvActionInterrupted:
		var d ActionInterruptedData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		// Stopped half-way: what it did is unknown until attested.
		e.action = ActionUnknown
		e.interrupted, e.interruptedAt = &d, t
		e.lastAction = &d.Result
	case EvActionEnd:
		var d ActionEndData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.action = ActionNone
		e.lastAction = &d.Result
		e.actionProc = nil
		if !d.Result.Unreachable {
			e.actionRan = true
		}
	case EvActionAttest:
		var d ActionAttestData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.action = ActionNone
		e.attests = append(e.attests, d)
		e.orphanAlive = false
		if d.Outcome != OutcomeNotRun {
			e.actionRan = true
		}
	case EvOverride:
		var d OverrideData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.overrides = append(e.overrides, d)
		if d.OpensGate {
			// The override opens the gate; the step stays current until
			// the operator leaves it (step.done via override).
			e.overridden = map[string]bool{}
			for _, id := range d.Checks {
				e.overridden[id] = true
			}
			e.gateOpen = true
			break
		}
		// An override of an older journal ended the step by itself.
		// (Older journals still follow it with step.done via override,
		// which sets the same again.)
		if i := e.unitIndex(d.Step); i >= 0 {
			e.st[i].state = StateOverridden
			e.st[i].duration = d.DurationNS
		}
		e.gateOpen = false
	case EvNote:
		var d NoteData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.notes = append(e.notes, d)
	case EvStepDone:
		var d StepDoneData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		if i := e.unitIndex(d.Step); i >= 0 {
			e.st[i].state = StateDone
			if d.Via == ViaOverride {
				e.st[i].state = StateOverridden
			}
			e.st[i].duration = d.DurationNS
		}
		e.gateOpen = false
	case EvOnFail:
		var d OnFailData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.onFail = &d
		e.onFailFired = true
	case EvGoto:
		var d GotoData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		from, to := e.unitIndex(d.From), e.unitIndex(d.To)
		if from < 0 || to < 0 {
			return bad(fmt.Errorf("goto %s -> %s: unknown step", d.From, d.To))
		}
		e.st[from].state = StateFailed
		e.pendingGoto = to
		if to <= from {
			// Going back: the steps from the target on are to be done again.
			for i := to; i < len(e.units); i++ {
				if e.units[i].SkipWhy == "" {
					e.st[i] = unitState{state: StatePending}
				}
			}
		} else {
			for i := from + 1; i < to; i++ {
				if e.units[i].SkipWhy == "" {
					e.st[i] = unitState{state: StateSkipped, reason: "goto " + d.To + " from " + d.From}
				}
			}
		}
	case EvDowntimeStart:
		var d DowntimeStartData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.downRunning, e.downSince, e.downStep = true, t, d.Step
	case EvDowntimeStop:
		var d DowntimeStopData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.downRunning, e.downSince, e.downStep = false, time.Time{}, ""
		e.downTotal = d.TotalNS
	case EvSessionResume:
		var d ResumeData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.resumes++
		e.ended = ""
		e.gen++
		e.operator = d.Operator
		if d.Speed > 0 {
			e.speed = d.Speed
		}
		e.windowWarned = false
		// Never trust results from before the break: every check runs
		// again, and manual checks are ticked again. The on_fail advice
		// that fired stays: it is still what the runbook says.
		for _, cs := range e.chk {
			*cs = checkState{check: cs.check}
		}
		// An override's open gate does not outlast the break either: the
		// override stays on the record, and the gate is judged afresh.
		e.overridden = nil
		e.gateOpen = false
		e.lastFresh = t
		if e.action == ActionRunning {
			e.action = ActionUnknown
		}
		e.orphanAlive = d.Action != nil && d.Action.Alive
		if e.suspended && e.cur >= 0 && e.units[e.cur].Key == e.haltStep {
			// Resumed suspended: the halting step is polled again.
			e.st[e.cur].state = StateCurrent
		}
	case EvJournalRepair:
		e.repairs++
	case EvSessionHalt:
		var d HaltData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.haltReason = d.Reason
		e.suspended, e.haltStep, e.haltDone = true, d.Step, true
		if e.cur >= 0 && e.st[e.cur].state == StateCurrent {
			e.st[e.cur].state = StateFailed
		}
	case EvSessionContinue:
		var d ContinueData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.suspended, e.haltReason = false, ""
		e.continues = append(e.continues, d)
		e.rearmOnFail(d)
	case EvWarning:
		var d WarningData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.warnings = append(e.warnings, d)
		if d.Kind == WarnWindow {
			e.windowWarned = true
		}
	case EvSimSkip:
		var d SimSkipData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.skipped += d.SkippedNS
	case EvPreflight:
		var d PreflightData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.preflight = &d
	case EvSessionEnd:
		var d EndData
		if err := decode(rec.Data, &d); err != nil {
			return bad(err)
		}
		e.ended = d.State
		e.gateOpen = false
	default:
		// Unknown types (from a newer handrail) carry no engine state.
	}
	return nil
}

func (e *Engine) curCheck(step, id string) *checkState {
	if e.cur < 0 || e.units[e.cur].Key != step {
		return nil
	}
	return e.chk[id]
}
