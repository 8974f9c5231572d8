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
}

// StepEnterData is step.enter's data. Step is the expanded step's key
// (the step id, or "id@item" for a foreach copy).
type StepEnterData struct {
	Step  string `json:"step"`
	Title string `json:"title"`
	Index int    `json:"index"`
	Item  string `json:"item"`
}

// StepSkipData is step.skip's data.
type StepSkipData struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// CheckStatusData is check.status's data.
type CheckStatusData struct {
	Step        string             `json:"step"`
	Check       string             `json:"check"`
	Status      string             `json:"status"`
	Verdict     checks.Verdict     `json:"verdict"`
	Observation checks.Observation `json:"observation"`
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
}

// GotoData is goto's data.
type GotoData struct {
	From string `json:"from"`
	To   string `json:"to"`
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
