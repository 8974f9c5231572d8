package serve

import (
	"errors"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// TestRecoveryThroughConsoles: the driving operator's console reaches the
// session's recovery paths (a re-entered password goes on the record, the
// engine answers a goto or a continue it cannot take); a watcher's console
// is refused, read-only, and nothing it tried is journaled.
func TestRecoveryThroughConsoles(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	defer hs.Close("")
	drv := newConsoleRT(hs, who(alice, "alice"), alice, true)
	obs := newConsoleRT(hs, who(carol, "carol"), carol, false)
	var _ tui.Recoverer = drv

	if _, err := obs.SetCredentials("slave", checks.NewSecret("Watcher-Pw-1")); !errors.Is(err, tui.ErrReadOnly) {
		t.Errorf("a watcher's password: %v, want read-only", err)
	}
	if _, err := obs.Goto("backup"); !errors.Is(err, tui.ErrReadOnly) {
		t.Errorf("a watcher's goto: %v, want read-only", err)
	}
	if _, err := obs.Continue("the watcher wants to go on now"); !errors.Is(err, tui.ErrReadOnly) {
		t.Errorf("a watcher's continue: %v, want read-only", err)
	}
	if n := count(journalTypes(t, hs.Path), session.EvCredentials); n != 0 {
		t.Fatalf("a watcher's password went on the record (%d)", n)
	}

	if _, err := drv.SetCredentials("slave", checks.NewSecret("Driver-Pw-2")); err != nil {
		t.Fatalf("the driver's password: %v", err)
	}
	if n := count(journalTypes(t, hs.Path), session.EvCredentials); n != 1 {
		t.Errorf("%d credentials.reentered after the driver's password, want 1", n)
	}
	if _, err := drv.Goto("backup"); err == nil || !strings.Contains(err.Error(), "offers no goto now") {
		t.Errorf("the driver's goto with none offered: %v", err)
	}
	if _, err := drv.Continue("nothing to continue here"); err == nil || !strings.Contains(err.Error(), "not suspended") {
		t.Errorf("the driver's continue of a running session: %v", err)
	}
}
