package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
)

// TestEngineHintsNameTheStateDir: the commands the engine names in its
// messages work as printed: a session kept outside the default state
// directory is named with its --state-dir.
func TestEngineHintsNameTheStateDir(t *testing.T) {
	dir := t.TempDir()
	place := journal.Place{StateDir: dir, Path: journal.SessionPath(dir, "20261122-020000-abcd")}
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	cfg := Config{SessionID: "20261122-020000-abcd", Runbook: testRunbook(), Params: testParams(), Journal: mj, Clock: clk.Now, Place: place}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Quit(); err != nil {
		t.Fatal(err)
	}
	err = e.Next()
	if !errors.Is(err, ErrEnded) || !strings.Contains(err.Error(), "handrail resume 20261122-020000-abcd --state-dir "+dir) {
		t.Errorf("acting on a quit session: %v; want the resume command with --state-dir %s", err, dir)
	}
}
