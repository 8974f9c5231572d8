package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/handrail/handrail/rehearsal"
)

// TestWriteDebriefNeverFollowsASymlink: a symbolic link left in the state
// directory where a debrief goes is refused; the file it points to is never
// written (docs/journal.md: every file there is opened without following a
// link). A debrief already there is replaced, mode 0600.
func TestWriteDebriefNeverFollowsASymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "20261122-020000-beef.jsonl")
	md, html := debriefPaths(path)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := rehearsal.Grade{Session: "20261122-020000-beef", Operator: "Trainee"}
	for _, link := range []string{md, html} {
		if err := os.Symlink(victim, link); err != nil {
			t.Fatal(err)
		}
		_, _, err := writeDebrief(g, path)
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("writeDebrief with %s a symlink: %v", filepath.Base(link), err)
		}
		if got, _ := os.ReadFile(victim); string(got) != "precious\n" {
			t.Fatalf("the debrief was written through a symbolic link: victim now %q", got)
		}
		if err := os.Remove(link); err != nil {
			t.Fatal(err)
		}
		if link == md {
			// Let the .md through so that the .html is tried next.
			if err := os.WriteFile(md, []byte("old, much longer than the new debrief "+strings.Repeat("x", 1<<16)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := writeDebrief(g, path); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{md, html} {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want a regular file 0600", filepath.Base(p), st.Mode())
		}
	}
	if b, _ := os.ReadFile(md); strings.Contains(string(b), "much longer") || !strings.Contains(string(b), "Trainee") {
		t.Errorf("the old debrief was not replaced:\n%.200s", b)
	}
}
