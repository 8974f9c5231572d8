package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/forecast"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// trainee drives plain mode the way a trainee who follows the manual
// does: on each step it runs the action (typing yes), ticks every manual
// check, goes on when the gate opens, follows an on_fail goto, and when
// nothing happens for a while it skips the wait to the next simulated
// event. It returns everything plain mode printed.
func trainee(t *testing.T, ctx context.Context, args ...string) (ExitCode, string, string) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var out, errb bytes.Buffer
	var mu sync.Mutex
	done := make(chan ExitCode, 1)
	go func() {
		code := Main(args, IO{In: inR, Out: outW, Err: &errb})
		_ = outW.Close() // the bot's reader ends; a pipe's Close does not fail
		done <- code
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			lines <- sc.Text()
		}
	}()
	// Commands are written by their own goroutine: plain mode may be busy
	// printing (to the reader below) while the bot has more to say.
	cmds := make(chan string, 1024)
	go func() {
		for c := range cmds {
			if _, err := inW.Write([]byte(c + "\n")); err != nil {
				return // the session ended and stopped reading
			}
		}
	}()
	defer close(cmds)
	send := func(cs ...string) {
		for _, c := range cs {
			select {
			case cmds <- c:
			default:
				t.Errorf("the bot has over 1024 commands queued: plain mode stopped reading")
			}
		}
	}
	tickRe := regexp.MustCompile(`\(type 'tick ([^']+)'\)`)
	gotoRe := regexp.MustCompile(`type 'goto ([^']+)'`)
	var ticks []string
	action, header := false, false
	quiet := time.NewTimer(time.Hour)
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("the rehearsal did not end in time:\n%s\n%s", out.String(), errb.String())
		case l, ok := <-lines:
			if !ok {
				_ = inW.Close()
				code := <-done
				mu.Lock()
				defer mu.Unlock()
				return code, out.String(), errb.String()
			}
			switch {
			case strings.HasPrefix(l, "== REHEARSAL · Step"):
				ticks, action, header = nil, false, true
			case header && strings.HasPrefix(l, "Action: "):
				action = true
			case header && tickRe.MatchString(l):
				ticks = append(ticks, tickRe.FindStringSubmatch(l)[1])
			case strings.HasPrefix(l, "GATE OPEN"), strings.HasPrefix(l, "No checks: type 'next'"):
				send("next")
			case gotoRe.MatchString(l):
				send("goto " + gotoRe.FindStringSubmatch(l)[1])
			}
			// The step's header has been printed once 150 ms pass
			// without a line; after that, 1 s of quiet is a wait.
			quiet.Reset(150 * time.Millisecond)
		case <-quiet.C:
			if header {
				header = false
				if action {
					send("run", "yes")
				}
				for _, id := range ticks {
					send("tick " + id)
				}
			} else {
				send("skip")
			}
			quiet.Reset(time.Second)
		}
	}
}

// TestFaultScenariosAtSpeed20EndWithTheGradedDebrief: whole fault
// scenarios rehearse in plain mode at --speed 20 (each within a deadline
// of 60 s): ThinMan's replication error halts where the manual says;
// GemStone's slow replay (15 simulated minutes) is waited out with skips.
// Each ends with the graded debrief, printed and written beside the
// journal; the journal holds both clocks and the skips.
func TestFaultScenariosAtSpeed20EndWithTheGradedDebrief(t *testing.T) {
	tests := []struct {
		runbook, scenario string
		code              ExitCode
		want              []string
	}{
		{"thinman-dual-db", "replication-error", ExitHalted, []string{
			"WORLD tm-primary: ", "HALTED: ", "# Rehearsal debrief: ThinMan",
			"**binlog-purged** (mysql.io_error, shows at step start-replica): **found**",
		}},
		{"gemstone-hot-standby", "slow-replay", ExitOK, []string{
			"UNREACHABLE slave-on-target-binaries: nothing on gs2 answers /opt/gemstone/GemStone64Bit3.7.0-x86_64.Linux/bin/gslist",
			"WORLD gs2: ", "replaying the failover record, 15m0s left",
			"Skipped the wait: ", "Skipped the wait: 14m5", "(gs2: replaying the failover record)",
			"**replay-lag** (gemstone.slow_replay, shows at step slave-await-failover): **found**",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.runbook+"/"+tt.scenario, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			code, out, errs := trainee(t, ctx, "rehearse", tt.runbook, "--scenario", tt.scenario, "--speed", "20",
				"--plain", "--state-dir", dir, "--operator", "Trainee")
			if code != tt.code {
				t.Fatalf("code %d, want %d\n%s\n%s", code, tt.code, out, errs)
			}
			for _, want := range append([]string{"Simulated time runs at x20.",
				"**Score 100/100: passed", "of simulated time on the steps"}, tt.want...) {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
			if len(paths) != 1 {
				t.Fatalf("journals: %v", paths)
			}
			md, html := debriefPaths(paths[0])
			for _, p := range []string{md, html} {
				b, err := os.ReadFile(p)
				if err != nil || !bytes.Contains(b, []byte("Score 100/100: passed")) {
					t.Errorf("debrief %s: %v\n%s", p, err, b)
				}
			}
			recs, err := journal.Read(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			skips := 0
			for _, r := range recs {
				if session.SimTime(r).IsZero() {
					t.Fatalf("record %d %s has no simulated time", r.Seq, r.Type)
				}
				if r.Type == session.EvSimSkip {
					skips++
				}
			}
			if strings.Contains(out, "Skipped the wait") && skips == 0 {
				t.Errorf("no sim.skip journaled, though the output says %q", "Skipped the wait")
			}
			// Simulated time ran well ahead of the wall clock.
			first, last := recs[0], recs[len(recs)-1]
			if sim, wall := session.SimTime(last).Sub(session.SimTime(first)), last.Time.Sub(first.Time); sim < 5*wall {
				t.Errorf("simulated %s in %s of wall time: want at least 5 times as much", sim, wall)
			}
		})
	}
}

// TestResumedWrongPasswordRehearsalLogsInAsItDid: a trainee of the
// wrong-password scenario re-enters the slave's right password, then quits;
// the resumed rehearsal, whose world is rebuilt from the journal, logs in
// (the journal says the login is good now, never the password): STOP
// REPLICA runs and the gate opens, with no error 1045.
func TestResumedWrongPasswordRehearsalLogsInAsItDid(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	Main([]string{"rehearse", "thinman-dual-db", "--scenario", "wrong-password", "--plain", "--speed", "20",
		"--state-dir", dir, "--operator", "Trainee"},
		IO{In: slowInput("tick backup-done", "next", "tick primary-installer-present", "tick secondary-installer-present", "next", "",
			"credentials slave", "Rehearsal-Only-7", "", "quit"), Out: &out, Err: &errb})
	if !strings.Contains(out.String(), "Error 1045") || !strings.Contains(out.String(), "Credentials for slave re-entered") {
		t.Fatalf("the rehearsal before the quit: want a refused login, then the password re-entered:\n%s\n%s", out.String(), errb.String())
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(paths) != 1 {
		t.Fatalf("journals: %v", paths)
	}
	if b, _ := os.ReadFile(paths[0]); bytes.Contains(b, []byte("Rehearsal-Only-7")) {
		t.Fatal("the journal holds the password")
	}
	id := strings.TrimSuffix(filepath.Base(paths[0]), journal.Ext)
	out.Reset()
	errb.Reset()
	Main([]string{"resume", id, "--plain", "--state-dir", dir, "--operator", "Trainee"},
		IO{In: slowInput("", "run", "yes", "", "quit"), Out: &out, Err: &errb})
	if strings.Contains(out.String(), "1045") || !strings.Contains(out.String(), "GATE OPEN") {
		t.Errorf("the resumed rehearsal: want the login taken and the gate open, no 1045:\n%s\n%s", out.String(), errb.String())
	}
}

// TestWindowWarningAtTheStart: with a past rehearsal of the drill in the
// state directory, a rehearsal whose maintenance window (--window 1s) ends
// before the forecast finish warns at its start, on stderr and on the
// record (warning, kind forecast.window). One whose window holds the
// forecast at the start, but not once the trainee dawdles on the first
// step, warns then: plain mode's WARNING line, on the record too.
func TestWindowWarningAtTheStart(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join("testdata", "rehearse", "drill.yaml")
	var out, errb bytes.Buffer
	if code := Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "First", "--speed", "10"},
		IO{In: slowInput("tick ready", "next", "", "next"), Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("the first rehearsal: code %d\n%s\n%s", code, out.String(), errb.String())
	}
	const warn = "the forecast passes the end of the maintenance window"
	windowWarnings := func(operator string) int {
		n := 0
		for _, p := range journalsOf(t, dir, operator) {
			for _, w := range warnings(t, p) {
				if w.Kind == session.WarnWindow && strings.Contains(w.Text, warn) {
					n++
				}
			}
		}
		return n
	}

	out.Reset()
	errb.Reset()
	Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Second", "--window", "1s"},
		IO{In: slowInput("", "quit"), Out: &out, Err: &errb})
	if !strings.Contains(errb.String(), "handrail: WARNING: "+warn) || !strings.Contains(errb.String(), "(journaled)") {
		t.Errorf("stderr lacks the window warning at the start:\n%s", errb.String())
	}
	if n := windowWarnings("Second"); n != 1 {
		t.Errorf("%d forecast.window warnings on the record, want 1", n)
	}

	// The forecast's p90 finish, from the first rehearsal: the window is
	// 20 simulated seconds longer. At x10, four seconds on the first step
	// put the finish past it.
	st, err := forecast.Collect(dir, "drill")
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	for _, sf := range st.Forecast(session.ModeRehearsal).Steps {
		total += sf.P90
	}
	out.Reset()
	errb.Reset()
	Main([]string{"rehearse", rb, "--plain", "--state-dir", dir, "--operator", "Third", "--speed", "10", "--window", (total + 20*time.Second).String()},
		IO{In: slowInput("", "", "", "quit"), Out: &out, Err: &errb})
	if strings.Contains(errb.String(), "WARNING: "+warn) {
		t.Errorf("a window the forecast fits warned at the start:\n%s", errb.String())
	}
	if !strings.Contains(out.String(), "\nWARNING: "+warn) {
		t.Errorf("plain mode printed no WARNING line once the forecast passed the window:\n%s", out.String())
	}
	if n := windowWarnings("Third"); n != 1 {
		t.Errorf("%d forecast.window warnings on the record, want 1", n)
	}
}

// TestWindowEndUntilRollsOverMidnight: --until is the next such time of
// day to come: 04:00 asked at 23:30 is tomorrow's, 23:45 asked then is
// today's, and a time equal to now is tomorrow's; --window adds to now.
func TestWindowEndUntilRollsOverMidnight(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, time.Local) }
	now := at(31, 23, 30) // the last day of the year, too
	for _, tt := range []struct {
		until string
		want  time.Time
	}{
		{"04:00", time.Date(2027, 1, 1, 4, 0, 0, 0, time.Local)},
		{"23:45", at(31, 23, 45)},
		{"23:30", time.Date(2027, 1, 1, 23, 30, 0, 0, time.Local)},
		{" 00:00 ", time.Date(2027, 1, 1, 0, 0, 0, 0, time.Local)},
	} {
		got, err := windowEnd(now, 0, tt.until)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("--until %q at %s: %s, %v; want %s", tt.until, now, got, err, tt.want)
		}
	}
	if got, err := windowEnd(now, 2*time.Hour, ""); err != nil || !got.Equal(now.Add(2*time.Hour)) {
		t.Errorf("--window 2h: %s, %v", got, err)
	}
	for _, bad := range []struct {
		window time.Duration
		until  string
	}{{time.Hour, "04:00"}, {-time.Hour, ""}, {0, "4am"}, {0, "25:00"}} {
		if _, err := windowEnd(now, bad.window, bad.until); err == nil {
			t.Errorf("--window %s --until %q: no error", bad.window, bad.until)
		}
	}
	if got, err := windowEnd(now, 0, ""); err != nil || !got.IsZero() {
		t.Errorf("no window: %s, %v", got, err)
	}
}
