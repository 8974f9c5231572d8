package recording

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/handrail/handrail/steps/journal"
)

func rec(typ string, data any) journal.Record {
	b, _ := json.Marshal(data)
	return journal.Record{Type: typ, Data: b}
}

func TestLabel(t *testing.T) {
	titles := map[string]string{"stop-replica": "Stop the replica"}
	tests := []struct {
		rec  journal.Record
		want string
	}{
		{rec("step.enter", map[string]any{"step": "stop-replica", "title": "Stop the replica"}), "step stop-replica: Stop the replica"},
		{rec("step.enter", map[string]any{"step": "mirror@tc1", "title": "Mirror tc1", "item": "tc1"}), "step mirror@tc1: Mirror tc1"},
		{rec("gate.open", map[string]any{"step": "s"}), "s: gate open, every check passed"},
		{rec("action.start", map[string]any{"step": "s", "describe": "STOP SLAVE"}), "s: action started: STOP SLAVE"},
		{rec("action.end", map[string]any{"step": "s", "result": map[string]any{"exit_code": 0}}), "s: action ok"},
		{rec("action.end", map[string]any{"step": "s", "result": map[string]any{"exit_code": 2}}), "s: action failed: exit status 2"},
		{rec("action.end", map[string]any{"step": "s", "result": map[string]any{"error": "refused"}}), "s: action failed: refused"},
		{rec("action.end", map[string]any{"step": "s", "result": map[string]any{"error": "dial tcp: refused", "exit_code": 1, "unreachable": true}}),
			"s: action not run, the target could not be reached: dial tcp: refused"},
		{rec("action.interrupted", map[string]any{"step": "s", "cause": "SIGTERM", "stopped": "killed its process group (SIGKILL) after a 5s grace period"}),
			"s: action interrupted (SIGTERM): killed its process group (SIGKILL) after a 5s grace period"},
		{rec("session.continue", map[string]any{"step": "s", "reason": "the replica stopped once retried by hand", "operator": map[string]any{"name": "Bo"}}),
			"s: CONTINUED after the halt by Bo: the replica stopped once retried by hand"},
		{rec("override", map[string]any{"step": "s", "category": "known-issue", "reason": "lag"}), "s: OVERRIDE (known-issue): lag"},
		{rec("note", map[string]any{"step": "s", "text": "two\nlines \x1b[2J"}), `s: note: two\nlines \x1b[2J`},
		{rec("manual.tick", map[string]any{"step": "s", "check": "c", "ticked": true}), "s: ticked c"},
		{rec("manual.tick", map[string]any{"step": "s", "check": "c", "ticked": false}), "s: unticked c"},
		{rec("action.attest", map[string]any{"step": "s", "outcome": "succeeded", "text": "seen"}), "s: attested the interrupted action: succeeded: seen"},
		{rec("session.resume", map[string]any{"operator": map[string]any{"name": "Bo"}}), "resumed by Bo at step stop-replica (Stop the replica)"},
		{rec("session.halt", map[string]any{"step": "s", "reason": "on_fail"}), "s: HALTED: on_fail"},
		{rec("session.end", map[string]any{"state": "completed"}), "session ended: completed at step stop-replica (Stop the replica)"},
		{rec("approval.grant", map[string]any{"step": "s", "approver": map[string]any{"name": "Cy"}, "reason": "seen the panel"}), "s: approval.grant by Cy: seen the panel"},
		{rec("approval.request", map[string]any{"by": "Ana"}), "stop-replica: approval.request by Ana"},
		{rec("approval.decision", map[string]any{"step": "s", "decision": "rejected", "approver": "Cy"}), "s: approval.decision rejected by Cy"},
		{rec("check.status", map[string]any{"step": "s"}), ""},
		{rec("step.done", map[string]any{"step": "s"}), ""},
		{rec("recording.checkpoint", map[string]any{}), ""},
	}
	for _, tt := range tests {
		if got := Label(tt.rec, titles, "stop-replica"); got != tt.want {
			t.Errorf("Label(%s %s) = %q, want %q", tt.rec.Type, tt.rec.Data, got, tt.want)
		}
	}
}

func TestLabelIsClipped(t *testing.T) {
	long := strings.Repeat("ü", 500)
	got := Label(rec("note", map[string]any{"step": "s", "text": long}), nil, "")
	if utf8.RuneCountInString(got) != maxLabel || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Fatalf("%d runes: %q", utf8.RuneCountInString(got), got)
	}
}

func TestInterrupted(t *testing.T) {
	if got := Interrupted("s\x1b", nil); got != `interrupted at step s\x1b` {
		t.Error(got)
	}
}
