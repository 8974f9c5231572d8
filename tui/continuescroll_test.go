package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// TestContinueDialogReadsWhole: at 80x24 the continue dialog's halt reason
// and check list are longer than the box: nothing of them is cut with
// "…"; pgup/pgdn scroll through them, and back to the reason.
func TestContinueDialogReadsWhole(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	var cvs []CheckView
	for _, id := range []string{"replica-running", "replica-lag", "replica-errors", "primary-binlog"} {
		cvs = append(cvs, CheckView{Check: checks.Check{ID: id, Kind: checks.KindMySQLReplica, Target: "db"}, HasResult: true,
			Result: checks.Result{Step: "many", CheckID: id, Status: checks.StatusFail, Obs: checks.Observation{At: now,
				Error: "error connecting to master 'repl@10.0.0.5:3306' - retry-time: 60 retries: 3 message: Can't connect " + id + "-END"}}})
	}
	snap := oneStepSnapshot(cvs)
	reason := strings.Repeat("check replica-running failed and the runbook says to halt: refer to your Database Administrator; ", 4) + "END-OF-REASON"
	snap.Recovery = RecoveryView{Suspended: true, HaltStep: "many", HaltReason: reason}
	m := New(&recoveringRuntime{staticRuntime{snap: snap}}, Options{Now: now, ASCII: true})
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	var d dialog = newContinueDialog(m.snap, m.styles)
	d = d.resize(m.dialogWidth(), m.bodyHeight()).arm()
	first := ansi.Strip(d.view())
	if !strings.Contains(first, "Why is it safe to go on?") || !strings.Contains(first, "pgup/pgdn") {
		t.Fatalf("the dialog does not open on the reason, or does not say how to read the rest:\n%s", first)
	}
	if h := strings.Count(first, "\n") + 1; h > m.bodyHeight() {
		t.Fatalf("the dialog is %d lines tall, the body %d", h, m.bodyHeight())
	}
	seen := first
	for range 12 {
		d, _, _ = d.update(tea.KeyPressMsg{Code: tea.KeyPgUp})
		seen += "\n" + ansi.Strip(d.view())
	}
	for range 12 {
		d, _, _ = d.update(tea.KeyPressMsg{Code: tea.KeyPgDown})
		seen += "\n" + ansi.Strip(d.view())
	}
	words := strings.Join(strings.Fields(strings.NewReplacer("│", " ", "|", " ").Replace(seen)), " ")
	for _, want := range []string{"Administrator; END-OF-REASON", "replica-running-END", "replica-lag-END", "primary-binlog-END"} {
		if !strings.Contains(words, want) {
			t.Errorf("scrolling never showed %q:\n%s", want, seen)
		}
	}
	if strings.Contains(seen, "…") {
		t.Errorf("something is cut with …:\n%s", seen)
	}
	if last := ansi.Strip(d.view()); !strings.Contains(last, "Why is it safe to go on?") {
		t.Errorf("pgdn to the end does not come back to the reason:\n%s", last)
	}
}
