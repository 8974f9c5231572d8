package recording

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

var thinmanParams = map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "6.0.2"}

func thinman(t *testing.T) *steps.Runbook {
	t.Helper()
	rb, err := steps.LoadBundled(runbooks.FS, "thinman-dual-db")
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// tickAll ticks every manual check of the current step.
func tickAll(t *testing.T, e *session.Engine) {
	t.Helper()
	for _, c := range e.Checks() {
		if c.Check.Kind == checks.KindManual {
			if err := e.Tick(c.Check.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHookMarksEveryEvent drives the real engine over a file journal in
// three console runs (the first interrupted while its action runs, the
// second resumed and halted, the third resumed and continued) and checks
// the recordings against the journal: one marker per journaled event of
// the marked kinds, at that record's time, each label naming its step; a
// checkpoint at every step boundary; every part verifies.
func TestHookMarksEveryEvent(t *testing.T) {
	rb := thinman(t)
	dir := t.TempDir()
	jpath := journal.SessionPath(dir, "20261122-021500-ab12")

	// Run 1: start, tick, note, next, next, run the action, then a signal.
	var term bytes.Buffer
	r1 := New(&term, 100, 30, Options{})
	fj := &session.FileJournal{Path: jpath}
	h1 := HookJournal(fj, r1, HookOptions{Path: PartPath(jpath, 1), Part: 1, Title: rb.Title})
	e, err := session.New(session.Config{SessionID: "20261122-021500-ab12", Runbook: rb, Params: thinmanParams,
		Operator: session.Operator{Name: "Ana"}, Mode: session.ModeLive, Journal: h1})
	must(t, err)
	mustWrite(t, r1, "\x1b[?1049h\x1b[Hthe first screen")
	tickAll(t, e)
	must(t, e.Note("the backup is on tape 7\n\x1b]52;c;cm0gLXJmIC8=\x07"))
	must(t, e.Next())
	tickAll(t, e)
	must(t, e.Next())
	r1.Resize(120, 40)
	mustWrite(t, r1, "the replica step")
	_, _, err = e.ActionStart(true)
	must(t, err)
	must(t, e.ActionEnd(checks.ActionResult{}))
	// A second run of the action, cut by the signal.
	_, _, err = e.ActionStart(true)
	must(t, err)
	must(t, e.ActionInterrupted("SIGTERM", "killed its process group (SIGKILL) after a 5s grace period", 5*time.Second,
		checks.ActionResult{ExitCode: -1, Error: "cancelled"}))
	must(t, h1.Finish(EndInterrupted))
	must(t, fj.Close())

	// Run 2: resume, attest the interrupted action, its check fails: the
	// runbook's on_fail halts.
	e2, h2, fj2, r2 := resumePart(t, rb, jpath, 2, &term, "Bo")
	mustWrite(t, r2, "\x1b[?1049h\x1b[Hresumed")
	if st, _ := e2.Action(); st != session.ActionUnknown {
		t.Fatalf("after the interrupted action, the resumed action state is %s", st)
	}
	must(t, e2.AttestUnknown(session.OutcomeSucceeded, "SHOW SLAVE STATUS says it stopped"))
	halting, _, _ := e2.Current()
	if _, err := e2.Observe(checks.Result{Step: halting.Key, CheckID: "replica-stopped", Gen: e2.Generation(), Status: checks.StatusFail,
		Verdict: checks.Verdict{Reason: "Slave_IO_Running: is \"Yes\", expected = No"}}); err != nil {
		t.Fatal(err)
	}
	if e2.Ended() != session.EndHalted {
		t.Fatalf("the failed check did not halt the session: ended %q", e2.Ended())
	}
	must(t, h2.Finish(e2.Ended()))
	must(t, fj2.Close())

	// Run 3: resume suspended, continue with a reason, override, quit.
	e3, h3, fj3, r3 := resumePart(t, rb, jpath, 3, &term, "Cy")
	mustWrite(t, r3, "\x1b[?1049h\x1b[Hsuspended")
	must(t, e3.Continue("the replica stopped once retried by hand"))
	g := e3.Gate()
	var ids []string
	for _, b := range g.Blocking {
		ids = append(ids, b.Check)
	}
	must(t, e3.Override(session.OverrideRequest{Checks: ids, Category: session.CategoryKnownIssue,
		Reason: "the status view lags behind; checked by hand", Confirmed: true}))
	must(t, e3.Quit())
	must(t, h3.Finish(e3.Ended()))
	must(t, fj3.Close())

	all, err := journal.Read(jpath)
	must(t, err)
	res := journal.VerifyRecordings(jpath, all)
	if !res.OK() || len(res.Parts) != 3 {
		t.Fatalf("recordings do not verify: %+v", res)
	}
	for _, p := range res.Parts {
		if !p.Final || p.Tail != 0 || p.Checkpoints < 2 {
			t.Errorf("part %s: %+v", p.File, p)
		}
	}
	if res.Parts[0].End != EndInterrupted || res.Parts[1].End != session.EndHalted || res.Parts[2].End != session.EndQuit {
		t.Errorf("ends %q %q %q", res.Parts[0].End, res.Parts[1].End, res.Parts[2].End)
	}

	casts := []*asciicast.Cast{parseFile(t, res.Parts[0].Path), parseFile(t, res.Parts[1].Path), parseFile(t, res.Parts[2].Path)}
	if casts[1].Header.Width != 120 {
		t.Errorf("the second part starts %dx%d", casts[1].Header.Width, casts[1].Header.Height)
	}
	if !hasEvent(casts[0], asciicast.Resize, "120x40") {
		t.Error("the resize is not recorded")
	}

	// One marker per marked record, in order, at the record's time.
	times := journal.CastTimes(all)
	next := []int{0, 0, 0}
	kinds := map[string]int{}
	titles := map[string]string{}
	cur := ""
	for i, rec := range all {
		if rec.Type == session.EvStepEnter {
			var d session.StepEnterData
			must(t, rec.Decode(&d))
			titles[d.Step], cur = d.Title, d.Step
		}
		if !Marked(rec.Type) {
			continue
		}
		kinds[rec.Type]++
		ct := times[i]
		if ct.Part < 0 {
			t.Fatalf("record %d (%s) is in no part", rec.Seq, rec.Type)
		}
		ms := casts[ct.Part].Markers()
		if next[ct.Part] >= len(ms) {
			t.Fatalf("part %d has no marker for record %d (%s)", ct.Part+1, rec.Seq, rec.Type)
		}
		m := ms[next[ct.Part]]
		next[ct.Part]++
		if want := Label(rec, nil, cur); !strings.HasPrefix(want, m.Data[:min(len(m.Data), 20)]) {
			t.Errorf("record %d (%s): marker %q, want %q", rec.Seq, rec.Type, m.Data, want)
		}
		if math.Abs(m.Time-ct.At) > 0.05 {
			t.Errorf("record %d (%s): marker at %.3f, the record at %.3f", rec.Seq, rec.Type, m.Time, ct.At)
		}
		if !strings.Contains(m.Data, cur) {
			t.Errorf("marker %q does not name the step %s", m.Data, cur)
		}
		if strings.ContainsRune(m.Data, 0x1b) || strings.Contains(m.Data, "\n") {
			t.Errorf("marker %q is not one safe line", m.Data)
		}
	}
	// Part 1 ends with the interruption's marker; nothing is left over.
	if ms := casts[0].Markers(); next[0] != len(ms)-1 || !strings.HasPrefix(ms[len(ms)-1].Data, "interrupted at step stop-replica") {
		t.Errorf("part 1: %d markers matched of %d; last %q", next[0], len(ms), ms[len(ms)-1].Data)
	}
	for p := 1; p < len(casts); p++ {
		if ms := casts[p].Markers(); next[p] != len(ms) {
			t.Errorf("part %d: %d markers matched of %d", p+1, next[p], len(ms))
		}
	}
	for _, k := range []string{session.EvStepEnter, session.EvGateOpen, session.EvManualTick, session.EvNote,
		session.EvActionStart, session.EvActionEnd, session.EvActionInterrupted, session.EvActionAttest,
		session.EvSessionResume, session.EvSessionHalt, session.EvSessionContinue, session.EvOverride, session.EvSessionEnd} {
		if kinds[k] == 0 {
			t.Errorf("the test journaled no %s", k)
		}
	}
	if kinds[session.EvSessionResume] != 2 || kinds[session.EvSessionHalt] != 1 || kinds[session.EvSessionEnd] != 2 {
		t.Errorf("marked kinds %v", kinds)
	}

	// A checkpoint after every step entered and the override, and a final
	// one per run.
	cps := map[string]int{}
	for i, rec := range all {
		if rec.Type == journal.TypeRecordingCheckpoint {
			var d journal.RecordingCheckpoint
			must(t, rec.Decode(&d))
			if d.Final {
				cps["final"]++
				continue
			}
			if d.After == 0 {
				cps["start"]++
				continue
			}
			cps[all[i-1].Type]++
		}
	}
	if cps["final"] != 3 || cps["start"] != 3 || cps[session.EvStepEnter] != kinds[session.EvStepEnter] || cps[session.EvOverride] != 1 ||
		cps[session.EvSessionHalt] != 1 || cps[session.EvSessionContinue] != 1 || cps[session.EvSessionEnd] != 2 {
		t.Errorf("checkpoints %v for %v", cps, kinds)
	}
	if len(titles) < 3 {
		t.Errorf("steps entered: %v", titles)
	}
}

// resumePart resumes the session of jpath as operator, recorded in part.
func resumePart(t *testing.T, rb *steps.Runbook, jpath string, part int, term *bytes.Buffer, operator string) (*session.Engine, *Hook, *session.FileJournal, *Recorder) {
	t.Helper()
	w, recs, _, err := journal.Open(jpath)
	must(t, err)
	fj := &session.FileJournal{Path: jpath, W: w}
	if got := NextPart(recs); got != part {
		t.Fatalf("NextPart = %d, want %d", got, part)
	}
	r := New(term, 120, 40, Options{})
	h := HookJournal(fj, r, HookOptions{Path: PartPath(jpath, part), Part: part, Title: rb.Title, Records: recs})
	e, err := session.Resume(session.Config{Runbook: rb, Params: thinmanParams, Operator: session.Operator{Name: operator}, Journal: h}, recs, session.ResumeOptions{})
	must(t, err)
	return e, h, fj, r
}

// TestHookOff: a run that is not recorded says so in the journal and
// writes no file.
func TestHookOff(t *testing.T) {
	rb := thinman(t)
	dir := t.TempDir()
	jpath := journal.SessionPath(dir, "20261122-021500-ab12")
	fj := &session.FileJournal{Path: jpath}
	h := HookJournal(fj, nil, HookOptions{Off: "--no-record"})
	_, err := session.New(session.Config{SessionID: "20261122-021500-ab12", Runbook: rb, Params: thinmanParams, Mode: session.ModeRehearsal, Journal: h})
	must(t, err)
	must(t, h.Finish(session.EndQuit))
	must(t, fj.Close())
	recs, err := journal.Read(jpath)
	must(t, err)
	if recs[1].Type != journal.TypeRecordingOff || !strings.Contains(string(recs[1].Data), `"reason":"--no-record"`) || !strings.Contains(string(recs[1].Data), `"rehearsal":true`) {
		t.Fatalf("second record %s %s", recs[1].Type, recs[1].Data)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.cast")); len(m) != 0 {
		t.Fatalf("files %v", m)
	}
}

// TestHookCannotCreate: a file in the way (left by a crash, or planted)
// is never written through; the run goes on unrecorded and says why.
func TestHookCannotCreate(t *testing.T) {
	rb := thinman(t)
	dir := t.TempDir()
	jpath := journal.SessionPath(dir, "20261122-021500-ab12")
	mustWriteFileT(t, PartPath(jpath, 1), "planted")
	fj := &session.FileJournal{Path: jpath}
	var term bytes.Buffer
	r := New(&term, 80, 24, Options{})
	h := HookJournal(fj, r, HookOptions{Path: PartPath(jpath, 1), Part: 1})
	_, err := session.New(session.Config{SessionID: "20261122-021500-ab12", Runbook: rb, Params: thinmanParams, Journal: h})
	must(t, err)
	mustWrite(t, r, "still drawn")
	must(t, h.Finish(session.EndQuit))
	must(t, fj.Close())
	recs, _ := journal.Read(jpath)
	if recs[1].Type != journal.TypeRecordingOff || !strings.Contains(string(recs[1].Data), "could not be created") {
		t.Fatalf("%s %s", recs[1].Type, recs[1].Data)
	}
	if string(mustRead(t, PartPath(jpath, 1))) != "planted" || term.String() != "still drawn" {
		t.Fatal("the planted file was touched, or the console lost its output")
	}
}

func TestPartPath(t *testing.T) {
	if got := PartPath("/s/20261122-021500-ab12.jsonl", 1); got != "/s/20261122-021500-ab12.cast" {
		t.Error(got)
	}
	if got := PartPath("/s/20261122-021500-ab12.jsonl", 3); got != "/s/20261122-021500-ab12.3.cast" {
		t.Error(got)
	}
}

func hasEvent(c *asciicast.Cast, code, data string) bool {
	for _, e := range c.Events {
		if e.Code == code && e.Data == data {
			return true
		}
	}
	return false
}

func mustWriteFileT(t *testing.T, path, s string) {
	t.Helper()
	if err := writeFile(path, s); err != nil {
		t.Fatal(err)
	}
}
