package checks

import (
	"context"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/termtext"
)

// Driver talks to the systems behind a session's targets. The live driver
// reaches real servers (one connection pool per target, reused across
// polls); the simulator answers from a world model. Checks and actions handed
// to a Driver are already bound: no ${param} is left in them.
type Driver interface {
	// Observe runs one probe attempt. It honours ctx's deadline and never
	// panics; failures are reported in Observation.Error.
	Observe(ctx context.Context, c Check) Observation
	// Run executes an action the operator confirmed.
	Run(ctx context.Context, a Action) ActionResult
	// Close releases every connection.
	Close() error
}

// ActionResult is what an action did. Error is redacted text, "" on success.
type ActionResult struct {
	Output       string        `json:"output,omitempty"`
	ExitCode     int           `json:"exit_code"`
	RowsAffected int64         `json:"rows_affected,omitempty"`
	Error        string        `json:"error,omitempty"`
	Duration     time.Duration `json:"duration_ns"`
	// Unreachable is set when the action never reached its target: the
	// client could not connect (connection refused, no route, unknown
	// host, a timeout while connecting, ssh's own failure to log in) or
	// its client (solsql, ssh) could not start. Nothing ran, so it is not the action failing: a
	// fails_step action's on_fail does not fire, and the operator runs it
	// again once the target answers. Error says why.
	Unreachable bool `json:"unreachable,omitempty"`
}

// OK reports whether the action succeeded.
func (r ActionResult) OK() bool { return r.Error == "" && r.ExitCode == 0 }

// shellSpecial are the characters a POSIX shell splits on or expands.
const shellSpecial = " \t\n'\"\\$`;&|<>()*?[]#~{}!"

func quoteArgv(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			out[i] = a
		}
	}
	return strings.Join(out, " ")
}

// ShownArgv writes argv on one line the way a POSIX shell reads it back,
// safe on a terminal: an element with a byte a terminal cannot show
// plainly (termtext) as $'…' with escapes, an element a shell would split
// or expand as '…', any other as it is.
func ShownArgv(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		switch {
		case !termtext.IsSafe(a):
			// In $'…' a backslash and a quote are escaped; termtext's
			// escapes (\x1b, \n, \u202e) mean there what they say.
			out[i] = "$'" + termtext.Line(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(a)) + "'"
		case a == "" || strings.ContainsAny(a, shellSpecial):
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		default:
			out[i] = a
		}
	}
	return strings.Join(out, " ")
}
