package rehearsal

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/session"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", p, got)
	}
}

// TestDebriefNetcopyFails rehearses solidDB's step-18 failure the way the
// manual says, with a note and an override on the way, and checks the
// debrief tells it all.
func TestDebriefNetcopyFails(t *testing.T) {
	h := newHarness(t, "soliddb-hsb-netcopy", "netcopy-fails")
	if err := h.e.Note("starting the drill"); err != nil {
		t.Fatal(err)
	}
	// Override the first step with a reason, as a trainee might.
	if err := h.e.Override(session.OverrideRequest{Checks: []string{"users-notified"}, Category: session.Categories[0], Reason: "users were notified by the change board yesterday", Confirmed: true}); err != nil {
		t.Fatalf("override: %v", err)
	}
	h.clock.Advance(90 * time.Second)
	h.runToEnd(true, 2*time.Hour)
	if h.e.Ended() != session.EndCompleted {
		t.Fatalf("ended %q", h.e.Ended())
	}
	got := Debrief(h.rb, h.sc, h.records())
	for _, want := range []string{
		"Scenario **netcopy-fails**",
		"| 23 · s2-connect |",
		"(2 visits)",
		"**connect-refused** (soliddb.connect_fails, shows at step s2-connect): **found**:",
		"you followed on_fail to s1-upgrade",
		"The manual says nothing against going on here (source step before-1): you overrode users-notified.",
		"users were notified by the change board yesterday",
		"starting the drill",
		"Score 90/100: passed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("debrief lacks %q", want)
		}
	}
	golden(t, "debrief-soliddb-netcopy-fails.md", got)
	html := GradeRecords(h.rb, h.sc, h.records()).HTML()
	for _, want := range []string{"<title>Rehearsal debrief: solidDB", "Score 90/100: passed", "<td>23 · s2-connect</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML debrief lacks %q", want)
		}
	}
}

// untilStep carries out steps the right way until key is the current step.
func (h *harness) untilStep(key string) {
	h.t.Helper()
	for n := 0; n < 200; n++ {
		if v, _, ok := h.e.Current(); ok && v.Key == key {
			return
		}
		if out, failing := h.step(time.Hour); out != outNext {
			h.t.Fatalf("before %s: %s %v", key, out, failing)
		}
	}
	h.t.Fatalf("never reached %s", key)
}

// actAndWait runs the current step's action and polls its checks once a
// simulated second for d, without leaving the step.
func (h *harness) actAndWait(d time.Duration) {
	h.t.Helper()
	v, st, _ := h.e.Current()
	if st.Action != nil {
		a, _, err := h.e.ActionStart(true)
		if err != nil {
			h.t.Fatal(err)
		}
		if err := h.e.ActionEnd(h.drv.Run(context.Background(), a)); err != nil {
			h.t.Fatal(err)
		}
	}
	judges := map[string]*checks.Judge{}
	start := h.clock.Now()
	for h.clock.Now().Sub(start) < d {
		h.clock.Advance(time.Second)
		for _, c := range st.Checks {
			if c.Kind == checks.KindManual {
				continue
			}
			jd := judges[c.ID]
			if jd == nil {
				jd = checks.NewJudge(c, start)
				judges[c.ID] = jd
			}
			res := jd.Result(v.Key, h.e.Generation(), h.drv.Observe(context.Background(), c), h.clock.Now())
			if _, err := h.e.Observe(res); err != nil {
				h.t.Fatal(err)
			}
		}
	}
}

// pollWithoutAction polls the current step's checks once a simulated
// second for up to d, never running its action, until the session ends
// (its on_fail halts it).
func (h *harness) pollWithoutAction(d time.Duration) {
	h.t.Helper()
	v, st, _ := h.e.Current()
	judges := map[string]*checks.Judge{}
	start := h.clock.Now()
	for h.clock.Now().Sub(start) < d && h.e.Ended() == "" {
		h.clock.Advance(time.Second)
		for _, c := range st.Checks {
			if c.Kind == checks.KindManual || h.e.Ended() != "" {
				continue
			}
			jd := judges[c.ID]
			if jd == nil {
				jd = checks.NewJudge(c, start)
				judges[c.ID] = jd
			}
			res := jd.Result(v.Key, h.e.Generation(), h.drv.Observe(context.Background(), c), h.clock.Now())
			if _, err := h.e.Observe(res); err != nil {
				h.t.Fatal(err)
			}
		}
	}
}

// pollAfterRefusedAction journals the current step's action as run and
// refused by its target (the world never ran it: a statement the server
// turned down), which starts its checks' `within` deadlines, then polls as
// pollWithoutAction does.
func (h *harness) pollAfterRefusedAction(d time.Duration) {
	h.t.Helper()
	if _, _, err := h.e.ActionStart(true); err != nil {
		h.t.Fatal(err)
	}
	if err := h.e.ActionEnd(checks.ActionResult{ExitCode: 1, Error: "refused by the server"}); err != nil {
		h.t.Fatal(err)
	}
	h.pollWithoutAction(d)
}

// TestGradeTable: the score and the verdicts, case by case, on the real
// runbooks and scenarios.
func TestGradeTable(t *testing.T) {
	type want struct {
		graded, passed bool
		score          int
		fault          string // the first fault's outcome
		override       string // a piece of the first override's verdict
		deduction      string // a piece of a deduction's reason
		points         int    // that deduction's points (0: any)
		// passMark is the site policy's min_score the grade is made at
		// (0: none, the default).
		passMark int
		// verdict is a piece of the verdict line; reference the
		// reference time compared against (0: not checked).
		verdict   string
		reference time.Duration
	}
	tests := []struct {
		name, runbook, scenario string
		drive                   func(h *harness)
		want                    want
	}{
		{"the happy path, done right", "thinman-dual-db", "happy", func(h *harness) { h.runToEnd(false, time.Hour) },
			want{graded: true, passed: true, score: 100}},
		{"replication error: halted as the manual says", "thinman-dual-db", "replication-error", func(h *harness) { h.runToEnd(false, time.Hour) },
			want{graded: true, passed: true, score: 100, fault: FaultFound}},
		{"replication error: START REPLICA not run yet, no halt on within, then quit", "thinman-dual-db", "replication-error", func(h *harness) {
			// The check's deadline waits for the action: five minutes
			// without START REPLICA halt nothing. The fault strikes only
			// when the replica is started: never run, it never struck.
			h.untilStep("start-replica")
			h.pollWithoutAction(5 * time.Minute)
			if h.e.Ended() != "" || h.e.OnFail() != nil {
				h.t.Fatalf("ended %q, on_fail %+v: the deadline ran before the action", h.e.Ended(), h.e.OnFail())
			}
			if err := h.e.Quit(); err != nil {
				h.t.Fatal(err)
			}
		}, want{graded: false, fault: FaultNotTriggered}},
		{"replication error: overridden", "thinman-dual-db", "replication-error", func(h *harness) {
			h.untilStep("start-replica")
			// START SLAVE; the IO thread stops on 1236 a second later.
			// The override comes before any poll: the error is final
			// (fail_when) and would halt the session at its first poll.
			h.actAndWait(0)
			h.clock.Advance(2 * time.Second)
			if err := h.e.Override(session.OverrideRequest{Checks: []string{"replica-running"}, Category: session.CategoryAcceptedRisk,
				Reason: "the DBA will re-seed the replica after the update", Confirmed: true}); err != nil {
				h.t.Fatal(err)
			}
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: false, score: 30, fault: FaultMissed,
			override:  `Forbidden: the manual says to stop here (source step slave-start, verify-start, start-error): "In case of different output, refer to your Database Administrator. STOP THINMAN UPDATE`,
			deduction: "an override the manual forbids, at start-replica"}},
		{"netcopy fails: overridden instead of the goto", "soliddb-hsb-netcopy", "netcopy-fails", func(h *harness) {
			h.untilStep("s2-connect")
			h.actAndWait(40 * time.Second)
			if err := h.e.Override(session.OverrideRequest{Checks: []string{"s1-connected-secondary", "s2-connected-primary"}, Category: session.CategoryCheckWrong,
				Reason: "the pair will connect by itself later on", Confirmed: true}); err != nil {
				h.t.Fatal(err)
			}
			if err := h.e.Next(); err != nil { // the override opened the gate
				h.t.Fatal(err)
			}
			// The pair never connects: the test step after it is blocked
			// too, and overridden as well.
			h.runToEnd(false, 10*time.Minute)
			var ids []string
			for _, b := range h.e.Gate().Blocking {
				ids = append(ids, b.Check)
			}
			if err := h.e.Override(session.OverrideRequest{Checks: ids, Category: session.CategoryCheckWrong,
				Reason: "same as before: it will connect later", Confirmed: true}); err != nil {
				h.t.Fatal(err)
			}
			if err := h.e.Next(); err != nil {
				h.t.Fatal(err)
			}
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: false, score: 40, fault: FaultMissed, override: "Against the manual: it says to go to step s1-upgrade here (source step 18)"}},
		{"happy path halted at step 3: STOP REPLICA refused, the check's deadline ran out", "thinman-dual-db", "happy", func(h *harness) {
			// STOP REPLICA refused by the server: the check's deadline
			// runs out and its on_fail halts. No fault asks for that
			// stop: the drill stopped at step 3 of 14, and does not pass
			// whatever its score. The time is compared on the two steps
			// done (10m + 2m), never on the step it stopped on nor the
			// whole runbook.
			h.untilStep("stop-replica")
			h.pollAfterRefusedAction(5 * time.Minute)
			if h.e.Ended() != session.EndHalted {
				h.t.Fatalf("ended %q, want halted by stop-replica's on_fail", h.e.Ended())
			}
		}, want{graded: true, passed: false, score: 95, reference: 12 * time.Minute,
			verdict: "Score 95/100: not passed: the session halted at step 3 of 14 (stop-replica) with no fault there that asks for the manual's stop"}},
		{"stop error: halted at the fault's step, as the manual says", "thinman-dual-db", "stop-error", func(h *harness) {
			h.runToEnd(false, time.Hour)
			if h.e.Ended() != session.EndHalted {
				h.t.Fatalf("ended %q, want halted at the duplicate key", h.e.Ended())
			}
		}, want{graded: true, passed: true, score: 100, fault: FaultFound, reference: 12 * time.Minute, verdict: "Score 100/100: passed (the pass mark"}},
		{"quit before the fault", "thinman-dual-db", "replication-error", func(h *harness) {
			if err := h.e.Quit(); err != nil {
				h.t.Fatal(err)
			}
		}, want{graded: false, fault: FaultNotMet, verdict: "Not graded, not passed: the session is quit"}},
		{"quit at the fault", "timesten-cs-online-upgrade", "subscriber-behind", func(h *harness) {
			h.untilStep("wait-replication")
			h.actAndWait(30 * time.Second)
			if err := h.e.Quit(); err != nil {
				h.t.Fatal(err)
			}
		}, want{graded: false, fault: FaultUnresolved}},
		{"slow: three hours on the backup step", "thinman-dual-db", "happy", func(h *harness) {
			h.clock.Advance(3 * time.Hour)
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: true, score: 85, deduction: "over the reference time"}},
		{"continue past a halt with the checks failing", "thinman-dual-db", "happy", func(h *harness) {
			// START REPLICA refused: the check's minute runs out and
			// its on_fail halts. Resumed (suspended), the trainee goes on
			// with the replica still stopped: the manual forbids it.
			h.untilStep("start-replica")
			h.pollAfterRefusedAction(5 * time.Minute)
			if h.e.Ended() != session.EndHalted {
				h.t.Fatalf("ended %q, want halted", h.e.Ended())
			}
			recs := h.records()
			h2 := resumed(h.t, h, h.drv, h.clock, recs)
			h.e, h.mj, h.prefix = h2.e, h2.mj, recs
			if err := h.e.Continue("the replica is started right after this, by hand"); err != nil {
				h.t.Fatal(err)
			}
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: false, score: 55, override: "Forbidden: the manual says to stop here",
			deduction: "an override the manual forbids, at start-replica", points: 40}},
		{"checks failed at four steps with no fault: 5 each, at most 15", "soliddb-hsb-netcopy", "happy", func(h *harness) {
			for _, id := range []string{"s1-disconnect", "s2-shutdown", "s1-primary-alone", "s2-switch-primary"} {
				h.untilStep(id)
				h.pollAfterRefusedAction(2*time.Minute + 5*time.Second) // past the checks' within
				if out, failing := h.step(time.Hour); out != outNext {
					h.t.Fatalf("%s after its action: %s %v", id, out, failing)
				}
			}
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: true, score: 85, deduction: "4 step(s) where a check failed with no fault to blame", points: 15}},
		{"slow, under a site policy's min_score 90", "thinman-dual-db", "happy", func(h *harness) {
			h.clock.Advance(3 * time.Hour)
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: false, score: 85, deduction: "over the reference time", passMark: 90}},
		{"min_score below the default leaves 70", "thinman-dual-db", "happy", func(h *harness) {
			h.clock.Advance(3 * time.Hour)
			h.runToEnd(false, time.Hour)
		}, want{graded: true, passed: true, score: 85, passMark: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.runbook, tt.scenario)
			tt.drive(h)
			gr := NewGrader(h.rb, h.sc)
			if tt.want.passMark != 0 {
				gr.SetPassMark(tt.want.passMark)
			}
			for _, r := range h.records() {
				gr.Add(r)
			}
			g := gr.Grade()
			w := tt.want
			if mark := max(w.passMark, PassMark); g.PassMark != mark || (g.Graded && !strings.Contains(g.VerdictLine(), fmt.Sprintf("the pass mark is %d,", mark))) {
				t.Errorf("pass mark %d, verdict %q; want %d", g.PassMark, g.VerdictLine(), mark)
			}
			if g.Graded != w.graded || g.Passed != w.passed || (w.graded && g.Score != w.score) {
				t.Errorf("graded %v passed %v score %d; want %v %v %d\n%s", g.Graded, g.Passed, g.Score, w.graded, w.passed, w.score, g.Markdown())
			}
			if w.verdict != "" && !strings.Contains(g.VerdictLine(), w.verdict) {
				t.Errorf("verdict %q, want it to say %q", g.VerdictLine(), w.verdict)
			}
			if w.reference != 0 && g.Reference != w.reference {
				t.Errorf("compared against a reference of %s, want %s (the steps done only)\n%s", g.Reference, w.reference, g.TimeLine())
			}
			if w.fault != "" && (len(g.Faults) == 0 || g.Faults[0].Outcome != w.fault) {
				t.Errorf("faults %+v, want the first %s", g.Faults, w.fault)
			}
			if w.override != "" && (len(g.Overrides) == 0 || !strings.Contains(g.Overrides[0].Verdict, w.override)) {
				t.Errorf("overrides %+v, want a verdict with %q", g.Overrides, w.override)
			}
			if w.deduction != "" {
				found := false
				for _, d := range g.Deductions {
					found = found || (strings.Contains(d.Why, w.deduction) && (w.points == 0 || d.Points == w.points))
				}
				if !found {
					t.Errorf("deductions %+v lack %q", g.Deductions, w.deduction)
				}
			}
			if w.graded {
				for _, s := range g.Steps {
					if s.FirstTime > s.Checks {
						t.Errorf("step %s: %d of %d checks passed first time", s.Key, s.FirstTime, s.Checks)
					}
				}
			}
		})
	}
}

// TestScoreUnresolvedFault: a fault met and left unresolved costs 15. No
// graded session reaches it through the engine (a session that stops on a
// fault's step without a halt was quit or cut off, and is not graded; a
// halt there is the manual's answer), so the rule is checked on the score
// alone.
func TestScoreUnresolvedFault(t *testing.T) {
	gr := NewGrader(nil, nil)
	score, ds := gr.score(Grade{Faults: []FaultGrade{{ID: "f", Step: "s", Outcome: FaultUnresolved}}})
	if score != 85 || len(ds) != 1 || ds[0].Points != 15 || !strings.Contains(ds[0].Why, "fault f met and left unresolved") {
		t.Errorf("score %d, deductions %+v; want 85 with -15 for fault f", score, ds)
	}
}

// TestDebriefFilesCarryNoControlNorMarkup: a trainee's name and notes are
// data in both files: no raw control or bidi character in the Markdown or
// the HTML, and no HTML or link markup that a Markdown viewer would act on.
func TestDebriefFilesCarryNoControlNorMarkup(t *testing.T) {
	g := Grade{Runbook: "rb", Session: "20261122-020000-abcd", Operator: "Eve\x1b[42m GATE OPEN\u202e",
		Notes: []string{"<script>alert(1)</script> [click](http://evil.example) `code`", "bell\x07"}}
	md, html := g.Markdown(), g.HTML()
	for name, s := range map[string]string{"md": md, "html": html} {
		for _, r := range s {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
				t.Fatalf("the %s debrief carries %U raw:\n%s", name, r, s)
			}
		}
		if strings.Contains(s, "<script>") {
			t.Errorf("the %s debrief carries the note's <script> as markup:\n%s", name, s)
		}
	}
	for _, want := range []string{`\x1b\[42m`, "&lt;script&gt;", `\[click\](http://evil.example)`} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown debrief lacks %q:\n%s", want, md)
		}
	}
}
