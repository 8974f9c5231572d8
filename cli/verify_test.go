package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// writeJournal makes a small session journal in dir through the journal
// API and returns its path and the head after each record.
func writeVerifyFixture(t *testing.T, dir, id string, mode string) (string, []string) {
	t.Helper()
	path := journal.SessionPath(dir, id)
	at := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	clock := func() time.Time { at = at.Add(time.Second); return at }
	w, rec, err := journal.Create(path, "session.start", map[string]any{
		"session": id, "mode": mode, "ticket": "CHG-1",
		"runbook":  map[string]any{"id": "demo", "title": "Demo runbook"},
		"operator": map[string]any{"name": "Ana", "user": "ana", "host": "bastion"},
		"params":   map[string]string{"password": "[secret]"},
	}, journal.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	heads := []string{rec.Hash}
	for _, e := range []struct {
		typ  string
		data any
	}{
		{"step.enter", map[string]any{"step": "one", "title": "Step one"}},
		{"note", map[string]any{"step": "one", "text": "fine"}},
		{"step.done", map[string]any{"step": "one", "via": "manual", "duration_ns": 2e9}},
		{"session.end", map[string]any{"state": "completed"}},
	} {
		r, err := w.Append(e.typ, e.data)
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, r.Hash)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, heads
}

func runJournalCmd(args ...string) (ExitCode, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	const id = "20261122-021500-ab12"
	path, heads := writeVerifyFixture(t, dir, id, "live")
	head := heads[len(heads)-1]

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	tampered := filepath.Join(t.TempDir(), "tampered.jsonl")
	if err := os.WriteFile(tampered, bytes.Replace(b, []byte(`"text":"fine"`), []byte(`"text":"FINE"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.jsonl")
	if err := os.WriteFile(truncated, bytes.Join(lines[:4], nil), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		code ExitCode
		out  []string
		err  string
	}{
		{"intact by id", []string{"verify", id, "--state-dir", dir}, ExitOK, []string{"intact: " + path, "records: 5", "head: " + head}, ""},
		{"intact by prefix", []string{"verify", "20261122", "--state-dir", dir}, ExitOK, []string{"records: 5"}, ""},
		{"intact by file", []string{"verify", path}, ExitOK, []string{"head: " + head}, ""},
		{"anchor matches head", []string{"verify", path, "--head", head}, ExitOK, []string{"anchor: matches the head (record 5)"}, ""},
		{"older anchor", []string{"verify", path, "--head", heads[2]}, ExitOK, []string{"anchor: found at record 3; 2 records were added after it"}, ""},
		{"tampered", []string{"verify", tampered}, ExitFindings, []string{"ALTERED: " + tampered, "line 3 (claims seq 3): hash mismatch", "intact records before it: 2", "last intact head: " + heads[1]}, ""},
		{"truncated without anchor verifies", []string{"verify", truncated}, ExitOK, []string{"records: 4"}, ""},
		{"truncated with anchor", []string{"verify", truncated, "--head", head}, ExitFindings, []string{"ALTERED", "expected head"}, ""},
		{"missing file", []string{"verify", filepath.Join(dir, "nope.jsonl")}, ExitError, nil, "nope.jsonl"},
		{"unknown session", []string{"verify", "20990101", "--state-dir", dir}, ExitError, nil, "no session"},
		{"bad head", []string{"verify", path, "--head", "xyz"}, ExitUsage, nil, "--head"},
		{"no argument", []string{"verify"}, ExitUsage, nil, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runJournalCmd(tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			for _, w := range tt.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.err != "" && !strings.Contains(errs, tt.err) {
				t.Errorf("stderr lacks %q:\n%s", tt.err, errs)
			}
		})
	}
}
