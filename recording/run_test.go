package recording

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
)

func TestDecide(t *testing.T) {
	on := policy.Recording{Enabled: true}
	tests := []struct {
		name    string
		c       Choice
		off     string // a part of the reason; "" when recorded
		refused bool
	}{
		{"recorded by default", Choice{Policy: on}, "", false},
		{"--no-record", Choice{Policy: on, NoRecord: true}, "--no-record", false},
		{"plain mode", Choice{Policy: on, Plain: true}, "plain mode", false},
		{"the policy turns it off", Choice{Policy: policy.Recording{From: "/etc/handrail/policy.yaml"}}, "turned off by the site policy /etc/handrail/policy.yaml", false},
		{"the policy requires it: --no-record refused", Choice{Policy: policy.Recording{Enabled: true, Required: true, From: "site"}, NoRecord: true}, "", true},
		{"required and plain: plain is not recorded", Choice{Policy: policy.Recording{Enabled: true, Required: true}, Plain: true}, "plain mode", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, err := Decide(tt.c)
			if tt.refused != errors.Is(err, ErrRequired) {
				t.Fatalf("err = %v, want refused %v", err, tt.refused)
			}
			if tt.refused {
				if !strings.Contains(err.Error(), "--no-record is refused: the site policy site requires") {
					t.Errorf("err = %q", err)
				}
				return
			}
			if (tt.off == "") != (off == "") || !strings.Contains(off, tt.off) {
				t.Errorf("off = %q, want %q", off, tt.off)
			}
		})
	}
}

// TestRunOff: a run the policy turns off drops what its Recorder held in
// memory, makes no file, and journals recording.off with the reason.
func TestRunOff(t *testing.T) {
	dir := t.TempDir()
	jpath := journal.SessionPath(dir, "20261122-021500-ab12")
	rec := New(io.Discard, 80, 24, Options{})
	if _, err := rec.Write([]byte("the parameter form")); err != nil {
		t.Fatal(err)
	}
	run := NewRun(rec, policy.Recording{Enabled: false, From: "x"})
	if run.Recorder() != nil {
		t.Error("a run turned off has a Recorder")
	}
	fj := &session.FileJournal{Path: jpath}
	e, err := session.New(session.Config{SessionID: "20261122-021500-ab12", Runbook: thinman(t), Params: thinmanParams,
		Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run.Journal(fj, jpath, "t", nil)})
	must(t, err)
	_ = e
	if run.Recording() {
		t.Error("a run turned off says it records")
	}
	must(t, run.Finish(""))
	must(t, run.Finish("")) // again: nothing
	must(t, fj.Close())
	if m, _ := filepath.Glob(filepath.Join(dir, "*.cast")); len(m) != 0 {
		t.Errorf("files made: %v", m)
	}
	recs, err := journal.Read(jpath)
	must(t, err)
	var offs []string
	for _, r := range recs {
		if r.Type == journal.TypeRecordingOff {
			offs = append(offs, string(r.Data))
		}
		if r.Type == journal.TypeRecordingStart || r.Type == journal.TypeRecordingCheckpoint {
			t.Errorf("a run turned off journaled %s", r.Type)
		}
	}
	if len(offs) != 1 || !strings.Contains(offs[0], "turned off by the site policy x") {
		t.Errorf("recording.off records: %v", offs)
	}
}

// TestRunRecords: a run records from its Recorder's start, and Finish
// ends it once with the final checkpoint; a nil Run is a no-op.
func TestRunRecords(t *testing.T) {
	dir := t.TempDir()
	jpath := journal.SessionPath(dir, "20261122-021500-ab12")
	run, err := Start(io.Discard, 100, 30, Choice{Policy: policy.Recording{Enabled: true}})
	must(t, err)
	if _, err := run.Recorder().Write([]byte("drawn before the session started")); err != nil {
		t.Fatal(err)
	}
	fj := &session.FileJournal{Path: jpath}
	_, err = session.New(session.Config{SessionID: "20261122-021500-ab12", Runbook: thinman(t), Params: thinmanParams,
		Operator: session.Operator{Name: "op"}, Mode: session.ModeLive, Version: "test", Journal: run.Journal(fj, jpath, "t", nil)})
	must(t, err)
	if !run.Recording() {
		t.Fatal("the run does not record once its session started")
	}
	must(t, run.Finish(""))
	if run.Recording() {
		t.Error("a finished run still records")
	}
	must(t, fj.Close())
	b, err := os.ReadFile(PartPath(jpath, 1))
	must(t, err)
	if !strings.Contains(string(b), "drawn before the session started") || !strings.Contains(string(b), `"interrupted at step`) {
		t.Errorf("the recording lacks what was drawn or the interrupted marker:\n%s", b)
	}
	recs, err := journal.Read(jpath)
	must(t, err)
	res := journal.VerifyRecordings(jpath, recs)
	if !res.OK() || len(res.Parts) != 1 || !res.Parts[0].Final || res.Parts[0].End != EndInterrupted {
		t.Errorf("verify: %+v", res)
	}

	var none *Run
	if none.Journal(fj, jpath, "t", nil) != session.Journal(fj) || none.Recorder() != nil || none.Recording() || none.Finish("") != nil {
		t.Error("a nil Run should record and journal nothing")
	}
}
