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
