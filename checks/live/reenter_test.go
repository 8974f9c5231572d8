package live

import (
	"context"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/mariadbtest"
)

// TestSetCredentialsFixesAWrongPassword: the real replica refuses a wrong
// password (no data: the check is unreachable, never failed); the operator
// re-enters it and the next probe of the live driver answers, with the
// wrong and the right password both kept out of every text.
func TestSetCredentialsFixesAWrongPassword(t *testing.T) {
	const wrong = "wrong-Passw0rd-4471"
	tg := checks.Target{Name: "replica", Kind: checks.TargetMySQL, Host: "127.0.0.1", Port: pair.Replica.Port, User: mariadbtest.AdminUser}
	d := New(map[string]checks.Target{"replica": tg},
		map[string]checks.Credentials{"replica": {User: mariadbtest.AdminUser, Password: checks.NewSecret(wrong)}}, Options{})
	defer d.Close()
	c := checks.Check{ID: "q", Kind: checks.KindMySQLQuery, Target: "replica", Query: "SELECT 1 AS one",
		Expect: checks.Expectations{{Field: "one", Expect: checks.Expect{Equals: new("1")}}}}
	obs := d.Observe(context.Background(), c)
	if !obs.Unreachable() || !strings.Contains(obs.Error, "Access denied") || strings.Contains(obs.Error, wrong) {
		t.Fatalf("with a wrong password: %+v", obs)
	}
	if err := d.SetCredentials("nope", checks.Credentials{}); err == nil {
		t.Error("credentials for an unknown target were taken")
	}
	if err := d.SetCredentials("replica", checks.Credentials{User: mariadbtest.AdminUser, Password: checks.NewSecret(canary), Source: "prompt"}); err != nil {
		t.Fatal(err)
	}
	obs = d.Observe(context.Background(), c)
	if obs.Unreachable() || !checks.Evaluate(c, obs).Pass {
		t.Fatalf("after re-entering the password: %+v", obs)
	}
	if got := d.Redactor().Redact("pw " + canary + " and " + wrong); strings.Contains(got, canary) {
		t.Errorf("the redactor does not know the new password: %q", got)
	}
}
