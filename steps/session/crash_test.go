package session

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// crashChildEnv makes the test binary act as the crashing child.
const crashChildEnv = "HANDRAIL_SESSION_CRASH_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild drives a session (over a real journal) forever, resuming it
// when it exists, and prints "DONE <seq>" after each event it considers
// done; the parent kills it at a random moment.
func crashChild(path string) {
	fail := func(err error) { fmt.Println("ERR", err); os.Exit(2) }
	var e *Engine
	var err error
	fj := &FileJournal{Path: path}
	if _, statErr := os.Stat(path); statErr == nil {
		w, recs, rep, err := journal.Open(path)
		if err != nil {
			fail(err)
		}
		fj.W = w
		opt := ResumeOptions{}
		if rep != nil {
			opt.Repair = &RepairData{DroppedBytes: int64(rep.DroppedBytes), Reason: rep.Reason}
		}
		e, err = Resume(Config{Runbook: testRunbook(), Params: map[string]string{"admin_pw": testParams()["admin_pw"]}, Journal: fj}, recs, opt)
		if errors.Is(err, ErrEnded) {
			fmt.Println("END")
			time.Sleep(time.Hour)
		}
		if err != nil {
			fail(err)
		}
	} else {
		e, err = New(Config{SessionID: "crash", Runbook: testRunbook(), Params: testParams(), Journal: fj})
		if err != nil {
			fail(err)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	// A line the parent never reads fails the parent's test, so the
	// child's writes to it are not checked.
	done := func() { _, _ = fmt.Fprintf(out, "DONE %d\n", e.LastSeq()); _ = out.Flush() }
	done()
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	for i := 0; ; i++ {
		_, st, ok := e.Current()
		if !ok || e.Ended() != "" {
			_, _ = fmt.Fprintln(out, "END")
			_ = out.Flush()
			time.Sleep(time.Hour)
		}
		if st.Action != nil && rng.IntN(3) == 0 {
			if s, _ := e.Action(); s == ActionNone {
				_, _, err = e.ActionStart(true)
			} else if s == ActionRunning {
				err = e.ActionEnd(checks.ActionResult{})
			} else {
				err = e.AttestUnknown(OutcomeSucceeded, "looked at the server")
			}
		} else {
			for _, c := range st.Checks {
				if c.Kind == checks.KindManual {
					err = e.Tick(c.ID, true)
				} else {
					v, _, _ := e.Current()
					status := checks.StatusPass
					if rng.IntN(4) == 0 {
						status = checks.StatusWaiting
					}
					_, err = e.Observe(checks.Result{Step: v.Key, CheckID: c.ID, Gen: e.Generation(), Status: status, Verdict: checks.Verdict{Pass: status == checks.StatusPass}})
				}
				if err != nil {
					break
				}
			}
			if err == nil {
				if nerr := e.Next(); nerr != nil && rng.IntN(2) == 0 {
					g := e.Gate()
					var ids []string
					for _, b := range g.Blocking {
						if b.Check != "" {
							ids = append(ids, b.Check)
						}
					}
					if len(ids) == len(g.Blocking) && len(ids) > 0 {
						err = e.Override(OverrideRequest{Checks: ids, Category: CategoryOther, Reason: "crash test override reason", Confirmed: true})
					}
				}
			}
		}
		if err != nil {
			fail(err)
		}
		done()
	}
}

// TestCrashAndResume kills a child driving a real journaled session with
// SIGKILL at random moments, 50 times; each time the journal opens (a torn
// tail repaired), the session resumes, the chain verifies, and every seq the
// child reported done is in the journal.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test spawns 50 processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	path := filepath.Join(dir, "s.jsonl")
	for round := 0; round < 50; round++ {
		if round%10 == 0 {
			// A fresh session every 10 rounds keeps journals short.
			path = filepath.Join(dir, fmt.Sprintf("s%d.jsonl", round))
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var done uint64
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		killAt := time.After(time.Duration(5+rng.IntN(60)) * time.Millisecond)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if strings.HasPrefix(l, "ERR") {
					t.Fatalf("round %d: child: %s", round, l)
				}
				if s, ok := strings.CutPrefix(l, "DONE "); ok {
					done, _ = strconv.ParseUint(s, 10, 64)
				}
				if l == "END" {
					break read
				}
			case <-killAt:
				break read
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for range lines {
		}
		_ = cmd.Wait()

		w, recs, _, err := journal.Open(path)
		if errors.Is(err, fs.ErrNotExist) && done == 0 {
			// Killed before it made the journal (a loaded machine starts
			// the child slowly): nothing was promised, nothing to check.
			continue
		}
		if err != nil {
			t.Fatalf("round %d: open after SIGKILL: %v", round, err)
		}
		if n := uint64(len(recs)); done > 0 && (n == 0 || recs[n-1].Seq < done) {
			t.Fatalf("round %d: the child reported seq %d done, the journal ends at %d", round, done, len(recs))
		}
		if _, err := Replay(Config{Runbook: testRunbook(), Params: map[string]string{"admin_pw": "x"}}, recs); err != nil {
			t.Fatalf("round %d: replay: %v", round, err)
		}
		_ = w.Close()
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		res := journal.Verify(f)
		_ = f.Close() // read-only

		if !res.OK {
			t.Fatalf("round %d: journal does not verify after repair: %s", round, res.Problem)
		}
	}
	t.Logf("50 crashes in %s", time.Since(start).Round(time.Millisecond))
}
