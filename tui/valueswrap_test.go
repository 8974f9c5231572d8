package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// TestValuesViewerWrapsLongLines: at 80x24 the values viewer (enter) shows
// a manual item's long attestation, a long check title and a long
// expectation whole, wrapped, never cut at the screen's edge; a line that
// goes on below ends with ↩.
func TestValuesViewerWrapsLongLines(t *testing.T) {
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	attest := "A complete backup of ThinMan Server and of its database exists, taken with the IT manager's procedure. END-OF-ATTEST"
	title := "The replica's threads are both stopped, and neither of them reports an error of any kind at all TITLE-END"
	want := strings.Repeat("x", 20) + " or " + strings.Repeat("y", 20) + " or a value that is rather long EXPECT-END"
	manual := CheckView{Check: checks.Check{ID: "backup-done", Kind: checks.KindManual, Attest: attest}}
	polled := CheckView{Check: checks.Check{ID: "replica-stopped", Title: title, Kind: checks.KindMySQLReplica, Target: "db"},
		HasResult: true, Result: checks.Result{Step: "many", CheckID: "replica-stopped", Status: checks.StatusWaiting, Obs: checks.Observation{At: now},
			Verdict: checks.Verdict{Fields: []checks.FieldVerdict{{Field: "Slave_IO_Running", Expected: "= " + want, Actual: "Yes"}}}}}
	m := New(&staticRuntime{snap: oneStepSnapshot([]CheckView{manual, polled})}, Options{Dark: true, Now: now})
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m = step(t, m, tea.KeyPressMsg{Code: tea.KeyEnter})
	if m.values == nil {
		t.Fatal("enter did not open the values viewer")
	}
	lines, _ := m.valuesText(max(20, m.width-2))
	var all []string
	for _, l := range lines {
		p := plainLine(l)
		if w := len([]rune(p)); w > 78 {
			t.Errorf("a line of %d columns is cut at the edge: %q", w, p)
		}
		all = append(all, p)
	}
	text := strings.Join(all, "\n")
	words := strings.Join(strings.Fields(strings.ReplaceAll(text, "↩", " ")), " ")
	for _, w := range []string{attest, title, want} {
		if !strings.Contains(words, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("the viewer does not show %q whole:\n%s", w, text)
		}
	}
	if !strings.Contains(text, "↩") {
		t.Errorf("no line says it goes on below (↩):\n%s", text)
	}
	// What the screen shows: scrolled to the end, everything was on it.
	var seen strings.Builder
	m = step(t, m, tea.KeyPressMsg{Code: tea.KeyHome})
	for range 10 {
		seen.WriteString(plain(m))
		m = step(t, m, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	if s := strings.Join(strings.Fields(strings.ReplaceAll(seen.String(), "↩", " ")), " "); !strings.Contains(s, "END-OF-ATTEST") || !strings.Contains(s, "TITLE-END") || !strings.Contains(s, "EXPECT-END") {
		t.Errorf("the screen never showed the ends of the long lines:\n%s", seen.String())
	}
}

func plainLine(s string) string { return strings.TrimRight(ansi.Strip(s), " ") }
