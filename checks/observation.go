package checks

import "time"

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
}

// Status is where a polled check stands, taking `within` and `stable_for`
// into account.
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
	// StatusFail: they do not hold and the `within` deadline has passed.
	StatusFail
)

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
	Left time.Duration `json:"left_ns,omitempty"`
}
