package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// journalsOf lists the journals in dir whose session.start names operator.
func journalsOf(t *testing.T, dir, operator string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var out []string
	for _, p := range paths {
		first, err := journal.ReadFirst(p)
		if err != nil {
			t.Fatal(err)
		}
		var d session.StartData
		if err := json.Unmarshal(first.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Operator.Name == operator {
			out = append(out, p)
		}
	}
	return out
}

func warnings(t *testing.T, path string) []session.WarningData {
	t.Helper()
	recs, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []session.WarningData
	for _, r := range recs {
		if r.Type == session.EvWarning {
			var w session.WarningData
			if err := r.Decode(&w); err != nil {
				t.Fatal(err)
			}
			out = append(out, w)
		}
	}
	return out
}

func idOf(path string) string { return strings.TrimSuffix(filepath.Base(path), journal.Ext) }

// TestReadinessBeforeALiveRun: run warns (and journals it) while the
// operator has no passed rehearsal of the runbook's hash; a passed
// rehearsal clears it; `readiness` lists it; a site policy that requires
// readiness refuses an operator who has not rehearsed, before any journal.
func TestReadinessBeforeALiveRun(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("DRILL_SLAVE_PASSWORD", "pw-for-the-fake")
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	run := func(operator string) (ExitCode, string, string) {
		return runCLI(t, "quit\n", "run", rb, "--plain", "--state-dir", dir, "--param", "slave_host=db2", "--operator", operator)
	}

	code, _, errs := run("Trainee")
	if code != ExitOK || !strings.Contains(errs, "WARNING: Trainee has no passed rehearsal (score 70 or more) of runbook drill at hash") {
		t.Fatalf("first run: code %d, stderr:\n%s", code, errs)
	}
	live := journalsOf(t, dir, "Trainee")
	if len(live) != 1 {
		t.Fatalf("journals: %v", live)
	}
	if ws := warnings(t, live[0]); len(ws) != 1 || ws[0].Kind != session.WarnReadiness {
		t.Fatalf("the readiness warning was not journaled: %+v", ws)
	}

	var out, errb bytes.Buffer
	code = Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Trainee", "--speed", "10"},
		IO{In: slowInput("tick ready", "next", "", "next"), Out: &out, Err: &errb})
	if code != ExitOK || !strings.Contains(out.String(), "Score 100/100: passed") {
		t.Fatalf("rehearse: code %d\n%s\n%s", code, out.String(), errb.String())
	}

	code, outs, errs := runCLI(t, "", "readiness", "--state-dir", dir)
	if code != ExitOK {
		t.Fatalf("readiness: %d %s", code, errs)
	}
	for _, want := range []string{"OPERATOR", "Trainee", "drill", "happy", "100 passed", "RUNBOOK CHANGED SINCE"} {
		if !strings.Contains(outs, want) {
			t.Errorf("readiness lacks %q:\n%s", want, outs)
		}
	}

	code, _, errs = run("Trainee")
	if code != ExitOK || strings.Contains(errs, "WARNING") {
		t.Fatalf("run after a passed rehearsal: code %d, stderr:\n%s", code, errs)
	}

	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("readiness:\n  days: 7\n  require: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run("Bob")
	if code != ExitUsage || !strings.Contains(errs, "Bob has no passed rehearsal") || !strings.Contains(errs, "requires one: rehearse first") {
		t.Fatalf("refused by policy: code %d, stderr:\n%s", code, errs)
	}
	if j := journalsOf(t, dir, "Bob"); len(j) != 0 {
		t.Errorf("a refused run left a journal: %v", j)
	}
	if code, _, errs = run("Trainee"); code != ExitOK {
		t.Errorf("a ready operator under the policy: code %d %s", code, errs)
	}
}

// TestStatsDebriefAndSpeedFlags: stats prints the per-step table, debrief
// prints a rehearsal's grade (and refuses a live session), resume --speed
// is for rehearsals only.
func TestStatsDebriefAndSpeedFlags(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("DRILL_SLAVE_PASSWORD", "pw-for-the-fake")
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	var out, errb bytes.Buffer
	if code := Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Trainee", "--speed", "10"},
		IO{In: slowInput("tick ready", "next", "", "next"), Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("rehearse: %d\n%s\n%s", code, out.String(), errb.String())
	}
	rehearsalID := idOf(journalsOf(t, dir, "Trainee")[0])

	code, outs, errs := runCLI(t, "", "stats", rb, "--state-dir", dir)
	if code != ExitOK || !strings.Contains(outs, "drill: 0 live sessions, 1 rehearsals") || !strings.Contains(outs, "STEP") {
		t.Fatalf("stats: %d\n%s\n%s", code, outs, errs)
	}
	for _, step := range []string{"ready", "look"} {
		if !strings.Contains(outs, "\n"+step+" ") {
			t.Errorf("stats lacks step %s:\n%s", step, outs)
		}
	}

	code, outs, _ = runCLI(t, "", "debrief", rehearsalID, "--state-dir", dir)
	if code != ExitOK || !strings.Contains(outs, "Score 100/100: passed") || !strings.Contains(outs, "| 2 · look |") {
		t.Fatalf("debrief: %d\n%s", code, outs)
	}
	code, outs, _ = runCLI(t, "", "debrief", rehearsalID, "--state-dir", dir, "--format", "html")
	if code != ExitOK || !strings.HasPrefix(outs, "<!doctype html>") {
		t.Fatalf("debrief html: %d\n%s", code, outs)
	}

	if code, _, errs := runCLI(t, "quit\n", "run", rb, "--plain", "--state-dir", dir, "--param", "slave_host=db2", "--operator", "Alice"); code != ExitOK {
		t.Fatalf("run: %d %s", code, errs)
	}
	liveID := idOf(journalsOf(t, dir, "Alice")[0])
	if code, _, errs := runCLI(t, "", "debrief", liveID, "--state-dir", dir); code != ExitUsage || !strings.Contains(errs, "is a live session") {
		t.Errorf("debrief of a live session: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "resume", liveID, "--plain", "--state-dir", dir, "--speed", "5"); code != ExitUsage || !strings.Contains(errs, "--speed is for rehearsals") {
		t.Errorf("resume a live session at a speed: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "rehearse", rb, "--plain", "--state-dir", dir, "--speed", "0"); code != ExitUsage || !strings.Contains(errs, "--speed") {
		t.Errorf("speed 0: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "rehearse", rb, "--plain", "--state-dir", dir, "--until", "25:99"); code != ExitUsage || !strings.Contains(errs, "--until") {
		t.Errorf("a bad --until: %d %s", code, errs)
	}
}

// TestResumeKeepsOrTakesTheSpeed: a resumed rehearsal goes on at the speed
// it last ran at, or at --speed; each resume journals its speed, and the
// simulated clock goes on from where the journal stopped.
func TestResumeKeepsOrTakesTheSpeed(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	if code, out, errs := runCLI(t, "quit\n", "rehearse", rb, "--plain", "--state-dir", dir, "--speed", "10"); code != ExitOK {
		t.Fatalf("rehearse: %d\n%s\n%s", code, out, errs)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	id := idOf(paths[0])
	for _, args := range [][]string{{"--speed", "30"}, nil} {
		if code, out, errs := runCLI(t, "quit\n", append([]string{"resume", id, "--plain", "--state-dir", dir}, args...)...); code != ExitOK {
			t.Fatalf("resume %v: %d\n%s\n%s", args, code, out, errs)
		}
	}
	recs, err := journal.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var speeds []float64
	var lastSim, resumeSim []string
	for i, r := range recs {
		if r.Type == session.EvSessionResume {
			var d session.ResumeData
			if err := r.Decode(&d); err != nil {
				t.Fatal(err)
			}
			speeds = append(speeds, d.Speed)
			lastSim = append(lastSim, session.SimTime(recs[i-1]).String())
			resumeSim = append(resumeSim, session.SimTime(r).String())
		}
	}
	if len(speeds) != 2 || speeds[0] != 30 || speeds[1] != 30 {
		t.Errorf("resume speeds %v, want [30 30] (taken, then kept)", speeds)
	}
	for i := range lastSim {
		if lastSim[i] != resumeSim[i] {
			t.Errorf("resume %d: the simulated clock went on at %s, the journal stopped at %s", i, resumeSim[i], lastSim[i])
		}
	}
}

// TestThePolicysPassMarkHoldsEverywhere: with the site policy's min_score
// at 95, a rehearsal scored 90 (one override) is "not passed" in the
// debrief printed at its end, in `handrail debrief` and in readiness's
// SCORE column, and leaves the operator not ready; without the policy the
// same journal passes at 70.
func TestThePolicysPassMarkHoldsEverywhere(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("readiness:\n  min_score: 95\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Trainee", "--speed", "10"},
		IO{In: slowInput("override", "ready", "other", "the trainee says so out loud", "override", "next", "", "next"), Out: &out, Err: &errb})
	const notPassed = "Score 90/100: not passed (the pass mark is 95"
	if code != ExitOK || !strings.Contains(out.String(), notPassed) {
		t.Fatalf("rehearse: code %d, want %q in\n%s\n%s", code, notPassed, out.String(), errb.String())
	}
	id := idOf(journalsOf(t, dir, "Trainee")[0])
	if code, outs, errs := runCLI(t, "", "debrief", id, "--state-dir", dir); code != ExitOK || !strings.Contains(outs, notPassed) {
		t.Errorf("debrief: code %d, want %q in\n%s\n%s", code, notPassed, outs, errs)
	}
	code, outs, errs := runCLI(t, "", "readiness", "--state-dir", dir)
	if code != ExitOK || !strings.Contains(outs, "90 not passed") || strings.Contains(outs, "90 passed") {
		t.Errorf("readiness under min_score 95: code %d, want 90 not passed\n%s\n%s", code, outs, errs)
	}
	if row := lineWith(outs, "Trainee"); !strings.HasSuffix(strings.TrimSpace(row), " no") {
		t.Errorf("readiness: a 90 under min_score 95 made Trainee ready: %q", row)
	}

	if err := os.Remove(filepath.Join(dir, "policy.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, outs, _ := runCLI(t, "", "debrief", id, "--state-dir", dir); code != ExitOK || !strings.Contains(outs, "Score 90/100: passed (the pass mark is 70") {
		t.Errorf("debrief without a policy: code %d\n%s", code, outs)
	}
	if code, outs, _ := runCLI(t, "", "readiness", "--state-dir", dir); code != ExitOK || !strings.Contains(outs, "90 passed") {
		t.Errorf("readiness without a policy: code %d\n%s", code, outs)
	}
}

// lineWith is the first line of s that holds sub ("" when none).
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestReadinessSaysTheRunbookChanged: after a passed rehearsal of a runbook
// file, the file is edited: readiness says the runbook changed since (with
// the new hash) and that no passed rehearsal of it as it is now exists.
func TestReadinessSaysTheRunbookChanged(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "rehearse", "drill.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rbDir := filepath.Join(t.TempDir(), "rb")
	if err := os.MkdirAll(filepath.Join(rbDir, "scenarios", "drill"), 0o755); err != nil {
		t.Fatal(err)
	}
	sc, err := os.ReadFile(filepath.Join("testdata", "rehearse", "scenarios", "drill", "happy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rb := filepath.Join(rbDir, "drill.yaml")
	for p, b := range map[string][]byte{rb: src, filepath.Join(rbDir, "scenarios", "drill", "happy.yaml"): sc} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Trainee", "--speed", "10"},
		IO{In: slowInput("tick ready", "next", "", "next"), Out: &out, Err: &errb}); code != ExitOK || !strings.Contains(out.String(), "Score 100/100: passed") {
		t.Fatalf("rehearse: code %d\n%s\n%s", code, out.String(), errb.String())
	}
	_, outs, _ := runCLI(t, "", "readiness", "--state-dir", dir)
	if row := lineWith(outs, "Trainee"); !strings.Contains(row, "100 passed") || !strings.Contains(row, "  no  ") || strings.HasSuffix(strings.TrimSpace(row), " no") {
		t.Fatalf("readiness before the edit: want passed, not changed, ready:\n%s", outs)
	}

	if err := os.WriteFile(rb, bytes.Replace(src, []byte("title: Replica drill"), []byte("title: Replica drill, revised"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, outs, errs := runCLI(t, "", "readiness", "--state-dir", dir)
	row := lineWith(outs, "Trainee")
	if !strings.Contains(row, "100 passed") || !strings.Contains(row, "yes, now ") || !strings.HasSuffix(strings.TrimSpace(row), " no") {
		t.Errorf("readiness after the edit: want the runbook changed since and no passed rehearsal of it now:\n%s\n%s", outs, errs)
	}
}
