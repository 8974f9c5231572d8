package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	const id = "20261122-021500-ab12"
	path, _ := writeVerifyFixture(t, dir, id, "rehearsal")

	t.Run("markdown to stdout", func(t *testing.T) {
		code, out, errs := runJournalCmd("report", id, "--state-dir", dir)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, w := range []string{"# Session report: Demo runbook — REHEARSAL — not a live change", "## Overrides (0) · REHEARSAL", "CHG-1", "*\\[secret\\]*", "chain intact, 5 records"} {
			if !strings.Contains(out, w) {
				t.Errorf("report lacks %q:\n%s", w, out)
			}
		}
	})
	t.Run("html to a file", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "r.html")
		code, out, errs := runJournalCmd("report", path, "-o", dst)
		if code != ExitOK || out != "" {
			t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
		}
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.Contains(b, []byte("<title>Session report: Demo runbook — REHEARSAL")) {
			t.Errorf("not the HTML report:\n%.300s", b)
		}
		if st, _ := os.Stat(dst); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("report mode %v, want 0600", st.Mode().Perm())
		}
	})
	t.Run("tampered journal", func(t *testing.T) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		if err := os.WriteFile(bad, bytes.Replace(b, []byte(`"state":"completed"`), []byte(`"state":"completex"`), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runJournalCmd("report", bad)
		if code != ExitFindings || !strings.Contains(out, "WARNING: this journal does not verify") || !strings.Contains(errs, "line 5") {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		code ExitCode
		err  string
	}{
		{"bad format", []string{"report", path, "--format", "pdf"}, ExitUsage, "choose md or html"},
		{"missing", []string{"report", filepath.Join(dir, "none.jsonl")}, ExitError, "none.jsonl"},
		{"unwritable output", []string{"report", path, "-o", filepath.Join(dir, "no", "such", "dir", "r.md")}, ExitError, "write report"},
		{"two arguments", []string{"report", path, path}, ExitUsage, "accepts 1 arg"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runJournalCmd(tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.err) {
				t.Fatalf("exit %d (want %d), stderr %s", code, tt.code, errs)
			}
		})
	}
}
