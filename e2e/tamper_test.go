package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalChangedUnderALiveSession: while a session runs, someone
// appends a record to its journal. The watcher's gate bar says the journal
// no longer verifies, and watch exits 1; the operator's next tick is
// refused with the journal-cannot-be-written banner saying someone else
// changed the journal; the forged bytes stay in the file, nothing after.
func TestJournalChangedUnderALiveSession(t *testing.T) {
	t.Parallel()
	const w, h = 140, 34
	stateDir := t.TempDir()
	drv := console{startTerm(t, "driver", w, h, nil, handrail(t), "demo", "--state-dir", stateDir, "--operator", "trainee"), stateDir}
	drv.waitStep(stepBackup)
	id := sessionID(t, stateDir)
	wat := console{startTerm(t, "watcher", w, h, nil, handrail(t), "watch", id, "--state-dir", stateDir), stateDir}
	wat.waitStep(stepBackup)
	waitFor(t, wat.term, "WATCHING", wait)

	// The forgery: the last record again, as if inserted.
	path := filepath.Join(stateDir, id+".jsonl")
	j := journalText(t, stateDir, id)
	lines := strings.SplitAfter(strings.TrimSuffix(j, "\n"), "\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(lines[len(lines)-1] + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	forged := journalText(t, stateDir, id)

	waitFor(t, wat.term, "the journal no longer verifies at line", wait)
	drv.keys("Space")
	waitFor(t, drv.term, "someone else changed the journal", wait)
	if got := journalText(t, stateDir, id); got != forged {
		t.Fatalf("the session wrote after the forged record:\n%s", got[len(forged)-min(len(forged), len(got)):])
	}

	drv.keys("q")
	waitFor(t, drv.term, "Leave the console now?", wait)
	time.Sleep(dialogArm)
	drv.keys("Right")
	waitFor(t, drv.term, "> Quit <", wait)
	drv.keys("Enter")
	if code := drv.waitExit(wait); code != 3 {
		t.Errorf("the driver exited %d, want 3", code)
	}
	if hist := drv.history(); !strings.Contains(hist, "Someone else changed the journal") || !strings.Contains(hist, "changed by someone else since seq") {
		t.Errorf("the driver left no word of it on the terminal:\n%s", hist)
	}

	wat.keys("q")
	if code := wat.waitExit(wait); code != 1 {
		t.Errorf("watch exited %d after the journal stopped verifying, want 1", code)
	}
	if hist := wat.history(); !strings.Contains(hist, "no longer verifies") {
		t.Errorf("watch left no word of it on the terminal:\n%s", hist)
	}
}
