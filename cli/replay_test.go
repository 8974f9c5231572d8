package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
)

// recordedSession makes a recorded session in dir the way the console
// does (the engine journaling through the recording's hook while the
// console draws through the Recorder): two steps, a note and an override.
// The screen holds an OSC 52 clipboard write, as an edited recording might.
func recordedSession(t *testing.T, dir string) (id, castPath string) {
	t.Helper()
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		t.Fatal(err)
	}
	id = "20261122-021500-ab12"
	jpath := journal.SessionPath(dir, id)
	var screen bytes.Buffer
	rec := recording.New(&screen, 100, 30, recording.Options{})
	fj := &session.FileJournal{Path: jpath}
	hook := recording.HookJournal(fj, rec, recording.HookOptions{Path: recording.PartPath(jpath, 1), Part: 1, Title: rb.Title})
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "6.0.2"},
		Operator: session.Operator{Name: "Ana"}, Mode: session.ModeLive, Journal: hook})
	if err != nil {
		t.Fatal(err)
	}
	draw := func(s string) {
		if _, err := rec.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	step := func() {
		for _, c := range e.Checks() {
			if c.Check.Kind == checks.KindManual {
				if err := e.Tick(c.Check.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	draw("\x1b[?1049h\x1b[HBack up ThinMan\x1b]52;c;cm0gLXJmIC8=\x07")
	step()
	if err := e.Note("tape 7"); err != nil {
		t.Fatal(err)
	}
	// Each step is entered a moment after the last, so every step starts
	// at its own time in the recording (replay --at is told apart).
	time.Sleep(30 * time.Millisecond)
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	draw("\x1b[2J\x1b[HHave both installer files at hand")
	step()
	time.Sleep(30 * time.Millisecond)
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	draw("\x1b[2J\x1b[HStop the database replica")
	var blocking []string
	for _, b := range e.Gate().Blocking {
		blocking = append(blocking, b.Check)
	}
	if err := e.Override(session.OverrideRequest{Checks: blocking, Category: session.CategoryKnownIssue, Reason: "checked the replica by hand", Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	draw("\x1b[2J\x1b[HRun the Primary Server installer")
	if err := e.Quit(); err != nil {
		t.Fatal(err)
	}
	if err := hook.Finish(e.Ended()); err != nil {
		t.Fatal(err)
	}
	if err := fj.Close(); err != nil {
		t.Fatal(err)
	}
	return id, recording.PartPath(jpath, 1)
}

func runCLITerm(t *testing.T, args ...string) (code ExitCode, out, errs, term string) {
	t.Helper()
	var o, e, tm bytes.Buffer
	code = Main(args, IO{In: strings.NewReader(""), Out: &o, Err: &e, Term: &tm})
	return code, o.String(), e.String(), tm.String()
}

func TestVerifyChecksTheRecording(t *testing.T) {
	dir := t.TempDir()
	id, castPath := recordedSession(t, dir)
	orig, err := os.ReadFile(castPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cast   []byte
		code   ExitCode
		output string
	}{
		{"intact", orig, ExitOK, "recording " + filepath.Base(castPath) + ": intact ("},
		{"truncated", orig[:len(orig)-40], ExitFindings, "ALTERED: recording " + filepath.Base(castPath) + ": the recording was cut"},
		{"edited", bytes.Replace(orig, []byte("Stop the database replica"), []byte("Stop the database REPLICA"), 1), ExitFindings, "the recording was edited: bytes"},
		{"appended", append(append([]byte(nil), orig...), `[99.000000, "o", "forged"]`+"\n"...), ExitFindings, "added after the final checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(castPath, tt.cast, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLI(t, "", "verify", id, "--state-dir", dir)
			if code != tt.code || !strings.Contains(out, tt.output) {
				t.Errorf("verify: code %d, want %d; output lacks %q:\n%s%s", code, tt.code, tt.output, out, errs)
			}
			if !strings.HasPrefix(out, "intact: ") {
				t.Errorf("the journal itself is intact, verify should say so first:\n%s", out)
			}
		})
	}
	if err := os.Remove(castPath); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "", "verify", id, "--state-dir", dir); code != ExitFindings || !strings.Contains(out, "the recording is missing") {
		t.Errorf("missing recording: code %d\n%s", code, out)
	}
}

func TestReplayWithoutATerminal(t *testing.T) {
	dir := t.TempDir()
	id, castPath := recordedSession(t, dir)
	code, out, errs, term := runCLITerm(t, "replay", id, "--state-dir", dir, "--speed", "1000", "--idle-limit", "0")
	if code != ExitOK {
		t.Fatalf("replay: code %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Back up ThinMan", "Have both installer files at hand", "Run the Primary Server installer"} {
		if !strings.Contains(term, want) {
			t.Errorf("the replay lacks %q: %q", want, term)
		}
	}
	if strings.Contains(term, "\x1b]52") || strings.Contains(term, "cm0gLXJmIC8=") {
		t.Errorf("the replay passed the clipboard write to the terminal: %q", term)
	}
	if !strings.Contains(errs, "intact (") || !strings.Contains(errs, "playing without keys") {
		t.Errorf("replay should say the recording is intact, and that it plays without keys:\n%s", errs)
	}

	// --at starts at a step: what came before is drawn at once, then play.
	code, _, errs, term = runCLITerm(t, "replay", id, "--state-dir", dir, "--speed", "1000", "--at", "stop-replica")
	if code != ExitOK || !strings.Contains(term, "Stop the database replica") {
		t.Errorf("replay --at: code %d\n%s", code, errs)
	}
	if code, _, errs, _ = runCLITerm(t, "replay", id, "--state-dir", dir, "--at", "nope"); code != ExitUsage || !strings.Contains(errs, "the session entered backup, installers, stop-replica") {
		t.Errorf("replay --at nope: code %d\n%s", code, errs)
	}

	// An edited recording plays only with --unverified.
	b, _ := os.ReadFile(castPath)
	if err := os.WriteFile(castPath, bytes.Replace(b, []byte("HBack up"), []byte("HBacked up"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs, term = runCLITerm(t, "replay", id, "--state-dir", dir, "--speed", "1000"); code != ExitFindings || term != "" || !strings.Contains(errs, "does not match the journal") {
		t.Errorf("replay of an edited recording: code %d, played %d bytes\n%s", code, len(term), errs)
	}
	if code, _, errs, term = runCLITerm(t, "replay", id, "--state-dir", dir, "--speed", "1000", "--unverified"); code != ExitOK || !strings.Contains(term, "Backed up") || !strings.Contains(errs, "ALTERED") {
		t.Errorf("replay --unverified: code %d\n%s\n%q", code, errs, term)
	}

	for _, args := range [][]string{{"--speed", "0"}, {"--speed", "-1"}, {"--idle-limit", "-1s"}} {
		if code, _, errs, _ := runCLITerm(t, append([]string{"replay", id, "--state-dir", dir}, args...)...); code != ExitUsage {
			t.Errorf("replay %v: code %d\n%s", args, code, errs)
		}
	}
}

// TestReplayAtStartsAtTheStep: --at STEP starts playback at the time of
// the marker `step STEP: …`, the moment the session entered it, not at the
// start of the recording.
func TestReplayAtStartsAtTheStep(t *testing.T) {
	dir := t.TempDir()
	id, _ := recordedSession(t, dir)
	lr, err := loadRecording(journal.SessionPath(dir, id), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]float64{}
	for _, m := range lr.joined.Markers() {
		if step, _, ok := strings.Cut(strings.TrimPrefix(m.Data, "step "), ":"); ok && strings.HasPrefix(m.Data, "step ") {
			marks[step] = m.Time
		}
	}
	for _, step := range []string{"backup", "installers", "stop-replica"} {
		want, ok := marks[step]
		if !ok {
			t.Fatalf("no marker `step %s: …` in %v", step, marks)
		}
		got, err := lr.stepStart(step)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("stepStart(%s) = %.6f, its marker is at %.6f", step, got, want)
		}
	}
	if !(marks["backup"] < marks["installers"] && marks["installers"] < marks["stop-replica"]) {
		t.Errorf("the steps do not start at distinct times: %v", marks)
	}
}

// A session run in plain mode has no recording, and the journal says why.
func TestPlainModeIsNotRecorded(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw")
	dir := t.TempDir()
	rb := filepath.Join("testdata", "run", "replica.yaml")
	code, out, errs := runCLI(t, "quit\n", "run", rb, "--state-dir", dir, "--param", "slave_host=db2")
	if code != ExitOK {
		t.Fatalf("run: %d\n%s%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	recs, err := journal.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if recs[1].Type != journal.TypeRecordingOff || !strings.Contains(string(recs[1].Data), "plain mode") {
		t.Errorf("second record %s %s", recs[1].Type, recs[1].Data)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.cast")); len(m) != 0 {
		t.Errorf("recordings %v", m)
	}
	id := strings.TrimSuffix(filepath.Base(paths[0]), ".jsonl")
	if code, _, errs, _ := runCLITerm(t, "replay", id, "--state-dir", dir); code != ExitUsage || !strings.Contains(errs, "has no recording: no console run of it was recorded (plain mode") {
		t.Errorf("replay of an unrecorded session: code %d\n%s", code, errs)
	}
	if code, out, _ := runCLI(t, "", "verify", id, "--state-dir", dir); code != ExitOK || !strings.Contains(out, "not recorded: one console run (plain mode") {
		t.Errorf("verify of an unrecorded session: code %d\n%s", code, out)
	}
}

func TestRecordingPolicy(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw")
	policy.SiteDir = t.TempDir()
	t.Cleanup(func() { policy.SiteDir = "/etc/handrail" })
	rb := filepath.Join("testdata", "run", "replica.yaml")
	tests := []struct {
		name, policy string
		flags        []string
		code         ExitCode
		errs         string
	}{
		{"required refuses --no-record", "recording:\n  required: true\n", []string{"--no-record"}, ExitUsage, "--no-record is refused: the site policy"},
		{"a broken policy says where", "recording:\n  enabeld: false\n", nil, ExitFindings, `policy.yaml:2:3: site policy: recording: unknown key "enabeld" (did you mean "enabled"?)`},
		{"--no-record is allowed by default", "", []string{"--no-record"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.policy != "" {
				if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(tt.policy), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errs := runCLI(t, "quit\n", append([]string{"run", rb, "--state-dir", dir, "--param", "slave_host=db2", "--plain"}, tt.flags...)...)
			if code != tt.code || !strings.Contains(errs, tt.errs) {
				t.Errorf("code %d, want %d; stderr lacks %q:\n%s%s", code, tt.code, tt.errs, out, errs)
			}
			if tt.code != ExitOK {
				if m, _ := filepath.Glob(filepath.Join(dir, "*.jsonl")); len(m) != 0 {
					t.Errorf("a refused run left a journal: %v", m)
				}
			}
		})
	}
}
