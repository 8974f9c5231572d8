package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wait is how long one expectation may take: generous for a slow, shared CI
// machine, but bounded so a hung console fails the test instead of the run.
const wait = 15 * time.Second

var termSeq atomic.Int64

// term is one terminal: a private tmux server (its own socket, so a test
// never touches the user's tmux) with one pane running a command.
type term struct {
	t    *testing.T
	sock string
	name string
	w, h int

	mu sync.Mutex
	// seen holds every screen captured, for the secret-leak assertions.
	seen []string
}

// tmuxEnv is the environment of the tmux server and so of the pane: a UTF-8
// locale (the console's symbols), no TMUX of an enclosing session, plus
// extra. Variables reach the pane through the server's environment, never
// through a command line, so a password passed here is in no process's argv.
func tmuxEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TMUX", "TMUX_PANE", "LANG", "LC_ALL", "LC_CTYPE", "NO_COLOR", "TERM", "COLUMNS", "LINES":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color")
	return append(env, extra...)
}

// exitRe is the line the pane's shell prints when the command exits.
var exitRe = regexp.MustCompile(`\[e2e: exited (\d+)\]`)

// startTerm starts a w x h terminal running argv. A tiny shell runs the
// command and then prints its exit status and sleeps, so the screen the
// command left stays readable and the status is read from the screen: the
// test does not depend on tmux reaping the command (tmux 3.3a was seen to
// leave an exited command a zombie, its pane never marked dead).
func startTerm(t *testing.T, name string, w, h int, env []string, argv ...string) *term {
	t.Helper()
	p := &term{
		t:    t,
		sock: fmt.Sprintf("hr-e2e-%d-%d", os.Getpid(), termSeq.Add(1)),
		name: name,
		w:    w, h: h,
	}
	conf := filepath.Join(t.TempDir(), "tmux.conf")
	// No status line: the pane gets the whole w x h. A long history keeps
	// the text printed after the console left the alternate screen.
	// set-clipboard on: what the console copies with OSC 52 becomes a
	// tmux paste buffer the test can read.
	err := os.WriteFile(conf, []byte("set -g status off\nset -g history-limit 10000\nset -g set-clipboard on\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", p.sock, "kill-server").Run()
	})
	wrapped := append([]string{"sh", "-c", `"$0" "$@"; echo "[e2e: exited $?]"; exec sleep 3600`}, argv...)
	args := append([]string{"-L", p.sock, "-f", conf, "new-session", "-d", "-s", "e2e",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "--"}, wrapped...)
	cmd := exec.Command("tmux", args...)
	cmd.Env = tmuxEnv(env)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: tmux new-session: %v\n%s", name, err, out)
	}
	return p
}

func (p *term) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("%s: tmux %s: %v\n%s", p.name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now, one line per row.
func (p *term) screen() string {
	p.t.Helper()
	s := p.tmux("capture-pane", "-p", "-t", "e2e")
	p.mu.Lock()
	p.seen = append(p.seen, s)
	p.mu.Unlock()
	return s
}

// history is everything the pane printed, scrollback included, with lines
// the terminal wrapped joined again (for text printed after the console
// quit, such as the resume hint).
func (p *term) history() string {
	p.t.Helper()
	s := p.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "e2e")
	p.mu.Lock()
	p.seen = append(p.seen, s)
	p.mu.Unlock()
	return s
}

// keys sends tmux key names (n, Space, Tab, Right, Enter, ...).
func (p *term) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// pid is the pid of the command the pane runs (the child of the pane's
// shell), waiting for it to start.
func (p *term) pid() int {
	p.t.Helper()
	out := strings.TrimSpace(p.tmux("list-panes", "-t", "e2e", "-F", "#{pane_pid}"))
	sh, err := strconv.Atoi(out)
	if err != nil {
		p.t.Fatalf("%s: pane pid %q: %v", p.name, out, err)
	}
	deadline := time.Now().Add(wait)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", sh, sh))
		if f := strings.Fields(string(b)); len(f) == 1 {
			n, err := strconv.Atoi(f[0])
			if err == nil {
				return n
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: the pane's shell %d has no single child: %q", p.name, sh, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exited reports whether the pane's command has exited, and its status.
func (p *term) exited() (bool, int) {
	p.t.Helper()
	// The shell's line is the last thing printed: it is on the screen,
	// joined (after a console killed mid-frame, it may start at the end
	// of a full line and wrap).
	m := exitRe.FindStringSubmatch(p.tmux("capture-pane", "-p", "-J", "-t", "e2e"))
	if m == nil {
		return false, 0
	}
	code, _ := strconv.Atoi(m[1])
	return true, code
}

// waitExit waits for the pane's command to exit and returns its status.
func (p *term) waitExit(timeout time.Duration) int {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if dead, code := p.exited(); dead {
			return code
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: still running after %s; last screen:\n%s", p.name, timeout, frame(p.screen()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls the screen until text appears on it and returns that
// screen; on timeout the test fails showing the last screen.
func waitFor(t *testing.T, p *term, text string, timeout time.Duration) string {
	t.Helper()
	return p.waitUntil("text "+strconv.Quote(text), timeout, func(s string) bool { return strings.Contains(s, text) })
}

// waitMatch is waitFor with a regular expression.
func waitMatch(t *testing.T, p *term, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	return p.waitUntil("pattern "+re.String(), timeout, re.MatchString)
}

// waitUntil polls the screen (and, once the command has exited, its
// history) until ok holds.
func (p *term) waitUntil(what string, timeout time.Duration, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		last = p.screen()
		if ok(last) {
			return last
		}
		if exitRe.MatchString(last) {
			if h := p.history(); ok(h) {
				return h
			}
		}
		if time.Now().After(deadline) {
			hist := ""
			if dead, code := p.exited(); dead {
				hist = fmt.Sprintf("\n(the command exited with status %d; its history:)\n%s", code, p.history())
			}
			p.t.Fatalf("%s (%dx%d): %s did not appear within %s; last screen:\n%s%s", p.name, p.w, p.h, what, timeout, frame(last), hist)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// frame draws a border around a screen so trailing blanks show in a log.
func frame(s string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("|" + l + "\n")
	}
	return b.String()
}

// captures is every screen this terminal showed to the test.
func (p *term) captures() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// saveScreen writes a screen to testdata/screens/NAME.txt with -update-screens.
// These are documentation (copied to docs/), never compared.
func saveScreen(t *testing.T, name, screen string) {
	t.Helper()
	if !*updateScreens {
		return
	}
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	path := filepath.Join("testdata", "screens", name+".txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
