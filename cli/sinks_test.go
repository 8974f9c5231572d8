package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
)

// rawControl reports the first character of s that the sanitizing rule
// forbids on a terminal (newline and tab are layout).
func rawControl(s string) (rune, bool) {
	for _, r := range s {
		if r != '\n' && r != '\t' && termtext.Unsafe(r) {
			return r, true
		}
	}
	return 0, false
}

const hostile = "\x1b]0;PWN\a\x1b[2J\x1b[8m rm -rf /\x1b[0m\r\u202e"

// TestEverySinkShowsControlAsText runs the commands that print untrusted
// text (a runbook's strings, a journal's fields, an argument echoed in an
// error) with hostile text in each, and checks that no control character
// reaches stdout or stderr raw, while the text itself stays visible.
func TestEverySinkShowsControlAsText(t *testing.T) {
	const id = "20261122-021500-ab12"
	evilDir := t.TempDir()
	evilPath := writeHostileJournal(t, evilDir, id)

	rbPath := filepath.Join(t.TempDir(), "evil.yaml")
	rb := "id: evil\ntitle: \"Evil \\e[2J title\"\nsource: 000_2a14902bc82cd9e4.txt\nsections:\n  - title: One\n    steps:\n      - id: one\n        title: \"Step \\e]0;PWN\\a\"\n        body: \"text \\e[8m hidden\"\n"
	if err := os.WriteFile(rbPath, []byte(rb), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := [][]string{
		{"show", rbPath},
		{"lint", rbPath},
		{"show", "no-such-runbook" + hostile},
		{"sessions", "--state-dir", evilDir},
		{"report", evilPath},
		{"report", id, "--state-dir", evilDir},
		{"verify", evilPath},
		{"resume", "bad-id" + hostile},
		{"run", "missing" + hostile + ".yaml"},
	}
	for _, args := range cases {
		code, out, errs := runJournalCmd(args...)
		for name, s := range map[string]string{"stdout": out, "stderr": errs} {
			if r, bad := rawControl(s); bad {
				t.Errorf("handrail %s (exit %d): %s carries %U raw:\n%q", strings.Join(args, " "), code, name, r, s)
			}
		}
		if strings.Contains(out+errs, "\\x1b") == false && strings.Contains(strings.Join(args, " "), "\x1b") {
			t.Errorf("handrail %s: the hostile text is not shown visibly:\n%s%s", strings.Join(args, " "), out, errs)
		}
	}
}

// writeHostileJournal writes a journal whose fields carry control
// sequences: the operator's name, the ticket, the runbook title, a step
// title, a note, a check's value and error.
func writeHostileJournal(t *testing.T, dir, id string) string {
	t.Helper()
	path := journal.SessionPath(dir, id)
	at := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	clock := func() time.Time { at = at.Add(time.Second); return at }
	w, _, err := journal.Create(path, "session.start", map[string]any{
		"session": id, "mode": "live", "ticket": "CHG-1" + hostile,
		"runbook":  map[string]any{"id": "demo", "title": "Demo " + hostile},
		"operator": map[string]any{"name": "Ana" + hostile, "user": "ana", "host": "bastion"},
		"params":   map[string]string{"dir": "/tmp" + hostile},
	}, journal.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		typ  string
		data any
	}{
		{"step.enter", map[string]any{"step": "one", "title": "Step " + hostile}},
		{"check.status", map[string]any{"step": "one", "check": "io", "status": "fail",
			"verdict":     map[string]any{"pass": false, "fields": []map[string]any{{"field": "Last_IO_Error", "expected": "= ", "actual": hostile}}},
			"observation": map[string]any{"error": "Last_IO_Error: " + hostile, "at": at}}},
		{"note", map[string]any{"step": "one", "text": "note " + hostile}},
		{"override", map[string]any{"step": "one", "checks": []string{"io"}, "category": "other", "reason": "reason " + hostile}},
		{"step.done", map[string]any{"step": "one", "via": "override", "duration_ns": 2e9}},
		{"session.end", map[string]any{"state": "completed"}},
	} {
		if _, err := w.Append(e.typ, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportFileCarriesNoControl: a Markdown report written to a file (-o)
// is as safe to `cat` as the report on stdout.
func TestReportFileCarriesNoControl(t *testing.T) {
	const id = "20261122-021500-ab12"
	dir := t.TempDir()
	path := writeHostileJournal(t, dir, id)
	for _, format := range []string{"md", "html"} {
		out := filepath.Join(t.TempDir(), "report."+format)
		if code, _, errs := runJournalCmd("report", path, "--format", format, "-o", out); code != ExitOK {
			t.Fatalf("report --format %s -o: exit %d: %s", format, code, errs)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if r, bad := rawControl(string(b)); bad {
			t.Fatalf("the %s report file carries %U raw", format, r)
		}
		if !strings.Contains(string(b), `\x1b`) {
			t.Errorf("the hostile text is not shown visibly in the %s file:\n%s", format, b)
		}
	}
}

// TestNamesForTheRecordArePlainText: --operator and --ticket are shown on
// every screen and in every report; one holding a control or bidi
// character is refused before anything starts (no journal is made).
func TestNamesForTheRecordArePlainText(t *testing.T) {
	for _, args := range [][]string{
		{"--operator", "Eve\x1b[42m GATE OPEN"},
		{"--operator", "Mallory\u202e"},
		{"--ticket", "CHG-1\r"},
	} {
		dir := t.TempDir()
		all := append([]string{"rehearse", "thinman-dual-db", "--plain", "--state-dir", dir}, args...)
		if args[0] == "--ticket" {
			all = append([]string{"run", "thinman-dual-db", "--plain", "--state-dir", dir}, args...)
		}
		code, _, errs := runCLI(t, "quit\n", all...)
		if code != ExitUsage || !strings.Contains(errs, args[0]+": character") || !strings.Contains(errs, "give plain text") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error naming the flag", args, code, errs)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(m) != 0 {
			t.Errorf("%q: a journal was made: %v", args, m)
		}
	}
}
