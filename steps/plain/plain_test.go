package plain

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// replicaDriver is a tiny stand-in for a MySQL replica: its threads run
// until STOP SLAVE is executed. (The real MySQL probe is tested against
// MariaDB in checks/mysql; here only the engine and the text matter.)
type replicaDriver struct {
	mu      sync.Mutex
	running bool
}

func (d *replicaDriver) Observe(_ context.Context, c checks.Check) checks.Observation {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := "No"
	if d.running {
		v = "Yes"
	}
	return checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "Slave_IO_Running", Value: v}}}}, At: time.Now()}
}

func (d *replicaDriver) Run(_ context.Context, a checks.Action) checks.ActionResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a.SQL == "STOP SLAVE" {
		d.running = false
	}
	return checks.ActionResult{Duration: time.Millisecond}
}

func (d *replicaDriver) Close() error { return nil }

func strp(s string) *string { return &s }

func plainRunbook() *steps.Runbook {
	return &steps.Runbook{ID: "plain-test", Title: "Plain test", SHA256: "x",
		Params:  []steps.Param{{Name: "slave_host"}},
		Targets: map[string]checks.Target{"slave": {Name: "slave", Kind: checks.TargetMySQL, Host: "${slave_host}", Port: 3306}},
		Sections: []steps.Section{{Title: "Replica", Steps: []steps.Step{
			{ID: "prep", Title: "Prepare", Body: "Make sure a backup exists.",
				Checks: []checks.Check{{ID: "backup", Kind: checks.KindManual, Attest: "A fresh backup exists"}}},
			{ID: "stop", Title: "Stop the replica on ${slave_host}", On: "slave", Impact: steps.ImpactDowntime,
				Commands: []steps.Command{{On: "slave", Run: "slave stop;"}},
				Action:   &checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "STOP SLAVE"},
				Checks: []checks.Check{{ID: "io", Kind: checks.KindMySQLReplica, Target: "slave",
					Interval: checks.Duration(20 * time.Millisecond),
					Expect:   checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: strp("No")}}}}}},
			{ID: "start", Title: "Start it again",
				Checks: []checks.Check{{ID: "io-flaky", Kind: checks.KindMySQLReplica, Target: "slave",
					Interval: checks.Duration(20 * time.Millisecond),
					Expect:   checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: strp("Yes")}}}}}},
		}}}}
}

// syncBuf is an output buffer the test can read while Run writes it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func waitFor(t *testing.T, out *syncBuf, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("output never said %q; it is:\n%s", want, out.String())
}

func TestPlainSession(t *testing.T) {
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-abcd", Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: mj})
	if err != nil {
		t.Fatal(err)
	}
	drv := &replicaDriver{running: true}
	r := session.NewRunner(e, drv, nil)
	defer r.Close()
	in, feed := io.Pipe()
	out := &syncBuf{}
	type ret struct {
		end string
		err error
	}
	done := make(chan ret, 1)
	go func() {
		end, err := Run(context.Background(), r, Options{In: in, Out: out, Refresh: 20 * time.Millisecond})
		done <- ret{end, err}
	}()
	say := func(line string) { t.Helper(); _, _ = io.WriteString(feed, line+"\n") }

	waitFor(t, out, "== Step 1/3 · Replica: Prepare ==")
	say("next")
	waitFor(t, out, "! step prep: the gate is closed: backup: unticked (not ticked: A fresh backup exists)")
	say("tick backup")
	waitFor(t, out, "GATE OPEN")
	say("next")
	waitFor(t, out, "== Step 2/3 · Replica: Stop the replica on db2 ==")
	waitFor(t, out, "on slave (db2:3306):\n    slave stop;")
	waitFor(t, out, "✘ WAITING io: Slave_IO_Running = Yes (expected = No)")
	say("override")
	say("")
	say("other")
	say("too short")
	waitFor(t, out, "! override: the reason must say why in at least 15 characters")
	say("run")
	waitFor(t, out, "Type yes to run STOP SLAVE on slave (db2:3306): ")
	say("yes")
	waitFor(t, out, "✔ Action done")
	waitFor(t, out, "✔ PASS io: Slave_IO_Running = No (expected = No)")
	waitFor(t, out, "GATE OPEN")
	say("note replica stopped cleanly")
	waitFor(t, out, "Noted.")
	say("next")
	waitFor(t, out, "== Step 3/3 · Replica: Start it again ==")
	waitFor(t, out, "✘ WAITING io-flaky: Slave_IO_Running = No (expected = Yes)")
	say("override")
	say("io-flaky")
	say("check-wrong")
	say("the replica is started by cron at 03:00, not by us")
	waitFor(t, out, "Type override to confirm: ")
	say("override")
	// The override opens the gate; the operator leaves the step with next.
	waitFor(t, out, "GATE OPEN by override of io-flaky")
	say("next")
	res := <-done
	if res.err != nil || res.end != session.EndCompleted {
		t.Fatalf("Run = %q, %v\n%s", res.end, res.err, out.String())
	}
	waitFor(t, out, "Procedure completed")
	var kinds []string
	for _, rec := range mj.Records() {
		kinds = append(kinds, rec.Type)
		if rec.Type == session.EvActionStart {
			var d session.ActionStartData
			_ = json.Unmarshal(rec.Data, &d)
			if d.Describe != "STOP SLAVE" || d.Address != "db2:3306" {
				t.Errorf("action.start = %+v", d)
			}
		}
	}
	got := strings.Join(kinds, " ")
	for _, want := range []string{"manual.tick gate.open step.done", "action.start", "action.end", "note", "override step.done session.end"} {
		if !strings.Contains(got, want) {
			t.Errorf("journal lacks %q: %s", want, got)
		}
	}
}

func TestPlainEndOfInputQuits(t *testing.T) {
	mj := &session.MemoryJournal{}
	e, err := session.New(session.Config{SessionID: "20261122-020000-beef", Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: mj})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{}, nil)
	defer r.Close()
	out := &syncBuf{}
	end, err := Run(context.Background(), r, Options{In: strings.NewReader("tick backup\nbogus\n"), Out: out, ASCII: true})
	if err != nil || end != session.EndQuit {
		t.Fatalf("Run = %q, %v", end, err)
	}
	for _, want := range []string{"v TICKED backup", `Unknown command "bogus"`, "End of input.", "Resume it with: handrail resume 20261122-020000-beef"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
