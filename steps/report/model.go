// Package report turns a session journal into an audit report: Markdown, or
// a self-contained HTML page. It decodes every record through one union of
// the event catalog's fields (docs/journal.md, steps/session/events.go) and
// shares the engine's types for the runbook and the operator; a test drives
// the real engine so the two cannot drift apart.
package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// RehearsalMark labels every heading of a rehearsal's report.
const RehearsalMark = "REHEARSAL — not a live change"

// Report is what a session did, ready to render.
type Report struct {
	Path      string
	SessionID string
	Rehearsal bool
	Mode      string
	Scenario  string
	Version   string

	Runbook  Runbook
	Operator Operator
	Ticket   string
	Params   []Param

	Started  time.Time
	Ended    time.Time // zero when the session has no session.end
	LastSeen time.Time // time of the last record
	EndState string    // completed, quit, halted, or "" (not ended)
	Halt     *Halt
	// Suspensions lists every halt and how it ended (suspension.go).
	Suspensions []Suspension

	Overrides []Override
	Timeline  []Item
	Skipped   []Skip
	Downtime  Downtime
	Resumes   []Resume
	Repairs   []Repair

	Integrity journal.Result
	Records   int
	Recording *Recording // the session's recordings (recording.go); nil when it has none
}

// Runbook identifies the procedure followed: session.start's runbook.
type Runbook = session.RunbookRef

// Operator is who drove the session, from where: session.start's operator.
type Operator = session.Operator

// Param is one session parameter; secret values arrive as "[secret]".
type Param struct{ Name, Value string }

// Evidence is one check's state when a gate opened or an override was made.
type Evidence struct {
	Check  string
	Status string
	Ticked bool
	Fields []checks.FieldVerdict
	Reason string // why the verdict failed
	State  string // not a replica, unreachable
	Error  string
	Raw    string
	At     time.Time
}

// Override is a gate forced open by the operator.
type Override struct {
	N         int
	Time      time.Time
	Step      string
	StepTitle string
	Checks    []string
	Category  string
	Reason    string
	Evidence  []Evidence
}

// Item is one timeline entry: a visit to a step, or an event outside any.
type Item struct {
	Visit *Visit
	Event *Event
}

// Visit is one stay on a step, from step.enter to step.done (or the next
// step.enter when it was left another way).
type Visit struct {
	N        int
	Step     string
	Title    string
	Item     string
	Index    int
	Entered  time.Time
	Done     time.Time // zero when never completed
	Via      string
	Duration time.Duration
	Events   []Event
}

// Event is something that happened, in words, with its evidence.
type Event struct {
	Time     time.Time
	Kind     string // action, note, gate, gate-closed, tick, override, check, on_fail, goto, downtime, skip, resume, repair, halt, end
	Text     string
	Evidence []Evidence
	Action   *Action
	Override int // override number, for kind "override"
}

// Action is an action.start with its end or attestation.
type Action struct {
	Kind, Target, Address, Describe string
	Result                          string // ok, failed, unknown (never finished), attested
	ExitCode                        int
	Error                           string
	Output                          string
	Duration                        time.Duration
	Attested                        string // operator's statement for an unknown outcome
}

// Skip is a step not carried out.
type Skip struct {
	Time   time.Time
	Step   string
	Reason string
}

// Downtime sums the downtime windows.
type Downtime struct {
	Total   time.Duration
	Windows []Window
	Open    bool // a window was never closed
}

// Window is one downtime stretch.
type Window struct {
	Step        string
	Start, Stop time.Time
	Duration    time.Duration
}

// Resume is a session.resume.
type Resume struct {
	Time           time.Time
	Operator       Operator
	RunbookChanged bool
	Accepted       bool
	SHA256         string
}

// Repair is a journal.repair.
type Repair struct {
	Time         time.Time
	DroppedBytes int64
	Reason       string
}

// Halt is a session.halt.
type Halt struct {
	Time   time.Time
	Step   string
	Reason string
}

// Load reads a journal without locking it and builds its report.
func Load(path string) (*Report, error) {
	l, err := journal.ReadLog(path)
	if err != nil {
		return nil, err
	}
	return Build(l)
}

// --- wire shapes of the event catalog (only what the report shows) ---

// status accepts a status as text ("pass") or as checks.Status's number.
type status string

func (s *status) UnmarshalJSON(b []byte) error {
	var str string
	if json.Unmarshal(b, &str) == nil {
		*s = status(str)
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("status %s: %w", b, err)
	}
	*s = status(checks.Status(n).String())
	return nil
}

type evidenceWire struct {
	Check       string             `json:"check"`
	Status      status             `json:"status"`
	Verdict     checks.Verdict     `json:"verdict"`
	Observation checks.Observation `json:"observation"`
	Ticked      bool               `json:"ticked"`
}

func (e evidenceWire) evidence() Evidence {
	return Evidence{
		Check: e.Check, Status: string(e.Status), Ticked: e.Ticked,
		Fields: e.Verdict.Fields, Reason: e.Verdict.Reason,
		State: e.Observation.State, Error: e.Observation.Error, Raw: e.Observation.Raw, At: e.Observation.At,
	}
}

func evidenceList(in []evidenceWire) []Evidence {
	out := make([]Evidence, len(in))
	for i, e := range in {
		out[i] = e.evidence()
	}
	return out
}

type wire struct {
	// session.start
	Session         string            `json:"session"`
	Runbook         Runbook           `json:"runbook"`
	Params          map[string]string `json:"params"`
	Operator        Operator          `json:"operator"`
	Ticket          string            `json:"ticket"`
	Mode            string            `json:"mode"`
	Scenario        string            `json:"scenario"`
	HandrailVersion string            `json:"handrail_version"`
	// step events
	Step     string         `json:"step"`
	Title    string         `json:"title"`
	Index    int            `json:"index"`
	Item     string         `json:"item"`
	Reason   string         `json:"reason"`
	Check    string         `json:"check"`
	Status   status         `json:"status"`
	Verdict  checks.Verdict `json:"verdict"`
	Evidence []evidenceWire `json:"evidence"`
	Blocking []string       `json:"blocking"`
	Ticked   bool           `json:"ticked"`
	Attest   string         `json:"attest"`
	// actions
	Kind     string              `json:"kind"`
	Target   string              `json:"target"`
	Address  string              `json:"address"`
	Describe string              `json:"describe"`
	Result   checks.ActionResult `json:"result"`
	Outcome  string              `json:"outcome"`
	Text     string              `json:"text"`
	// override
	Checks   []string `json:"checks"`
	Category string   `json:"category"`
	// step.done, downtime
	Via             string        `json:"via"`
	DurationNS      time.Duration `json:"duration_ns"`
	TotalNS         time.Duration `json:"total_ns"`
	DowntimeTotalNS time.Duration `json:"downtime_total_ns"`
	// on_fail, goto
	Say  string `json:"say"`
	Goto string `json:"goto"`
	Halt bool   `json:"halt"`
	From string `json:"from"`
	To   string `json:"to"`
	// resume, repair, end
	RunbookChanged bool   `json:"runbook_changed"`
	Accepted       bool   `json:"accepted_changed_runbook"`
	SHA256         string `json:"sha256"`
	DroppedBytes   int64  `json:"dropped_bytes"`
	State          string `json:"state"`
}

// Build assembles the report from a read journal. Only the intact records
// are used; l.Result says whether there were others.
func Build(l journal.Log) (*Report, error) {
	r := &Report{Path: l.Path, Integrity: l.Result, Records: len(l.Records)}
	if len(l.Records) == 0 {
		return nil, fmt.Errorf("journal %s: no intact record to report on (%s)", l.Path, l.Result.Problem)
	}
	var (
		visit     *Visit
		titles    = map[string]string{}
		openDown  *Window
		actions   = map[string]*Action{} // step -> last action without an end
		sumDown   time.Duration
		endTotal  = time.Duration(-1)
		lastTotal = time.Duration(-1)
	)
	add := func(e Event, step string) {
		if visit != nil && (step == "" || step == visit.Step) && e.Kind != "skip" && e.Kind != "resume" && e.Kind != "repair" && e.Kind != "goto" {
			visit.Events = append(visit.Events, e)
			return
		}
		ev := e
		r.Timeline = append(r.Timeline, Item{Event: &ev})
	}
	for i, rec := range l.Records {
		var d wire
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return nil, fmt.Errorf("journal %s: record %d (%s): %w", l.Path, rec.Seq, rec.Type, err)
		}
		r.LastSeen = rec.Time
		if i == 0 {
			if rec.Type != "session.start" {
				return nil, fmt.Errorf("journal %s: the first record is %s, not session.start", l.Path, rec.Type)
			}
			r.SessionID, r.Runbook, r.Operator, r.Ticket = d.Session, d.Runbook, d.Operator, d.Ticket
			r.Mode, r.Scenario, r.Version, r.Started = d.Mode, d.Scenario, d.HandrailVersion, rec.Time
			r.Rehearsal = d.Mode == "rehearsal"
			for k, v := range d.Params {
				r.Params = append(r.Params, Param{Name: k, Value: v})
			}
			sort.Slice(r.Params, func(a, b int) bool { return r.Params[a].Name < r.Params[b].Name })
			continue
		}
		if isRecordingRecord(rec.Type) {
			continue // the Recording section tells of them (recording.go)
		}
		switch rec.Type {
		case "step.enter":
			visit = &Visit{N: countVisits(r.Timeline) + 1, Step: d.Step, Title: d.Title, Item: d.Item, Index: d.Index, Entered: rec.Time}
			titles[d.Step] = d.Title
			r.Timeline = append(r.Timeline, Item{Visit: visit})
		case "step.done":
			if visit != nil && visit.Step == d.Step {
				visit.Done, visit.Via, visit.Duration = rec.Time, d.Via, d.DurationNS
				if visit.Duration == 0 {
					visit.Duration = rec.Time.Sub(visit.Entered)
				}
			}
		case "step.skip":
			r.Skipped = append(r.Skipped, Skip{Time: rec.Time, Step: d.Step, Reason: d.Reason})
			add(Event{Time: rec.Time, Kind: "skip", Text: fmt.Sprintf("skipped %s: %s", d.Step, d.Reason)}, d.Step)
		case "check.status":
			text := fmt.Sprintf("check %s: %s", d.Check, d.Status)
			if d.Verdict.Reason != "" {
				text += " — " + d.Verdict.Reason
			}
			add(Event{Time: rec.Time, Kind: "check", Text: text}, d.Step)
		case "gate.open":
			add(Event{Time: rec.Time, Kind: "gate", Text: "gate opened: every check passed", Evidence: evidenceList(d.Evidence)}, d.Step)
		case "gate.closed":
			add(Event{Time: rec.Time, Kind: "gate-closed", Text: "gate closed again, blocked by " + joinIDs(d.Blocking)}, d.Step)
		case "manual.tick":
			text := "ticked " + d.Check
			if !d.Ticked {
				text = "unticked " + d.Check
			}
			if d.Attest != "" {
				text += ": " + d.Attest
			}
			add(Event{Time: rec.Time, Kind: "tick", Text: text}, d.Step)
		case "action.start":
			a := &Action{Kind: d.Kind, Target: d.Target, Address: d.Address, Describe: d.Describe, Result: "unknown"}
			actions[d.Step] = a
			add(Event{Time: rec.Time, Kind: "action", Action: a}, d.Step)
		case "action.end":
			if a := actions[d.Step]; a != nil {
				a.ExitCode, a.Error, a.Output, a.Duration = d.Result.ExitCode, d.Result.Error, d.Result.Output, d.Result.Duration
				a.Result = "ok"
				if !d.Result.OK() {
					a.Result = "failed"
				}
				delete(actions, d.Step)
			}
		case "action.attest":
			text := fmt.Sprintf("attested the outcome of an interrupted action: %s", d.Outcome)
			if d.Text != "" {
				text += " — " + d.Text
			}
			if a := actions[d.Step]; a != nil {
				a.Result, a.Attested = "attested", d.Outcome+orEmpty(" — ", d.Text)
				delete(actions, d.Step)
			}
			add(Event{Time: rec.Time, Kind: "attest", Text: text}, d.Step)
		case "override":
			// The override ends its step (older journals also have a
			// step.done via override after it, which sets the same).
			if visit != nil && visit.Step == d.Step {
				visit.Done, visit.Via, visit.Duration = rec.Time, "override", d.DurationNS
				if visit.Duration == 0 {
					visit.Duration = rec.Time.Sub(visit.Entered)
				}
			}
			o := Override{N: len(r.Overrides) + 1, Time: rec.Time, Step: d.Step, StepTitle: titles[d.Step], Checks: d.Checks, Category: d.Category, Reason: d.Reason, Evidence: evidenceList(d.Evidence)}
			r.Overrides = append(r.Overrides, o)
			add(Event{Time: rec.Time, Kind: "override", Override: o.N, Text: fmt.Sprintf("OVERRIDE #%d (%s) of %s: %s", o.N, o.Category, joinIDs(o.Checks), o.Reason)}, d.Step)
		case "note":
			add(Event{Time: rec.Time, Kind: "note", Text: d.Text}, d.Step)
		case "on_fail":
			text := "on failure"
			if d.Check != "" {
				text += " of " + d.Check
			}
			text += ":"
			if d.Say != "" {
				text += " " + d.Say
			}
			if d.Goto != "" {
				text += " → go to " + d.Goto
			}
			if d.Halt {
				text += " → halt"
			}
			add(Event{Time: rec.Time, Kind: "on_fail", Text: text}, d.Step)
		case "goto":
			add(Event{Time: rec.Time, Kind: "goto", Text: fmt.Sprintf("jumped from %s to %s", d.From, d.To)}, "")
		case "downtime.start":
			openDown = &Window{Step: d.Step, Start: rec.Time}
			add(Event{Time: rec.Time, Kind: "downtime", Text: "downtime started"}, d.Step)
		case "downtime.stop":
			w := Window{Step: d.Step, Stop: rec.Time, Duration: d.DurationNS}
			if openDown != nil {
				w.Start = openDown.Start
				if w.Duration == 0 {
					w.Duration = rec.Time.Sub(openDown.Start)
				}
			}
			openDown = nil
			r.Downtime.Windows = append(r.Downtime.Windows, w)
			sumDown += w.Duration
			lastTotal = d.TotalNS
			add(Event{Time: rec.Time, Kind: "downtime", Text: "downtime stopped after " + FormatDuration(w.Duration)}, d.Step)
		case "session.resume":
			r.Resumes = append(r.Resumes, Resume{Time: rec.Time, Operator: d.Operator, RunbookChanged: d.RunbookChanged, Accepted: d.Accepted, SHA256: d.SHA256})
			text := "session resumed by " + operatorLine(d.Operator)
			if d.RunbookChanged {
				text += "; the runbook had CHANGED since the start"
				if d.Accepted {
					text += " and the operator accepted it"
				}
			}
			visit = nil
			add(Event{Time: rec.Time, Kind: "resume", Text: text}, "")
		case "journal.repair":
			r.Repairs = append(r.Repairs, Repair{Time: rec.Time, DroppedBytes: d.DroppedBytes, Reason: d.Reason})
			add(Event{Time: rec.Time, Kind: "repair", Text: fmt.Sprintf("journal repaired: %d bytes of an interrupted write dropped (%s)", d.DroppedBytes, d.Reason)}, "")
		case "session.halt":
			r.Halt = &Halt{Time: rec.Time, Step: d.Step, Reason: d.Reason}
			add(Event{Time: rec.Time, Kind: "halt", Text: "HALTED: " + d.Reason}, d.Step)
		case "session.end":
			r.Ended, r.EndState = rec.Time, d.State
			endTotal = d.DowntimeTotalNS
			visit = nil
			add(Event{Time: rec.Time, Kind: "end", Text: "session ended: " + d.State}, "")
		default:
			if ev, step, ok := recoveryEvent(rec); ok {
				if ev != nil {
					add(*ev, step)
				}
				continue
			}
			add(Event{Time: rec.Time, Kind: rec.Type, Text: rec.Type}, d.Step)
		}
	}
	r.Suspensions = suspensions(l.Records)
	r.Downtime.Total = sumDown
	switch {
	case endTotal >= 0 && r.EndState != "":
		r.Downtime.Total = endTotal
	case lastTotal >= 0:
		r.Downtime.Total = lastTotal
	}
	if openDown != nil {
		r.Downtime.Open = true
		r.Downtime.Windows = append(r.Downtime.Windows, *openDown)
	}
	r.Recording = recordingOf(l)
	return r, nil
}

func countVisits(items []Item) int {
	n := 0
	for _, it := range items {
		if it.Visit != nil {
			n++
		}
	}
	return n
}

func joinIDs(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	s := ids[0]
	for _, id := range ids[1:] {
		s += ", " + id
	}
	return s
}

func orEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func operatorLine(o Operator) string {
	s := o.Name
	if s == "" {
		s = o.User
	}
	who := o.User
	if o.Host != "" {
		who += "@" + o.Host
	}
	if who != "" && who != s {
		s += " (" + who + ")"
	}
	if o.TTY != "" {
		s += ", tty " + o.TTY
	}
	if o.SSHClient != "" {
		s += ", ssh from " + o.SSHClient
	}
	if s == "" {
		return "unknown"
	}
	return s
}

// FormatDuration prints a duration for people: 1h02m03s, 4m05s, 12s, 350ms.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dh%02dm%02ds", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}

// Title is the report's title, rehearsal-marked.
func (r *Report) Title() string {
	t := "Session report: " + firstNonEmpty(r.Runbook.Title, r.Runbook.ID, r.SessionID)
	if r.Rehearsal {
		t += " — " + RehearsalMark
	}
	return t
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Interruption is a resume or a journal repair, in words.
type Interruption struct {
	Time time.Time
	Text string
}

// Interruptions lists resumes and repairs in time order.
func (r *Report) Interruptions() []Interruption {
	var out []Interruption
	for _, x := range r.Resumes {
		text := "resumed by " + operatorLine(x.Operator)
		if x.RunbookChanged {
			text += fmt.Sprintf("; the runbook had CHANGED since the start (now SHA-256 %s), accepted by the operator: %v", x.SHA256, x.Accepted)
		}
		out = append(out, Interruption{x.Time, text})
	}
	for _, x := range r.Repairs {
		out = append(out, Interruption{x.Time, fmt.Sprintf("journal repaired: %d bytes dropped (%s)", x.DroppedBytes, x.Reason)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
