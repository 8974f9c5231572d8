//go:build linux

package soliddb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestSolsqlEnvironmentHoldsNoSecret: solsql is a real child here (a
// stand-in that copies its own /proc/<pid>/environ out). Neither the
// target's password, whatever its variable is called, nor a variable named
// as a password reaches it.
func TestSolsqlEnvironmentHoldsNoSecret(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "environ")
	client := filepath.Join(dir, "solsql")
	if err := os.WriteFile(client, []byte("#!/bin/sh\ncat /proc/$$/environ > '"+out+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("S1_LOGIN_SECRETLESS_NAME", password)
	t.Setenv("S2_PASSWORD", "other-target-Pw")
	t.Setenv("HANDRAIL_TEST_PLAIN", "plain-value")
	target := checks.Target{Name: "s1", Kind: checks.TargetSolid, Host: "db1", Client: client}

	for name, r := range map[string]Runner{
		"default": {},
		"session": {Env: checks.NewRedactor(password, "other-target-Pw").ChildEnv(os.Environ())},
	} {
		_ = os.Remove(out)
		r.Observe(ctxTimeout(t, 5*time.Second), target, cred, checks.Check{Admin: "hsb state"})
		env, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s: the client did not run: %v", name, err)
		}
		if strings.Contains(string(env), password) || strings.Contains(string(env), "S2_PASSWORD") {
			t.Errorf("%s: a secret reached solsql's environment", name)
		}
		if !strings.Contains(string(env), "HANDRAIL_TEST_PLAIN=plain-value") {
			t.Errorf("%s: an ordinary variable was not passed on", name)
		}
	}
}
