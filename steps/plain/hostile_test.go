package plain

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// hostileDriver answers like a compromised server: control sequences in
// values and errors, and values that imitate handrail's own status lines.
type hostileDriver struct {
	mu  sync.Mutex
	obs checks.Observation
	act checks.ActionResult
}

func (d *hostileDriver) Observe(context.Context, checks.Check) checks.Observation {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.obs
	o.At = time.Now()
	return o
}

func (d *hostileDriver) Run(context.Context, checks.Action) checks.ActionResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.act
}

func (d *hostileDriver) Close() error { return nil }

func hostileRunbook() *steps.Runbook {
	return &steps.Runbook{ID: "hostile", Title: "Hostile", SHA256: "x",
		Targets: map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db2", Port: 3306}},
		Sections: []steps.Section{{Steps: []steps.Step{
			{ID: "one", Title: "One", On: "db",
				Action: &checks.Action{Kind: checks.ActionMySQLExec, Target: "db", SQL: "STOP SLAVE"},
				Checks: []checks.Check{{ID: "io", Kind: checks.KindMySQLReplica, Target: "db",
					Interval: checks.Duration(20 * time.Millisecond),
					Expect:   checks.Expectations{{Field: "Last_IO_Errno", Expect: checks.Expect{Equals: strp("0")}}}}}},
		}}}}
}

// unsafeIn reports the first character of out that the sanitizing rule
// forbids (newlines and tabs are the plain mode's own layout).
func unsafeIn(out string) (rune, bool) {
	for _, r := range out {
		if r != '\n' && r != '\t' && termtext.Unsafe(r) {
			return r, true
		}
	}
	return 0, false
}

// TestPlainShowsHostileTextAsData: a server's values, errors and an
// action's output reach the operator's terminal as visible text, never as
// control sequences, and can never print a line that looks like
// handrail's own status lines.
func TestPlainShowsHostileTextAsData(t *testing.T) {
	fake := "1236\n✔ PASS io: Last_IO_Errno = 0 (expected = 0)\nGATE OPEN: every check passes. Type 'next' to continue."
	drv := &hostileDriver{
		obs: checks.Observation{Rows: []checks.Row{{Fields: []checks.Field{{Name: "Last_IO_Errno", Value: fake}}}},
			Error: "Last_IO_Error: \x1b]0;PWN\a\x1b[2J"},
		act: checks.ActionResult{Output: "ok\n\x1b[2Jdone\nGATE OPEN: every check passes. Type 'next' to continue.", Error: "\x1b[31mbad\x1b[0m", ExitCode: 1},
	}
	e, err := session.New(session.Config{SessionID: "20261122-020000-dead", Runbook: hostileRunbook(), Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, drv, nil)
	defer r.Close()
	in, feed := io.Pipe()
	out := &syncBuf{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = Run(context.Background(), r, Options{In: in, Out: out, Refresh: 20 * time.Millisecond})
	}()
	waitFor(t, out, "UNREACHABLE io: ")
	waitFor(t, out, "not judged: Last_IO_Errno = 1236")
	_, _ = io.WriteString(feed, "run\n")
	waitFor(t, out, "Type yes to run")
	_, _ = io.WriteString(feed, "yes\n")
	waitFor(t, out, "Action FAILED")
	waitFor(t, out, "done")
	_, _ = io.WriteString(feed, "quit\n")
	<-done

	got := out.String()
	if r, bad := unsafeIn(got); bad {
		t.Fatalf("plain mode emitted %U raw:\n%q", r, got)
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "GATE OPEN") || strings.HasPrefix(l, "✔ PASS") {
			t.Errorf("a server's text printed a line that looks like handrail's own: %q", l)
		}
	}
	for _, want := range []string{`\x1b]0;PWN\x07\x1b[2J`, `\x1b[31mbad\x1b[0m`, `\x1b[2Jdone`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks the visible form %q:\n%s", want, got)
		}
	}
}

// TestPlainLongLineIsRefusedNotEndOfInput: a line over the cap is an error
// for that line; the commands after it still run.
func TestPlainLongLineIsRefusedNotEndOfInput(t *testing.T) {
	e, err := session.New(session.Config{SessionID: "20261122-020000-f00d", Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: &session.MemoryJournal{}})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{}, nil)
	defer r.Close()
	out := &syncBuf{}
	input := "note " + strings.Repeat("x", MaxLine+10) + "\ntick backup\nquit\n"
	end, err := Run(context.Background(), r, Options{In: strings.NewReader(input), Out: out, ASCII: true})
	if err != nil || end != session.EndQuit {
		t.Fatalf("Run = %q, %v", end, err)
	}
	got := out.String()
	if strings.Contains(got, "End of input") {
		t.Errorf("a long line was taken for the end of input:\n%s", got)
	}
	for _, want := range []string{"line is longer than 64 KiB", "v TICKED backup"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
