package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field is one named value a probe saw, as the server printed it. Null keeps
// SQL NULL apart from the empty string (Seconds_Behind_Master NULL means "not
// replicating").
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Null  bool   `json:"null,omitempty"`
}

// Row is one set of fields: one replication channel, one table row, or the
// only row of a single-valued probe. Key names the row ("" when single).
type Row struct {
	Key    string  `json:"key,omitempty"`
	Fields []Field `json:"fields"`
}

// Get returns the named field, or ok=false.
func (r Row) Get(name string) (Field, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// States of an observation besides "answered normally".
const (
	// StateNotReplica: SHOW REPLICA STATUS returned no row.
	StateNotReplica = "not a replica"
	// StateUnreachable: the target could not be reached at all.
	StateUnreachable = "unreachable"
)

// Observation is what one probe attempt saw. Error text is already redacted:
// no secret ever appears in an observation.
type Observation struct {
	Rows    []Row         `json:"rows,omitempty"`
	Raw     string        `json:"raw,omitempty"`
	State   string        `json:"state,omitempty"`
	Error   string        `json:"error,omitempty"`
	Latency time.Duration `json:"latency_ns"`
	At      time.Time     `json:"at"`
}

// FieldVerdict is one expectation judged against one row's field, so a panel
// can show expected beside actual.
type FieldVerdict struct {
	Row      string `json:"row,omitempty"`
	Field    string `json:"field"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Null     bool   `json:"null,omitempty"`
	Missing  bool   `json:"missing,omitempty"`
	Pass     bool   `json:"pass"`
	// FailWhen marks a verdict on one of the check's fail_when conditions:
	// Expected is "fail when …", and Pass is false when the condition
	// matched (the value means failure at once). A field the server did not
	// return never matches (Missing, Pass).
	FailWhen bool `json:"fail_when,omitempty"`
}

// Shown is the actual value as every view prints it: the server's text,
// "NULL" for SQL NULL, "(missing)" for a field the server did not return.
func (f FieldVerdict) Shown() string {
	switch {
	case f.Missing:
		return "(missing)"
	case f.Null:
		return "NULL"
	}
	return f.Actual
}

// Why says in words why the field fails, with its whole value (a
// Verdict's Reason quotes a value capped and names only the first failing
// field): "Last_IO_Errno: is "1236", expected = 0". "" when it passes.
func (f FieldVerdict) Why() string {
	if f.Pass {
		return ""
	}
	name := f.Field
	if f.Row != "" {
		name = f.Row + ": " + f.Field
	}
	v := strconv.Quote(f.Actual)
	if f.Null {
		v = "NULL"
	}
	switch {
	case f.Missing:
		return fmt.Sprintf("%s: not returned by the server (expected %s)", name, f.Expected)
	case f.FailWhen:
		return fmt.Sprintf("%s: is %s, which the runbook says is a failure (%s)", name, v, f.Expected)
	}
	return fmt.Sprintf("%s: is %s, expected %s", name, v, f.Expected)
}

// Verdict is an observation judged against a check's expectations. Reason
// says in words why it failed ("" when it passed).
type Verdict struct {
	Pass   bool           `json:"pass"`
	Fields []FieldVerdict `json:"fields,omitempty"`
	Reason string         `json:"reason,omitempty"`
	// Final is set when a fail_when condition matched: the data says the
	// check has failed, and no deadline is waited out.
	Final bool `json:"final,omitempty"`
}

// Status is where a polled check stands, taking `within` and `stable_for`
// into account. The numbers are stable (older journals may hold them):
// a new status is only ever added at the end.
type Status int

const (
	// StatusPending: no answer yet.
	StatusPending Status = iota
	// StatusPass: the expectations hold (and have held for stable_for).
	StatusPass
	// StatusHolding: they hold, but not yet for stable_for.
	StatusHolding
	// StatusWaiting: they do not hold yet, and the `within` deadline has not
	// passed (or the check has no deadline).
	StatusWaiting
	// StatusFail: data contradicts the expectations: they do not hold and
	// the `within` deadline has passed, or a fail_when condition matched.
	StatusFail
	// StatusUnreachable: the probe got no data at all (it could not
	// connect, timed out, was refused authentication, could not resolve the
	// host or start the client). It is never a failure: a deadline that
	// passes without data fires no on_fail, and the `within` clock stops
	// until data comes back. Result.Since says since when.
	StatusUnreachable
)

// Statuses lists every status, in number order.
var Statuses = []Status{StatusPending, StatusPass, StatusHolding, StatusWaiting, StatusFail, StatusUnreachable}

// ParseStatus is the inverse of String; unknown text is StatusPending.
func ParseStatus(s string) Status {
	for _, st := range Statuses {
		if st.String() == s {
			return st
		}
	}
	return StatusPending
}

func (s Status) String() string {
	switch s {
	case StatusPass:
		return "pass"
	case StatusHolding:
		return "holding"
	case StatusWaiting:
		return "waiting"
	case StatusFail:
		return "fail"
	case StatusUnreachable:
		return "unreachable"
	default:
		return "pending"
	}
}

// Result is one poll of one check, tagged with the check and the poller
// generation so a late answer from an earlier attempt cannot overwrite a
// fresher one.
type Result struct {
	Step    string      `json:"step"`
	CheckID string      `json:"check"`
	Gen     uint64      `json:"gen"`
	Obs     Observation `json:"observation"`
	Verdict Verdict     `json:"verdict"`
	Status  Status      `json:"status"`
	// Held is how long the expectations have held continuously.
	Held time.Duration `json:"held_ns,omitempty"`
	// Left is the time left before the `within` deadline (0 when none).
	// Time spent unreachable does not count against it.
	Left time.Duration `json:"left_ns,omitempty"`
	// Since is when the check became unreachable (set only while Status is
	// StatusUnreachable): how long the target has been out of reach.
	Since time.Time `json:"since,omitzero"`
}

// Unreachable reports whether an observation carries no data to judge: the
// probe failed (Error) or the target could not be reached (State
// StateUnreachable). Rows it carries anyway are shown, never judged as an
// answer.
func (o Observation) Unreachable() bool {
	return o.Error != "" || o.State == StateUnreachable
}

// Caps on what one probe attempt keeps. A server or a command can answer
// with any amount of text; a panel, the journal and a report need the
// answer, bounded. The live driver caps each observation after redaction
// (so a secret is never cut in two before it is scrubbed), and the poller
// caps every result it hands out (CapResult), so the operator's panel, the
// journal and a watcher all hold the same data and a flapping check cannot
// flood the journal.
const (
	// MaxRows is how many rows a probe reads: replication channels, table
	// lines, result rows. An answer with more rows keeps the first MaxRows
	// and fails with an Error that says how many there were (a row that was
	// never read could be the one that fails).
	MaxRows = 64
	// MaxValueBytes caps one field value, a row key, the Error and the
	// State.
	MaxValueBytes = 2 << 10
	// MaxRawBytes caps the raw text (a command's output, solsql's answer).
	MaxRawBytes = 2 << 10
	// MaxObservationBytes caps a whole observation: names, values, raw
	// text, error and state. Past it, fields the check does not name are
	// dropped (a last field TruncatedField says how many); fields the check
	// names are always kept, each within MaxValueBytes.
	MaxObservationBytes = 256 << 10
	// ProbeValueBytes is how much of a value a probe keeps while it reads,
	// before the session's redactor has seen it. It exceeds MaxValueBytes
	// by a margin, so that a secret cut in two at the probe's edge lies
	// wholly past MaxValueBytes, where Cap cuts it off after redaction.
	ProbeValueBytes = MaxValueBytes + 4<<10
)

// TruncatedField names the field Cap adds to a row whose other fields it
// dropped; its value says how many.
const TruncatedField = "…"

// truncMarker starts the suffix Truncate appends.
const truncMarker = "… [truncated: "

// Truncate returns s cut to at most max bytes of its text (at a UTF-8
// boundary) followed by "… [truncated: N bytes]", N the bytes cut off; s
// itself when it fits. A value that already ends in such a suffix (cut
// earlier by a probe) counts those bytes too.
func Truncate(s string, max int) string {
	body, earlier := splitMarker(s)
	if len(body) <= max {
		return s // whole, or cut already and within the cap
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return body[:cut] + truncMarker + strconv.Itoa(len(body)-cut+earlier) + " bytes]"
}

// MarkTruncated is s, the start of a text of which dropped more bytes were
// never kept (a reader's cap), with the suffix Truncate writes.
func MarkTruncated(s string, dropped int) string {
	if dropped <= 0 {
		return s
	}
	body, earlier := splitMarker(s)
	return body + truncMarker + strconv.Itoa(dropped+earlier) + " bytes]"
}

// splitMarker splits a value Truncate cut into its text and the bytes cut
// off (0, s when it was not cut).
func splitMarker(s string) (string, int) {
	if !strings.HasSuffix(s, " bytes]") {
		return s, 0
	}
	i := strings.LastIndex(s, truncMarker)
	if i < 0 {
		return s, 0
	}
	n, err := strconv.Atoi(s[i+len(truncMarker) : len(s)-len(" bytes]")])
	if err != nil || n < 0 {
		return s, 0
	}
	return s[:i], n
}

// Cap bounds o by the caps above. keep reports the fields the check names
// (nil: none), which are kept whatever the budget. The live driver calls it
// after redaction, so a secret is never cut in two before it is scrubbed.
func (o *Observation) Cap(keep func(field string) bool) {
	if len(o.Rows) > MaxRows {
		n := len(o.Rows)
		o.Rows = o.Rows[:MaxRows]
		if o.Error == "" {
			o.Error = fmt.Sprintf("the answer has %d rows; handrail reads at most %d, so the check cannot judge the rest", n, MaxRows)
		}
	}
	o.Error = Truncate(o.Error, MaxValueBytes)
	o.State = Truncate(o.State, MaxValueBytes)
	o.Raw = Truncate(o.Raw, MaxRawBytes)
	budget := MaxObservationBytes - len(o.Error) - len(o.State) - len(o.Raw)
	for i := range o.Rows {
		r := &o.Rows[i]
		r.Key = Truncate(r.Key, MaxValueBytes)
		budget -= len(r.Key)
		dropped := 0
		out := r.Fields[:0]
		for _, f := range r.Fields {
			f.Name = Truncate(f.Name, MaxValueBytes)
			f.Value = Truncate(f.Value, MaxValueBytes)
			cost := len(f.Name) + len(f.Value)
			named := keep != nil && keep(f.Name)
			if !named && cost > budget {
				dropped++
				continue
			}
			budget -= cost
			out = append(out, f)
		}
		if dropped > 0 {
			out = append(out, Field{Name: TruncatedField, Value: fmt.Sprintf("[truncated: %d more fields]", dropped)})
		}
		r.Fields = out
	}
}

// maxReasonValue caps a value quoted inside a verdict's reason.
const maxReasonValue = 256

// MaxVerdictValueBytes caps the expected and actual values a verdict puts
// side by side. They repeat what the observation holds (whose fields keep
// up to MaxValueBytes): the panel shows the verdict, and the full value is
// read from the observation.
const MaxVerdictValueBytes = 1 << 10

// CapObservation returns a copy of o bounded by the caps above (o itself is
// not changed). keep reports the fields the check names (nil: none).
func CapObservation(o Observation, keep func(field string) bool) Observation {
	if o.Rows != nil {
		rows := make([]Row, len(o.Rows))
		for i, r := range o.Rows {
			rows[i] = Row{Key: r.Key, Fields: append([]Field(nil), r.Fields...)}
		}
		o.Rows = rows
	}
	o.Cap(keep)
	return o
}

// CapVerdict caps a verdict's actual and expected values
// (MaxVerdictValueBytes) and its reason (MaxValueBytes).
func CapVerdict(v Verdict) Verdict {
	v.Reason = Truncate(v.Reason, MaxValueBytes)
	if v.Fields == nil {
		return v
	}
	fs := make([]FieldVerdict, len(v.Fields))
	for i, f := range v.Fields {
		f.Actual = Truncate(f.Actual, MaxVerdictValueBytes)
		f.Expected = Truncate(f.Expected, MaxVerdictValueBytes)
		fs[i] = f
	}
	v.Fields = fs
	return v
}

// CapResult caps a result's observation (keeping the fields keep names)
// and its verdict.
func CapResult(r Result, keep func(field string) bool) Result {
	r.Obs = CapObservation(r.Obs, keep)
	r.Verdict = CapVerdict(r.Verdict)
	return r
}
