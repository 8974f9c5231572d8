package recording

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
)

// TestRunSkipsFileInTheWay: a file already where the resumed run's
// recording goes (left over, or planted: here a link to another file) is
// neither followed nor overwritten, nor does it turn the recording off:
// the next free part is recorded and verifies.
func TestRunSkipsFileInTheWay(t *testing.T) {
	dir := t.TempDir()
	const id = "20261122-021500-ab12"
	jpath := journal.SessionPath(dir, id)
	on := Choice{Policy: policy.Recording{Enabled: true, Required: true, From: "/etc/handrail/policy.yaml"}}

	run1, err := Start(io.Discard, 80, 24, on)
	must(t, err)
	fj := &session.FileJournal{Path: jpath}
	_, err = session.New(session.Config{SessionID: id, Runbook: thinman(t), Params: thinmanParams,
		Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run1.Journal(fj, jpath, "t", nil)})
	must(t, err)
	must(t, run1.Finish(""))
	must(t, fj.Close())

	victim := dir + "/victim"
	mustWriteFileT(t, victim, "another session's recording")
	must(t, os.Symlink(victim, PartPath(jpath, 2)))

	w, recs, _, err := journal.Open(jpath)
	must(t, err)
	fj = &session.FileJournal{Path: jpath, W: w}
	run2, err := Start(io.Discard, 80, 24, on)
	must(t, err)
	_, err = session.Resume(session.Config{Runbook: thinman(t), Params: thinmanParams, Operator: session.Operator{Name: "op"},
		Journal: run2.Journal(fj, jpath, "t", recs)}, recs, session.ResumeOptions{})
	must(t, err)
	if !run2.Recording() || run2.Problem() != "" {
		t.Fatalf("the resumed run is not recorded: %q", run2.Problem())
	}
	must(t, run2.Finish(session.EndQuit))
	must(t, fj.Close())

	if got := string(mustRead(t, victim)); got != "another session's recording" {
		t.Errorf("the link was followed: victim holds %q", got)
	}
	if l, err := os.Readlink(PartPath(jpath, 2)); err != nil || l != victim {
		t.Errorf("the file in the way was replaced: %q %v", l, err)
	}
	all, err := journal.Read(jpath)
	must(t, err)
	for _, r := range all {
		if r.Type == journal.TypeRecordingOff {
			t.Errorf("recording.off journaled: %s", r.Data)
		}
	}
	res := journal.VerifyRecordings(jpath, all)
	if !res.OK() || len(res.Parts) != 2 || res.Parts[1].File != id+".3.cast" || res.Parts[1].Part != 3 {
		t.Fatalf("verify: %+v", res)
	}
	if NextPart(all) != 4 {
		t.Errorf("NextPart = %d after part 3", NextPart(all))
	}
}

// blockParts fills every part path attach may try with a file in the way.
func blockParts(t *testing.T, jpath string) {
	t.Helper()
	for p := 1; p <= maxSkipped+1; p++ {
		mustWriteFileT(t, PartPath(jpath, p), "in the way")
	}
}

// TestRunRequiredCannotRecord: when the site policy requires recording
// and no file can be made, the session does not begin (its first record
// is refused: nothing is journaled, no recording.off); when it does not
// require it, the run goes on unrecorded and Problem says why.
func TestRunRequiredCannotRecord(t *testing.T) {
	const id = "20261122-021500-ab12"
	t.Run("required", func(t *testing.T) {
		dir := t.TempDir()
		jpath := journal.SessionPath(dir, id)
		blockParts(t, jpath)
		run, err := Start(io.Discard, 80, 24, Choice{Policy: policy.Recording{Enabled: true, Required: true, From: "/etc/handrail/policy.yaml"}})
		must(t, err)
		fj := &session.FileJournal{Path: jpath}
		_, err = session.New(session.Config{SessionID: id, Runbook: thinman(t), Params: thinmanParams,
			Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run.Journal(fj, jpath, "t", nil)})
		if !errors.Is(err, ErrCannotRecord) || !strings.Contains(err.Error(), "the site policy /etc/handrail/policy.yaml requires every console session to be recorded") {
			t.Fatalf("err = %v, want ErrCannotRecord naming the policy", err)
		}
		must(t, run.Finish(""))
		must(t, fj.Close())
		if recs, err := journal.Read(jpath); err == nil && len(recs) > 0 {
			t.Errorf("journaled %d records, first %s", len(recs), recs[0].Type)
		}
		if got := string(mustRead(t, PartPath(jpath, 1))); got != "in the way" {
			t.Errorf("part 1 overwritten: %q", got)
		}
	})
	t.Run("required, serve's run", func(t *testing.T) {
		// serve starts its Recorder with the operator's form, then the
		// site policy decides: a required recording refuses the session
		// there too.
		dir := t.TempDir()
		jpath := journal.SessionPath(dir, id)
		blockParts(t, jpath)
		run := NewRun(New(io.Discard, 80, 24, Options{}), policy.Recording{Enabled: true, Required: true, From: "/etc/handrail/policy.yaml"})
		fj := &session.FileJournal{Path: jpath}
		_, err := session.New(session.Config{SessionID: id, Runbook: thinman(t), Params: thinmanParams,
			Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run.Journal(fj, jpath, "t", nil)})
		if !errors.Is(err, ErrCannotRecord) {
			t.Fatalf("err = %v, want ErrCannotRecord", err)
		}
		must(t, run.Finish(""))
		must(t, fj.Close())
	})
	t.Run("not required", func(t *testing.T) {
		dir := t.TempDir()
		jpath := journal.SessionPath(dir, id)
		blockParts(t, jpath)
		run, err := Start(io.Discard, 80, 24, Choice{Policy: policy.Recording{Enabled: true}})
		must(t, err)
		fj := &session.FileJournal{Path: jpath}
		_, err = session.New(session.Config{SessionID: id, Runbook: thinman(t), Params: thinmanParams,
			Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run.Journal(fj, jpath, "t", nil)})
		must(t, err)
		if p := run.Problem(); !strings.Contains(p, "could not be created") || run.Recording() {
			t.Errorf("Problem = %q, Recording %v", p, run.Recording())
		}
		must(t, run.Finish(""))
		must(t, fj.Close())
		recs, err := journal.Read(jpath)
		must(t, err)
		if recs[1].Type != journal.TypeRecordingOff || !strings.Contains(string(recs[1].Data), "could not be created") {
			t.Errorf("second record %s %s", recs[1].Type, recs[1].Data)
		}
	})
}
