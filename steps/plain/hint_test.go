package plain

import (
	"context"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestPlainResumeNamesTheStateDir: a session kept in a state directory of
// its own is told to resume with that directory named.
func TestPlainResumeNamesTheStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the default is elsewhere
	dir := t.TempDir()
	const id = "20261122-020000-beef"
	e, err := session.New(session.Config{SessionID: id, Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{}, nil)
	defer r.Close()
	out := &syncBuf{}
	place := journal.Place{StateDir: dir, Path: journal.SessionPath(dir, id)}
	if _, err := Run(context.Background(), r, Options{In: strings.NewReader(""), Out: out, ASCII: true, Place: place}); err != nil {
		t.Fatal(err)
	}
	if want := "Resume it with: handrail resume " + id + " --state-dir " + dir + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}
