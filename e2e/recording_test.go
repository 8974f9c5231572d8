package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// castEvent is one event of an asciicast v2 recording.
type castEvent struct {
	Time float64
	Code string
	Data string
}

// readCast parses a recording: the header's size and the events.
func readCast(t *testing.T, path string) (w, h int, events []castEvent) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			var hd struct{ Version, Width, Height int }
			if err := json.Unmarshal(sc.Bytes(), &hd); err != nil || hd.Version != 2 {
				t.Fatalf("%s: header %q: %v", path, sc.Text(), err)
			}
			w, h = hd.Width, hd.Height
			continue
		}
		var raw [3]json.RawMessage
		var e castEvent
		if json.Unmarshal(sc.Bytes(), &raw) != nil || json.Unmarshal(raw[0], &e.Time) != nil || json.Unmarshal(raw[1], &e.Code) != nil || json.Unmarshal(raw[2], &e.Data) != nil {
			t.Fatalf("%s: line %d is not an event: %q", path, n+1, sc.Text())
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return w, h, events
}

// markerKinds classifies a marker's label by the journal record type it
// stands for (docs/recording.md lists the labels).
var markerKinds = []struct {
	typ string
	re  *regexp.Regexp
}{
	{"step.enter", regexp.MustCompile(`^step \S+: `)},
	{"gate.open", regexp.MustCompile(`^\S+: gate open`)},
	{"action.start", regexp.MustCompile(`^\S+: action started: `)},
	{"action.end", regexp.MustCompile(`^\S+: action (ok|failed|not run)`)},
	{"action.interrupted", regexp.MustCompile(`^\S+: action interrupted \(`)},
	{"override", regexp.MustCompile(`^\S+: OVERRIDE \(`)},
	{"note", regexp.MustCompile(`^\S+: note: `)},
	{"manual.tick", regexp.MustCompile(`^\S+: (un)?ticked `)},
	{"action.attest", regexp.MustCompile(`^\S+: attested `)},
	{"approval.request", regexp.MustCompile(`^\S+: approval\.request`)},
	{"approval.grant", regexp.MustCompile(`^\S+: approval\.grant`)},
	{"approval.reject", regexp.MustCompile(`^\S+: approval\.reject`)},
	{"session.resume", regexp.MustCompile(`^resumed by `)},
	{"session.halt", regexp.MustCompile(`^\S+: HALTED: `)},
	{"session.continue", regexp.MustCompile(`^\S+: CONTINUED after the halt by `)},
	{"session.end", regexp.MustCompile(`^session ended: `)},
	{"interrupted", regexp.MustCompile(`^interrupted`)},
}

func markerKind(label string) string {
	for _, k := range markerKinds {
		if k.re.MatchString(label) {
			return k.typ
		}
	}
	return "?"
}

// journalTypes counts the records of each type in a session's journal.
func journalTypes(t *testing.T, stateDir, id string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(journalText(t, stateDir, id)), "\n") {
		var r struct{ Type string }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("journal line %q: %v", l, err)
		}
		n[r.Type]++
	}
	return n
}

// asciinemaCat runs the real `asciinema cat FILE` (it needs a terminal:
// tmux gives it one) and returns its exit status and output.
func asciinemaCat(t *testing.T, file string) (int, string) {
	t.Helper()
	if _, err := exec.LookPath("asciinema"); err != nil {
		t.Fatal("asciinema is not installed: the recording tests check recordings with the real asciinema CLI; run ./scripts/test.sh, which installs it (apt-get install asciinema)")
	}
	out := filepath.Join(t.TempDir(), "cat.out")
	p := startTerm(t, "asciinema cat", 120, 34, nil, "sh", "-c", `asciinema cat "$0" > "$1"`, file, out)
	code := p.waitExit(wait)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return code, string(b)
}

// shows reports whether a terminal stream, stripped of its escape
// sequences, shows title. The console's renderer writes only the cells that
// change: a title drawn where another began with the same letter ("Run …"
// then "Restart …") is written from its second cell, after a cursor move.
func shows(text, title string) bool {
	return strings.Contains(text, title) || strings.Contains(text, title[1:])
}

var ansiRe = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Z]|\x1b[78=>DEMH]`)

// TestRecordDemo records a rehearsal in two console runs (quit, then
// resume) and checks the recordings: the real asciinema CLI accepts them
// and shows the steps; one marker per journaled event; the resize; verify
// finds them intact, then finds a cut and an edit; replay plays them.
func TestRecordDemo(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	stateDir := t.TempDir()
	c := console{startTerm(t, "record demo", w, h, nil, handrail(t), "demo", "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	c.waitStep(stepBackup)
	id := sessionID(t, stateDir)
	c.tickAll(manualItems[stepBackup])

	// A note, through the note dialog.
	notes := strings.Count(journalText(t, stateDir, id), `"type":"note"`)
	c.keys("a")
	c.waitFor("Add a note")
	time.Sleep(dialogArm)
	c.tmux("send-keys", "-t", "e2e", "-l", "backup is on tape 7")
	c.keys("Tab", "Tab")
	waitFor(t, c.term, "> Save note <", wait)
	c.keys("Enter")
	c.waitUntil("the note to be journaled", wait, func(string) bool {
		return strings.Count(journalText(t, stateDir, id), `"type":"note"`) > notes
	})
	c.next(stepBackup)
	c.tickAll(manualItems[stepInstallers])
	c.next(stepInstallers)

	// The operator makes the window smaller: a resize.
	c.tmux("resize-window", "-t", "e2e", "-x", "100", "-y", "30")
	c.w, c.h = 100, 30
	c.waitFor("Slave_IO_Running:  Yes")
	c.runAction("STOP REPLICA")
	c.waitFor(gateReady)
	c.quit()

	// Resume: a second console run, a second part.
	c = console{startTerm(t, "record resume", w, h, nil, handrail(t), "resume", id, "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	c.waitStep(stepStopReplica)
	c.waitFor(gateReady)
	c.next(stepStopReplica)
	// Step 4's gate is closed (its item unticked): override it.
	c.waitStep(stepStopReplica + 1)
	time.Sleep(settle)
	c.keys("o")
	c.waitFor("Override the gate")
	time.Sleep(dialogArm)
	c.keys("Enter")          // the checks: all selected
	c.keys("Right", "Enter") // the category: the first (none is chosen for you)
	c.tmux("send-keys", "-t", "e2e", "-l", "the installer ran from the change laptop")
	c.keys("Tab", "Enter") // Continue
	c.waitFor("type yes")
	c.tmux("send-keys", "-t", "e2e", "-l", "yes")
	c.keys("Enter")
	// The override opens the gate; n leaves the step.
	c.waitFor("gate open by override")
	c.next(stepStopReplica + 1)
	c.waitStep(stepStopReplica + 2)
	c.waitFor(thinmanSteps[stepStopReplica+1])
	c.quit()

	part1, part2 := filepath.Join(stateDir, id+".cast"), filepath.Join(stateDir, id+".2.cast")
	for _, p := range []string{part1, part2} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("no recording: %v", err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, st.Mode().Perm())
		}
	}

	// For bench/recording/run.sh: the size of an actively driven recording.
	var bytes int64
	var secs float64
	for _, p := range []string{part1, part2} {
		st, _ := os.Stat(p)
		_, _, ev := readCast(t, p)
		bytes += st.Size()
		if len(ev) > 0 {
			secs += ev[len(ev)-1].Time
		}
	}
	t.Logf("recorded: %d bytes over %.1f s of an actively driven console", bytes, secs)

	// The real asciinema CLI plays both parts; they show the steps.
	asciinemaShowsTheSteps(t, part1, part2)

	// One marker per journaled event of each marked kind, across the parts.
	markers := map[string]int{}
	var resized bool
	for i, p := range []string{part1, part2} {
		pw, ph, events := readCast(t, p)
		if i == 0 && (pw != w || ph != h) {
			t.Errorf("part 1 starts %dx%d, want %dx%d", pw, ph, w, h)
		}
		for _, e := range events {
			switch e.Code {
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
	}
	if !resized {
		t.Error("the resize to 100x30 is not recorded")
	}
	types := journalTypes(t, stateDir, id)
	for _, k := range markerKinds {
		if k.typ == "interrupted" {
			continue
		}
		if markers[k.typ] != types[k.typ] {
			t.Errorf("%d %s markers for %d journaled %s records", markers[k.typ], k.typ, types[k.typ], k.typ)
		}
	}
	for _, k := range []string{"step.enter", "gate.open", "manual.tick", "note", "action.start", "action.end", "override", "session.resume", "session.end"} {
		if types[k] == 0 {
			t.Errorf("the session journaled no %s: the test covers less than it says", k)
		}
	}
	if types["recording.start"] != 2 || types["recording.checkpoint"] < 2*2+types["step.enter"] {
		t.Errorf("recording records: %d starts, %d checkpoints", types["recording.start"], types["recording.checkpoint"])
	}

	// verify: intact; then a cut and an edit are found.
	out, errOut, code := cli(t, nil, "verify", id, "--state-dir", stateDir)
	if code != 0 || !strings.Contains(out, "recording "+id+".cast: intact") || !strings.Contains(out, "recording "+id+".2.cast: intact") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	orig, _ := os.ReadFile(part2)
	for _, tamper := range []struct {
		name string
		cast []byte
		want string
	}{
		{"truncated", orig[:len(orig)*2/3], "the recording was cut"},
		{"edited", []byte(strings.Replace(string(orig), "Run the Primary Server installer", "Run the Primary Server instal1er", 1)), "the recording was edited"},
	} {
		if err := os.WriteFile(part2, tamper.cast, 0o600); err != nil {
			t.Fatal(err)
		}
		out, _, code := cli(t, nil, "verify", id, "--state-dir", stateDir)
		if code != 1 || !strings.Contains(out, "ALTERED: recording "+id+".2.cast: "+tamper.want) {
			t.Errorf("verify of a %s recording: exit %d\n%s", tamper.name, code, out)
		}
	}
	if err := os.WriteFile(part2, orig, 0o600); err != nil {
		t.Fatal(err)
	}

	// replay plays it in a terminal, after saying it is intact.
	r := startTerm(t, "replay", w, h, nil, handrail(t), "replay", id, "--state-dir", stateDir, "--speed", "20")
	s := waitFor(t, r, "press a key to play", wait)
	if !strings.Contains(s, id+".2.cast: intact") {
		t.Errorf("replay should say the recording is intact first:\n%s", frame(s))
	}
	r.keys("Space")
	// Play pauses on the override, with a status line that names it.
	waitFor(t, r, "paused at primary-install: OVERRIDE (known-issue): the installer ran", wait)
	r.keys("Space")
	if code := r.waitExit(2 * wait); code != 0 {
		t.Errorf("replay exited %d:\n%s", code, r.history())
	}
	if hist := r.history(); !strings.Contains(hist, "replay of "+id+" ended") {
		t.Errorf("replay did not end cleanly:\n%s", hist)
	}
}

// TestRecordCanary types a secret into the parameter form's masked field
// and checks that the recording shows the form but never the secret.
func TestRecordCanary(t *testing.T) {
	t.Parallel()
	const canary = "Canary-Rec-3f9a7c"
	stateDir := t.TempDir()
	rb, err := filepath.Abs(filepath.Join("testdata", "recording-canary.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := console{startTerm(t, "record canary", 100, 30, nil, handrail(t), "run", rb, "--state-dir", stateDir, "--operator", "e2e"), stateDir}
	c.waitFor("Vault token for the change")
	c.tmux("send-keys", "-t", "e2e", "-l", canary)
	c.waitUntil("the masked field to fill", wait, func(s string) bool {
		return strings.Contains(s, strings.Repeat("•", 5)) || strings.Contains(s, strings.Repeat("*", 5))
	})
	c.keys("Enter")
	c.waitFor("Confirm the change window")
	id := sessionID(t, stateDir)
	c.quit()

	cast, err := os.ReadFile(filepath.Join(stateDir, id+".cast"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cast), "Vault token for the change") {
		t.Error("the recording does not show the parameter form: the canary proves nothing")
	}
	for i, scr := range c.captures() {
		if strings.Contains(scr, canary) {
			t.Fatalf("capture %d shows the secret:\n%s", i, scr)
		}
	}
	files, _ := os.ReadDir(stateDir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(stateDir, f.Name()))
		if strings.Contains(string(b), canary) {
			t.Errorf("%s holds the secret typed into the masked field", f.Name())
		}
	}
	if code, out := asciinemaCat(t, filepath.Join(stateDir, id+".cast")); code != 0 || strings.Contains(out, canary) {
		t.Errorf("asciinema cat: exit %d, canary shown %v", code, strings.Contains(out, canary))
	}
}

// asciinemaShowsTheSteps plays the two parts of a ThinMan recording with
// the real asciinema CLI (the first up to the replica's stop, the second
// from there on) and checks that each shows its steps' titles.
func asciinemaShowsTheSteps(t *testing.T, part1, part2 string) {
	t.Helper()
	for _, part := range []struct {
		file   string
		titles []string
	}{
		{part1, thinmanSteps[:stepStopReplica]},
		{part2, thinmanSteps[stepStopReplica-1 : stepStopReplica+2]},
	} {
		code, out := asciinemaCat(t, part.file)
		if code != 0 {
			t.Fatalf("asciinema cat %s exited %d:\n%q", part.file, code, out)
		}
		text := ansiRe.ReplaceAllString(out, "")
		for _, title := range part.titles {
			if !shows(text, title) {
				t.Errorf("asciinema cat %s does not show the step %q", filepath.Base(part.file), title)
			}
		}
	}
}
