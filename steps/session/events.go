package session

import (
	"encoding/json"
	"time"

	"github.com/handrail/handrail/checks"
)

// Journal record types written by the engine (the shared event catalog).
const (
	EvSessionStart  = "session.start"
	EvStepEnter     = "step.enter"
	EvStepSkip      = "step.skip"
	EvCheckStatus   = "check.status"
	EvGateOpen      = "gate.open"
	EvGateClosed    = "gate.closed"
	EvManualTick    = "manual.tick"
	EvActionStart   = "action.start"
	EvActionEnd     = "action.end"
	EvActionAttest  = "action.attest"
	EvOverride      = "override"
	EvNote          = "note"
	EvStepDone      = "step.done"
	EvOnFail        = "on_fail"
	EvGoto          = "goto"
	EvDowntimeStart = "downtime.start"
	EvDowntimeStop  = "downtime.stop"
	EvSessionResume = "session.resume"
	EvJournalRepair = "journal.repair"
	EvSessionHalt   = "session.halt"
	EvSessionEnd    = "session.end"

	// EvCheckFresh is the heartbeat: how fresh each check's data is, so a
	// watcher can show the operator's real data age without a record per
	// poll.
	EvCheckFresh = "check.fresh"
	// EvActionProcess records the process group a running action started.
	EvActionProcess = "action.process"
	// EvActionInterrupted records an action stopped because handrail was
	// quit or signalled while it ran.
	EvActionInterrupted = "action.interrupted"
	// EvSessionContinue ends a suspension (a halt) on the operator's
	// explicit choice, with a reason.
	EvSessionContinue = "session.continue"
	// EvCredentials records that a target's credentials were re-entered
	// (never their value).
	EvCredentials = "credentials.reentered"
	// EvPreflight records the preflight's per-target results, and a start
	// despite an unreachable target.
	EvPreflight = "preflight"
)

// RunbookRef identifies the runbook a session follows.
type RunbookRef struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// SecretMark replaces every secret value in the journal.
const SecretMark = "[secret]"

// StartData is session.start's data.
type StartData struct {
	Session         string            `json:"session"`
	Runbook         RunbookRef        `json:"runbook"`
	Params          map[string]string `json:"params"`
	Operator        Operator          `json:"operator"`
	Ticket          string            `json:"ticket"`
	Mode            string            `json:"mode"`
	Scenario        string            `json:"scenario"`
	HandrailVersion string            `json:"handrail_version"`
	// Speed is a rehearsal's speed on the simulator's clock (simulated
	// seconds per wall second).
	Speed float64 `json:"speed,omitempty"`
}

// StepEnterData is step.enter's data. Step is the expanded step's key
// (the step id, or "id@item" for a foreach copy).
type StepEnterData struct {
	Step  string `json:"step"`
	Title string `json:"title"`
	Index int    `json:"index"`
	Item  string `json:"item"`
	// Number is the step's number in the runbook (steps.Runbook.Number):
	// the one number the console, plain mode, show, list and the report
	// give it. 0 in journals written before it.
	Number int `json:"number,omitempty"`
}

// StepSkipData is step.skip's data.
type StepSkipData struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
	// Number is the step's number in the runbook, as in step.enter.
	Number int `json:"number,omitempty"`
}

// CheckStatusData is check.status's data.
type CheckStatusData struct {
	Step        string             `json:"step"`
	Check       string             `json:"check"`
	Status      string             `json:"status"`
	Verdict     checks.Verdict     `json:"verdict"`
	Observation checks.Observation `json:"observation"`
	// Since is when the check became unreachable (status unreachable).
	Since time.Time `json:"since,omitzero"`
	// HeldNS and LeftNS are the result's Held and Left.
	HeldNS time.Duration `json:"held_ns,omitempty"`
	LeftNS time.Duration `json:"left_ns,omitempty"`
}

// CheckFreshData is check.fresh's data: for each check named, the time of
// its latest observation (what the operator's panel ages from).
type CheckFreshData struct {
	Step string               `json:"step"`
	At   map[string]time.Time `json:"at"`
}

// Evidence is one check's observation at the moment of a gate or override.
type Evidence struct {
	Check       string             `json:"check"`
	Status      string             `json:"status"`
	Verdict     checks.Verdict     `json:"verdict"`
	Observation checks.Observation `json:"observation"`
	// Ticked is set for manual checks.
	Ticked bool `json:"ticked,omitempty"`
}

// GateOpenData is gate.open's data.
type GateOpenData struct {
	Step     string     `json:"step"`
	Evidence []Evidence `json:"evidence"`
}

// GateClosedData is gate.closed's data.
type GateClosedData struct {
	Step     string   `json:"step"`
	Blocking []string `json:"blocking"`
}

// ManualTickData is manual.tick's data.
type ManualTickData struct {
	Step   string `json:"step"`
	Check  string `json:"check"`
	Ticked bool   `json:"ticked"`
	Attest string `json:"attest,omitempty"`
}

// ActionStartData is action.start's data.
type ActionStartData struct {
	Step     string `json:"step"`
	Kind     string `json:"kind"`
	Target   string `json:"target"`
	Address  string `json:"address"`
	Describe string `json:"describe"`
}

// ActionProcessData is action.process's data: the running action's
// process group, as the driver reported it once the child ran.
type ActionProcessData struct {
	Step    string               `json:"step"`
	Process checks.ActionProcess `json:"process"`
}

// ActionInterruptedData is action.interrupted's data: what was stopped,
// why, how, and what it had said by then.
type ActionInterruptedData struct {
	Step     string `json:"step"`
	Describe string `json:"describe"`
	// Cause is why handrail stopped: "quit", "end of input", "SIGHUP",
	// "SIGTERM", "interrupt".
	Cause string `json:"cause"`
	// Stopped says how: "killed its process group (SIGKILL) after a 5s
	// grace period", or "cancelled after a 5s grace period".
	Stopped string                `json:"stopped"`
	GraceNS time.Duration         `json:"grace_ns"`
	Process *checks.ActionProcess `json:"process,omitempty"`
	// Result is what the driver returned once stopped (partial output).
	Result checks.ActionResult `json:"result"`
}

// ActionEndData is action.end's data.
type ActionEndData struct {
	Step   string              `json:"step"`
	Result checks.ActionResult `json:"result"`
}

// ActionAttestData is action.attest's data.
type ActionAttestData struct {
	Step    string `json:"step"`
	Outcome string `json:"outcome"`
	Text    string `json:"text"`
}

// OverrideData is override's data.
type OverrideData struct {
	Step     string     `json:"step"`
	Checks   []string   `json:"checks"`
	Category string     `json:"category"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence"`
	// OpensGate says the override opens the step's gate and the step stays
	// current until the operator leaves it (step.done via override). An
	// override without it (journals written before) ended the step by
	// itself: DurationNS is then the step's duration (and journals older
	// still follow it with step.done via override).
	OpensGate  bool          `json:"opens_gate,omitempty"`
	DurationNS time.Duration `json:"duration_ns,omitempty"`
}

// NoteData is note's data.
type NoteData struct {
	Step string `json:"step"`
	Text string `json:"text"`
}

// Via values of step.done.
const (
	ViaGate     = "gate"
	ViaOverride = "override"
	ViaManual   = "manual"
)

// StepDoneData is step.done's data.
type StepDoneData struct {
	Step       string        `json:"step"`
	Via        string        `json:"via"`
	DurationNS time.Duration `json:"duration_ns"`
}

// OnFailData is on_fail's data.
type OnFailData struct {
	Step  string `json:"step"`
	Say   string `json:"say"`
	Goto  string `json:"goto"`
	Halt  bool   `json:"halt"`
	Check string `json:"check,omitempty"`
	// Action is set when the step's action failed (its fails_step): what
	// ran, and its error.
	Action string `json:"action,omitempty"`
}

// GotoData is goto's data.
type GotoData struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Check is the failed check whose on_fail offered the goto.
	Check string `json:"check,omitempty"`
	// ConfirmedBy is the operator who confirmed the jump.
	ConfirmedBy *Operator `json:"confirmed_by,omitempty"`
}

// DowntimeStartData is downtime.start's data.
type DowntimeStartData struct {
	Step string `json:"step"`
}

// DowntimeStopData is downtime.stop's data.
type DowntimeStopData struct {
	Step       string        `json:"step"`
	DurationNS time.Duration `json:"duration_ns"`
	TotalNS    time.Duration `json:"total_ns"`
}

// ResumeData is session.resume's data.
type ResumeData struct {
	Operator               Operator `json:"operator"`
	RunbookChanged         bool     `json:"runbook_changed"`
	AcceptedChangedRunbook bool     `json:"accepted_changed_runbook"`
	// SHA256 is the runbook's hash at resume (set when it changed).
	SHA256 string `json:"sha256,omitempty"`
	// Suspended is set when the session was halted: it resumes
	// suspended, polling the halting step's checks, until the operator
	// continues it (session.continue).
	Suspended bool `json:"suspended,omitempty"`
	// Action describes an action that started before the break and never
	// ended, and whether its process group was still alive at resume.
	Action *OrphanData `json:"action,omitempty"`
	// Speed is a resumed rehearsal's speed from now on.
	Speed float64 `json:"speed,omitempty"`
}

// OrphanData is what resume found of an action that never ended.
type OrphanData struct {
	Step        string                 `json:"step"`
	Describe    string                 `json:"describe"`
	Process     *checks.ActionProcess  `json:"process,omitempty"`
	Alive       bool                   `json:"alive"`
	Interrupted *ActionInterruptedData `json:"interrupted,omitempty"`
}

// ContinueData is session.continue's data: the operator ends a suspension.
type ContinueData struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
	// ChecksPass says whether every required check of the step passed
	// when the operator chose to continue; Evidence shows them.
	ChecksPass bool       `json:"checks_pass"`
	Evidence   []Evidence `json:"evidence"`
	Operator   Operator   `json:"operator"`
}

// CredentialsData is credentials.reentered's data. Fields names what was
// given ("user", "password", "dsn"), never a value.
type CredentialsData struct {
	Target string   `json:"target"`
	Fields []string `json:"fields"`
	Source string   `json:"source,omitempty"`
	// LoginGood says whether the target takes the login now, when the
	// driver could tell before taking them (LoginJudge: a rehearsal's
	// world); absent otherwise (a live session). A rehearsal rebuilt from
	// its journal logs in as it did from it, without the value.
	LoginGood *bool    `json:"login_good,omitempty"`
	Operator  Operator `json:"operator"`
}

// PreflightTarget is one target's preflight result.
type PreflightTarget struct {
	Target    string        `json:"target"`
	Kind      string        `json:"kind"`
	Address   string        `json:"address"`
	Probe     string        `json:"probe"`
	Reachable bool          `json:"reachable"`
	Error     string        `json:"error,omitempty"`
	Detail    string        `json:"detail,omitempty"`
	LatencyNS time.Duration `json:"latency_ns"`
	At        time.Time     `json:"at"`
}

// PreflightData is preflight's data. Unreachable lists the targets that
// could not be reached; a session starts with one only when Accepted (the
// operator's explicit choice), with the reason given.
type PreflightData struct {
	Targets     []PreflightTarget `json:"targets"`
	Unreachable []string          `json:"unreachable,omitempty"`
	Accepted    bool              `json:"accepted,omitempty"`
	Reason      string            `json:"reason,omitempty"`
}

// RepairData is journal.repair's data.
type RepairData struct {
	DroppedBytes int64  `json:"dropped_bytes"`
	Reason       string `json:"reason"`
}

// HaltData is session.halt's data.
type HaltData struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// End states of session.end.
const (
	EndCompleted = "completed"
	EndQuit      = "quit"
	EndHalted    = "halted"
)

// EndData is session.end's data.
type EndData struct {
	State           string        `json:"state"`
	DowntimeTotalNS time.Duration `json:"downtime_total_ns"`
}

// decode unmarshals raw into v; the engine only decodes what it wrote.
func decode(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }
