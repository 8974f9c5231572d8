package e2e

import (
	"strings"
	"testing"
)

// TestNoTerminalMeansPlainMode: with stdin not a terminal (`demo
// </dev/null`), stdout not a terminal (`demo | cat`), or TERM=dumb, the console does not try to open; plain mode
// runs and says why, and no session is left behind half-made or
// "interrupted".
func TestNoTerminalMeansPlainMode(t *testing.T) {
	cases := []struct {
		name string
		argv []string
		why  string
	}{
		{"stdin-devnull", []string{"sh", "-c", `exec "$0" demo --state-dir "$1" </dev/null`}, "stdin is not a terminal: using plain mode"},
		{"term-dumb", []string{"env", "TERM=dumb"}, "TERM is dumb: using plain mode"},
		// stdin is the terminal, stdout a pipe: the console cannot draw.
		{"stdout-pipe", []string{"bash", "-c", `set -o pipefail; "$0" demo --state-dir "$1" | cat`}, "stdout is not a terminal: using plain mode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stateDir := t.TempDir()
			var argv []string
			if tc.name != "term-dumb" {
				argv = append(tc.argv, handrail(t), stateDir)
			} else {
				argv = append(tc.argv, handrail(t), "demo", "--state-dir", stateDir)
			}
			p := startTerm(t, "noterm "+tc.name, 80, 24, nil, argv...)
			if tc.name != "stdin-devnull" {
				waitFor(t, p, "== REHEARSAL · Step 1/", wait)
				p.keys("quit", "Enter")
			}
			code := p.waitExit(wait)
			out := p.history()
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			for _, want := range []string{tc.why, "== REHEARSAL · Step 1/", "Resume it with: handrail resume"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "cancelable reader") {
				t.Errorf("the console tried to open without a terminal:\n%s", out)
			}
			id := sessionID(t, stateDir)
			sessions, _, _ := cli(t, nil, "sessions", "--state-dir", stateDir)
			if !strings.Contains(sessions, id) || strings.Contains(sessions, "interrupted") {
				t.Errorf("the session should be listed as quit, not interrupted:\n%s", sessions)
			}
		})
	}
}
