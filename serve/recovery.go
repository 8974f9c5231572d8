package serve

import (
	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/tui"
)

// The recovery paths (tui.Recoverer) for the driving operator's console:
// the on_fail goto, continuing a suspension, re-entering a password. A
// watcher's are refused (read-only), like every request that changes the
// session.

var _ tui.Recoverer = (*consoleRT)(nil)

// Goto is the driver's confirmed on_fail goto.
func (rt *consoleRT) Goto(step string) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Goto(step))
}

// Continue is the driver's end of a suspension, with a reason.
func (rt *consoleRT) Continue(reason string) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.Continue(reason))
}

// SetCredentials is the driver's re-entered password (never journaled).
func (rt *consoleRT) SetCredentials(target string, password checks.Secret) (tui.Snapshot, error) {
	if !rt.driver {
		return rt.readOnly()
	}
	return rt.done(rt.h.live.SetCredentials(target, password))
}
