package checks

import (
	"fmt"
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
	Rows  []Row  `json:"rows,omitempty"`
	Raw   string `json:"raw,omitempty"`
	State string `json:"state,omitempty"`
	Error string `json:"error,omitempty"`
	// Truncated says what CapObservation dropped ("" when nothing).
	Truncated string        `json:"truncated,omitempty"`
	Latency   time.Duration `json:"latency_ns"`
	At        time.Time     `json:"at"`
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

// Caps on what one observation keeps. A probe may read more (a runaway
// command prints megabytes); the poller caps every observation before it is
// handed out, so the operator's panel, the journal and a watcher all hold the
// same capped data, and a flapping check cannot flood the journal.
const (
	// MaxValueBytes caps one field value, the raw text and the error.
	MaxValueBytes = 2 << 10
	// MaxRows caps the rows kept (replication channels, table rows).
	MaxRows = 64
	// MaxObservationBytes caps the text of a whole observation: rows past
	// it are dropped (Truncated says how many).
	MaxObservationBytes = 64 << 10
	// maxReasonValue caps a value quoted inside a verdict's reason.
	maxReasonValue = 256
)

// truncMark is appended to a capped text; it says how long the text was.
const truncMark = "…[truncated: %d bytes in all]"

// CapText returns s cut to at most max bytes (at a UTF-8 boundary), with a
// visible mark saying how long it was. Capping a capped text changes
// nothing.
func CapText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	mark := fmt.Sprintf(truncMark, len(s))
	keep := max - len(mark)
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + mark
}

// CapObservation caps o's rows, values, raw text and error (see
// MaxValueBytes, MaxRows, MaxObservationBytes). It never changes o.
func CapObservation(o Observation) Observation {
	o.Raw = CapText(o.Raw, MaxValueBytes)
	o.Error = CapText(o.Error, MaxValueBytes)
	o.State = CapText(o.State, MaxValueBytes)
	budget := MaxObservationBytes - len(o.Raw) - len(o.Error) - len(o.State)
	if o.Rows == nil {
		return o
	}
	rows := make([]Row, 0, min(len(o.Rows), MaxRows))
	for i, r := range o.Rows {
		if i >= MaxRows {
			break
		}
		cr := Row{Key: CapText(r.Key, MaxValueBytes), Fields: make([]Field, len(r.Fields))}
		size := len(cr.Key)
		for j, f := range r.Fields {
			f.Value = CapText(f.Value, MaxValueBytes)
			size += len(f.Name) + len(f.Value)
			cr.Fields[j] = f
		}
		if size > budget && len(rows) > 0 {
			break
		}
		budget -= size
		rows = append(rows, cr)
	}
	if dropped := len(o.Rows) - len(rows); dropped > 0 {
		o.Truncated = fmt.Sprintf("%d of %d rows not kept (at most %d rows and %d bytes are kept)", dropped, len(o.Rows), MaxRows, MaxObservationBytes)
	}
	o.Rows = rows
	return o
}

// CapVerdict caps the actual values and the reason of a verdict the same way.
func CapVerdict(v Verdict) Verdict {
	v.Reason = CapText(v.Reason, MaxValueBytes)
	if v.Fields == nil {
		return v
	}
	fs := make([]FieldVerdict, len(v.Fields))
	for i, f := range v.Fields {
		f.Actual = CapText(f.Actual, MaxValueBytes)
		f.Expected = CapText(f.Expected, MaxValueBytes)
		fs[i] = f
	}
	v.Fields = fs
	return v
}

// CapResult caps a result's observation and verdict.
func CapResult(r Result) Result {
	r.Obs = CapObservation(r.Obs)
	r.Verdict = CapVerdict(r.Verdict)
	return r
}
