package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// TestSuspendedRefusesTheActionWithoutADialog: while the session is
// suspended the engine refuses the step's action, so the footer does not
// offer x, and x says why at once instead of opening a confirmation that
// would end in "action failed". Attesting an action of unknown outcome is
// still taken.
func TestSuspendedRefusesTheActionWithoutADialog(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	s := manyChecksSnapshot(1, now)
	s.Steps[0].Step.Action = &checks.Action{Kind: checks.ActionMySQLExec, Target: "db", SQL: "START REPLICA"}
	console := func(s Snapshot) Model {
		m := New(&recoveringRuntime{staticRuntime{snap: s}}, Options{Now: now, ASCII: true})
		return step(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
	}
	if got := ansi.Strip(console(s).footerView()); !strings.Contains(got, "x run action") {
		t.Fatalf("the footer of a running session lacks x: %q", got)
	}

	s.Recovery = RecoveryView{Suspended: true, HaltStep: "many", HaltReason: "Last_IO_Errno 1236"}
	m := console(s)
	if got := ansi.Strip(m.footerView()); strings.Contains(got, "x ") || strings.Contains(got, "o override") || !strings.Contains(got, "C continue") {
		t.Errorf("the footer of a suspended session = %q: want C, and neither x nor o", got)
	}
	for _, k := range []tea.KeyPressMsg{{Code: 'x', Text: "x"}, {Code: 'o', Text: "o"}, {Code: 'n', Text: "n"}} {
		got := step(t, m, k)
		if got.dialog != nil {
			t.Errorf("%s opened a dialog while the session is suspended", k.String())
		}
		if got.flash != suspendedRefusal || !got.flashBad {
			t.Errorf("%s says %q, want %q", k.String(), got.flash, suspendedRefusal)
		}
	}

	s.ActionUnknown = true
	m = console(s)
	if got := ansi.Strip(m.footerView()); !strings.Contains(got, "x attest the action") {
		t.Errorf("the footer of a suspended session with an action to attest lacks x: %q", got)
	}
	if got := step(t, m, tea.KeyPressMsg{Code: 'x', Text: "x"}); got.dialog == nil {
		t.Errorf("x did not open the attestation while suspended: %q", got.flash)
	}
}
