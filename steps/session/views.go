package session

import (
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// StepView is one expanded step as a UI lists it.
type StepView struct {
	// Key is the step's journal key: its id, or "id@item" for a foreach copy.
	Key     string
	ID      string
	Title   string
	Section string
	State   StepState
	// Index is the position in Steps(); Item the foreach item ("" if none).
	Index int
	// Number is the step's number in the runbook (steps.Runbook.Number):
	// the number to show. Foreach copies share it; StepCount is the total.
	Number int
	Item   string
	Impact string
	// Reason says why a skipped step was skipped.
	Reason   string
	Duration time.Duration
}

func (e *Engine) view(i int) StepView {
	u := e.units[i]
	return StepView{Key: u.Key, ID: u.BaseID, Title: u.Step.Title, Section: u.Section, State: e.st[i].state,
		Index: i, Number: u.Number, Item: u.Item, Impact: u.Step.Impact, Reason: e.st[i].reason, Duration: e.st[i].duration}
}

// StepCount is how many steps the runbook has: the total beside every
// StepView.Number.
func (e *Engine) StepCount() int { return e.cfg.Runbook.StepCount() }

// Steps lists every expanded step with its state.
func (e *Engine) Steps() []StepView {
	out := make([]StepView, len(e.units))
	for i := range e.units {
		out[i] = e.view(i)
	}
	return out
}

// Current is the current step (ok=false before the first and after the
// session completed) and its bound definition: no ${…} left in it.
func (e *Engine) Current() (StepView, steps.Step, bool) {
	if e.cur < 0 {
		return StepView{}, steps.Step{}, false
	}
	return e.view(e.cur), e.units[e.cur].Step, true
}

// Target returns a bound target by the name a step uses (a foreach copy's
// steps name per-item copies, "<target>@<item>").
func (e *Engine) Target(name string) (checks.Target, bool) {
	t, ok := e.targets[name]
	return t, ok
}

// Targets returns every bound target of the session, per-item copies
// included: what a Driver is built over.
func (e *Engine) Targets() map[string]checks.Target {
	out := make(map[string]checks.Target, len(e.targets))
	for k, v := range e.targets {
		out[k] = v
	}
	return out
}

// CheckView is one check of the current step as a panel shows it.
type CheckView struct {
	Check  checks.Check
	Target checks.Target
	// Last is the latest result (nil before the first); Age how old it is.
	Last   *checks.Result
	Age    time.Duration
	Stale  bool
	Ticked bool
	// AwaitsAction: the check's `within` deadline waits for the step's
	// action, which has not run on this visit (DeadlinesWaitForAction):
	// no deadline can fail it yet.
	AwaitsAction bool
}

// Checks lists the current step's checks in the runbook's order.
func (e *Engine) Checks() []CheckView {
	if e.cur < 0 {
		return nil
	}
	now := e.clock()
	u := e.units[e.cur]
	waits := e.DeadlinesWaitForAction()
	out := make([]CheckView, 0, len(u.Step.Checks))
	for _, c := range u.Step.Checks {
		cs := e.chk[c.ID]
		v := CheckView{Check: c, Target: e.targets[c.Target], Ticked: cs.ticked,
			AwaitsAction: waits && c.Within > 0 && c.Kind != checks.KindManual}
		if cs.last != nil {
			r := *cs.last
			v.Last = &r
			v.Age = now.Sub(cs.at)
			v.Stale = v.Age > MaxAge(c)
		}
		out = append(out, v)
	}
	return out
}

// Generation tags the current step's poll results: the poller stamps it on
// every Result, and Observe ignores results of another generation. It
// changes on every step entry and on resume.
func (e *Engine) Generation() uint64 { return e.gen }

// SessionID is the session's id.
func (e *Engine) SessionID() string { return e.start.Session }

// Start is the session.start data (secret params as "[secret]").
func (e *Engine) Start() StartData { return e.start }

// Elapsed is the time since the session started.
func (e *Engine) Elapsed() time.Duration {
	if e.started.IsZero() {
		return 0
	}
	return e.clock().Sub(e.started)
}

// Downtime is the total downtime so far, the running clock included.
func (e *Engine) Downtime() time.Duration {
	if e.downRunning {
		return e.downTotal + e.clock().Sub(e.downSince)
	}
	return e.downTotal
}

// DowntimeRunning reports whether the downtime clock runs.
func (e *Engine) DowntimeRunning() bool { return e.downRunning }

// Ended is "" while the session runs, else completed, quit or halted.
func (e *Engine) Ended() string { return e.ended }

// HaltReason says why the session halted.
func (e *Engine) HaltReason() string { return e.haltReason }

// Action is the current step's action state and its last result.
func (e *Engine) Action() (ActionState, *checks.ActionResult) { return e.action, e.lastAction }

// OnFail is the current step's fired on_fail (nil until a check failed).
func (e *Engine) OnFail() *OnFailData { return e.onFail }

// Notes lists every note of the session.
func (e *Engine) Notes() []NoteData { return append([]NoteData(nil), e.notes...) }

// Overrides lists every override of the session.
func (e *Engine) Overrides() []OverrideData { return append([]OverrideData(nil), e.overrides...) }

// LastSeq is the seq of the last record applied.
func (e *Engine) LastSeq() uint64 { return e.lastSeq }

// LastRecord is the wall-clock time of the last record written (or
// replayed): after an ErrJournalWrite, nothing later is on the record.
func (e *Engine) LastRecord() time.Time { return e.lastTime }

// Snapshot is the engine's journaled state, comparable with reflect.DeepEqual:
// a replayed engine's snapshot equals the live one's.
type Snapshot struct {
	Session       string
	Current       string
	Gen           uint64
	Steps         []StepSnap
	Checks        []CheckSnap
	GateOpen      bool
	OnFail        *OnFailData
	Action        ActionState
	LastAction    *checks.ActionResult
	Ended         string
	HaltReason    string
	Started       time.Time
	DowntimeTotal time.Duration
	DowntimeSince time.Time
	DowntimeStep  string
	Overrides     []OverrideData
	Notes         []NoteData
	Attests       []ActionAttestData
	Resumes       int
	Repairs       int
	LastSeq       uint64
	PendingGoto   int
	Suspended     bool
	HaltStep      string
	Continues     []ContinueData
	Operator      Operator
	ActionProcess *checks.ActionProcess
	Interrupted   *ActionInterruptedData
	Preflight     *PreflightData
	Warnings      []WarningData
	Speed         float64
	Skipped       time.Duration
	// ActionRan: the current visit's action has run (its checks' `within`
	// deadlines run); OnFailFired and Excused: on_fail's arming
	// (deadline.go).
	ActionRan   bool
	OnFailFired bool
	Excused     map[string]bool
}

// StepSnap is one step's journaled state.
type StepSnap struct {
	Key      string
	State    StepState
	Entered  time.Time
	Duration time.Duration
	Reason   string
}

// CheckSnap is one current check's journaled state.
type CheckSnap struct {
	ID        string
	Status    checks.Status
	Pass      bool
	Journaled bool
	Ticked    bool
}

// Snapshot captures the journaled state.
func (e *Engine) Snapshot() Snapshot {
	s := Snapshot{Session: e.start.Session, Gen: e.gen, GateOpen: e.gateOpen, OnFail: e.onFail,
		Action: e.action, LastAction: e.lastAction, Ended: e.ended, HaltReason: e.haltReason,
		Started: e.started, DowntimeTotal: e.downTotal, DowntimeSince: e.downSince, DowntimeStep: e.downStep,
		Overrides: e.overrides, Notes: e.notes, Attests: e.attests, Resumes: e.resumes, Repairs: e.repairs,
		LastSeq: e.lastSeq, PendingGoto: e.pendingGoto, Suspended: e.suspended, HaltStep: e.haltStep,
		Continues: e.continues, Operator: e.operator, ActionProcess: e.actionProc, Interrupted: e.interrupted,
		Preflight: e.preflight, Warnings: e.warnings, Speed: e.speed, Skipped: e.skipped,
		ActionRan: e.actionRan, OnFailFired: e.onFailFired, Excused: e.excused}
	if e.cur >= 0 {
		s.Current = e.units[e.cur].Key
		for _, c := range e.units[e.cur].Step.Checks {
			cs := e.chk[c.ID]
			s.Checks = append(s.Checks, CheckSnap{ID: c.ID, Status: cs.status, Pass: cs.pass, Journaled: cs.journaled, Ticked: cs.ticked})
		}
	}
	for i, u := range e.units {
		s.Steps = append(s.Steps, StepSnap{Key: u.Key, State: e.st[i].state, Entered: e.st[i].entered,
			Duration: e.st[i].duration, Reason: e.st[i].reason})
	}
	return s
}

// StepAt returns the bound step at index i of Steps() (no ${…} left), so a
// view can show any step as the session will run it.
func (e *Engine) StepAt(i int) (steps.Step, bool) {
	if i < 0 || i >= len(e.units) {
		return steps.Step{}, false
	}
	return e.units[i].Step, true
}

// Runbook returns the runbook the session runs, as loaded (unbound).
func (e *Engine) Runbook() *steps.Runbook { return e.cfg.Runbook }
