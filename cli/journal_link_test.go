package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSymlinkedJournalRefusedEverywhere: X.jsonl, a link to another
// session's journal, is refused by verify, report, watch and resume as
// sessions refuses it: never followed, so it cannot pass for session X.
func TestSymlinkedJournalRefusedEverywhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	dir := t.TempDir()
	other := quitSecretSession(t, dir)
	const x = "20991231-000000-fake"
	if err := os.Symlink(filepath.Join(dir, other+".jsonl"), filepath.Join(dir, x+".jsonl")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HANDRAIL_PARAM_API_TOKEN", tokenValue)
	for _, args := range [][]string{
		{"verify", x},
		{"report", x},
		{"watch", x},
		{"resume", x, "--plain"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, out, errs := runCLI(t, "quit\n", append(args, "--state-dir", dir)...)
			if code == ExitOK || !strings.Contains(errs, "is a symbolic link: handrail never follows a link") {
				t.Errorf("code %d, want a refusal naming the link:\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
		})
	}
	_, out, _ := runCLI(t, "", "sessions", "--state-dir", dir)
	if !strings.Contains(out, "symbolic link") {
		t.Errorf("sessions no longer refuses the link:\n%s", out)
	}
}
