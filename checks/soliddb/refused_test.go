package soliddb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// refusingClient writes a solsql stand-in that answers `hsb set primary
// alone` with a non-zero RC whatever the state (a refusal: what solidDB
// prints then is not documented, so the RC and text are the test's own)
// and hands every other statement to the fake, which reads the state.
func refusingClient(t *testing.T) string {
	t.Helper()
	fake, err := filepath.Abs("testdata/fake-solsql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "refusing-solsql")
	script := `#!/bin/sh
case "$*" in
*"set primary alone"*)
	printf 'Username:'; read -r _u; printf 'Password:'; read -r _p; echo
	printf 'RC    TEXT\n----- ------------------\n14529 Operation refused\n1 rows fetched.\n'
	exit 0 ;;
esac
exec '` + fake + `' "$@"
`
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil { //nolint:gosec // a test's own script, run by the test
		t.Fatal(err)
	}
	return path
}

// TestRunSetPrimaryAloneRefusedElsewhere: `hsb set primary alone` answered
// with a non-zero RC fails the action unless `hsb state` then answers
// PRIMARY ALONE: a server left in any other state is a refusal, never
// success.
func TestRunSetPrimaryAloneRefusedElsewhere(t *testing.T) {
	tg := fakeTarget(t)
	tg.Client = refusingClient(t)
	a := checks.Action{Kind: checks.ActionSolid, Admin: "hsb set primary alone"}
	for _, st := range []string{"PRIMARY ACTIVE", "PRIMARY UNCERTAIN", "SECONDARY ALONE", "STANDALONE"} {
		t.Run(st, func(t *testing.T) {
			state(t, "HSB_STATE", st)
			ar := Run(ctxTimeout(t, 5*time.Second), tg, cred, a)
			if ar.OK() || ar.ExitCode != 14529 || !strings.Contains(ar.Error, "RC 14529") {
				t.Errorf("refused in %s: OK=%v exit %d error %q output %q, want a failed action with RC 14529",
					st, ar.OK(), ar.ExitCode, ar.Error, ar.Output)
			}
		})
	}
	// The same refusal on a server already in PRIMARY ALONE is success.
	state(t, "HSB_STATE", "PRIMARY ALONE")
	if ar := Run(ctxTimeout(t, 5*time.Second), tg, cred, a); !ar.OK() || !strings.Contains(ar.Output, "hsb state answers PRIMARY ALONE") {
		t.Errorf("refused in PRIMARY ALONE: %+v", ar)
	}
}
