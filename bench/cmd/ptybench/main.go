// Command ptybench measures a full-screen program the way an operator meets
// it: through a pseudo-terminal (creack/pty), with a terminal emulator
// (charmbracelet/x/vt) keeping the screen the program drew, answering its
// queries as a terminal would. bench/run.sh drives the real handrail binary
// and the bare Bubble Tea anchor with it. It prints one line of key=value
// results:
//
//	ptybench -ready 'step 1/' -- handrail demo
//	  first_frame_ms=…          exec to the first screen that shows -ready
//	ptybench -ready … -presses 40 -marker 'viewing read-only' -- handrail run …
//	  key_ms=a,b,c…             j until the screen shows -marker, k until it
//	                            no longer does, one latency per press
//	ptybench -ready … -settle 3s -idle 20s [-probe CMD] -- handrail run …
//	  cpu_pct=…                 the program's CPU over the window, % of one core
//	  out_bytes_per_s=…         what it wrote to the terminal meanwhile
//	  probe_per_s=…             how fast CMD's counter grew meanwhile
//
// The program runs in its own session; it is killed (its whole process
// group) when the measurement is done.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

func main() {
	cols := flag.Int("cols", 120, "terminal width")
	rows := flag.Int("rows", 40, "terminal height")
	ready := flag.String("ready", "", "text the first frame shows (empty: the program draws nothing to wait for, as the wire anchor)")
	timeout := flag.Duration("timeout", 30*time.Second, "give up on any one wait after this long")
	presses := flag.Int("presses", 0, "key presses to time (j and k in turn)")
	marker := flag.String("marker", "viewing read-only", "text j brings on screen and k takes away")
	settle := flag.Duration("settle", 3*time.Second, "wait this long after the first frame before -presses or -idle")
	idle := flag.Duration("idle", 0, "measure the program's CPU over this long, touching nothing")
	probe := flag.String("probe", "", "a shell command that prints a counter, run at the start and the end of -idle (probe_per_s: its growth per second)")
	flag.Parse()
	if flag.NArg() == 0 || *cols < 20 || *cols > 1000 || *rows < 5 || *rows > 1000 {
		fmt.Fprintln(os.Stderr, "usage: ptybench [-ready TEXT] [-presses N] [-idle D] -- command args…")
		os.Exit(2)
	}

	t := newTerm(*cols, *rows)
	cmd := exec.CommandContext(context.Background(), flag.Arg(0), flag.Args()[1:]...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor")
	start := time.Now()
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(*cols), Rows: uint16(*rows)}) //nolint:gosec // both checked above
	if err != nil {
		fail(err)
	}
	defer func() {
		// The whole group: handrail's children (ssh, a command check) too.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = ptmx.Close()
	}()
	go t.answer(ptmx)
	go t.read(ptmx)

	var out []string
	if *ready != "" {
		at, err := t.waitFor(func(s string) bool { return strings.Contains(s, *ready) }, start, *timeout)
		if err != nil {
			fail(fmt.Errorf("first frame: %w\n%s", err, t.screen()))
		}
		out = append(out, fmt.Sprintf("first_frame_ms=%.2f", ms(at.Sub(start))))
	}
	if *presses > 0 || *idle > 0 {
		time.Sleep(*settle)
	}
	if *presses > 0 {
		var lat []string
		for i := range *presses {
			key, want := "j", true
			if i%2 == 1 {
				key, want = "k", false
			}
			// A random pause, so presses do not fall in step with the
			// program's own ticks.
			time.Sleep(time.Duration(80+rand.IntN(120)) * time.Millisecond) //nolint:gosec // jitter, not a secret
			sent := time.Now()
			if _, err := io.WriteString(ptmx, key); err != nil {
				fail(err)
			}
			at, err := t.waitFor(func(s string) bool { return strings.Contains(s, *marker) == want }, sent, *timeout)
			if err != nil {
				fail(fmt.Errorf("press %d (%s): %w\n%s", i+1, key, err, t.screen()))
			}
			lat = append(lat, fmt.Sprintf("%.2f", ms(at.Sub(sent))))
		}
		out = append(out, "key_ms="+strings.Join(lat, ","))
	}
	if *idle > 0 {
		c0, err := cpuTime(cmd.Process.Pid)
		if err != nil {
			fail(err)
		}
		p0 := counter(*probe)
		b0, t0 := t.bytes(), time.Now()
		time.Sleep(*idle)
		c1, err := cpuTime(cmd.Process.Pid)
		if err != nil {
			fail(err)
		}
		d := time.Since(t0)
		p1 := counter(*probe)
		out = append(out, fmt.Sprintf("cpu_pct=%.3f", 100*(c1-c0).Seconds()/d.Seconds()),
			fmt.Sprintf("out_bytes_per_s=%.0f", float64(t.bytes()-b0)/d.Seconds()))
		if *probe != "" {
			out = append(out, fmt.Sprintf("probe_per_s=%.2f", float64(p1-p0)/d.Seconds()))
		}
	}
	fmt.Println(strings.Join(out, " "))
}

// term is the emulated screen the program draws on, fed by read.
type term struct {
	mu      sync.Mutex
	emu     *vt.Emulator
	n       int64         // bytes the program wrote
	last    time.Time     // when the latest of them arrived
	changed chan struct{} // signalled after each write reaches the screen
}

func newTerm(cols, rows int) *term {
	return &term{emu: vt.NewEmulator(cols, rows), changed: make(chan struct{}, 1)}
}

// read feeds the program's output to the emulator.
func (t *term) read(r io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			now := time.Now()
			t.mu.Lock()
			t.last = now
			_, _ = t.emu.Write(buf[:n])
			t.n += int64(n)
			t.mu.Unlock()
			select {
			case t.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// answer passes the emulator's replies (to the program's queries: the
// background colour, the cursor position) back to the program, as a
// terminal does.
func (t *term) answer(w io.Writer) { _, _ = io.Copy(w, t.emu) }

func (t *term) screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.emu.String()
}

func (t *term) bytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// waitFor returns the time the output that made the screen satisfy ok
// arrived (since is when the wait began).
func (t *term) waitFor(ok func(screen string) bool, since time.Time, timeout time.Duration) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		t.mu.Lock()
		s, at := t.emu.String(), t.last
		t.mu.Unlock()
		if ok(s) {
			if at.Before(since) {
				at = since // it already did
			}
			return at, nil
		}
		select {
		case <-t.changed:
		case <-deadline:
			return time.Time{}, fmt.Errorf("nothing after %s", time.Since(since).Round(time.Millisecond))
		}
	}
}

// cpuTime is the CPU time the process's threads have had, from the
// scheduler's own nanosecond account (/proc/PID/task/*/schedstat).
func cpuTime(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, errors.Join(err, fmt.Errorf("no threads for pid %d", pid))
	}
	var sum int64
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread just exited
		}
		f := bytes.Fields(b)
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		sum += ns
	}
	return time.Duration(sum), nil
}

// counter runs a shell command that prints one integer (0 when cmd is "").
func counter(cmd string) int64 {
	if cmd == "" {
		return 0
	}
	out, err := exec.CommandContext(context.Background(), "sh", "-c", cmd).Output() //nolint:gosec // the bench script's own command
	if err != nil {
		fail(fmt.Errorf("probe %q: %w", cmd, err))
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		fail(fmt.Errorf("probe %q printed %q, not a number", cmd, out))
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ptybench:", err)
	os.Exit(1)
}
