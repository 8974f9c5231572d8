package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs handrail with args and returns stdout, stderr and the exit
// code.
func runHandrail(t *testing.T, args ...string) (string, string, ExitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

func TestLint(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "id: good\ntitle: Good\nsteps:\n  - {id: a, title: A}\n")
	write(bad, "id: bad\ntitle: Bad\nsteps:\n  - id: a\n    title: A\n    chekcs: []\n    on_fail: {goto: nowhere}\n")

	tests := []struct {
		name     string
		args     []string
		code     ExitCode
		stdout   string
		inStderr string
	}{
		{"clean", []string{"lint", good}, ExitOK, "", "lint: 1 file, no findings"},
		{"findings", []string{"lint", good, bad}, ExitFindings,
			bad + `:6:5: step "a": unknown key "chekcs" (did you mean "checks"?)` + "\n" +
				bad + `:7:21: step "a": on_fail: goto "nowhere" names no step` + "\n",
			"lint: 2 findings in 1 of 2 files"},
		{"unreadable", []string{"lint", filepath.Join(dir, "missing.yaml")}, ExitError, "", "no such file"},
		{"no args", []string{"lint"}, ExitUsage, "", "give at least one FILE"},
		{"bundled", []string{"lint", "--bundled"}, ExitOK, "", "no findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runHandrail(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if out != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.stdout)
			}
			if !strings.Contains(errOut, tt.inStderr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.inStderr)
			}
		})
	}
}

func TestLintInvalidFixtures(t *testing.T) {
	files, _ := filepath.Glob("../steps/testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		out, _, code := runHandrail(t, "lint", f)
		want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		// The goldens name files relative to steps/.
		if code != ExitFindings || strings.ReplaceAll(out, "../steps/", "") != string(want) {
			t.Errorf("%s: exit %d, stdout:\n%s\nwant:\n%s", f, code, out, want)
		}
	}
}

func TestList(t *testing.T) {
	out, errOut, code := runHandrail(t, "list")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "STEPS") || !strings.Contains(lines[0], "TITLE") {
		t.Fatalf("no table:\n%s", out)
	}
	jsonOut, _, code := runHandrail(t, "list", "--json")
	if code != ExitOK {
		t.Fatalf("list --json exit %d", code)
	}
	var entries []listEntry
	if err := json.Unmarshal([]byte(jsonOut), &entries); err != nil {
		t.Fatalf("%v\n%s", err, jsonOut)
	}
	if len(entries) != len(lines)-1 {
		t.Fatalf("json has %d runbooks, table %d", len(entries), len(lines)-1)
	}
	for i, e := range entries {
		if e.ID == "" || e.Title == "" || e.Steps == 0 || len(e.SHA256) != 64 {
			t.Errorf("entry %+v is incomplete", e)
		}
		if f := strings.Fields(lines[i+1]); f[0] != e.ID {
			t.Errorf("table row %d is %q, json says %q", i, f[0], e.ID)
		}
		if i > 0 && entries[i-1].ID >= e.ID {
			t.Errorf("not sorted by id: %s before %s", entries[i-1].ID, e.ID)
		}
	}
	if _, _, code := runHandrail(t, "list", "extra"); code != ExitUsage {
		t.Errorf("list with an argument: exit %d, want usage", code)
	}
}
