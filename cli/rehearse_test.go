package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// startRecord decodes a journal's session.start.
func startRecord(t *testing.T, dir string) map[string]any {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals in %s: %v", dir, paths)
	}
	recs, err := journal.Read(paths[0])
	if err != nil || len(recs) == 0 || recs[0].Type != "session.start" {
		t.Fatalf("journal %s: %v %v", paths[0], recs, err)
	}
	var start map[string]any
	if err := json.Unmarshal(recs[0].Data, &start); err != nil {
		t.Fatal(err)
	}
	return start
}

func TestRehearseFileRunbookToDebrief(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	code, out, errs := runCLI(t, "tick ready\nnext\n", "rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Trainee")
	// The second step's check passes on the first poll; plain mode then
	// waits for 'next', and the end of input quits: no debrief for a
	// session saved for later.
	if code != ExitOK {
		t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"REHEARSAL: Replica drill", "Scenario happy: A healthy replica", "nothing real is touched"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "password") || strings.Contains(errs, "DRILL_SLAVE_PASSWORD") {
		t.Errorf("a rehearsal asked about credentials:\n%s\n%s", out, errs)
	}
	start := startRecord(t, dir)
	if start["mode"] != "rehearsal" || start["scenario"] != "happy" {
		t.Errorf("session.start mode %v scenario %v, want rehearsal happy", start["mode"], start["scenario"])
	}
	if p, _ := start["params"].(map[string]any); p["slave_host"] != "db2" {
		t.Errorf("params %v: want the scenario's", start["params"])
	}
}

// slowInput feeds lines one at a time, pausing where a line is "" so the
// simulated world (on the real clock) can move.
func slowInput(lines ...string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for _, l := range lines {
			if l == "" {
				time.Sleep(1500 * time.Millisecond)
				continue
			}
			_, _ = pw.Write([]byte(l + "\n"))
			time.Sleep(50 * time.Millisecond)
		}
		_ = pw.Close() // EOF for the reader; a pipe's Close does not fail
	}()
	return pr
}

func TestRehearseCompletesWithDebrief(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	var out, errb bytes.Buffer
	code := Main([]string{"rehearse", rb, "--plain", "--state-dir", dir}, IO{In: slowInput("tick ready", "next", "", "next"), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"# Rehearsal debrief: Replica drill", "| 1 · ready |", "| 2 · look |", "None: every gate opened on its checks."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRehearseScenarioErrors(t *testing.T) {
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	code, _, errs := runCLI(t, "", "rehearse", rb, "--scenario", "nope", "--state-dir", t.TempDir())
	if code != ExitUsage || !strings.Contains(errs, `no such scenario "nope" (have: happy, typo)`) {
		t.Errorf("unknown scenario: code %d, %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "rehearse", rb, "--scenario", "typo", "--state-dir", t.TempDir())
	if code != ExitError || !strings.Contains(errs, "typo.yaml:3:1") || !strings.Contains(errs, "wrold") {
		t.Errorf("broken scenario: code %d, %q (want file:line:col and the key)", code, errs)
	}
	code, out, _ := runCLI(t, "", "rehearse", rb, "--list-scenarios")
	if code != ExitOK || !strings.Contains(out, "happy") || !strings.Contains(out, "A healthy replica") || !strings.Contains(out, "typo") {
		t.Errorf("list: code %d\n%s", code, out)
	}
}

func TestDemoDefaultsToThinMan(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "quit\n", "demo", "--plain", "--state-dir", dir)
	if code != ExitOK {
		t.Fatalf("code %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"REHEARSAL: ThinMan", "How to drive", "== REHEARSAL · Step 1/"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if start := startRecord(t, dir); start["mode"] != "rehearsal" {
		t.Errorf("demo session mode %v", start["mode"])
	}
	code, _, errs = runCLI(t, "", "demo", "no-such-runbook", "--state-dir", dir)
	if code != ExitUsage || !strings.Contains(errs, "no-such-runbook") {
		t.Errorf("unknown runbook: code %d %q", code, errs)
	}
}

// TestResumeRehearsalKeepsTheSimulatedWorld: a rehearsal resumes against its
// simulator (never the live systems), and the world is brought up to where
// the journal left it: a replica stopped before the break is still stopped.
func TestResumeRehearsalKeepsTheSimulatedWorld(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := Main([]string{"demo", "--plain", "--state-dir", dir}, IO{In: slowInput(
		"tick backup-done", "next",
		"tick primary-installer-present", "tick secondary-installer-present", "next",
		"run", "yes", "", "quit"), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("demo: code %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "STOP REPLICA") {
		t.Fatalf("the demo did not reach STOP REPLICA:\n%s", out.String())
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")

	out.Reset()
	errb.Reset()
	code = Main([]string{"resume", id, "--plain", "--state-dir", dir}, IO{In: slowInput("", "", "status", "quit"), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("resume: code %d\n%s\n%s", code, out.String(), errb.String())
	}
	if strings.Contains(errb.String(), "THINMAN_SLAVE") || strings.Contains(out.String(), "assword") {
		t.Errorf("resuming a rehearsal reached for live credentials:\n%s\n%s", out.String(), errb.String())
	}
	// The `status` asked for two seconds after the resume: STOP REPLICA was
	// replayed into the world, so the replica reads stopped and the gate is
	// open. Without the replay the world would start over with the replica
	// running, and the check would still be waiting on "Yes".
	got := out.String()
	i := strings.LastIndex(got, "REHEARSAL session "+id+", step 3/14")
	if i < 0 {
		t.Fatalf("no status for step 3 after resume:\n%s", got)
	}
	status := got[i:]
	for _, want := range []string{"✔ PASS replica-stopped: Slave_IO_Running = No", "Gate: open"} {
		if !strings.Contains(status, want) {
			t.Errorf("after resume the status lacks %q:\n%s", want, status)
		}
	}
}

// TestResumedRehearsalEndsWithDebrief: a rehearsal completed after a resume
// gets its debrief, like one completed in one go.
func TestResumedRehearsalEndsWithDebrief(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	code, out, errs := runCLI(t, "tick ready\nquit\n", "rehearse", rb, "--plain", "--state-dir", dir)
	if code != ExitOK || strings.Contains(out, "# Rehearsal debrief") {
		t.Fatalf("first part: code %d (a quit rehearsal has no debrief)\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")
	var o, e bytes.Buffer
	code = Main([]string{"resume", id, "--plain", "--state-dir", dir}, IO{In: slowInput("tick ready", "next", "", "next"), Out: &o, Err: &e})
	if code != ExitOK {
		t.Fatalf("resume: code %d\n%s\n%s", code, o.String(), e.String())
	}
	for _, want := range []string{"# Rehearsal debrief: Replica drill", "| 1 · ready |", "| 2 · look |"} {
		if !strings.Contains(o.String(), want) {
			t.Errorf("the resumed rehearsal's end lacks %q:\n%s", want, o.String())
		}
	}
}

// TestEveryRehearsalRecordSaysSo: no record of a rehearsal journal, read on
// its own, can be taken for a live change; a live session's records carry no
// such mark.
func TestEveryRehearsalRecordSaysSo(t *testing.T) {
	marked := func(dir string) (yes, no int) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if len(paths) != 1 {
			t.Fatalf("journals in %s: %v", dir, paths)
		}
		recs, err := journal.Read(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			var d struct {
				Rehearsal bool `json:"rehearsal"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.Rehearsal {
				yes++
			} else {
				no++
			}
		}
		return yes, no
	}
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	if code, out, errs := runCLI(t, "tick ready\nnote a note\nquit\n", "rehearse", rb, "--plain", "--state-dir", dir); code != ExitOK {
		t.Fatalf("rehearse: %d\n%s\n%s", code, out, errs)
	}
	if yes, no := marked(dir); no != 0 || yes < 4 {
		t.Errorf("rehearsal journal: %d records marked, %d not", yes, no)
	}

	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-for-the-fake")
	live := t.TempDir()
	if code, out, errs := runCLI(t, "quit\n", "run", filepath.Join("testdata", "run", "replica.yaml"), "--state-dir", live, "--param", "slave_host=db2"); code != ExitOK {
		t.Fatalf("run: %d\n%s\n%s", code, out, errs)
	}
	if yes, no := marked(live); yes != 0 || no == 0 {
		t.Errorf("live journal: %d records marked rehearsal, %d not", yes, no)
	}
}
