package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/policy"
)

// quitSecretSession starts a session of testdata/run/secret.yaml in plain
// mode, its secret from the environment, and quits it: it waits to be
// resumed. It returns the session id.
func quitSecretSession(t *testing.T, dir string) string {
	t.Helper()
	t.Setenv("HANDRAIL_PARAM_API_TOKEN", tokenValue)
	rb := filepath.Join("testdata", "run", "secret.yaml")
	code, out, errs := runCLI(t, "quit\n", "run", rb, "--state-dir", dir, "--param", "slave_host=db2", "--plain")
	if code != ExitOK {
		t.Fatalf("run: code %d\n%s%s", code, out, errs)
	}
	if err := os.Unsetenv("HANDRAIL_PARAM_API_TOKEN"); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals %v", paths)
	}
	return strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")
}

// TestResumeSecretParamSources: resume takes a secret param from the
// places run does (HANDRAIL_PARAM_<NAME>, --param-file, a line of standard
// input), without a terminal; without any it says how to give it; a file
// for a name that is not one of the session's secrets is refused.
func TestResumeSecretParamSources(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(tokenValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		env   bool
		stdin string
		args  []string
	}{
		"environment": {env: true, stdin: "quit\n"},
		"file":        {stdin: "quit\n", args: []string{"--param-file", "api_token=" + file}},
		"stdin":       {stdin: tokenValue + "\nquit\n", args: []string{"--param-file", "api_token=-"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			id := quitSecretSession(t, dir)
			if c.env {
				t.Setenv("HANDRAIL_PARAM_API_TOKEN", tokenValue)
			}
			code, out, errs := runCLI(t, c.stdin, append([]string{"resume", id, "--state-dir", dir, "--plain"}, c.args...)...)
			if code != ExitOK || !strings.Contains(errs, "resumed session "+id) {
				t.Fatalf("resume: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, id+".jsonl"))
			if strings.Contains(string(raw)+out+errs, tokenValue) {
				t.Error("the secret reached the journal or the screen")
			}
		})
	}
	dir := t.TempDir()
	id := quitSecretSession(t, dir)
	code, _, errs := runCLI(t, "", "resume", id, "--state-dir", dir, "--plain")
	if code != ExitUsage || !strings.Contains(errs, "--param-file api_token=PATH (or export HANDRAIL_PARAM_API_TOKEN)") {
		t.Errorf("missing secret without a terminal: code %d, %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "resume", id, "--state-dir", dir, "--plain", "--param-file", "slave_host="+file)
	if code != ExitUsage || !strings.Contains(errs, `"slave_host" is not a secret param of session `+id+" (api_token)") {
		t.Errorf("--param-file for a param that is not secret: code %d, %s", code, errs)
	}
}

// TestResumeNoRecordRefusedFirst: --no-record under a policy that requires
// recording is refused before any secret or password is asked for.
func TestResumeNoRecordRefusedFirst(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	policy.SiteDir = t.TempDir()
	t.Cleanup(func() { policy.SiteDir = "/etc/handrail" })
	dir := t.TempDir()
	id := quitSecretSession(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("recording:\n  required: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "resume", id, "--state-dir", dir, "--no-record")
	if code != ExitUsage || !strings.Contains(errs, "--no-record is refused: the site policy") || strings.Contains(errs, "secret params") {
		t.Errorf("code %d, want %d refusing --no-record first:\n%s%s", code, ExitUsage, out, errs)
	}
}
