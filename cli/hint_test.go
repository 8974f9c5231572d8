package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestHintsNameTheStateDir: a session kept in a state directory of its own
// (--state-dir) is quit in plain mode: the resume line and the verify line
// printed both name that directory, so that they work as printed.
func TestHintsNameTheStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the default is elsewhere
	dir := t.TempDir()
	rb, drv := happyThinMan(t)
	id := journal.NewSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(), Mode: session.ModeRehearsal,
		Operator: session.Operator{Name: "e2e"}, Journal: fj})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fj.Close() })
	var out, errb bytes.Buffer
	if err := drive(IO{In: strings.NewReader(""), Out: &out, Err: &errb}, e, drv, fj, journal.Place{StateDir: dir, Path: fj.Path}, true, nil); err != nil {
		t.Fatalf("drive: %v\n%s", err, errb.String())
	}
	for _, want := range []string{
		"Resume it with: handrail resume " + id + " --state-dir " + dir + "\n",
		"`handrail verify " + id + " --head " + fj.W.Head() + " --state-dir " + dir + "`",
	} {
		if !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("the output lacks %q:\n%s\n%s", want, out.String(), errb.String())
		}
	}
}
