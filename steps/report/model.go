// Package report turns a session journal into an audit report: Markdown, or
// a self-contained HTML page. It decodes records through one union of the
// event catalog's fields (docs/journal.md, steps/session/events.go) and
// shares the engine's types for the runbook and the operator; a test drives
// the real engine so the two cannot drift apart. It reads the journal one
// record at a time (Load), so its memory does not grow with the journal.
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
	Skipped   []Skip
	Downtime  Downtime
	Resumes   []Resume
	Repairs   []Repair

	Integrity journal.Result
	Records   int
	Recording *Recording // the session's recordings (recording.go); nil when it has none

	// actions holds every action's outcome by the seq of its action.start,
	// for the timeline; source reads the records again for the timeline.
	actions map[uint64]*Action
	source  func(func(journal.Record) error) error
	err     error
	// watches are the watch.join and watch.leave records (watchers.go).
	watches []journal.Record
	// approvals are the approval.request, .grant and .reject records
	// (approvals.go).
	approvals []journal.Record
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
	Number    int // the step's number in the runbook (0 in journals written before it)
	StepTitle string
	Checks    []string
	Category  string
	Reason    string
	Evidence  []Evidence
}

// Visit is one stay on a step, from step.enter to step.done (or the next
// step.enter when it was left another way).
type Visit struct {
	N    int
	Step string
	// Number is the step's number in the runbook, the one every view
	// gives it (0 in journals written before step.enter carried it).
	Number   int
	Title    string
	Item     string
	Index    int
	Entered  time.Time
	Done     time.Time // zero when never completed
	Via      string
	Duration time.Duration
}

// Event is something that happened, in words, with its evidence.
type Event struct {
	Time     time.Time
	Kind     string // action, note, gate, gate-closed, tick, override, check, on_fail, goto, downtime, skip, resume, repair, halt, end
	Text     string
	Evidence []Evidence
	Action   *Action
	Override int // override number, for kind "override"
	// Count is how many identical check.status records a "check" entry
	// stands for (1 for one), from Since to Time (checkruns.go).
	Count int
	Since time.Time
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
	Number int
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

// Load reads a journal without locking it and builds its report. The
// journal is read twice, one line at a time: once for what the report says
// before its timeline (the summary, the overrides, every action's outcome),
// and again, while the report is written, for the timeline itself. So the
// report holds the session's summary and never the journal, whatever its
// length. The second reading stops at the records the first one counted and
// must find the same chain, or rendering fails.
func Load(path string) (*Report, error) {
	b := newBuilder(path)
	res, err := journal.ScanFile(path, b.add)
	if err != nil {
		return nil, err
	}
	r, err := b.finish(res)
	if err != nil {
		return nil, err
	}
	r.source = func(fn func(journal.Record) error) error { return journal.Rescan(path, res, fn) }
	return r, nil
}

// Build assembles the report from a journal read whole into memory (tests,
// tools with short journals). Only the intact records are used; l.Result
// says whether there were others.
func Build(l journal.Log) (*Report, error) {
	b := newBuilder(l.Path)
	for _, rec := range l.Records {
		if err := b.add(rec); err != nil {
			return nil, err
		}
	}
	r, err := b.finish(l.Result)
	if err != nil {
		return nil, err
	}
	r.source = func(fn func(journal.Record) error) error {
		for _, rec := range l.Records {
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	}
	return r, nil
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

// observationWire is what the report shows of an observation: not its rows,
// which the verdict's fields already judge.
type observationWire struct {
	Raw   string    `json:"raw"`
	State string    `json:"state"`
	Error string    `json:"error"`
	At    time.Time `json:"at"`
}

type evidenceWire struct {
	Check       string          `json:"check"`
	Status      status          `json:"status"`
	Verdict     checks.Verdict  `json:"verdict"`
	Observation observationWire `json:"observation"`
	Ticked      bool            `json:"ticked"`
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
	Number   int            `json:"number"`
	Item     string         `json:"item"`
	Reason   string         `json:"reason"`
	Check    string         `json:"check"`
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

// decodeWire decodes a record's data for the report.
func decodeWire(path string, rec journal.Record) (wire, error) {
	var d wire
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return d, fmt.Errorf("journal %s: record %d (%s): %w", path, rec.Seq, rec.Type, err)
	}
	return d, nil
}

// summaryTypes are the records the first reading decodes; the others (the
// many check.status and gate records among them) only the timeline reads.
var summaryTypes = map[string]bool{
	"session.start": true, "step.enter": true, "step.skip": true, "action.start": true, "action.end": true,
	"action.attest": true, "override": true, "downtime.start": true, "downtime.stop": true,
	"session.resume": true, "journal.repair": true, "session.halt": true, "session.end": true,
}

// builder is the first reading: everything but the timeline.
type builder struct {
	r *Report
	// The few records read again once the journal has been read: the
	// halts, resumes and continues (suspensions), and what places records
	// in the recordings (recording.go).
	suspRecs, castRecs []journal.Record
	n                  int
	titles             map[string]string
	numbers            map[string]int // step key -> the runbook's step number
	openDown           *Window
	actions            map[string]*Action // step -> its action without an end yet
	sumDown            time.Duration
	endTotal           time.Duration
	lastTotal          time.Duration
}

func newBuilder(path string) *builder {
	return &builder{r: &Report{Path: path, actions: map[uint64]*Action{}}, titles: map[string]string{}, numbers: map[string]int{},
		actions: map[string]*Action{}, endTotal: -1, lastTotal: -1}
}

func (b *builder) add(rec journal.Record) error {
	r := b.r
	b.n++
	r.LastSeen = rec.Time
	if b.n == 1 && rec.Type != "session.start" {
		return fmt.Errorf("journal %s: the first record is %s, not session.start", r.Path, rec.Type)
	}
	if suspensionRecord(rec.Type) {
		b.suspRecs = append(b.suspRecs, rec.Clone())
	}
	if castRecord(rec.Type) {
		b.castRecs = append(b.castRecs, rec.Clone())
	}
	if rec.Type == session.EvWatchJoin || rec.Type == session.EvWatchLeave {
		r.watches = append(r.watches, rec.Clone())
	}
	if rec.Type == session.EvApprovalRequest || rec.Type == session.EvApprovalGrant || rec.Type == session.EvApprovalReject {
		r.approvals = append(r.approvals, rec.Clone())
	}
	if !summaryTypes[rec.Type] {
		return nil
	}
	d, err := decodeWire(r.Path, rec)
	if err != nil {
		return err
	}
	switch rec.Type {
	case "session.start":
		if b.n != 1 {
			return nil
		}
		r.SessionID, r.Runbook, r.Operator, r.Ticket = d.Session, d.Runbook, d.Operator, d.Ticket
		r.Mode, r.Scenario, r.Version, r.Started = d.Mode, d.Scenario, d.HandrailVersion, rec.Time
		r.Rehearsal = d.Mode == "rehearsal"
		for k, v := range d.Params {
			r.Params = append(r.Params, Param{Name: k, Value: v})
		}
		sort.Slice(r.Params, func(a, b int) bool { return r.Params[a].Name < r.Params[b].Name })
	case "step.enter":
		b.titles[d.Step] = d.Title
		b.numbers[d.Step] = d.Number
	case "step.skip":
		b.numbers[d.Step] = d.Number
		r.Skipped = append(r.Skipped, Skip{Time: rec.Time, Step: d.Step, Number: d.Number, Reason: d.Reason})
	case "action.start":
		a := &Action{Kind: d.Kind, Target: d.Target, Address: d.Address, Describe: d.Describe, Result: "unknown"}
		b.actions[d.Step] = a
		r.actions[rec.Seq] = a
	case "action.end":
		if a := b.actions[d.Step]; a != nil {
			a.ExitCode, a.Error, a.Output, a.Duration = d.Result.ExitCode, d.Result.Error, d.Result.Output, d.Result.Duration
			a.Result = "ok"
			if !d.Result.OK() {
				a.Result = "failed"
			}
			delete(b.actions, d.Step)
		}
	case "action.attest":
		if a := b.actions[d.Step]; a != nil {
			a.Result, a.Attested = "attested", d.Outcome+orEmpty(" — ", d.Text)
			delete(b.actions, d.Step)
		}
	case "override":
		r.Overrides = append(r.Overrides, Override{N: len(r.Overrides) + 1, Time: rec.Time, Step: d.Step, Number: b.numbers[d.Step], StepTitle: b.titles[d.Step],
			Checks: d.Checks, Category: d.Category, Reason: d.Reason, Evidence: evidenceList(d.Evidence)})
	case "downtime.start":
		b.openDown = &Window{Step: d.Step, Start: rec.Time}
	case "downtime.stop":
		w := Window{Step: d.Step, Stop: rec.Time, Duration: d.DurationNS}
		if b.openDown != nil {
			w.Start = b.openDown.Start
			if w.Duration == 0 {
				w.Duration = rec.Time.Sub(b.openDown.Start)
			}
		}
		b.openDown = nil
		r.Downtime.Windows = append(r.Downtime.Windows, w)
		b.sumDown += w.Duration
		b.lastTotal = d.TotalNS
	case "session.resume":
		r.Resumes = append(r.Resumes, Resume{Time: rec.Time, Operator: d.Operator, RunbookChanged: d.RunbookChanged, Accepted: d.Accepted, SHA256: d.SHA256})
	case "journal.repair":
		r.Repairs = append(r.Repairs, Repair{Time: rec.Time, DroppedBytes: d.DroppedBytes, Reason: d.Reason})
	case "session.halt":
		r.Halt = &Halt{Time: rec.Time, Step: d.Step, Reason: d.Reason}
	case "session.end":
		r.Ended, r.EndState = rec.Time, d.State
		b.endTotal = d.DowntimeTotalNS
	}
	return nil
}

func (b *builder) finish(res journal.Result) (*Report, error) {
	r := b.r
	r.Integrity, r.Records = res, res.Records
	if b.n == 0 {
		return nil, fmt.Errorf("journal %s: no intact record to report on (%s)", r.Path, res.Problem)
	}
	r.Downtime.Total = b.sumDown
	switch {
	case b.endTotal >= 0 && r.EndState != "":
		r.Downtime.Total = b.endTotal
	case b.lastTotal >= 0:
		r.Downtime.Total = b.lastTotal
	}
	if b.openDown != nil {
		r.Downtime.Open = true
		r.Downtime.Windows = append(r.Downtime.Windows, *b.openDown)
	}
	r.Suspensions = suspensions(b.suspRecs)
	r.Recording = recordingOf(r.Path, b.castRecs)
	return r, nil
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
