package plain

import (
	"context"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/session"
)

// FuzzPlainInput feeds arbitrary operator input to plain mode: it must
// never panic, always end (end of input quits), and never let a control
// character of the input reach the output raw.
func FuzzPlainInput(f *testing.F) {
	for _, seed := range []string{
		"tick backup\nnext\nrun\nyes\nquit\n",
		"override\n\nother\na reason long enough to pass\noverride\n",
		"note \x1b]0;PWN\a\x1b[2J\ngoto \u202eevil\nattest\nsucceeded\n",
		strings.Repeat("x", MaxLine+3) + "\nstatus\n",
		"\r\n\r\nhelp\r\nbogus \x00\x9b\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		e, err := session.New(session.Config{SessionID: "20261122-020000-fuzz", Runbook: plainRunbook(),
			Params: map[string]string{"slave_host": "db2"}, Journal: &session.MemoryJournal{}})
		if err != nil {
			t.Fatal(err)
		}
		r := session.NewRunner(e, &replicaDriver{running: true}, nil)
		defer r.Close()
		out := &syncBuf{}
		if _, err := Run(context.Background(), r, Options{In: strings.NewReader(input), Out: out}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if r, bad := unsafeIn(out.String()); bad {
			t.Fatalf("input %q made plain mode emit %U raw", input, r)
		}
	})
}
