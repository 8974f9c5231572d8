package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// recoveryDriver stands in for the slave of testdata/recovery.yaml: it
// answers SELECT loaded and SHOW SLAVE STATUS from its state, can be cut
// off (every probe fails with down, as a closed port does), and refuses
// the login while the password it was given is not its own, with MySQL's
// error 1045, until the session re-enters it.
type recoveryDriver struct {
	mu       sync.Mutex
	down     string
	password string // the server's ("" takes any)
	given    string // the session's
	loaded   string
	io       string
	errno    string
	reentry  []string // the passwords re-entered, in order
}

func newRecoveryDriver() *recoveryDriver {
	return &recoveryDriver{loaded: "1", io: "Yes", errno: "0"}
}

func (d *recoveryDriver) set(f func(d *recoveryDriver)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d)
}

func (d *recoveryDriver) Observe(_ context.Context, c checks.Check) checks.Observation {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	switch {
	case d.down != "":
		return checks.Observation{Error: d.down, At: now}
	case d.password != "" && d.given != d.password:
		return checks.Observation{Error: "Error 1045 (28000): Access denied for user 'ops'@'bastion' (using password: YES)", At: now}
	}
	if c.Kind == checks.KindMySQLQuery {
		return checks.Observation{At: now, Rows: []checks.Row{{Fields: []checks.Field{{Name: "loaded", Value: d.loaded}}}}}
	}
	return checks.Observation{At: now, Rows: []checks.Row{{Fields: []checks.Field{
		{Name: "Slave_IO_Running", Value: d.io}, {Name: "Last_IO_Errno", Value: d.errno}}}}}
}

func (d *recoveryDriver) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{Duration: time.Millisecond}
}

func (d *recoveryDriver) Close() error { return nil }

// SetCredentials takes a re-entered password (checks.CredentialSetter).
func (d *recoveryDriver) SetCredentials(_ string, c checks.Credentials) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.given = c.Password.Reveal()
	d.reentry = append(d.reentry, d.given)
	return nil
}

type recoverySession struct {
	live *Live
	r    *session.Runner
	path string
	cfg  session.Config
	fj   *session.FileJournal
}

func recoveryConfig(t testing.TB, path string) session.Config {
	t.Helper()
	rb, err := steps.Load(filepath.Join("testdata", "recovery.yaml"))
	if err != nil {
		t.Fatalf("load recovery runbook: %v", err)
	}
	return session.Config{SessionID: "20261122-030000-r3c0", Runbook: rb,
		Operator: session.Operator{Name: "alice", User: "alice", Host: "bastion"},
		Mode:     session.ModeLive, Journal: &session.FileJournal{Path: path}}
}

// newRecoverySession starts a real engine on a real journal file over drv,
// at the load step (prepared ticked).
func newRecoverySession(t testing.TB, drv checks.Driver) *recoverySession {
	t.Helper()
	path := filepath.Join(t.TempDir(), "20261122-030000-r3c0"+journal.Ext)
	cfg := recoveryConfig(t, path)
	eng, err := session.New(cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	r := session.NewRunner(eng, drv, nil)
	fj := cfg.Journal.(*session.FileJournal)
	rs := &recoverySession{live: NewLive(r, cfg.Runbook), r: r, path: path, cfg: cfg, fj: fj}
	t.Cleanup(func() {
		r.Close()
		if err := fj.Close(); err != nil {
			t.Errorf("close journal: %v", err)
		}
	})
	if _, err := rs.live.Tick("prepared", true); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.live.Advance(); err != nil {
		t.Fatal(err)
	}
	return rs
}

// waitSnap waits until the runtime's session satisfies ok.
func waitSnap(t *testing.T, rt Runtime, what string, ok func(Snapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for !ok(rt.Snapshot()) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 8s for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count counts the journal's records of type typ whose data holds sub.
func count(recs []journal.Record, typ, sub string) int {
	n := 0
	for _, r := range recs {
		if r.Type == typ && strings.Contains(string(r.Data), sub) {
			n++
		}
	}
	return n
}

// TestUnreachableThenBack: the slave's port closes as start-replica is
// entered, for longer than the check's minute (here 1 s). The panel and
// the gate bar say it cannot be reached, the error in words and for how
// long, with the keys that help; no on_fail fires, nothing halts; when the
// slave answers again the gate opens by itself, and n goes on.
func TestUnreachableThenBack(t *testing.T) {
	t.Parallel()
	drv := newRecoveryDriver()
	rs := newRecoverySession(t, drv)
	tm := startConsole(t, rs.live, 120, 32)
	waitText(t, tm, "Load the snapshot", "ready: press n")

	const refused = "dial tcp 127.0.0.1:3306: connect: connection refused"
	time.Sleep(stepSettle)
	press(tm, "n")
	waitText(t, tm, "Start the database replica")
	drv.set(func(d *recoveryDriver) { d.down = refused })
	waitText(t, tm, "unreachable for", "error: "+refused, "cannot reach slave for", "r retry · p password · o override · q quit")
	// Past the check's minute (within: 1s): still unreachable, not failed.
	waitSnap(t, rs.live, "unreachable for 2s", func(s Snapshot) bool {
		c := s.Checks[0]
		return c.Result.Status == checks.StatusUnreachable && !c.Result.Since.IsZero() && s.SessionNow(time.Now()).Sub(c.Result.Since) > 2*time.Second
	})
	if s := rs.live.Snapshot(); s.Ended != "" || s.Recovery.Say != "" || s.Gate.Open {
		t.Fatalf("an outage past the deadline: ended %q, on_fail %q, gate open %v", s.Ended, s.Recovery.Say, s.Gate.Open)
	}
	press(tm, "r")
	waitText(t, tm, "re-polling")

	drv.set(func(d *recoveryDriver) { d.down = "" })
	waitText(t, tm, "ready: press n")
	press(tm, "n")
	waitText(t, tm, "Tell the users")

	recs := readAll(t, rs.path)
	if n := count(recs, session.EvCheckStatus, `"status":"unreachable"`); n == 0 {
		t.Errorf("no check.status unreachable journaled: %v", types(recs))
	}
	if count(recs, session.EvCheckStatus, `"since"`) == 0 {
		t.Error("unreachable journaled without since")
	}
	if n := count(recs, session.EvOnFail, "") + count(recs, session.EvSessionHalt, "") + count(recs, session.EvOverride, ""); n != 0 {
		t.Errorf("an outage fired an on_fail, a halt or an override: %v", types(recs))
	}
	if count(recs, session.EvStepDone, `"start-replica"`) != 1 {
		t.Errorf("start-replica was not left through its gate: %v", types(recs))
	}
}

// TestCredentialsCorrectedInPlace: the slave refuses the session's login
// (1045): the check is unreachable, never failed. p opens a masked
// dialog; a wrong password is taken and still refused; the right one
// makes the gate open, without leaving the session. The journal says twice
// that the password was re-entered, never what it was.
func TestCredentialsCorrectedInPlace(t *testing.T) {
	t.Parallel()
	const canary = "Canary-Pw-5150-ok"
	drv := newRecoveryDriver()
	drv.password, drv.given = canary, "an-old-password"
	rs := newRecoverySession(t, drv)
	tm := startConsole(t, rs.live, 120, 32)
	waitText(t, tm, "Load the snapshot", "cannot reach slave for", "p password", "Error 1045 (28000): Access denied")

	press(tm, "p")
	waitText(t, tm, "Re-enter a password", "slave", "mysql 127.0.0.1:3306, user ops", "cannot reach it: Error 1045")
	armed()
	press(tm, "enter")
	waitText(t, tm, "nothing entered")
	press(tm, "still-wrong", "enter")
	waitText(t, tm, "password for slave re-entered")
	// Checked again at once, and still refused.
	waitSnap(t, rs.live, "the wrong password refused again", func(s Snapshot) bool {
		c := s.Checks[0]
		return c.HasResult && c.Result.Status == checks.StatusUnreachable && strings.Contains(c.Result.Obs.Error, "Access denied") &&
			c.Result.Obs.At.After(time.Now().Add(-300*time.Millisecond))
	})

	press(tm, "p")
	waitText(t, tm, "Re-enter a password")
	armed()
	press(tm, canary, "enter")
	waitText(t, tm, "password for slave re-entered", "ready: press n")

	drv.mu.Lock()
	got := append([]string(nil), drv.reentry...)
	drv.mu.Unlock()
	if len(got) != 2 || got[0] != "still-wrong" || got[1] != canary {
		t.Errorf("the driver got %q, want the two passwords typed", got)
	}
	recs := readAll(t, rs.path)
	if n := count(recs, session.EvCredentials, `"password"`); n != 2 {
		t.Errorf("%d credentials.reentered records naming the password field, want 2: %v", n, types(recs))
	}
	b, err := os.ReadFile(rs.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), canary) || strings.Contains(string(b), "still-wrong") {
		t.Fatal("a re-entered password reached the journal")
	}
	if count(recs, session.EvOnFail, "")+count(recs, session.EvOverride, "") != 0 {
		t.Errorf("a refused login failed the step or was overridden: %v", types(recs))
	}
}

// TestGotoTakenWithConfirmation: load's check fails at once (fail_when);
// its on_fail names a goto. The gate bar keeps the advice and offers the
// goto with its step number; g asks first (Stay is the default: enter
// cancels, and nothing is journaled), then goes, on the record with who
// confirmed it.
func TestGotoTakenWithConfirmation(t *testing.T) {
	t.Parallel()
	drv := newRecoveryDriver()
	drv.loaded = "corrupt"
	rs := newRecoverySession(t, drv)
	tm := startConsole(t, rs.live, 140, 32)
	waitText(t, tm, "snapshot-loaded failed", "on fail: Prepare the replica again",
		"the runbook says: go to step 1 — press g", "prepare: Prepare the replica")

	press(tm, "g")
	waitText(t, tm, "Take the on_fail goto", "snapshot-loaded failed. The runbook says: go to step 1", "journaled with your name")
	armed()
	press(tm, "enter") // the focus starts on Stay
	waitText(t, tm, "cancelled")
	if count(readAll(t, rs.path), session.EvGoto, "") != 0 {
		t.Fatal("a cancelled goto was journaled")
	}

	press(tm, "g")
	waitText(t, tm, "Take the on_fail goto")
	armed()
	press(tm, "right", "enter")
	waitText(t, tm, "gone to step prepare", "Prepare the replica")

	recs := readAll(t, rs.path)
	var g session.GotoData
	for _, r := range recs {
		if r.Type == session.EvGoto {
			if err := json.Unmarshal(r.Data, &g); err != nil {
				t.Fatal(err)
			}
		}
	}
	if g.From != "load" || g.To != "prepare" || g.Check != "snapshot-loaded" || g.ConfirmedBy == nil || g.ConfirmedBy.Name != "alice" {
		t.Errorf("goto journaled as %+v (confirmed by %+v)", g, g.ConfirmedBy)
	}
	if s := rs.live.Snapshot(); s.Steps[1].State != StepPending || s.Current != 0 {
		t.Errorf("after the goto back the current step is %d and load is %v", s.Current, s.Steps[1].State)
	}
}

// TestHaltResumeContinue: start-replica's check fails at once on Last_IO_Errno
// 1236 and its on_fail halts. Resumed, the console shows the suspension,
// refuses n and g, and says whether the halting step's checks pass now; C
// opens a dialog that needs a reason (and, while the checks fail, a typed
// continue). Once they pass and the operator continues, the step goes on.
func TestHaltResumeContinue(t *testing.T) {
	t.Parallel()
	drv := newRecoveryDriver()
	rs := newRecoverySession(t, drv)
	tm := startConsole(t, rs.live, 120, 34)
	waitText(t, tm, "Load the snapshot", "ready: press n")
	drv.set(func(d *recoveryDriver) { d.io, d.errno = "No", "1236" })
	time.Sleep(stepSettle)
	press(tm, "n")
	waitText(t, tm, "HALTED: ")
	press(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if end := tm.FinalModel(t).(Model).Snapshot().Ended; end != session.EndHalted {
		t.Fatalf("ended %q, want halted", end)
	}
	rs.r.Close()
	if err := rs.fj.Close(); err != nil {
		t.Fatal(err)
	}

	// handrail resume: the halted session comes back suspended.
	w, recs, _, err := journal.Open(rs.path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rs.cfg
	fj := &session.FileJournal{Path: rs.path, W: w}
	cfg.Journal = fj
	t.Cleanup(func() { fj.Close() })
	eng, err := session.Resume(cfg, recs, session.ResumeOptions{})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !eng.Suspended() {
		t.Fatal("the halted session did not resume suspended")
	}
	r := session.NewRunner(eng, drv, nil)
	t.Cleanup(r.Close)
	tm2 := startConsole(t, NewLive(r, cfg.Runbook), 120, 34)
	waitText(t, tm2, "SUSPENDED at start-replica", "checks fail now", "C continue · q quit", "halted: check replica-running failed")
	press(tm2, "n")
	waitText(t, tm2, "refused: the session is suspended: continue it first (C)")
	press(tm2, "g")
	waitText(t, tm2, "then take the goto") // the renderer redraws only what changed

	// While the checks fail, a reason is not enough: continue is typed.
	press(tm2, "C")
	waitText(t, tm2, "Continue the suspended session", "Halted at start-replica: check replica-running failed", "they do not all pass")
	armed()
	press(tm2, "fixed", "tab", "enter")
	waitText(t, tm2, "at least 15 characters (5 so far)")
	press(tm2, "up", " by the DBA at 03:10", "tab", "enter")
	waitText(t, tm2, "Type continue to go on anyway")
	press(tm2, "esc")
	waitText(t, tm2, "cancelled")
	if count(readAll(t, rs.path), session.EvSessionContinue, "") != 0 {
		t.Fatal("a cancelled continue was journaled")
	}

	// The DBA fixes the replica: the banner says the checks pass now.
	drv.set(func(d *recoveryDriver) { d.io, d.errno = "Yes", "0" })
	waitText(t, tm2, "checks pass now")
	press(tm2, "C")
	waitText(t, tm2, "Continue the suspended session", "they pass now")
	armed()
	press(tm2, "the DBA re-seeded the replica at 03:10", "tab", "enter")
	waitText(t, tm2, "continued: the suspension is over", "ready: press n")
	time.Sleep(stepSettle)
	press(tm2, "n")
	waitText(t, tm2, "Tell the users")

	recs = readAll(t, rs.path)
	var c session.ContinueData
	for _, r := range recs {
		if r.Type == session.EvSessionContinue {
			if err := json.Unmarshal(r.Data, &c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.Reason != "the DBA re-seeded the replica at 03:10" || !c.ChecksPass || c.Step != "start-replica" {
		t.Errorf("session.continue = %+v", c)
	}
}

// TestContinueDialogWhileChecksFail drives the dialog alone: with the
// checks failing, a reason leads to the typed confirmation, and only
// "continue" confirms.
func TestContinueDialogWhileChecksFail(t *testing.T) {
	snap := Snapshot{Recovery: RecoveryView{Suspended: true, HaltStep: "start-replica", HaltReason: "Last_IO_Errno 1236"},
		Steps: []StepView{{ID: "start-replica", Step: steps.Step{Title: "Start"}}}, Current: 0}
	var d dialog = newContinueDialog(snap, NewStyles(true, ASCIISymbols))
	d = d.resize(70, 40).arm()
	send := func(keys ...tea.KeyPressMsg) any {
		var res any
		for _, k := range keys {
			d, res, _ = d.update(k)
		}
		return res
	}
	typed := func(s string) []tea.KeyPressMsg {
		var out []tea.KeyPressMsg
		for _, r := range s {
			out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
		return out
	}
	tab, enter := tea.KeyPressMsg{Code: tea.KeyTab}, tea.KeyPressMsg{Code: tea.KeyEnter}
	if res := send(append(typed("the replica runs again now"), tab, enter)...); res != nil {
		t.Fatalf("a reason alone continued while the checks fail: %#v", res)
	}
	if v := d.view(); !strings.Contains(v, "Type continue to go on anyway") {
		t.Fatalf("no typed confirmation asked:\n%s", v)
	}
	if res := send(append(typed("yes"), enter)...); res != nil {
		t.Fatalf("yes confirmed: %#v", res)
	}
	for range 3 {
		send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	res := send(append(typed("continue"), enter)...)
	if r, ok := res.(resContinue); !ok || r.reason != "the replica runs again now" {
		t.Fatalf("continue gave %#v", res)
	}
}

// TestRecoveryBanner: what the gate bar says for each recovery state, the
// on_fail advice included after the gate opened again.
func TestRecoveryBanner(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	base := func() Snapshot {
		s := manyChecksSnapshot(1, now)
		s.Clock = SessionClock{Now: now, Wall: now}
		return s
	}
	for _, tt := range []struct {
		name string
		snap func() Snapshot
		want []string
		none bool
	}{
		{name: "nothing to say", snap: base, none: true},
		{name: "unreachable", snap: func() Snapshot {
			s := base()
			s.Checks[0].Result.Status = checks.StatusUnreachable
			s.Checks[0].Result.Since = now.Add(-80 * time.Second)
			s.Checks[0].Result.Obs.Error = "dial tcp db2:3306: i/o timeout\x1b[2J"
			return s
		}, want: []string{"cannot reach db for 1m20s", "p password", "dial tcp db2:3306: i/o timeout\\x1b[2J"}},
		{name: "advice stays once the gate is open", snap: func() Snapshot {
			s := base()
			s.Gate = Gate{Open: true}
			s.Recovery.Say, s.Recovery.Failed = "suspend the update until the replica starts", "replica-00"
			return s
		}, want: []string{"ready: press n", "on fail (replica-00 failed): suspend the update until the replica starts"}},
		{name: "goto", snap: func() Snapshot {
			s := base()
			s.Recovery = RecoveryView{Goto: "many", GotoTitle: "Many live checks", GotoIndex: 0, Failed: "replica-00", Say: "do it again"}
			return s
		}, want: []string{"replica-00 failed", "the runbook says: go to step 1 — press g", "many: Many live checks · on fail: do it again"}},
		{name: "suspended", snap: func() Snapshot {
			s := base()
			s.Recovery = RecoveryView{Suspended: true, HaltStep: "many", HaltReason: "Last_IO_Errno 1236", ChecksPass: true}
			return s
		}, want: []string{"SUSPENDED at many", "checks pass now", "C continue · q quit", "halted: Last_IO_Errno 1236"}},
		{name: "ended", snap: func() Snapshot {
			s := base()
			s.Ended = session.EndHalted
			s.Recovery.Say = "suspend"
			return s
		}, none: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := New(&staticRuntime{snap: tt.snap()}, Options{Now: now, ASCII: true})
			m = step(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
			raw := m.recoveryBanner()
			got := ansi.Strip(raw)
			if tt.none {
				if got != "" {
					t.Fatalf("banner %q, want none", got)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("banner %q lacks %q", got, w)
				}
			}
			if strings.Contains(raw, "\x1b[2J") {
				t.Errorf("the banner carries the server's escape as control: %q", raw)
			}
		})
	}
}

// TestShortDurations: the panel's and the gate bar's durations. "1m20s"
// once read "1m2", the zero cut off with the "0s" of "5m0s".
func TestShortDurations(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {400 * time.Millisecond, "0s"}, {20 * time.Second, "20s"}, {80 * time.Second, "1m20s"},
		{5 * time.Minute, "5m"}, {time.Hour + 10*time.Second, "1h0m10s"}, {2 * time.Hour, "2h0m"},
	} {
		if got := short(tt.d); got != tt.want {
			t.Errorf("short(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// recoveringRuntime is a static runtime that can change the session's
// course, for the footer's recovery keys.
type recoveringRuntime struct{ staticRuntime }

func (r *recoveringRuntime) Goto(string) (Snapshot, error)     { return r.snap, nil }
func (r *recoveringRuntime) Continue(string) (Snapshot, error) { return r.snap, nil }
func (r *recoveringRuntime) SetCredentials(string, checks.Secret) (Snapshot, error) {
	return r.snap, nil
}

// TestFooterOffersTheRecoveryKeys: the footer says which recovery key acts
// now: the goto once it is offered, continue while suspended, a password
// for a target out of reach, skip in a simulated rehearsal.
func TestFooterOffersTheRecoveryKeys(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		change func(s *Snapshot)
		want   string
	}{
		{"goto offered", func(s *Snapshot) {
			s.Recovery = RecoveryView{Goto: "many", GotoIndex: 0, Failed: "replica-00"}
		}, "g goto step 1"},
		{"suspended", func(s *Snapshot) { s.Recovery = RecoveryView{Suspended: true, HaltStep: "many"} }, "C continue"},
		{"out of reach", func(s *Snapshot) { s.Checks[0].Result.Status = checks.StatusUnreachable }, "p password"},
		{"a simulated rehearsal with an event scheduled", func(s *Snapshot) {
			s.Rehearsal, s.Clock = true, SessionClock{Simulated: true, Now: now, Wall: now, Speed: 20}
		}, "s skip the wait"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := manyChecksSnapshot(1, now)
			base := &recoveringRuntime{staticRuntime{snap: s}}
			m := New(base, Options{Now: now, ASCII: true})
			m = step(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
			if got := ansi.Strip(m.footerView()); strings.Contains(got, tt.want) {
				t.Fatalf("the footer offers %q before it acts: %q", tt.want, got)
			}
			tt.change(&s)
			m = New(&recoveringRuntime{staticRuntime{snap: s}}, Options{Now: now, ASCII: true})
			m = step(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
			m = step(t, m, worldMsg{w: WorldView{HasNext: true, Next: rehearsal.Skipped{By: time.Minute, What: "installer running"}}, at: now})
			if got := ansi.Strip(m.footerView()); !strings.Contains(got, tt.want) {
				t.Errorf("footer %q lacks %q", got, tt.want)
			}
		})
	}
}
