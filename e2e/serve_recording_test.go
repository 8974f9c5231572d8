package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leaveConsole quits the console of a session driven through serve (q,
// Quit) and waits for the picker.
func (c console) leaveConsole() {
	c.t.Helper()
	c.keys("q")
	c.waitFor("Leave the console now?")
	time.Sleep(dialogArm)
	c.keys("Right")
	c.waitFor("> Quit <")
	c.keys("Enter")
	c.waitFor("n new session")
}

// waitFinalCheckpoints waits until the journal holds n final checkpoints:
// serve has ended n recorded console runs of the session.
func waitFinalCheckpoints(t *testing.T, stateDir, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := 0
		for _, r := range recordsOf(t, stateDir, id, "recording.checkpoint") {
			if strings.Contains(r, `"final":true`) {
				got++
			}
		}
		if got == n {
			return
		}
		if got > n || time.Now().After(deadline) {
			t.Fatalf("want %d final recording checkpoints, found %d:\n%s", n, got, journalText(t, stateDir, id))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeRecordsTheOperatorsConsole: alice drives a rehearsal through
// serve over the real OpenSSH client while carol watches, resizes her
// window, quits, resumes from the picker and overrides. Her console is
// recorded exactly as a local console is: a part per console run beside
// the journal, mode 0600, that `handrail verify` finds intact and the real
// `asciinema cat` plays with the steps' titles; one marker per journaled
// event; her resize; never the picker, nor carol's console.
func TestServeRecordsTheOperatorsConsole(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-dual-db")
	obs := f.ssh("carol", w, h)
	obs.waitFor(id)
	obs.pick(id)
	obs.waitStep(stepBackup)
	obs.waitFor("WATCHING (read-only)")

	op.tickAll(manualItems[stepBackup])
	notes := len(recordsOf(t, f.stateDir, id, "note"))
	op.keys("a")
	op.waitFor("Add a note")
	time.Sleep(dialogArm)
	op.keys("-l", "backup is on tape 7")
	op.keys("Tab", "Tab")
	op.waitFor("> Save note <")
	op.keys("Enter")
	op.waitUntil("the note to be journaled", wait, func(string) bool {
		return len(recordsOf(t, f.stateDir, id, "note")) > notes
	})
	op.next(stepBackup)
	op.tickAll(manualItems[stepInstallers])
	op.next(stepInstallers)

	// The operator makes her window smaller: ssh sends a window change.
	op.tmux("resize-window", "-t", "e2e", "-x", "100", "-y", "30")
	op.w, op.h = 100, 30
	op.waitFor("Slave_IO_Running:  Yes")
	op.runAction("STOP REPLICA")
	op.waitFor(gateReady)
	obs.keys("q")
	obs.waitFor("Sessions")
	op.leaveConsole()
	waitFinalCheckpoints(t, f.stateDir, id, 1)

	// Part 2: resumed from the picker; step 4's closed gate overridden.
	op.pick(id)
	op.waitStep(stepStopReplica)
	op.waitFor(gateReady)
	op.next(stepStopReplica)
	op.waitStep(stepStopReplica + 1)
	time.Sleep(settle)
	op.keys("o")
	op.waitFor("Override the gate")
	time.Sleep(dialogArm)
	op.keys("Enter")          // the checks: all selected
	op.keys("Right", "Enter") // the category: the first (none is chosen for you)
	op.keys("-l", "the installer ran from the change laptop")
	op.keys("Tab", "Enter") // Continue
	op.waitFor("type yes")
	op.keys("-l", "yes")
	op.keys("Enter")
	// The override opens the gate; n leaves the step.
	op.waitFor("gate open by override")
	op.next(stepStopReplica + 1)
	op.waitStep(stepStopReplica + 2)
	op.waitFor(thinmanSteps[stepStopReplica+1])
	op.leaveConsole()
	waitFinalCheckpoints(t, f.stateDir, id, 2)

	part1, part2 := filepath.Join(f.stateDir, id+".cast"), filepath.Join(f.stateDir, id+".2.cast")
	for _, p := range []string{part1, part2} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("no recording: %v", err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, st.Mode().Perm())
		}
	}

	out, errOut, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir)
	if code != 0 || !strings.Contains(out, "recording "+id+".cast: intact") || !strings.Contains(out, "recording "+id+".2.cast: intact") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}

	// The real asciinema CLI plays both parts; they show the steps.
	asciinemaShowsTheSteps(t, part1, part2)

	// One marker per journaled event of each marked kind, across the
	// parts; the resize; each part from a full repaint of the console,
	// never the picker or the watcher's console.
	markers := map[string]int{}
	var resized bool
	for i, p := range []string{part1, part2} {
		pw, ph, events := readCast(t, p)
		if i == 0 && (pw != w || ph != h) {
			t.Errorf("part 1 starts %dx%d, want %dx%d", pw, ph, w, h)
		}
		first := true
		var drawn strings.Builder
		for _, e := range events {
			switch e.Code {
			case "o":
				if first && !strings.Contains(e.Data, "\x1b[2J") {
					t.Errorf("%s: the first output is not a full repaint: %q", filepath.Base(p), e.Data[:min(len(e.Data), 80)])
				}
				first = false
				drawn.WriteString(e.Data)
			case "m":
				k := markerKind(e.Data)
				if k == "?" {
					t.Errorf("marker %q is of no known kind", e.Data)
				}
				markers[k]++
			case "r":
				resized = resized || e.Data == "100x30"
			}
		}
		text := ansiRe.ReplaceAllString(drawn.String(), "")
		for _, never := range []string{"n new session", "WATCHING (read-only)"} {
			if strings.Contains(text, never) {
				t.Errorf("%s shows %q: only the operator's console is recorded", filepath.Base(p), never)
			}
		}
	}
	if !resized {
		t.Error("the window change to 100x30 is not recorded")
	}
	types := journalTypes(t, f.stateDir, id)
	for _, k := range markerKinds {
		if k.typ == "interrupted" {
			continue
		}
		if markers[k.typ] != types[k.typ] {
			t.Errorf("%d %s markers for %d journaled %s records", markers[k.typ], k.typ, types[k.typ], k.typ)
		}
	}
	for _, k := range []string{"step.enter", "gate.open", "manual.tick", "note", "action.start", "action.end", "override", "session.resume", "session.end", "watch.join"} {
		if types[k] == 0 {
			t.Errorf("the session journaled no %s: the test covers less than it says", k)
		}
	}
	if types["recording.start"] != 2 || types["recording.checkpoint"] < 2*2+types["step.enter"] {
		t.Errorf("recording records: %d starts, %d checkpoints", types["recording.start"], types["recording.checkpoint"])
	}
}

// TestServeRecordingCanary: an operator starts a live run through serve
// and types a secret into the parameter form's masked field. The
// recording shows the form, and no file of the state directory (nor
// serve's log) holds the secret.
func TestServeRecordingCanary(t *testing.T) {
	t.Parallel()
	const canary = "Canary-Serve-8d21e4"
	f := startServe(t)
	rb, err := os.ReadFile(filepath.Join("testdata", "recording-canary.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.stateDir, "runbooks", "recording-canary.yaml"), rb, 0o600); err != nil {
		t.Fatal(err)
	}
	op := f.ssh("alice", 100, 30)
	op.waitFor("Sessions")
	op.keys("n")
	op.waitFor("choose a runbook")
	op.pick("recording-canary")
	op.waitFor("live run")
	op.pick("live run")
	op.waitFor("Vault token for the change")
	op.keys("-l", canary)
	op.waitUntil("the masked field to fill", wait, func(s string) bool {
		return strings.Contains(s, strings.Repeat("•", 5)) || strings.Contains(s, strings.Repeat("*", 5))
	})
	op.keys("Enter")
	op.waitFor("Confirm the change window")
	id := sessionID(t, f.stateDir)
	op.leaveConsole()
	waitFinalCheckpoints(t, f.stateDir, id, 1)

	cast, err := os.ReadFile(filepath.Join(f.stateDir, id+".cast"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cast), "Vault token for the change") {
		t.Error("the recording does not show the parameter form: the canary proves nothing")
	}
	for i, scr := range op.captures() {
		if strings.Contains(scr, canary) {
			t.Fatalf("capture %d shows the secret:\n%s", i, scr)
		}
	}
	files := 0
	err = filepath.WalkDir(f.stateDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), canary) {
			t.Errorf("%s holds the secret typed into the masked field", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Errorf("the state directory holds %d files: the canary proves nothing", files)
	}
	if strings.Contains(f.logText(), canary) {
		t.Error("serve's log holds the secret")
	}
	if code, out := asciinemaCat(t, filepath.Join(f.stateDir, id+".cast")); code != 0 || strings.Contains(out, canary) {
		t.Errorf("asciinema cat: exit %d, canary shown %v", code, strings.Contains(out, canary))
	}
	if out, _, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir); code != 0 || !strings.Contains(out, "recording "+id+".cast: intact") {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}
