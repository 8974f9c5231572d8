//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	"github.com/spf13/cobra"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps/journal"
)

// The examples test runs every example of the documentation as a user
// would type it: each `handrail …` line of a command's Example help, and
// each one in a shell code block of README.md and docs/*.md (in other code
// blocks, each line that starts with `$ handrail`). Each runs through Main
// in a world of its own, a copy of one prepared beforehand:
//
//   - HOME is ROOT/home/ana and the working directory ROOT/home/ana/change;
//     an absolute path in an example is read under ROOT (/var/lib/handrail
//     is ROOT/var/lib/handrail), ~ is HOME.
//   - The state directory (the default one, and /var/lib/handrail, a copy
//     of it) holds the sessions the examples name, made by the real engine:
//     20261122-021500-ab12, a live ThinMan session overridden at
//     stop-replica and left at the next step, recorded by the real
//     recorder (the frames are the test's: recordedSession); and, made by
//     the rehearse command itself, 20261121-223000-7f3e, a rehearsal of
//     the replication-error scenario that halted, with its debrief, and
//     20261122-023000-c4d9, a rehearsal quit at its first step.
//   - For an `approve` example, 20261122-024500-9d3c is being driven in this
//     process by another OS user, and waits for approval of an override.
//   - The working directory holds the README's runbook (my-runbook.yaml)
//     with its scenario, ops/ with two runbooks, a copy of ab12's journal
//     and recording, team.yaml (deploy/team.example.yaml), commands.txt
//     for plain mode; /etc/handrail holds the team file and a host name.
//   - The passwords the runbooks name are in the environment.
//   - Standard input is empty (a session quits at the end of its input)
//     unless the example redirects it; `watch`, and `approve` without
//     --grant or --reject, get a terminal (a pty) and the keys a person
//     would press there.
//
// The shell around the command is run as a shell would: environment
// assignments, `export` lines of the same block, quotes, globs, `< FILE`,
// `> FILE` and `| PROGRAM` (run for real). Shell syntax beyond that fails
// the test: an example must stay runnable by it. One documented value is
// stood in for, since no fixture can have it: the head hash given to
// `verify --head` is the fixture journal's own.
//
// Every example must not be a usage error (exit 2), must name nothing
// unknown, and must do what its command documents (examplePasses).
func TestExamplesRunAsWritten(t *testing.T) {
	examples := collectExamples(t)
	tmpl := buildExampleWorld(t)
	for _, ex := range examples {
		t.Run(ex.name(), func(t *testing.T) { runExample(t, tmpl, ex) })
	}
}

// An example is one command line from the help or the docs.
type example struct {
	src  string // "run --help" or "README.md:58"
	line string
	// env holds the `export` assignments of the code block above it.
	env [][2]string
}

func (e example) name() string {
	line, _, _ := strings.Cut(e.line, " #")
	return e.src + ": " + strings.TrimSpace(line)
}

// collectExamples gathers every example: from each command's help, and
// from the code blocks of README.md and docs/*.md.
func collectExamples(t *testing.T) []example {
	t.Helper()
	var out []example
	var errb bytes.Buffer
	root := newRoot(IO{In: strings.NewReader(""), Out: &errb, Err: &errb})
	commands := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			if sub.Example != "" {
				commands++
				for _, l := range logicalLines(sub.Example) {
					src := strings.TrimPrefix(sub.CommandPath(), "handrail ") + " --help"
					switch {
					case cmdWord(l.text) != "":
						out = append(out, example{src: src, line: l.text})
					case !strings.HasPrefix(l.text, "ssh "):
						// Only handrail lines run (an ssh line shows
						// how to reach serve): any other command word
						// is a typo that would hide an example.
						t.Errorf("%s: %q is not a handrail command", src, l.text)
					}
				}
			}
			walk(sub)
		}
	}
	walk(root)
	if commands < 19 {
		t.Fatalf("found examples in %d commands only", commands)
	}
	docs, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	nDocs := 0
	for _, p := range append([]string{filepath.Join("..", "README.md"), filepath.Join("..", "ARCHITECTURE.md")}, docs...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ex := docExamples(strings.TrimPrefix(p, ".."+string(filepath.Separator)), string(data))
		nDocs += len(ex)
		out = append(out, ex...)
	}
	if nDocs < 40 {
		t.Fatalf("found %d examples in the docs only", nDocs)
	}
	return out
}

// A logicalLine is a command line, continuation lines joined, with the
// number of the source line it starts on.
type logicalLine struct {
	text string
	n    int
}

func logicalLines(text string) []logicalLine {
	var out []logicalLine
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if cur.Len() == 0 {
			start = i + 1
		}
		if c, ok := strings.CutSuffix(l, `\`); ok {
			cur.WriteString(strings.TrimSpace(c) + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, logicalLine{s, start})
		}
		cur.Reset()
	}
	return out
}

var fenceRe = regexp.MustCompile("^\\s*```\\s*([A-Za-z0-9_-]*)")

// docExamples are the handrail lines of a Markdown file's code blocks: in
// sh, bash, shell and console blocks every line whose command is handrail,
// in blocks without a language the lines that start with "$ handrail".
// export lines apply to the lines after them in the same block.
func docExamples(file, md string) []example {
	var out []example
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceRe.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		lang, from := m[1], i+1
		for i++; i < len(lines) && !fenceRe.MatchString(lines[i]); i++ {
		}
		shell := lang == "sh" || lang == "bash" || lang == "shell" || lang == "console"
		if !shell && lang != "" {
			continue
		}
		var env [][2]string
		for _, l := range logicalLines(strings.Join(lines[from:i], "\n")) {
			text := l.text
			if s, ok := strings.CutPrefix(text, "$ "); ok {
				text = s
			} else if !shell {
				continue
			}
			if rest, ok := strings.CutPrefix(text, "export "); ok {
				if ws, err := shellWords(rest); err == nil {
					for _, w := range ws {
						if k, v, ok := strings.Cut(w.s, "="); ok && !w.op {
							env = append(env, [2]string{k, v})
						}
					}
				}
				continue
			}
			if cmdWord(text) == "" {
				continue
			}
			out = append(out, example{src: fmt.Sprintf("%s:%d", file, from+l.n), line: text, env: append([][2]string(nil), env...)})
		}
	}
	return out
}

var assignRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// cmdWord is the handrail command word of a line ("handrail" or
// "./handrail", after any VAR=value), or "".
func cmdWord(line string) string {
	for _, f := range strings.Fields(line) {
		if assignRe.MatchString(f) {
			continue
		}
		if f == "handrail" || f == "./handrail" {
			return f
		}
		return ""
	}
	return ""
}

// A word of a command line. op marks an unquoted |, <, > or >>; glob an
// unquoted * or ?; tilde an unquoted ~/ in front.
type word struct {
	s         string
	op, glob  bool
	tilde     bool
	wasQuoted bool
}

// shellWords splits a line as sh would, for the syntax examples use:
// single and double quotes, backslash escapes, comments, |, <, >, >>.
// Anything else the shell would treat specially is an error, so the
// examples stay within what this test runs faithfully.
func shellWords(line string) ([]word, error) {
	var out []word
	var cur word
	in := false // inside a word
	flush := func() {
		if in {
			out = append(out, cur)
		}
		cur, in = word{}, false
	}
	r := []rune(line)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !in:
			return out, nil
		case c == '\'':
			j := i + 1
			for j < len(r) && r[j] != '\'' {
				j++
			}
			if j == len(r) {
				return nil, errors.New("unclosed single quote")
			}
			cur.s += string(r[i+1 : j])
			cur.wasQuoted, in, i = true, true, j
		case c == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(r) && r[j] != '"'; j++ {
				switch r[j] {
				case '$', '`':
					return nil, fmt.Errorf("%q inside double quotes: the test does not expand it", r[j])
				case '\\':
					if j+1 < len(r) && strings.ContainsRune(`"\$`+"`", r[j+1]) {
						j++
					}
				}
				b.WriteRune(r[j])
			}
			if j == len(r) {
				return nil, errors.New("unclosed double quote")
			}
			cur.s += b.String()
			cur.wasQuoted, in, i = true, true, j
		case c == '\\':
			if i+1 < len(r) {
				i++
				cur.s += string(r[i])
				in = true
			}
		case c == '|' || c == '<' || c == '>':
			flush()
			op := string(c)
			if c == '>' && i+1 < len(r) && r[i+1] == '>' {
				op, i = ">>", i+1
			}
			out = append(out, word{s: op, op: true})
		case strings.ContainsRune("$`;&(){}", c):
			return nil, fmt.Errorf("%q: shell syntax the test does not run", c)
		default:
			if c == '~' && !in && (i+1 == len(r) || r[i+1] == '/') {
				cur.tilde = true
			} else {
				if c == '*' || c == '?' || c == '[' {
					cur.glob = true
				}
				cur.s += string(c)
			}
			in = true
		}
	}
	flush()
	return out, nil
}

// shellCmd is an example line taken apart.
type shellCmd struct {
	env      [][2]string
	args     []word // after the handrail command word
	in, out  *word  // redirection targets
	appendTo bool
	pipe     []word // the program handrail's output is piped into
}

func parseCmd(line string) (shellCmd, error) {
	ws, err := shellWords(line)
	if err != nil {
		return shellCmd{}, err
	}
	var c shellCmd
	i := 0
	for ; i < len(ws) && !ws[i].op && assignRe.MatchString(ws[i].s); i++ {
		k, v, _ := strings.Cut(ws[i].s, "=")
		c.env = append(c.env, [2]string{k, v})
	}
	if i == len(ws) || (ws[i].s != "handrail" && ws[i].s != "./handrail") {
		return c, errors.New("not a handrail command")
	}
	for i++; i < len(ws); i++ {
		w := ws[i]
		if !w.op {
			c.args = append(c.args, w)
			continue
		}
		if w.s == "|" {
			c.pipe = ws[i+1:]
			for _, p := range c.pipe {
				if p.op {
					return c, errors.New("only one pipe, with nothing after it, is run by the test")
				}
			}
			if len(c.pipe) == 0 {
				return c, errors.New("a pipe into nothing")
			}
			break
		}
		if i+1 == len(ws) || ws[i+1].op {
			return c, fmt.Errorf("%s without a file", w.s)
		}
		target := ws[i+1]
		switch w.s {
		case "<":
			c.in = &target
		default:
			c.out, c.appendTo = &target, w.s == ">>"
		}
		i++
	}
	return c, nil
}

// The example world.

const (
	exLiveID      = "20261122-021500-ab12" // live ThinMan session, recorded, quit
	exHaltedID    = "20261121-223000-7f3e" // rehearsal, halted, with a debrief
	exQuitID      = "20261122-023000-c4d9" // rehearsal quit at its first step
	exApprovalID  = "20261122-024500-9d3c" // waits for approval (approve examples)
	exWorldOwner  = "ana"
	exSharedState = "/var/lib/handrail"
)

type exampleWorld struct {
	root, home, cwd string
}

func (w *exampleWorld) state() string {
	return filepath.Join(w.home, ".local", "state", "handrail")
}

// abs is where an absolute path of an example lives in this world.
func (w *exampleWorld) abs(p string) string { return filepath.Join(w.root, p) }

func newExampleWorld(t *testing.T) *exampleWorld {
	t.Helper()
	// A short root: a Unix socket's path (the approval socket) must stay
	// under about 100 bytes.
	root, err := os.MkdirTemp("", "hr-ex-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	home := filepath.Join(root, "home", exWorldOwner)
	return &exampleWorld{root: root, home: home, cwd: filepath.Join(home, "change")}
}

// buildExampleWorld prepares the world every example starts from.
func buildExampleWorld(t *testing.T) *exampleWorld {
	t.Helper()
	w := newExampleWorld(t)
	state := w.state()
	for _, d := range []string{state, w.cwd, w.abs("/etc/handrail"), w.abs("/etc/bash_completion.d"),
		w.abs("/usr/local/share/zsh/site-functions"), filepath.Join(w.home, ".config", "fish", "completions"),
		filepath.Join(w.cwd, "ops"), filepath.Join(w.cwd, "scenarios", "my-replica-restart")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	exampleEnv(t, w)

	// The live session: the real engine and recorder (replay_test.go).
	id, cast := recordedSession(t, state)
	if id != exLiveID {
		t.Fatalf("the recorded session is %s, the docs name %s", id, exLiveID)
	}
	// The rehearsals, made by the rehearse command itself.
	old := newSessionID
	t.Cleanup(func() { newSessionID = old })
	newSessionID = func(time.Time) string { return exHaltedID }
	haltedRehearsal(t, state)
	newSessionID = func(time.Time) string { return exQuitID }
	if code, out, errs := runCLI(t, "tick backup-done\n", "rehearse", "thinman-dual-db", "--plain", "--state-dir", state, "--operator", "B. Trainee"); code != ExitOK {
		t.Fatalf("the quit rehearsal: exit %d\n%s%s", code, out, errs)
	}
	newSessionID = old

	copyTree(t, state, w.abs(exSharedState))
	for _, p := range []string{journal.SessionPath(state, exLiveID), cast} {
		copyFile(t, p, filepath.Join(w.cwd, filepath.Base(p)))
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rb, sc := readmeRunbook(t, string(readme))
	write := func(p, data string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(w.cwd, "my-runbook.yaml"), rb)
	write(filepath.Join(w.cwd, "scenarios", "my-replica-restart", "happy.yaml"), sc)
	write(filepath.Join(w.cwd, "ops", "my-runbook.yaml"), rb)
	thinman, err := fs.ReadFile(runbooks.FS, "thinman-dual-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(w.cwd, "ops", "thinman-dual-db.yaml"), string(thinman))
	write(filepath.Join(w.cwd, "commands.txt"), "note waiting for db2 to answer after its reboot\nstatus\nquit\n")
	team, err := os.ReadFile(filepath.Join("..", "deploy", "team.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(w.cwd, "team.yaml"), string(team))
	write(w.abs("/etc/handrail/team.yaml"), string(team))
	write(w.abs("/etc/handrail/slave-host"), "db2\n")
	return w
}

// exampleEnv is the environment of the example world: its home, no other
// state directory, the runbooks' passwords.
func exampleEnv(t *testing.T, w *exampleWorld) {
	t.Helper()
	for k, v := range map[string]string{
		"HOME": w.home, "XDG_STATE_HOME": "",
		"THINMAN_SLAVE_USER": "handrail", "THINMAN_SLAVE_PASSWORD": "example-only",
		"SLAVE_USER": "repl", "SLAVE_PASSWORD": "example-only",
	} {
		t.Setenv(k, v)
	}
}

// readmeRunbook is the README's example runbook and its scenario, the
// files the README says to save them as.
func readmeRunbook(t *testing.T, readme string) (runbook, scenario string) {
	t.Helper()
	for _, want := range []string{"Save it as `my-runbook.yaml`", "`scenarios/my-replica-restart/happy.yaml`"} {
		if !strings.Contains(readme, want) {
			t.Fatalf("the README no longer says %q: the test saves its runbook as it says", want)
		}
	}
	lines := strings.Split(readme, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```yaml" {
			continue
		}
		j := i + 1
		for j < len(lines) && !strings.HasPrefix(lines[j], "```") {
			j++
		}
		block := strings.Join(lines[i+1:j], "\n") + "\n"
		switch {
		case strings.HasPrefix(block, "id: my-replica-restart\n"):
			runbook = block
		case strings.HasPrefix(block, "runbook: my-replica-restart\n"):
			scenario = block
		}
		i = j
	}
	if runbook == "" || scenario == "" {
		t.Fatal("the README's example runbook or its scenario is missing")
	}
	return runbook, scenario
}

// haltedRehearsal rehearses the ThinMan runbook's replication-error
// scenario in plain mode, typing as an operator would, until the fault
// halts it (and its debrief is written).
func haltedRehearsal(t *testing.T, state string) {
	t.Helper()
	p := startPlainCLI(t, "rehearse", "thinman-dual-db", "--scenario", "replication-error", "--speed", "20", "--plain",
		"--state-dir", state, "--operator", "A. Operator")
	tick := func(items ...string) {
		t.Helper()
		for _, c := range items {
			p.send("tick " + c)
			p.expect("TICKED " + c)
		}
		p.expect("GATE OPEN")
		p.send("next")
		p.expect("== REHEARSAL")
	}
	p.expect("== REHEARSAL")
	tick("backup-done")
	tick("primary-installer-present", "secondary-installer-present")
	p.send("run")
	p.expect("Type yes to run STOP REPLICA")
	p.send("yes")
	p.expect("GATE OPEN")
	p.send("next")
	p.expect("== REHEARSAL")
	tick("primary-installer-version")
	tick("primary-restart-handled")
	tick("primary-naming-running", "primary-server-running", "primary-support-running", "primary-local-console")
	p.send("run")
	p.expect("Type yes to run START REPLICA")
	p.send("yes")
	p.expect("HALTED")
	if code := p.wait(); code != ExitHalted {
		t.Fatalf("the halted rehearsal exited %d:\n%s", code, p.out.String())
	}
	if _, err := os.Stat(filepath.Join(state, exHaltedID+".debrief.md")); err != nil {
		t.Fatalf("the halted rehearsal wrote no debrief: %v", err)
	}
}

// plainCLI is Main in plain mode with a pipe for its standard input.
type plainCLI struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *lockedBuffer
	mark int
	done chan ExitCode
}

func startPlainCLI(t *testing.T, args ...string) *plainCLI {
	t.Helper()
	r, w := io.Pipe()
	p := &plainCLI{t: t, in: w, out: &lockedBuffer{}, done: make(chan ExitCode, 1)}
	go func() {
		p.done <- Main(args, IO{In: r, Out: p.out, Err: p.out})
		_ = r.Close()
	}()
	return p
}

func (p *plainCLI) send(line string) {
	p.t.Helper()
	p.mark = len(p.out.String())
	if _, err := io.WriteString(p.in, line+"\n"); err != nil {
		p.t.Fatalf("type %q: %v\n%s", line, err, p.out.String())
	}
}

func (p *plainCLI) expect(text string) {
	p.t.Helper()
	if !waitText(func() string { return p.out.String()[p.mark:] }, text, 30*time.Second) {
		p.t.Fatalf("plain mode: %q did not appear; output since the last line typed:\n%s", text, p.out.String()[p.mark:])
	}
}

func (p *plainCLI) wait() ExitCode {
	p.t.Helper()
	_ = p.in.Close()
	select {
	case c := <-p.done:
		return c
	case <-time.After(30 * time.Second):
		p.t.Fatalf("still running:\n%s", p.out.String())
		return 0
	}
}

// waitText waits until text shows in what get returns.
func waitText(get func() string, text string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(get(), text) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm())
		case info.Mode().IsRegular():
			copyFile(t, p, to)
		}
		return nil // a lock or a socket is no part of the world
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// Running one example.

// exampleRun is what an example did.
type exampleRun struct {
	sub    string   // the sub-command ("run", "completion bash", "" for the root)
	args   []string // Main's arguments, paths mapped
	code   ExitCode
	out    string // stdout (after the pipe, when there is one)
	errs   string
	screen string // what a terminal showed, for a terminal example
	banner string // what serve answered on its port
	world  *exampleWorld
	state  string // the state directory the example used
}

func runExample(t *testing.T, tmpl *exampleWorld, ex example) {
	c, err := parseCmd(ex.line)
	if err != nil {
		t.Fatalf("cannot run it as written: %v", err)
	}
	w := newExampleWorld(t)
	copyTree(t, tmpl.root, w.root)
	exampleEnv(t, w)
	for _, kv := range append(append([][2]string(nil), ex.env...), c.env...) {
		t.Setenv(kv[0], kv[1])
	}
	t.Chdir(w.cwd)

	r := exampleRun{world: w, state: w.state()}
	var prev string
	for _, a := range c.args {
		vals := []string{mapPath(w, a)}
		if a.glob {
			if m, _ := filepath.Glob(vals[0]); len(m) > 0 {
				vals = m
			}
		}
		for _, v := range vals {
			if prev == "--state-dir" {
				r.state = v
			}
			if prev == "--head" {
				v = headOf(t, r.args, r.state)
			}
			r.args = append(r.args, v)
			prev = v
		}
	}
	r.sub = subcommand(r.args)

	var stdin io.Reader = strings.NewReader("")
	if c.in != nil {
		f, err := os.Open(mapPath(w, *c.in))
		if err != nil {
			t.Fatalf("its input: %v", err)
		}
		defer f.Close() //nolint:errcheck // read-only
		stdin = f
	}
	if r.sub == "approve" {
		approvalSessionIn(t, r.state, exApprovalID)
	}
	switch {
	case r.sub == "watch" || (r.sub == "approve" && !hasFlag(r.args, "--grant") && !hasFlag(r.args, "--reject")):
		runOnTerminal(t, &r)
	case r.sub == "serve" && !hasFlag(r.args, "--check-team"):
		runServeExample(t, &r)
	default:
		var out, errb bytes.Buffer
		r.code = Main(r.args, IO{In: stdin, Out: &out, Err: &errb})
		r.out, r.errs = out.String(), errb.String()
	}
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, clip(r.out), clip(r.errs))

	if c.out != nil {
		p := mapPath(w, *c.out)
		flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if c.appendTo {
			flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		f, err := os.OpenFile(p, flag, 0o644) //nolint:gosec // where the example redirects its output
		if err != nil {
			t.Fatalf("its output: %v", err)
		}
		if _, err := io.WriteString(f, r.out); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.pipe) > 0 {
		name := c.pipe[0].s
		if _, err := exec.LookPath(name); err != nil {
			t.Logf("%s is not installed: its part of the pipe is not run", name)
		} else {
			var argv []string
			for _, p := range c.pipe[1:] {
				argv = append(argv, p.s)
			}
			cmd := exec.Command(name, argv...) //nolint:gosec // the example's own pipe
			cmd.Stdin = strings.NewReader(r.out)
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("| %s: %v", name, err)
			}
			r.out = string(got)
		}
	}
	if err := examplePasses(t, r); err != nil {
		t.Errorf("%v\nexit %d\nstdout:\n%s\nstderr:\n%s\nscreen:\n%s", err, r.code, clip(r.out), clip(r.errs), clip(r.screen))
	}
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n…\n" + s[len(s)-2000:]
	}
	return s
}

// mapPath is an argument as the example's world reads it: ~ is the home,
// an absolute path lies under the world's root, and so does one after an
// = (name=/path).
func mapPath(w *exampleWorld, a word) string {
	s := a.s
	switch {
	case a.tilde:
		return filepath.Join(w.home, s)
	case strings.HasPrefix(s, "/"):
		return w.abs(s)
	}
	if k, v, ok := strings.Cut(s, "="); ok && strings.HasPrefix(v, "/") {
		return k + "=" + w.abs(v)
	}
	return s
}

func hasFlag(args []string, f string) bool {
	for _, a := range args {
		if a == f || strings.HasPrefix(a, f+"=") {
			return true
		}
	}
	return false
}

// subcommand is the command an argument list runs ("completion bash" for
// a nested one).
func subcommand(args []string) string {
	root := newRoot(IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), "handrail ")
}

// headOf is the head hash of the journal an example's arguments name: the
// one value of an example no fixture can have beforehand.
func headOf(t *testing.T, args []string, stateDir string) string {
	t.Helper()
	var target string
	for i := 1; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") && !strings.HasPrefix(args[i-1], "--") {
			target = args[i]
			break
		}
	}
	p, err := journal.Locate(stateDir, target)
	if err != nil {
		t.Fatal(err)
	}
	res, err := journal.VerifyFile(p, "")
	if err != nil || !res.OK {
		t.Fatalf("the fixture journal %s does not verify: %v %+v", p, err, res)
	}
	return res.Head
}

// runOnTerminal runs the example on a pseudo-terminal and types there as a
// person would: q once watch shows the session; an answer and a reason to
// approve's question.
func runOnTerminal(t *testing.T, r *exampleRun) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close() //nolint:errcheck // the test's end
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 34, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	var screen, errb lockedBuffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&screen, ptmx); close(copied) }()
	done := make(chan ExitCode, 1)
	var ended atomic.Bool
	go func() {
		done <- Main(r.args, IO{In: tty, Out: tty, Err: &errb, Term: tty})
		ended.Store(true)
	}()
	shown := func() string { return ansi.Strip(screen.String()) }
	typeAfter := func(text, keys string) {
		t.Helper()
		if ended.Load() {
			return
		}
		if !waitText(shown, text, 20*time.Second) {
			t.Errorf("the terminal never showed %q", text)
			return
		}
		time.Sleep(300 * time.Millisecond)
		if _, err := io.WriteString(ptmx, keys); err != nil {
			t.Fatal(err)
		}
	}
	switch r.sub {
	case "watch":
		typeAfter(exLiveID, "q")
	case "approve":
		typeAfter("Approve (a), reject (r)", "a\r")
		typeAfter("Why", "the backup of last night is verified in the ticket\r")
	}
	select {
	case r.code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running on the terminal; it shows:\n%s", shown())
	}
	_ = tty.Close()
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	r.screen, r.out, r.errs = shown(), shown(), errb.String()
}

// runServeExample starts serve as the example says, waits until it
// listens, and stops it as systemd would, with SIGTERM.
func runServeExample(t *testing.T, r *exampleRun) {
	t.Helper()
	// While serve runs, SIGTERM never reaches the default action (which
	// would end the test binary): the test holds it too.
	held := make(chan os.Signal, 8)
	signal.Notify(held, syscall.SIGTERM)
	defer signal.Stop(held)
	var out, errb lockedBuffer
	done := make(chan ExitCode, 1)
	go func() { done <- Main(r.args, IO{In: strings.NewReader(""), Out: &out, Err: &errb}) }()
	listening := func() bool { return strings.Contains(errb.String(), "listening on") }
	deadline := time.Now().Add(20 * time.Second)
	for !listening() && time.Now().Before(deadline) {
		select {
		case r.code = <-done:
			r.out, r.errs = out.String(), errb.String()
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	// It answers SSH where the example says it listens.
	addr := "127.0.0.1:2222"
	for i, a := range r.args {
		if a == "--listen" && i+1 < len(r.args) {
			addr = r.args[i+1]
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 5*time.Second); err == nil {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		r.banner, _ = bufio.NewReader(conn).ReadString('\n')
		_ = conn.Close()
	}
	for {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case r.code = <-done:
			r.out, r.errs = out.String(), errb.String()
			return
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("serve did not stop on SIGTERM:\n%s", errb.String())
		}
	}
}

// What each example must do.

var unknownRe = regexp.MustCompile(`(?i)unknown (command|flag|shorthand|runbook|scenario|session)|no such (runbook|scenario|session)|no session "|is ambiguous|not a bundled runbook|has no scenarios`)

// examplePasses says whether an example did what its command documents.
func examplePasses(t *testing.T, r exampleRun) error {
	t.Helper()
	all := r.out + r.errs
	if r.code == ExitUsage {
		return errors.New("a usage error (exit 2)")
	}
	if m := unknownRe.FindString(all); m != "" {
		return fmt.Errorf("it names something that does not exist: %q", m)
	}
	has := func(texts ...string) error {
		for _, s := range texts {
			if !strings.Contains(all, s) {
				return fmt.Errorf("the output lacks %q", s)
			}
		}
		return nil
	}
	code := func(want ...ExitCode) error {
		for _, c := range want {
			if r.code == c {
				return nil
			}
		}
		return fmt.Errorf("exit %d, want %v", r.code, want)
	}
	both := func(errs ...error) error { return errors.Join(errs...) }
	file := func(p string, texts ...string) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range texts {
			if !strings.Contains(string(b), s) {
				return fmt.Errorf("%s lacks %q", p, s)
			}
		}
		return nil
	}
	outFile := func() string {
		for i, a := range r.args {
			if (a == "-o" || a == "--output") && i+1 < len(r.args) {
				return r.args[i+1]
			}
		}
		return ""
	}
	sessionEnded := func() error {
		// A session that ran to the end of its input is saved, resumable.
		return both(code(ExitOK), has("Resume it with: handrail resume"))
	}
	switch r.sub {
	case "":
		return both(code(ExitOK), has("Usage:", "Available Commands:"))
	case "version":
		return both(code(ExitOK), has("handrail "+Version))
	case "list":
		if hasFlag(r.args, "--json") {
			if strings.Contains(r.out, "[") {
				var v []map[string]any
				if err := json.Unmarshal([]byte(r.out), &v); err != nil || len(v) < 5 {
					return fmt.Errorf("list --json is not a JSON array of the runbooks: %w", err)
				}
			}
		}
		return both(code(ExitOK), has("thinman-dual-db", "soliddb-hsb-netcopy", "gemstone-hot-standby"))
	case "show":
		return both(code(ExitOK), has("Targets\n", "\n1. "))
	case "lint":
		return both(code(ExitOK), has("no findings"))
	case "completion bash", "completion zsh", "completion fish", "completion powershell":
		shell := strings.TrimPrefix(r.sub, "completion ")
		if err := code(ExitOK); err != nil {
			return err
		}
		if !strings.Contains(r.out, shell) || !strings.Contains(r.out, "handrail") {
			return fmt.Errorf("not a %s completion script for handrail", shell)
		}
		return nil
	case "demo", "rehearse":
		if hasFlag(r.args, "--list-scenarios") {
			return both(code(ExitOK), has("happy"))
		}
		return both(sessionEnded(), has("REHEARSAL", "Every system here is simulated"))
	case "run":
		// With stdin empty, a run either starts its session and saves it at
		// the end of the input, or its preflight cannot reach the hosts the
		// example names (tm2, db2: nothing answers here) and refuses, before
		// anything is journaled, as run --help says.
		if r.code == ExitError {
			if err := has("Preflight: contacting", "UNREACHABLE", "not started: slave cannot be reached"); err != nil {
				return err
			}
			if m, _ := filepath.Glob(filepath.Join(r.state, "2*.jsonl")); len(m) != 3 {
				return fmt.Errorf("a refused run left a journal: %v", m)
			}
			return nil
		}
		return both(sessionEnded(), has("Preflight: contacting", "Starting with slave unreachable, on the record"))
	case "resume":
		return both(sessionEnded(), has("Resum"))
	case "sessions":
		return both(code(ExitOK), has(exLiveID, exHaltedID, exQuitID, "thinman-dual-db"))
	case "stats":
		return both(code(ExitOK), has("live sessions", "rehearsals in"))
	case "readiness":
		return both(code(ExitOK), has("A. Operator", "B. Trainee", "thinman-dual-db"))
	case "debrief":
		if hasFlag(r.args, "--write") {
			return both(code(ExitOK), file(filepath.Join(r.state, exHaltedID+".debrief.html"), "<html"))
		}
		if p := outFile(); p != "" {
			return both(code(ExitOK), file(p, "<html", "replication-error"))
		}
		return both(code(ExitOK), has("Rehearsal debrief", "## Halt", "start-replica"))
	case "report":
		if p := outFile(); p != "" {
			if strings.HasSuffix(p, ".html") {
				return both(code(ExitOK), file(p, "<html", exLiveID, "Stop the database replica"))
			}
			return both(code(ExitOK), file(p, exLiveID, "checked the replica by hand"))
		}
		return both(code(ExitOK), has(exLiveID, "checked the replica by hand"))
	case "verify":
		checks := []string{"intact: ", "head: ", "recording " + exLiveID + ".cast: intact"}
		if hasFlag(r.args, "--head") {
			checks = append(checks, "anchor: matches the head")
		}
		return both(code(ExitOK), has(checks...))
	case "replay":
		return both(code(ExitOK), has("Stop the database replica"))
	case "watch":
		return both(code(ExitOK), has("ThinMan Primary and Secondary Server", "Stopped watching session "+exLiveID))
	case "approve":
		verb := "approved"
		if hasFlag(r.args, "--reject") {
			verb = "rejected"
		}
		if err := both(code(ExitOK), has("asks to override", "The checks now:", verb)); err != nil {
			return err
		}
		return file(journal.SessionPath(r.state, exApprovalID), `"type":"approval.`)
	case "serve":
		if hasFlag(r.args, "--check-team") {
			return both(code(ExitOK), has("Alice Doe: operator", "Carol Auditor: observer"))
		}
		if !strings.HasPrefix(r.banner, "SSH-2.0-") {
			return fmt.Errorf("serve did not answer SSH on its port: %q", r.banner)
		}
		return both(code(ExitOK), has("generated a host key", "listening on", "stopped; sessions that were being driven are interrupted and resumable"))
	}
	return fmt.Errorf("no documented behaviour is known for %q: add it to examplePasses", r.sub)
}

// TestShellWords holds the example splitter to the shell's reading, and
// to refusing what it cannot run faithfully.
func TestShellWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
		err  bool
	}{
		{`handrail run x --operator "Alice Doe" # a comment`, []string{"handrail", "run", "x", "--operator", "Alice Doe"}, false},
		{`handrail list --json | jq -r '.[].id'`, []string{"handrail", "list", "--json", "|", "jq", "-r", ".[].id"}, false},
		{`A=1 handrail x < in.txt >> out`, []string{"A=1", "handrail", "x", "<", "in.txt", ">>", "out"}, false},
		{`handrail x "a \"b\""`, []string{"handrail", "x", `a "b"`}, false},
		{`handrail completion zsh > "${fpath[1]}/_handrail"`, nil, true},
		{`handrail x $(id)`, nil, true},
		{`handrail x; rm -rf /`, nil, true},
		{`handrail x 'open`, nil, true},
	}
	for _, tt := range tests {
		ws, err := shellWords(tt.line)
		if (err != nil) != tt.err {
			t.Errorf("%s: error %v, want error %v", tt.line, err, tt.err)
			continue
		}
		var got []string
		for _, w := range ws {
			got = append(got, w.s)
		}
		if !tt.err && strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("%s: %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestDocExamplesFound: the doc scanner finds shell lines, transcripts and
// exports, and leaves screens and YAML alone.
func TestDocExamplesFound(t *testing.T) {
	md := "text\n```sh\nexport A=1 B=2\nhandrail run x \\\n  --plain   # note\nssh host\n```\n" +
		"```\nhandrail · a screen\n$ handrail verify y\nintact: …\n```\n```yaml\nhandrail: no\n```\n"
	got := docExamples("f.md", md)
	var lines []string
	for _, e := range got {
		lines = append(lines, e.src+" "+e.line)
	}
	want := []string{"f.md:4 handrail run x --plain   # note", "f.md:10 handrail verify y"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found %q, want %q", lines, want)
	}
	if len(got[0].env) != 2 || got[0].env[1] != [2]string{"B", "2"} {
		t.Errorf("the export line did not apply: %v", got[0].env)
	}
}
