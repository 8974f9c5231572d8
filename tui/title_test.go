package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps"
)

// TestWindowTitleCarriesNoControl: a runbook's title and id become the
// terminal's window title (an OSC escape's payload); a BEL or ESC in them
// would end that escape and let the rest run as terminal control.
func TestWindowTitleCarriesNoControl(t *testing.T) {
	hostile := "Upgrade\x07\x1b]0;PWN\x07\x1b[2J\u202e"
	snap := manyChecksSnapshot(1, time.Now())
	rb := *snap.Runbook
	rb.Title = hostile
	snap.Runbook = &rb
	title := New(&staticRuntime{snap: snap}, Options{Dark: true}).View().WindowTitle
	form := NewForm(FormConfig{Runbook: &steps.Runbook{ID: "rb\x1b]0;PWN\x07", Title: hostile}}).View().WindowTitle
	for name, got := range map[string]string{"console": title, "form": form} {
		if strings.ContainsAny(got, "\x07\x1b\u202e") {
			t.Errorf("%s window title carries control characters: %q", name, got)
		}
		if !strings.Contains(got, "PWN") {
			t.Errorf("%s window title lost the text it should show escaped: %q", name, got)
		}
	}
}

// TestHeaderCarriesNoControl: the operator's name and the scenario's are a
// person's and a file's words: an escape in them is shown, never run (an
// SGR could paint "GATE OPEN" green in the header).
func TestHeaderCarriesNoControl(t *testing.T) {
	snap := manyChecksSnapshot(1, time.Now())
	snap.Operator = "Eve\x1b[42m GATE OPEN: every check passes \x1b[0m\u202e"
	snap.Rehearsal, snap.Scenario = true, "happy\x1b[8m"
	m := New(&staticRuntime{snap: snap}, Options{Dark: true})
	m.width, m.height = 200, 50
	out := m.Render()
	for _, raw := range []string{"\x1b[42m", "\x1b[8m", "\u202e"} {
		if strings.Contains(out, raw) {
			t.Errorf("the header emits %q raw", raw)
		}
	}
	if !strings.Contains(out, `\x1b[42m`) {
		t.Errorf("the operator's escape is not shown as text:\n%s", out)
	}
}
