package plain

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// fakeClock is one clock for the engine, the poller and plain mode, moved
// by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// replica is a stand-in MySQL replica with the failure modes recovery is
// about: down (no answer), a password it checks, and an IO error number.
// (The real probes are tested against MariaDB in checks/mysql; here only
// the engine and the text matter.)
type replica struct {
	mu       sync.Mutex
	clock    func() time.Time
	down     bool
	password string // "" takes any login
	login    string // what the session logs in with
	io       string
	errno    string
}

func (d *replica) Observe(context.Context, checks.Check) checks.Observation {
	d.mu.Lock()
	defer d.mu.Unlock()
	at := d.clock()
	switch {
	case d.down:
		return checks.Observation{Error: "dial tcp db2:3306: connect: connection refused", State: checks.StateUnreachable, At: at}
	case d.password != "" && d.login != d.password:
		return checks.Observation{Error: "Error 1045 (28000): Access denied for user 'ops'@'bastion' (using password: YES)", At: at}
	}
	return checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{
		{Name: "Slave_IO_Running", Value: d.io}, {Name: "Last_IO_Errno", Value: d.errno}}}}, At: at}
}

func (d *replica) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{Duration: time.Millisecond}
}

func (d *replica) Close() error { return nil }

// SetCredentials implements checks.CredentialSetter.
func (d *replica) SetCredentials(_ string, c checks.Credentials) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.login = c.Password.Reveal()
	return nil
}

func (d *replica) set(f func(d *replica)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d)
}

// recoveryRunbook: step one's check waits a minute for Slave_IO_Running
// Yes, fails at once on Last_IO_Errno 1236, and on failure either halts or
// offers a goto to step three.
func recoveryRunbook(onFail steps.OnFail) *steps.Runbook {
	io := checks.Check{ID: "io", Kind: checks.KindMySQLReplica, Target: "db", Interval: checks.Duration(20 * time.Millisecond),
		Within:   checks.Duration(time.Minute),
		Expect:   checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: strp("Yes")}}},
		FailWhen: checks.Expectations{{Field: "Last_IO_Errno", Expect: checks.Expect{In: []string{"1236", "13114"}}}}}
	return &steps.Runbook{ID: "recovery", Title: "Recovery", SHA256: "r",
		Targets: map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db2", Port: 3306}},
		Sections: []steps.Section{{Steps: []steps.Step{
			{ID: "one", Title: "Start the replica", On: "db", Checks: []checks.Check{io}, OnFail: &onFail},
			{ID: "two", Title: "Update the Secondary"},
			{ID: "three", Title: "Re-seed the replica"},
		}}}}
}

// plainRun is a plain-mode session on a pipe, the way a script drives it.
type plainRun struct {
	t    *testing.T
	out  *syncBuf
	feed *io.PipeWriter
	done chan ret
	mj   *session.MemoryJournal
}

type ret struct {
	end string
	err error
}

func startPlain(t *testing.T, r *session.Runner, mj *session.MemoryJournal, o Options) *plainRun {
	t.Helper()
	in, feed := io.Pipe()
	p := &plainRun{t: t, out: &syncBuf{}, feed: feed, done: make(chan ret, 1), mj: mj}
	o.In, o.Out = in, p.out
	if o.Refresh == 0 {
		o.Refresh = 20 * time.Millisecond
	}
	go func() {
		end, err := Run(context.Background(), r, o)
		p.done <- ret{end, err}
	}()
	t.Cleanup(func() { _ = feed.Close() })
	return p
}

func (p *plainRun) say(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.feed, line+"\n"); err != nil {
		p.t.Fatalf("type %q: %v", line, err)
	}
}

// after waits for want in what was printed after mark, and returns the
// new mark.
func (p *plainRun) after(mark int, want string) int {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s := p.out.String()
		if i := strings.Index(s[mark:], want); i >= 0 {
			return mark + i + len(want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("output never said %q after offset %d; it is:\n%s", want, mark, p.out.String())
	return 0
}

func (p *plainRun) end() ret {
	p.t.Helper()
	select {
	case r := <-p.done:
		return r
	case <-time.After(10 * time.Second):
		p.t.Fatalf("plain mode did not end; output:\n%s", p.out.String())
	}
	return ret{}
}

func (p *plainRun) records(typ string) []json.RawMessage {
	var out []json.RawMessage
	for _, r := range p.mj.Records() {
		if r.Type == typ {
			out = append(out, r.Data)
		}
	}
	return out
}

func newSession(t *testing.T, rb *steps.Runbook, mj *session.MemoryJournal, clock func() time.Time) *session.Engine {
	t.Helper()
	e, err := session.New(session.Config{SessionID: "20261122-020000-4ec0", Runbook: rb, Journal: mj, Clock: clock,
		Operator: session.Operator{Name: "Alice", User: "alice", Host: "bastion"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestPlainUnreachableIsNotFailed: a target that stops answering is shown
// as UNREACHABLE with the error and how long it has lasted, reprinted each
// minute; its minute passes (and passes again) without a failure, a halt
// or an on_fail; when it answers again the gate opens.
func TestPlainUnreachableIsNotFailed(t *testing.T) {
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, down: true, io: "Yes", errno: "0"}
	mj := &session.MemoryJournal{Clock: clock.Now}
	e := newSession(t, recoveryRunbook(steps.OnFail{Say: "Refer to your DBA.", Halt: true}), mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	p := startPlain(t, r, mj, Options{Clock: clock.Now})

	m := p.after(0, "✘ UNREACHABLE io: dial tcp db2:3306: connect: connection refused (for 0s)")
	clock.Advance(80 * time.Second)
	m = p.after(m, "✘ UNREACHABLE io: dial tcp db2:3306: connect: connection refused (for 1m20s)")
	p.say("status")
	m = p.after(m, "Gate: closed: io: unreachable (cannot reach db: dial tcp db2:3306: connect: connection refused (for 1m20s))")
	clock.Advance(2 * time.Minute)
	m = p.after(m, "(for 3m20s)")
	if strings.Contains(p.out.String(), "FAIL") || strings.Contains(p.out.String(), "HALTED") || len(p.records(session.EvOnFail)) > 0 {
		t.Fatalf("an unreachable target failed the step:\n%s", p.out.String())
	}
	drv.set(func(d *replica) { d.down = false })
	m = p.after(m, "✔ PASS io: Slave_IO_Running = Yes (expected = Yes)")
	p.after(m, "GATE OPEN")
	p.say("quit")
	if got := p.end(); got.err != nil || got.end != session.EndQuit {
		t.Fatalf("Run = %+v", got)
	}
}

// TestPlainFailWhenFailsAtOnce: the step lists its fail_when conditions; a
// value that matches one fails the check at once, shown with the
// condition it matched, and the on_fail advice stays in `status`.
func TestPlainFailWhenFailsAtOnce(t *testing.T) {
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, io: "No", errno: "1236"}
	mj := &session.MemoryJournal{Clock: clock.Now}
	e := newSession(t, recoveryRunbook(steps.OnFail{Say: "Re-seed the replica first."}), mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	p := startPlain(t, r, mj, Options{Clock: clock.Now})

	m := p.after(0, "io: mysql.replica on db (db2:3306): Slave_IO_Running = Yes; fail when Last_IO_Errno in [1236, 13114] (within 1m0s)")
	m = p.after(m, "✘ FAIL io: Slave_IO_Running = No (expected = Yes), Last_IO_Errno = 1236 (fail when in [1236, 13114])")
	m = p.after(m, "[final: no deadline waited out]")
	m = p.after(m, "ON FAIL (io failed): Re-seed the replica first.")
	p.say("status")
	m = p.after(m, "On fail (io failed): Re-seed the replica first.")
	p.after(m, "Gate: closed")
	p.say("quit")
	p.end()
	t.Log(p.out.String())
}

// TestPlainGotoAsksForConfirmation: the on_fail goto is offered once the
// check failed; `goto` asks for the step id or yes, anything else leaves
// the session where it is, a goto elsewhere is refused, and the confirmed
// goto is journaled with who confirmed it.
func TestPlainGotoAsksForConfirmation(t *testing.T) {
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, io: "Yes", errno: "0"}
	mj := &session.MemoryJournal{Clock: clock.Now}
	e := newSession(t, recoveryRunbook(steps.OnFail{Say: "Copy the database again, then resume from step three.", Goto: "three"}), mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	p := startPlain(t, r, mj, Options{Clock: clock.Now})

	m := p.after(0, "✔ PASS io")
	p.say("goto three")
	m = p.after(m, "! goto: step one offers no goto now")
	drv.set(func(d *replica) { d.io, d.errno = "No", "1236" })
	m = p.after(m, "The runbook says to go to step three (Re-seed the replica): type 'goto three'")
	p.say("goto two")
	m = p.after(m, "! goto: step one's on_fail offers three, not two")
	p.say("goto")
	m = p.after(m, "Go to step three (Re-seed the replica), leaving step one as failed, on the record? Type three or yes to confirm: ")
	p.say("sure")
	m = p.after(m, "Not gone: still on step one.")
	if len(p.records(session.EvGoto)) != 0 {
		t.Fatal("an unconfirmed goto was journaled")
	}
	p.say("status")
	m = p.after(m, "  The runbook says to go to step three: type 'goto three'.")
	p.say("goto three")
	m = p.after(m, "Type three or yes to confirm: ")
	p.say("three")
	m = p.after(m, "Going to step three, confirmed by Alice (on the record).")
	p.after(m, "== Step 3/3: Re-seed the replica ==")
	gotos := p.records(session.EvGoto)
	if len(gotos) != 1 {
		t.Fatalf("%d goto records", len(gotos))
	}
	var g session.GotoData
	if err := json.Unmarshal(gotos[0], &g); err != nil || g.From != "one" || g.To != "three" || g.Check != "io" ||
		g.ConfirmedBy == nil || g.ConfirmedBy.Name != "Alice" {
		t.Errorf("goto = %+v (%v)", g, err)
	}
	p.say("quit")
	p.end()
	t.Log(p.out.String())
}

// TestPlainContinueAfterResume: a halted session resumes suspended; plain
// mode says why, whether the halting step's checks pass now (and again
// when that changes), refuses a continue without a reason, asks once more
// while they fail, and continues only on the operator's explicit choice.
func TestPlainContinueAfterResume(t *testing.T) {
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, io: "No", errno: "1236"}
	mj := &session.MemoryJournal{Clock: clock.Now}
	rb := recoveryRunbook(steps.OnFail{Say: "Suspend the update until the replica starts cleanly.", Halt: true})
	e := newSession(t, rb, mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	p := startPlain(t, r, mj, Options{Clock: clock.Now})
	// The result that halted it, and the advice, come before the halt.
	m := p.after(0, "✘ FAIL io: Slave_IO_Running = No (expected = Yes), Last_IO_Errno = 1236 (fail when in [1236, 13114])")
	m = p.after(m, "ON FAIL (io failed): Suspend the update until the replica starts cleanly.")
	m = p.after(m, "HALTED: check io failed and the runbook says to halt")
	p.after(m, "handrail resume 20261122-020000-4ec0` checks the step again")
	if got := p.end(); got.end != session.EndHalted {
		t.Fatalf("Run = %+v", got)
	}
	r.Close()

	e, err := session.Resume(session.Config{Runbook: rb, Journal: mj, Clock: clock.Now,
		Operator: session.Operator{Name: "Bob", User: "bob", Host: "bastion"}}, mj.Records(), session.ResumeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r = session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	p = startPlain(t, r, mj, Options{Clock: clock.Now})
	m = p.after(0, "SUSPENDED: the session halted at step one: check io failed and the runbook says to halt")
	m = p.after(m, "type 'continue REASON'")
	m = p.after(m, "The halting step's checks do not pass yet: io: fail")
	p.say("next")
	m = p.after(m, "! next: the session is suspended at step one")
	p.say("continue because")
	m = p.after(m, "! continue: say why it is safe to go on, in at least 15 characters (it has 7)")
	p.say("continue the DBA says it is fine")
	m = p.after(m, "They do not all pass. Type continue to go on anyway (on the record), anything else to stay suspended: ")
	p.say("no")
	m = p.after(m, "Still suspended.")
	if len(p.records(session.EvSessionContinue)) != 0 {
		t.Fatal("a continue the operator declined was journaled")
	}

	drv.set(func(d *replica) { d.io, d.errno = "Yes", "0" })
	m = p.after(m, "The halting step's checks pass now: once you are sure the condition is fixed, type 'continue REASON'.")
	p.say("continue the DBA re-seeded the replica at 03:10")
	m = p.after(m, "The halting step's checks now:")
	m = p.after(m, "✔ PASS io")
	m = p.after(m, "CONTINUED: the suspension is over (on the record; the checks passed: true)")
	m = p.after(m, "GATE OPEN")
	p.say("next")
	p.after(m, "== Step 2/3: Update the Secondary ==")
	conts := p.records(session.EvSessionContinue)
	if len(conts) != 1 {
		t.Fatalf("%d session.continue records", len(conts))
	}
	var c session.ContinueData
	if err := json.Unmarshal(conts[0], &c); err != nil || !c.ChecksPass || c.Operator.Name != "Bob" || c.Reason != "the DBA re-seeded the replica at 03:10" {
		t.Errorf("session.continue = %+v (%v)", c, err)
	}
	p.say("quit")
	p.end()
	t.Log(p.out.String())
}

// TestPlainCredentialsReentered: a refused login is unreachable; the
// operator re-enters the password with the input hidden; a wrong one is
// refused again, the right one lets the check pass. The password is never
// printed or journaled, and the journal says it was re-entered.
func TestPlainCredentialsReentered(t *testing.T) {
	const right = "Right-Horse-Battery-9"
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, io: "Yes", errno: "0", password: right, login: "old"}
	mj := &session.MemoryJournal{Clock: clock.Now}
	e := newSession(t, recoveryRunbook(steps.OnFail{Say: "x", Halt: true}), mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	var hidden atomic.Int32 // >0 while the echo is off
	var hides atomic.Int32
	hide := func() (func(), error) {
		hides.Add(1)
		hidden.Add(1)
		return func() { hidden.Add(-1) }, nil
	}
	p := startPlain(t, r, mj, Options{Clock: clock.Now, HideInput: hide})

	m := p.after(0, "✘ UNREACHABLE io: Error 1045 (28000): Access denied for user 'ops'@'bastion' (using password: YES)")
	p.say("credentials")
	m = p.after(m, "Usage: credentials TARGET. Targets that log in: db")
	p.say("credentials nope")
	m = p.after(m, `! credentials: "nope" is not a target that logs in (targets that do: db)`)
	p.say("credentials db")
	m = p.after(m, "Password for db (db2:3306) (not echoed, never recorded): ")
	p.say("Wrong-Guess-1")
	m = p.after(m, "Credentials for db re-entered (on the record, without the password). Checking again now.")
	p.say("status")
	m = p.after(m, "UNREACHABLE io: Error 1045")
	p.say("credentials db")
	m = p.after(m, "(not echoed, never recorded): ")
	p.say(right)
	m = p.after(m, "Credentials for db re-entered")
	p.after(m, "✔ PASS io")
	p.say("quit")
	p.end()

	if hides.Load() != 2 || hidden.Load() != 0 {
		t.Errorf("the input was hidden %d times (want 2), and is hidden still: %v", hides.Load(), hidden.Load() != 0)
	}
	out := p.out.String()
	for _, pw := range []string{right, "Wrong-Guess-1"} {
		if strings.Contains(out, pw) {
			t.Errorf("plain mode printed a password:\n%s", out)
		}
		for _, rec := range mj.Records() {
			if strings.Contains(string(rec.Data), pw) {
				t.Errorf("record %s holds a password: %s", rec.Type, rec.Data)
			}
		}
	}
	creds := p.records(session.EvCredentials)
	if len(creds) != 2 {
		t.Fatalf("%d credentials.reentered records, want 2", len(creds))
	}
	var d session.CredentialsData
	if err := json.Unmarshal(creds[1], &d); err != nil || d.Target != "db" || strings.Join(d.Fields, ",") != "password" || d.Operator.Name != "Alice" {
		t.Errorf("credentials.reentered = %+v (%v)", d, err)
	}
}

// TestPlainCredentialsWithoutATerminal: with no terminal to hide the input
// on, the password is read as the next line, and still never printed.
func TestPlainCredentialsWithoutATerminal(t *testing.T) {
	const right = "Pipe-Fed-Secret-3"
	clock := newFakeClock()
	drv := &replica{clock: clock.Now, io: "Yes", errno: "0", password: right}
	mj := &session.MemoryJournal{Clock: clock.Now}
	e := newSession(t, recoveryRunbook(steps.OnFail{Say: "x", Halt: true}), mj, clock.Now)
	r := session.NewRunner(e, drv, clock.Now)
	defer r.Close()
	out := &syncBuf{}
	end, err := Run(context.Background(), r, Options{In: strings.NewReader("credentials db\n" + right + "\n"), Out: out, Clock: clock.Now})
	if err != nil || end != session.EndQuit {
		t.Fatalf("Run = %q, %v", end, err)
	}
	if !strings.Contains(out.String(), "Credentials for db re-entered") || strings.Contains(out.String(), right) {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestPlainResumeShowsTheAction: a resumed session says that its action
// was interrupted when handrail stopped, and, for an action whose process
// group still runs, that it runs, and then that it has ended.
func TestPlainResumeShowsTheAction(t *testing.T) {
	rb := &steps.Runbook{ID: "plain-resume-action", Title: "Action", SHA256: "a",
		Targets: map[string]checks.Target{"local": {Kind: checks.TargetHost}},
		Sections: []steps.Section{{Steps: []steps.Step{{ID: "work", Title: "Work",
			Action: &checks.Action{Kind: checks.ActionCommand, Target: "local", Argv: []string{"/opt/app/migrate", "--all"}}}}}}}
	for _, tt := range []struct {
		name string
		// stop leaves the journal as handrail left it.
		stop  func(e *session.Engine) error
		wants []string
	}{
		{"interrupted", func(e *session.Engine) error {
			if err := e.ActionInterrupted("SIGHUP", "killed its process group (SIGKILL) after a 5s grace period", 5*time.Second,
				checks.ActionResult{ExitCode: -1, Error: "killed"}); err != nil {
				return err
			}
			return e.Quit()
		}, []string{
			"INTERRUPTED: the action of step work (/opt/app/migrate --all) was stopped when handrail stopped (SIGHUP): killed its process group (SIGKILL) after a 5s grace period.",
			"its outcome is unknown. Check what happened, then type 'attest'.",
		}},
		{"still-running", func(e *session.Engine) error {
			if err := e.ActionProcess(checks.ActionProcess{PID: 4242, PGID: 4242, Started: time.Date(2026, 11, 22, 2, 0, 0, 0, time.Local)}); err != nil {
				return err
			}
			return e.Quit() // a crash: no interruption journaled
		}, []string{
			"STILL RUNNING: the action started before the break still runs (process group 4242, started 2026-11-22 02:00:00)",
			"The action's process group has ended: check what it did, then type 'attest'.",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var alive atomic.Bool
			alive.Store(true)
			isAlive := func(checks.ActionProcess) bool { return alive.Load() }
			mj := &session.MemoryJournal{}
			e, err := session.New(session.Config{SessionID: "20261122-020000-ac71", Runbook: rb, Journal: mj, ProcessAlive: isAlive})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.ActionStart(true); err != nil {
				t.Fatal(err)
			}
			if err := tt.stop(e); err != nil {
				t.Fatal(err)
			}
			e, err = session.Resume(session.Config{Runbook: rb, Journal: mj, ProcessAlive: isAlive}, mj.Records(), session.ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := session.NewRunner(e, &replica{clock: time.Now}, nil)
			defer r.Close()
			p := startPlain(t, r, mj, Options{})
			m := p.after(0, tt.wants[0])
			alive.Store(false)
			m = p.after(m, tt.wants[1])
			p.say("status")
			p.after(m, "Gate: closed")
			p.say("quit")
			p.end()
		})
	}
}
