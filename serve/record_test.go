package serve

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// drawFrame stands for the operator's console drawing through its
// connection's output, which records it.
func drawFrame(t *testing.T, out *switchWriter, text string) {
	t.Helper()
	if _, err := out.Write([]byte("\x1b[H\x1b[2J" + text + "\n")); err != nil {
		t.Fatal(err)
	}
}

// manualOf is the current step's manual check.
func manualOf(t *testing.T, rt tui.Runtime) string {
	t.Helper()
	st, _ := rt.Snapshot().CurrentStep()
	for _, c := range st.Step.Checks {
		if c.Kind == "manual" {
			return c.ID
		}
	}
	t.Fatal("the step has no manual check")
	return ""
}

// TestHostedSessionIsRecorded: a session driven here is recorded as a
// local console session is. Part 1: alice drives a two-person rehearsal,
// bob grants her override from his console, carol watches; then alice's
// connection drops. Part 2: the session is resumed and quit. Each part is
// a file beside the journal that verifies; it holds the operator's frames
// as the terminal got them and one marker per journaled event of the
// marked kinds (approvals included; a watcher's join is not one).
func TestHostedSessionIsRecorded(t *testing.T) {
	h := newTestHub(t)
	out := newSwitchWriter(io.Discard, true, 100, 30)
	rec := out.newRecorder()
	hs := rehearseWith(t, h, true, rec)
	if hs.recorder() != rec {
		t.Fatal("the hosted session does not record the operator's console")
	}
	out.record(hs.recorder())
	drawFrame(t, out, "alice's console: step one")

	drv := newConsoleRT(hs, who(alice, "alice"), alice, true)
	v := &Viewer{Who: who(carol, "carol"), Role: RoleObserver}
	hs.Join(v)
	_, err := drv.Override(tui.Override{Checks: []string{manualOf(t, drv)}, Category: session.CategoryAcceptedRisk, Reason: "the backup was verified by the DBA on call"})
	if err == nil {
		t.Fatal("the override went through without approval")
	}
	a := drv.Snapshot().Approval
	if _, err := newConsoleRT(hs, who(bob, "bob"), bob, false).Decide(a.ID, true, "the backup log is in the ticket"); err != nil {
		t.Fatal(err)
	}
	if _, err := drv.Annotate("installers copied to tm1"); err != nil {
		t.Fatal(err)
	}
	drawFrame(t, out, "alice's console: step two")
	hs.Leave(v)
	out.stop()
	hs.Close("alice's connection dropped")

	// Part 2: resumed, with a recorder of its own.
	p, err := h.PlanResume(hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec2 := out.newRecorder()
	rs, err := h.Resume(p, tui.FormResult{}, who(alice, "alice"), rec2)
	if err != nil {
		t.Fatal(err)
	}
	out.record(rs.recorder())
	drawFrame(t, out, "alice's console, resumed")
	drv2 := newConsoleRT(rs, who(alice, "alice"), alice, true)
	if _, err := drv2.Tick(manualOf(t, drv2), true); err != nil {
		t.Fatal(err)
	}
	if _, err := drv2.Quit(); err != nil {
		t.Fatal(err)
	}
	out.stop()
	rs.Close("")

	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	res := journal.VerifyRecordings(hs.Path, recs)
	if !res.OK() || len(res.Parts) != 2 {
		t.Fatalf("the recordings do not verify: %+v", res)
	}
	base := strings.TrimSuffix(filepath.Base(hs.Path), journal.Ext)
	for i, want := range []struct{ file, end, frame string }{
		{base + ".cast", recording.EndInterrupted, "step two"},
		{base + ".2.cast", session.EndQuit, "resumed"},
	} {
		p := res.Parts[i]
		if p.File != want.file || !p.Final || p.End != want.end {
			t.Errorf("part %d: %s final %v end %q, want %s ended %s", i+1, p.File, p.Final, p.End, want.file, want.end)
		}
		st, err := os.Stat(p.Path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("part %d: %v, mode %v; want 0600", i+1, err, st.Mode().Perm())
		}
		b, _ := os.ReadFile(p.Path)
		if !strings.Contains(string(b), want.frame+`\r\n`) {
			t.Errorf("part %d does not hold the operator's frame %q as the terminal got it", i+1, want.frame)
		}
	}

	markers := map[string]int{}
	for _, p := range res.Parts {
		for _, m := range readCast(t, p.Path).Markers() {
			markers[markerType(m.Data)]++
		}
	}
	journaled := map[string]int{}
	for _, r := range recs {
		if recording.Marked(r.Type) {
			journaled[markerType(recording.Label(r, nil, ""))]++
		}
	}
	for _, k := range []string{"step", "approval.request", "approval.grant", "OVERRIDE", "note", "ticked", "resumed", "session ended"} {
		if journaled[k] == 0 || markers[k] != journaled[k] {
			t.Errorf("%d %q markers for %d journaled", markers[k], k, journaled[k])
		}
	}
	if markers["interrupted"] != 1 {
		t.Errorf("%d interrupted markers, want 1 (part 1)", markers["interrupted"])
	}
	if n := count(journalTypes(t, hs.Path), session.EvWatchJoin); n != 1 {
		t.Errorf("%d watch.join", n)
	}
}

// markerType names a marker's kind by its label (docs/recording.md).
func markerType(label string) string {
	for _, k := range []string{"approval.request", "approval.grant", "approval.reject", "OVERRIDE", "note", "ticked", "gate open", "action started", "action ok", "action failed", "HALTED"} {
		if strings.Contains(label, ": "+k) {
			return k
		}
	}
	for _, k := range []string{"step", "resumed", "session ended", "interrupted"} {
		if strings.HasPrefix(label, k) {
			return k
		}
	}
	return label
}

// TestRecordingPolicyOffInServe: the site policy turns the recording off:
// the journal says so, no file is made, and the console is not teed.
func TestRecordingPolicyOffInServe(t *testing.T) {
	h := newTestHub(t)
	if err := os.WriteFile(filepath.Join(h.cfg.StateDir, policy.FileName), []byte("recording:\n  enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := newSwitchWriter(io.Discard, true, 100, 30)
	hs := rehearseWith(t, h, false, out.newRecorder())
	if hs.recorder() != nil {
		t.Error("a session the policy does not record has a recorder")
	}
	hs.Close("")
	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	var off []string
	for _, r := range recs {
		switch r.Type {
		case journal.TypeRecordingOff:
			off = append(off, string(r.Data))
		case journal.TypeRecordingStart:
			t.Error("recording.start under a policy that turns recording off")
		}
	}
	if len(off) != 1 || !strings.Contains(off[0], "turned off by the site policy") {
		t.Errorf("recording.off: %v", off)
	}
	if m, _ := filepath.Glob(filepath.Join(h.cfg.StateDir, "*.cast")); len(m) != 0 {
		t.Errorf("recordings made: %v", m)
	}
}

// TestOnlyTheOperatorsConsoleIsRecorded: the console of the person who
// drives the session is recorded; a watcher's (an observer's, an
// approver's) never is, nor is the picker.
func TestOnlyTheOperatorsConsoleIsRecorded(t *testing.T) {
	h := newTestHub(t)
	srv := &Server{hub: h}
	opOut := newSwitchWriter(io.Discard, true, 100, 30)
	hs := rehearseWith(t, h, false, opOut.newRecorder())
	for _, tt := range []struct {
		name   string
		p      *Person
		driver bool
	}{
		{"the operator", alice, true},
		{"an observer", carol, false},
		{"an approver", bob, false},
	} {
		out := opOut
		if !tt.driver {
			out = newSwitchWriter(io.Discard, true, 100, 30)
		}
		c := &conn{srv: srv, person: tt.p, who: who(tt.p, tt.p.Name), out: out}
		rt := newConsoleRT(hs, c.who, tt.p, tt.driver)
		a := newApp(c)
		a.openConsole(&attachment{id: hs.ID, hosted: hs, rt: rt, console: rt, driver: tt.driver})
		if got := out.rec != nil; got != tt.driver {
			t.Errorf("%s's console recorded: %v, want %v", tt.name, got, tt.driver)
		}
		a.childDone()
		if out.rec != nil {
			t.Errorf("%s: the picker is recorded after the console left", tt.name)
		}
		rt.close()
	}
}
