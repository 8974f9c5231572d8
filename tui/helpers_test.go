package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// fakeDriver stands in for a MariaDB replica in the console's unit tests
// (the tmux end-to-end test uses a real one): SHOW SLAVE STATUS answers from
// its state, and STOP SLAVE stops both threads.
type fakeDriver struct {
	mu      sync.Mutex
	io, sql string
	hang    bool // Observe blocks until its deadline, like a dead host
	ran     []string
	polls   int // Observe calls
	// block, when set, holds an action until it is closed or the action's
	// context ends: an action still running.
	block chan struct{}
	// unreached, when set, is why an action never reached its target.
	unreached string
}

func newFakeDriver() *fakeDriver { return &fakeDriver{io: "Yes", sql: "Yes"} }

func (d *fakeDriver) set(io, sql string) {
	d.mu.Lock()
	d.io, d.sql = io, sql
	d.mu.Unlock()
}

func (d *fakeDriver) Observe(ctx context.Context, c checks.Check) checks.Observation {
	d.mu.Lock()
	hang, io, sql := d.hang, d.io, d.sql
	d.polls++
	d.mu.Unlock()
	if hang {
		<-ctx.Done()
		return checks.Observation{Error: "dial tcp 127.0.0.1:3306: i/o timeout", State: checks.StateUnreachable, At: time.Now()}
	}
	return checks.Observation{At: time.Now(), Rows: []checks.Row{{Fields: []checks.Field{
		{Name: "Slave_IO_Running", Value: io}, {Name: "Slave_SQL_Running", Value: sql},
		{Name: "Last_IO_Errno", Value: "0"}, {Name: "Seconds_Behind_Master", Null: true},
	}}}}
}

func (d *fakeDriver) Run(ctx context.Context, a checks.Action) checks.ActionResult {
	d.mu.Lock()
	block := d.block
	d.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return checks.ActionResult{ExitCode: -1, Error: "cancelled"}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.unreached != "" {
		return checks.ActionResult{ExitCode: 1, Error: d.unreached, Unreachable: true}
	}
	d.ran = append(d.ran, a.Describe())
	if strings.EqualFold(a.SQL, "STOP SLAVE") {
		d.io, d.sql = "No", "No"
	}
	return checks.ActionResult{Duration: 3 * time.Millisecond}
}

func (d *fakeDriver) Close() error { return nil }

func (d *fakeDriver) actions() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.ran...)
}

func loadTestRunbook(t testing.TB) *steps.Runbook {
	t.Helper()
	rb, err := steps.Load(filepath.Join("testdata", "console.yaml"))
	if err != nil {
		t.Fatalf("load test runbook: %v", err)
	}
	return rb
}

type testSession struct {
	live *Live
	drv  *fakeDriver
	path string
	cfg  session.Config
	fj   *session.FileJournal
}

func testConfig(rb *steps.Runbook, path string) session.Config {
	return session.Config{
		SessionID: "20261122-020000-abcd",
		Runbook:   rb,
		Params:    map[string]string{"slave_host": "127.0.0.1", "admin_pw": "Canary-S3cret-7781"},
		Operator:  session.Operator{Name: "alice", User: "alice", Host: "bastion"},
		Mode:      session.ModeLive,
		Journal:   &session.FileJournal{Path: path},
	}
}

// newTestSession starts a real engine journaling to a real file, a real
// poller over the fake driver, and the Live runtime over them.
func newTestSession(t testing.TB) *testSession {
	t.Helper()
	rb := loadTestRunbook(t)
	path := filepath.Join(t.TempDir(), "20261122-020000-abcd"+journal.Ext)
	cfg := testConfig(rb, path)
	eng, err := session.New(cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	drv := newFakeDriver()
	r := session.NewRunner(eng, drv, nil)
	fj := cfg.Journal.(*session.FileJournal)
	t.Cleanup(func() {
		r.Close()
		if err := fj.Close(); err != nil {
			t.Errorf("close journal: %v", err)
		}
	})
	return &testSession{live: NewLive(r, rb), drv: drv, path: path, cfg: cfg, fj: fj}
}

// records reads the session's journal back from disk.
func (ts *testSession) records(t testing.TB) []journal.Record {
	t.Helper()
	recs, err := journal.Read(ts.path)
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	return recs
}

func hasRecord(recs []journal.Record, typ, contains string) bool {
	for _, r := range recs {
		if r.Type == typ && strings.Contains(string(r.Data), contains) {
			return true
		}
	}
	return false
}

func noSecretOnDisk(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Canary-S3cret-7781") {
		t.Fatalf("the secret param reached the journal")
	}
}

// staticRuntime answers with a fixed snapshot: benchmarks and rendering
// tests measure the console, not the engine.
type staticRuntime struct{ snap Snapshot }

func (s *staticRuntime) Snapshot() Snapshot { return s.snap }
func (s *staticRuntime) Wait(ctx context.Context) (Event, error) {
	<-ctx.Done()
	return Event{}, ErrClosed
}
func (s *staticRuntime) Advance() (Snapshot, error)              { return s.snap, nil }
func (s *staticRuntime) Override(Override) (Snapshot, error)     { return s.snap, nil }
func (s *staticRuntime) Annotate(string) (Snapshot, error)       { return s.snap, nil }
func (s *staticRuntime) Tick(string, bool) (Snapshot, error)     { return s.snap, nil }
func (s *staticRuntime) Attest(string, string) (Snapshot, error) { return s.snap, nil }
func (s *staticRuntime) Repoll()                                 {}
func (s *staticRuntime) Quit() (Snapshot, error)                 { return s.snap, nil }
func (s *staticRuntime) RunAction(context.Context) (checks.ActionResult, Snapshot, error) {
	return checks.ActionResult{}, s.snap, nil
}

// oneStepSnapshot is a session whose current step holds checks cvs (with
// their results), followed by a step "after".
func oneStepSnapshot(cvs []CheckView) Snapshot {
	rb := &steps.Runbook{ID: "bench", Title: "Many checks",
		Targets: map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db2", Port: 3306}}}
	st := steps.Step{ID: "many", Title: "Many live checks", Body: "Watch **every** replica."}
	for _, c := range cvs {
		st.Checks = append(st.Checks, c.Check)
	}
	after := steps.Step{ID: "after", Title: "After"}
	rb.Sections = []steps.Section{{Title: "Main", Steps: []steps.Step{st, after}}}
	var blocking []string
	for _, c := range cvs {
		blocking = append(blocking, c.Check.ID)
	}
	return Snapshot{Seq: 1, Runbook: rb, SessionID: "20261122-020000-abcd", Targets: rb.Targets, Current: 0, Checks: cvs,
		Steps: []StepView{{ID: "many", Number: 1, Section: "Main", State: StepCurrent, Step: st}, {ID: "after", Number: 2, Section: "Main", Step: after}},
		Gate:  Gate{Blocking: blocking, Reason: blocking[0] + ": waiting"}}
}

// manyChecksSnapshot: n replica checks, each with an answer at now.
func manyChecksSnapshot(n int, now time.Time) Snapshot {
	var cvs []CheckView
	for i := range n {
		no := "No"
		c := checks.Check{ID: fmt.Sprintf("replica-%02d", i), Kind: checks.KindMySQLReplica, Target: "db",
			Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: &no}}, {Field: "Slave_SQL_Running", Expect: checks.Expect{Equals: &no}}}}
		cvs = append(cvs, CheckView{Check: c, HasResult: true, Result: checks.Result{Step: "many", CheckID: c.ID, Status: checks.StatusWaiting,
			Obs:     checks.Observation{At: now},
			Verdict: checks.Verdict{Fields: []checks.FieldVerdict{{Field: "Slave_IO_Running", Expected: "= No", Actual: "Yes"}, {Field: "Slave_SQL_Running", Expected: "= No", Actual: "No", Pass: true}}}}})
	}
	return oneStepSnapshot(cvs)
}

// bigOutputSnapshot: a command check whose answer holds n bytes of output
// in its stdout field, its raw text and its error, beside a replica check.
func bigOutputSnapshot(n int, now time.Time) Snapshot {
	out := bigOutput(n)
	cmd := CheckView{Check: checks.Check{ID: "server-stat", Kind: checks.KindCommand, Target: "db", Shell: "server-stat.sh --all",
		Expect: checks.Expectations{{Field: "stdout", Expect: checks.Expect{Match: "ACTIVE"}}}},
		HasResult: true,
		Result: checks.Result{Step: "many", CheckID: "server-stat", Status: checks.StatusWaiting,
			Obs: checks.Observation{At: now, Raw: out, Error: "server-stat.sh exited 2: " + out,
				Rows: []checks.Row{{Fields: []checks.Field{{Name: "stdout", Value: out}, {Name: "state", Value: out}}}}},
			Verdict: checks.Verdict{Fields: []checks.FieldVerdict{{Field: "stdout", Expected: "matches /ACTIVE/", Actual: out}}}}}
	s := manyChecksSnapshot(1, now)
	snap := oneStepSnapshot([]CheckView{cmd, s.Checks[0]})
	// The engine quotes a blocking value in the gate's reason, and an
	// action's error in the notice.
	snap.Gate.Reason = "server-stat: waiting (stdout: is " + out + ", expected matches /ACTIVE/)"
	snap.Notice = "the last action failed: " + out
	snap.Advice = out
	return snap
}
