package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/mariadbtest"
)

// TestDSNPasswordRedactedOnItsOwn: with dsn_env, a server that echoes the
// password alone (SELECT 'pw') shows [secret], in fields, errors and the
// journal-bound JSON alike. The redactor knew only the whole DSN before.
func TestDSNPasswordRedactedOnItsOwn(t *testing.T) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	pw := "dsn-Canary-" + hex.EncodeToString(b)
	admin := pair.AdminDB(pair.Replica)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{
		"CREATE USER IF NOT EXISTS 'handrail_dsn'@'%' IDENTIFIED BY '" + pw + "'",
		"ALTER USER 'handrail_dsn'@'%' IDENTIFIED BY '" + pw + "'",
		"GRANT SELECT ON *.* TO 'handrail_dsn'@'%'",
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS 'handrail_dsn'@'%'") })
	t.Setenv("HANDRAIL_LIVE_DSN_ONLY", fmt.Sprintf("handrail_dsn:%s@tcp(127.0.0.1:%d)/", pw, pair.Replica.Port))

	targets := map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, DSNEnv: "HANDRAIL_LIVE_DSN_ONLY"}}
	red := checks.NewRedactor()
	creds, err := checks.ResolveAllCredentials(targets, os.Getenv, os.ReadFile, nil, red)
	if err != nil {
		t.Fatal(err)
	}
	d := New(targets, creds, Options{Redactor: red})
	defer d.Close()
	c := checks.Check{ID: "echo", Kind: checks.KindMySQLQuery, Target: "db", Query: "SELECT '" + pw + "' AS leak",
		Expect: checks.Expectations{{Field: "leak", Expect: eq("x")}}}
	obs := d.Observe(ctx, c)
	if obs.Error != "" {
		t.Fatal(obs.Error)
	}
	if f, _ := obs.Rows[0].Get("leak"); f.Value != checks.Redacted {
		t.Errorf("the DSN's password came back as %q", f.Value)
	}
	bad := d.Observe(ctx, checks.Check{ID: "err", Kind: checks.KindMySQLQuery, Target: "db", Query: "SELECT * FROM `" + pw + "`.t"})
	r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "db", SQL: "DROP TABLE `" + pw + "`.t"})
	j, _ := json.Marshal([]any{obs, checks.Evaluate(c, obs), bad, r})
	if strings.Contains(string(j), pw) {
		t.Errorf("the DSN's password leaked: %s", j)
	}
	if !strings.Contains(bad.Error+r.Error, checks.Redacted) {
		t.Errorf("errors do not show the redacted name: %q %q", bad.Error, r.Error)
	}
}

// TestLiveChildrenGetNoSecret: a command check run by the live driver
// prints its own /proc/<pid>/environ (its sh's), a variable per line: no
// target's password variable is there, whatever it is called, and neither
// is its value.
func TestLiveChildrenGetNoSecret(t *testing.T) {
	t.Setenv("HANDRAIL_LIVE_ODD_NAME", canary+"-second")
	d, _ := newDriver(t, map[string]checks.Target{
		"odd":   {Kind: checks.TargetMySQL, Host: "127.0.0.1", Port: pair.Replica.Port, User: mariadbtest.AdminUser, PasswordEnv: "HANDRAIL_LIVE_ODD_NAME"},
		"local": {Kind: checks.TargetHost, Host: "local"},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs := d.Observe(ctx, checks.Check{ID: "env", Kind: checks.KindCommand, Target: "local", Shell: `tr '\0' '\n' < /proc/$$/environ`})
	if obs.Error != "" || len(obs.Rows) == 0 {
		t.Fatalf("%+v", obs)
	}
	f, _ := obs.Rows[0].Get("stdout")
	for _, name := range []string{pwEnv, "HANDRAIL_LIVE_ODD_NAME"} {
		if strings.Contains(f.Value, name+"=") {
			t.Errorf("%s reached the child", name)
		}
	}
	if strings.Contains(f.Value, checks.Redacted) {
		for _, kv := range strings.Split(f.Value, "\n") {
			// (PWD=… is redacted as the ODBC password key it looks like.)
			if strings.Contains(kv, checks.Redacted) && !strings.HasPrefix(kv, "PWD=") && !strings.HasPrefix(kv, "OLDPWD=") {
				t.Errorf("the child saw a secret (it came back redacted): %q", kv)
			}
		}
	}
	if !strings.Contains(f.Value, "PATH=") {
		t.Errorf("the child got no environment at all: %q", f.Value)
	}
}

// TestLiveObservationIsCapped: a 1 MiB value comes back cut to
// MaxValueBytes, saying how much was cut.
func TestLiveObservationIsCapped(t *testing.T) {
	d, _ := newDriver(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs := d.Observe(ctx, checks.Check{ID: "big", Kind: checks.KindMySQLQuery, Target: "replica", Query: "SELECT REPEAT('x', 1048576) AS big"})
	if obs.Error != "" {
		t.Fatal(obs.Error)
	}
	f, _ := obs.Rows[0].Get("big")
	want := fmt.Sprintf("… [truncated: %d bytes]", 1<<20-checks.MaxValueBytes)
	if !strings.HasSuffix(f.Value, want) || len(f.Value) != checks.MaxValueBytes+len(want) {
		t.Errorf("value of %d bytes ending %q, want %q", len(f.Value), f.Value[max(0, len(f.Value)-40):], want)
	}
}
