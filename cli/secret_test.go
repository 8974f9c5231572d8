package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tokenValue = "Tok3n-Canary-91f2"

// TestSecretParamNeverFromTheCommandLine: --param for a secret param is a
// usage error that says where the value may come from, and never echoes it.
func TestSecretParamNeverFromTheCommandLine(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	rb := filepath.Join("testdata", "run", "secret.yaml")
	code, out, errs := runCLI(t, "", "run", rb, "--state-dir", t.TempDir(), "--param", "slave_host=db2", "--param", "api_token="+tokenValue)
	if code != ExitUsage {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, want := range []string{`param "api_token" is secret`, "(ps)", "HANDRAIL_PARAM_API_TOKEN", "--param-file api_token=PATH", "masked prompt"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q: %s", want, errs)
		}
	}
	if strings.Contains(out+errs, tokenValue) {
		t.Error("the secret was echoed")
	}
}

// TestSecretParamFromEnvironmentFileOrStdin: without a terminal the secret
// comes from HANDRAIL_PARAM_<NAME>, a file, or the first line of standard
// input (the rest is plain mode's commands); it never reaches the journal.
func TestSecretParamFromEnvironmentFileOrStdin(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	rb := filepath.Join("testdata", "run", "secret.yaml")
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(tokenValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		env   bool
		stdin string
		args  []string
	}{
		"environment": {env: true, stdin: "tick backup\nnext\n"},
		"file":        {stdin: "tick backup\nnext\n", args: []string{"--param-file", "api_token=" + file}},
		"stdin":       {stdin: tokenValue + "\ntick backup\nnext\n", args: []string{"--param-file", "api_token=-"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.env {
				t.Setenv("HANDRAIL_PARAM_API_TOKEN", tokenValue)
			}
			dir := t.TempDir()
			args := append([]string{"run", rb, "--state-dir", dir, "--param", "slave_host=db2"}, c.args...)
			code, out, errs := runCLI(t, c.stdin, args...)
			if code != ExitOK || !strings.Contains(out, "== Step 2/2") {
				t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
			if len(paths) != 1 {
				t.Fatalf("journals %v", paths)
			}
			raw, _ := os.ReadFile(paths[0])
			if strings.Contains(string(raw)+out+errs, tokenValue) {
				t.Error("the secret reached the journal or the screen")
			}
		})
	}
	code, _, errs := runCLI(t, "", "run", rb, "--state-dir", t.TempDir(), "--param", "slave_host=db2")
	if code != ExitUsage || !strings.Contains(errs, "--param-file api_token=PATH (or export HANDRAIL_PARAM_API_TOKEN)") {
		t.Errorf("missing secret without a terminal: code %d, %s", code, errs)
	}
}
