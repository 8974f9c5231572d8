package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// TestActionDialogKeepsTokensWhole: the action dialog lays a long
// statement out as the step's text does: a token longer than the line is
// never broken inside (no hard wrap with ↩ in the middle of the path); it
// is cut at the edge with →, and > scrolls it sideways so every character
// can be read; the target reads the same as in the step.
func TestActionDialogKeepsTokensWhole(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	snap := manyChecksSnapshot(1, now)
	path := "/opt/terracotta/bigmemory-max-4.2.1/with-a-long-directory-name-inside/server/bin/start-tc-server.sh"
	act := &checks.Action{Kind: checks.ActionCommand, Target: "db", Argv: []string{"sudo", "-u", "tc", path, "-f", "/opt/tc/tc-config.xml"}}
	snap.Steps[0].Step.Action = act
	m := step(t, New(&staticRuntime{snap: snap}, Options{Now: now, Dark: true}), tea.WindowSizeMsg{Width: 80, Height: 24})
	step0 := plain(m)
	if !strings.Contains(step0, "x runs on db (db2:3306):") {
		t.Fatalf("the step lacks its target label:\n%s", step0)
	}
	m = pressKeys(t, m, "x")
	m = armDialog(t, m)
	dlg := plain(m)
	if !strings.Contains(dlg, "handrail will run, on db (db2:3306):") {
		t.Errorf("the dialog's target does not read as the step's (db (db2:3306)):\n%s", dlg)
	}
	// The path is one token: a dialog line holds a piece of it only
	// beside the edge mark, never ending in ↩ inside it.
	seen := ""
	for _, l := range strings.Split(dlg, "\n") {
		if i := strings.Index(l, "/opt/terracotta"); i >= 0 {
			seen = l
			if strings.Contains(l, "↩") && !strings.Contains(l, path) {
				t.Errorf("the dialog breaks the path inside with ↩: %q", l)
			}
			if !strings.Contains(l, path) && !strings.Contains(l, "→") {
				t.Errorf("the path is cut without the edge mark: %q", l)
			}
		}
	}
	if seen == "" {
		t.Fatalf("the dialog does not show the path:\n%s", dlg)
	}
	if !strings.Contains(dlg, "</> scroll the command") {
		t.Errorf("the dialog does not say how to read the rest:\n%s", dlg)
	}
	// > scrolls until the end of the path shows; every character of the
	// statement is shown on some frame.
	var all strings.Builder
	all.WriteString(dlg)
	for range 10 {
		m = pressKeys(t, m, ">")
		all.WriteString(plain(m))
	}
	if !strings.Contains(all.String(), "start-tc-server.sh") || !strings.Contains(plain(m), "←") {
		t.Errorf("> did not scroll the path:\n%s", plain(m))
	}
	if m.dialog == nil {
		t.Fatal("> closed the dialog")
	}
	for _, l := range strings.Split(plain(m), "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("a line is wider than the terminal: %q", l)
		}
	}
	m = pressKeys(t, m, "<", "<", "<", "<", "<", "<", "<", "<", "<", "<")
	if plain(m) != dlg {
		t.Errorf("< did not scroll back to the start:\n%s", plain(m))
	}
}
