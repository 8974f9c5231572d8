package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCheckTeam(t *testing.T) {
	state := t.TempDir()
	code, out, errOut := runCLI(t, "", "serve", "--check-team", "../deploy/team.example.yaml", "--state-dir", state)
	if code != ExitOK || !strings.Contains(out, "Bob Roe: operator, approver (1 key(s))") {
		t.Errorf("check of the example team: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "serve", "--check-team", "../serve/testdata/team/bad-roles.yaml", "--state-dir", state)
	if code != ExitFindings || !strings.Contains(out, `bad-roles.yaml:4:23: team file: person "alice": role "admin"`) {
		t.Errorf("check of a team with findings: %d\n%s", code, out)
	}
	// A site policy with findings is reported too.
	if err := os.WriteFile(filepath.Join(state, "policy.yaml"), []byte("approval:\n  live_overrides: sometimes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", "serve", "--check-team", "../deploy/team.example.yaml", "--state-dir", state)
	if code != ExitFindings || !strings.Contains(out, `policy.yaml:2:19: site policy: approval: key "live_overrides": want "required"`) {
		t.Errorf("check with a bad site policy: %d\n%s", code, out)
	}
	code, _, errOut = runCLI(t, "", "serve", "--state-dir", state)
	if code != ExitUsage || !strings.Contains(errOut, "--team FILE is required") {
		t.Errorf("serve without --team: %d %q", code, errOut)
	}
}

// TestServiceUnitRunsAsWritten: the systemd unit shipped in deploy/ runs
// handrail serve with flags it has.
func TestServiceUnitRunsAsWritten(t *testing.T) {
	b, err := os.ReadFile("../deploy/handrail-serve.service")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || (k != "ExecStart" && k != "ExecStartPre") {
			continue
		}
		n++
		args := strings.Fields(v)
		if len(args) < 2 || filepath.Base(args[0]) != "handrail" || args[1] != "serve" {
			t.Fatalf("%s does not run handrail serve: %s", k, v)
		}
		cmd := newServeCmd(IO{})
		if err := cmd.ParseFlags(args[2:]); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if n != 2 {
		t.Errorf("want ExecStartPre and ExecStart, found %d", n)
	}
}
