package checks

import (
	"context"
	"time"

	"github.com/handrail/handrail/checks/internal/proc"
)

// ActionProcess identifies the process group an action runs in (its own:
// the child leads it), so that after a crash a resumed session can tell
// whether the action is still running. StartTicks and BootID tell the
// leader apart from a later process that reuses its pid.
type ActionProcess struct {
	PID  int `json:"pid"`
	PGID int `json:"pgid"`
	// Started is when the process was started (this machine's clock).
	Started time.Time `json:"started"`
	// StartTicks is the leader's start time in clock ticks since boot
	// (Linux: /proc/<pid>/stat); 0 when unknown.
	StartTicks uint64 `json:"start_ticks,omitempty"`
	// BootID is the boot the process started in; "" when unknown.
	BootID string `json:"boot_id,omitempty"`
}

type processHookKey struct{}

// WithProcessHook returns ctx carrying fn: a driver that runs an action as
// a child process calls ReportProcess with it as soon as the child runs.
func WithProcessHook(ctx context.Context, fn func(ActionProcess)) context.Context {
	return context.WithValue(ctx, processHookKey{}, fn)
}

// ReportProcess tells ctx's process hook (if any) that the child pid,
// leader of its own process group, has started.
func ReportProcess(ctx context.Context, pid int) {
	fn, _ := ctx.Value(processHookKey{}).(func(ActionProcess))
	if fn == nil {
		return
	}
	p := ActionProcess{PID: pid, PGID: pid, Started: time.Now().UTC()}
	p.StartTicks, p.BootID, _ = proc.Identify(pid)
	fn(p)
}

// ProcessGroupAlive reports whether p's process group still has a process
// in it (false where that cannot be known: a platform without process
// groups).
func ProcessGroupAlive(p ActionProcess) bool {
	return proc.GroupAlive(p.PGID, p.StartTicks, p.BootID)
}
