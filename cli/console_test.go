package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// TestConsoleThatCannotRunLeavesNoHalfMadeSession: when the console cannot
// start on its terminal (here: its input is /dev/null, where Bubble Tea
// cannot make a cancelable reader), the session it was to drive is not left
// half-made ("interrupted", no end): it is quit on the record, resumable,
// and the error says how to resume it.
func TestConsoleThatCannotRunLeavesNoHalfMadeSession(t *testing.T) {
	dir := t.TempDir()
	rb, drv := happyThinMan(t)
	id := journal.NewSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(), Mode: session.ModeRehearsal,
		Operator: session.Operator{Name: "e2e"}, Journal: fj})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, drv, nil)
	t.Cleanup(func() {
		r.Close()
		_ = fj.Close()
	})
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var out, errb bytes.Buffer
	end, err := runConsole(context.Background(), r, IO{In: null, Out: &out, Err: &errb}, nil, journal.Place{StateDir: dir, Path: fj.Path}, consoleRehearsal{})
	if err == nil {
		t.Skip("the console ran on /dev/null here: nothing to test")
	}
	if end != session.EndQuit || !strings.Contains(err.Error(), "handrail resume "+id+" --state-dir "+dir) {
		t.Errorf("runConsole = %q, %v; want the session quit and how to resume it", end, err)
	}
	recs, rerr := journal.Read(fj.Path)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if last := recs[len(recs)-1]; last.Type != session.EvSessionEnd || !strings.Contains(string(last.Data), `"quit"`) {
		t.Errorf("the journal ends with %s %s: the session is half-made", last.Type, last.Data)
	}
}

// failingJournal fails every write once fail is set, as a full disk does.
type failingJournal struct {
	j    session.Journal
	fail bool
}

func (f *failingJournal) Append(typ string, data any) (journal.Record, error) {
	if f.fail {
		return journal.Record{}, fmt.Errorf("journal: write %s: %w", typ, syscall.ENOSPC)
	}
	return f.j.Append(typ, data)
}

// TestJournalFailureIsNeverSaved: the journal's disk fills up during a
// session: the command says what is not recorded and how to go on, exits 3,
// and never prints "saved".
func TestJournalFailureIsNeverSaved(t *testing.T) {
	dir := t.TempDir()
	rb, drv := happyThinMan(t)
	id := journal.NewSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	fail := &failingJournal{j: fj}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(), Mode: session.ModeRehearsal,
		Operator: session.Operator{Name: "e2e"}, Journal: fail})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fj.Close() })
	last := e.LastRecord().Local().Format("15:04:05")
	fail.fail = true
	var out, errb bytes.Buffer
	err = drive(IO{In: strings.NewReader("tick backup-done\n"), Out: &out, Err: &errb}, e, drv, fj, journal.Place{StateDir: dir, Path: fj.Path}, true, nil)
	if codeOf(err) != ExitError || err == nil {
		t.Fatalf("drive = %v (code %d), want an error with status 3", err, codeOf(err))
	}
	msg := err.Error()
	for _, want := range []string{"the journal cannot be written", "no space left on device", "nothing after " + last + " is recorded", "handrail resume " + id + " --state-dir " + dir} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(out.String()+errb.String()+msg, "saved") {
		t.Errorf("a session whose last write failed was called saved:\n%s\n%s\n%s", out.String(), errb.String(), msg)
	}
}

// happyThinMan is the bundled ThinMan runbook and a simulator of its happy
// scenario on the wall clock, for a test that drives a session by hand.
func happyThinMan(t *testing.T) (*steps.Runbook, *rehearsal.Driver) {
	t.Helper()
	data, err := fs.ReadFile(runbooks.FS, "thinman-dual-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := steps.Parse("thinman-dual-db.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := rehearsal.LoadScenario(runbooks.FS, rb.ID, "happy")
	if err != nil {
		t.Fatal(err)
	}
	drv, err := rehearsal.New(rb, sc, rehearsal.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	return rb, drv
}
