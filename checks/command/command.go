// Package command runs a check's or an action's argv, locally or on a host
// through the system ssh client, and turns its output into fields: exit_code,
// stdout, stderr, and what the check's parser (kv, table, json) finds.
//
// An argv never passes through a local shell: each element is one argument.
// On a remote host the far side of ssh is always a shell, so every element is
// single-quoted for it; a parameter value like `x; rm -rf /` stays one
// argument there too. A `shell:` line runs only as `sh -c LINE`, as written.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/internal/proc"
)

// Field names every command observation carries.
const (
	FieldExitCode = "exit_code"
	FieldStdout   = "stdout"
	FieldStderr   = "stderr"
)

// maxOutput caps what is kept of each of stdout and stderr: a check panel
// needs the answer, not a runaway log.
const maxOutput = 1 << 20

// sshExitFailure is what ssh exits with when it fails itself (cannot
// connect, host key, authentication).
const sshExitFailure = 255

// sshNoLogin matches what ssh prints on stderr when it never logged in, so
// nothing ran on the remote host: a refused or timed-out connection, an
// unknown host, a refused key or host key. ssh also exits 255 when an
// established connection drops while the command runs; that one may have
// run, so it is not matched.
var sshNoLogin = regexp.MustCompile(`(?m)^(?:ssh: connect to host |ssh: Could not resolve hostname |.*Permission denied \(|Host key verification failed|kex_exchange_identification: |Connection timed out during banner exchange|Connection closed by \S+ port \d+\s*$)`)

// SSHProgram is the ssh client used for remote hosts; tests point it at a
// fake, a deployment could point it at a wrapper.
var SSHProgram = "ssh"

// IsLocal reports whether commands for t run on this machine.
func IsLocal(t checks.Target) bool {
	return t.Host == "" || t.Host == "local"
}

// BuildArgv returns the argv that is executed for argv or shell on t: the
// argv itself (or `sh -c LINE`) locally, otherwise
// `ssh -o BatchMode=yes [-o ConnectTimeout=N] [-l USER] -- HOST 'a' 'b' ...`.
// The ssh port and keys come from the operator's ssh configuration; a host
// target's `port` is what a tcp check probes, not the ssh port.
func BuildArgv(t checks.Target, argv []string, shell string, connectTimeout time.Duration) ([]string, error) {
	var cmd []string
	switch {
	case shell != "" && len(argv) > 0:
		return nil, errors.New("both argv and shell are set: a command has one or the other")
	case shell != "":
		cmd = []string{"sh", "-c", shell}
	case len(argv) > 0:
		cmd = argv
	default:
		return nil, errors.New("no argv and no shell line: nothing to run")
	}
	if IsLocal(t) {
		return cmd, nil
	}
	if strings.HasPrefix(t.Host, "-") {
		return nil, fmt.Errorf("host %q starts with '-': refusing to pass it to ssh", t.Host)
	}
	if strings.HasPrefix(t.SSHUser, "-") {
		return nil, fmt.Errorf("ssh_user %q starts with '-': refusing to pass it to ssh", t.SSHUser)
	}
	out := []string{SSHProgram, "-o", "BatchMode=yes"}
	if connectTimeout > 0 {
		secs := int(math.Ceil(connectTimeout.Seconds()))
		out = append(out, "-o", "ConnectTimeout="+strconv.Itoa(secs))
	}
	if t.SSHUser != "" {
		out = append(out, "-l", t.SSHUser)
	}
	out = append(out, "--", t.Host, RemoteCommand(cmd))
	return out, nil
}

// RemoteCommand quotes every element of argv for a POSIX shell and joins
// them: what ssh hands to the remote shell.
func RemoteCommand(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ShellQuote(a))
	}
	return b.String()
}

// ShellQuote single-quotes s for a POSIX shell; a quote inside becomes '\”.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// result is one finished (or failed) execution.
type result struct {
	argv     []string
	stdout   string
	stderr   string
	exitCode int
	started  bool   // the process ran to an exit (or a kill)
	err      string // why it did not run to an exit status; "" if it did
	took     time.Duration
	// noAnswer: no data came back at all (the program or ssh could not
	// start, the deadline passed, ssh failed); an observation's State is
	// then unreachable.
	noAnswer bool
	// unreached: the command never reached a remote host (ssh could not
	// start or never logged in): nothing ran there.
	unreached bool
}

// Runner runs commands with a given environment. The zero Runner gives
// each child the parent's environment without the variables whose names
// say they hold a secret (checks.SecretEnvName); the live driver sets Env
// to the session's scrubbed environment (checks.Redactor.ChildEnv). The
// ssh client gets only what it needs of it (proc.SSHEnv), so it forwards
// no variable to the remote host.
type Runner struct {
	// Env is the environment of a local child, as "NAME=value" entries.
	Env []string
}

func (r Runner) env(local bool) []string {
	env := r.Env
	if env == nil {
		env = proc.Env(func(name, _ string) bool { return checks.SecretEnvName(name) })
	}
	if !local {
		return proc.SSHEnv(env)
	}
	if len(env) == 0 {
		return []string{} // never nil: nil would hand the child our own
	}
	return env
}

// execute runs argv or shell on t within ctx's deadline; action says
// whether it runs an action rather than a probe.
func (r Runner) execute(ctx context.Context, t checks.Target, argv []string, shell string, action bool) result {
	start := time.Now()
	var connect time.Duration
	if dl, ok := ctx.Deadline(); ok {
		connect = time.Until(dl)
	}
	full, err := BuildArgv(t, argv, shell, connect)
	if err != nil {
		return result{err: err.Error(), took: time.Since(start)}
	}
	res := result{argv: full}
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxOutput, maxOutput

	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = r.env(IsLocal(t))
	// No stdin: a command (or ssh) that asks a question fails instead of
	// hanging until the deadline.
	cmd.Stdin = nil
	cmd.WaitDelay = proc.WaitDelay

	// A probe's whole process group ends with the attempt; an action's
	// may outlive it (a server it started), and the action reports its
	// group so a resumed session can tell whether it still runs.
	runErr := proc.Run(cmd, proc.Options{KeepGroup: action, Started: func(pid int) {
		if action {
			checks.ReportProcess(ctx, pid)
		}
	}})
	res.took = time.Since(start)
	res.stdout, res.stderr = stdout.String(), stderr.String()
	if cmd.ProcessState != nil {
		res.started = true
		res.exitCode = cmd.ProcessState.ExitCode()
	}
	where := "on " + describeHost(t)
	switch {
	case ctx.Err() != nil:
		res.err = fmt.Sprintf("%s %s: no answer within %s (killed)", full[0], where, roundDur(res.took))
		if errors.Is(ctx.Err(), context.Canceled) {
			res.err = fmt.Sprintf("%s %s: cancelled", full[0], where)
		}
		res.noAnswer = true
	case runErr != nil && cmd.ProcessState == nil:
		res.err = fmt.Sprintf("start %s %s: %v", full[0], where, runErr)
		res.noAnswer, res.unreached = true, !IsLocal(t)
	case runErr != nil && res.exitCode == -1:
		res.err = fmt.Sprintf("%s %s: %v", full[0], where, runErr)
	case !IsLocal(t) && res.exitCode == sshExitFailure:
		res.err = fmt.Sprintf("ssh to %s failed (exit %d): %s — check that `ssh -o BatchMode=yes %s true` works for this user",
			t.Host, sshExitFailure, proc.OrNone(proc.LastLine(res.stderr)), t.Host)
		res.noAnswer = true
		res.unreached = res.stdout == "" && sshNoLogin.MatchString(res.stderr)
	}
	return res
}

func describeHost(t checks.Target) string {
	if IsLocal(t) {
		return "this machine"
	}
	return t.Host
}

func roundDur(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// Observe runs c on t and returns its fields. A command that ran to an exit
// status is an answer (exit_code says how it went; Evaluate expects 0 unless
// the check names exit_code); one that could not start, timed out or whose
// ssh connection failed is an Observation.Error.
func Observe(ctx context.Context, t checks.Target, c checks.Check) checks.Observation {
	return Runner{}.Observe(ctx, t, c)
}

// Observe is the package's Observe with r's environment.
func (r Runner) Observe(ctx context.Context, t checks.Target, c checks.Check) checks.Observation {
	res := r.execute(ctx, t, c.Argv, c.Shell, false)
	obs := checks.Observation{At: time.Now(), Latency: res.took, Error: res.err}
	if res.noAnswer {
		obs.State = checks.StateUnreachable
	}
	obs.Raw = res.stdout
	if res.stderr != "" {
		if obs.Raw != "" && !strings.HasSuffix(obs.Raw, "\n") {
			obs.Raw += "\n"
		}
		obs.Raw += "[stderr]\n" + res.stderr
	}
	if !res.started {
		return obs // never started: no fields at all
	}
	if res.err != "" && ctx.Err() != nil {
		return obs // killed: a partial output is not an answer
	}
	rows, perr := ParseOutput(c.Parse, res.stdout, res.stderr, res.exitCode)
	if perr != nil && obs.Error == "" {
		obs.Error = perr.Error()
	}
	obs.Rows = rows
	return obs
}

// Run executes an action the operator confirmed. Output is stdout followed
// by stderr; a non-zero exit is an Error that quotes the last stderr line.
func Run(ctx context.Context, t checks.Target, a checks.Action) checks.ActionResult {
	return Runner{}.Run(ctx, t, a)
}

// Run is the package's Run with r's environment.
func (r Runner) Run(ctx context.Context, t checks.Target, a checks.Action) checks.ActionResult {
	res := r.execute(ctx, t, a.Argv, a.Shell, true)
	out := res.stdout
	if res.stderr != "" {
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += res.stderr
	}
	ar := checks.ActionResult{Output: out, ExitCode: res.exitCode, Error: res.err, Duration: res.took, Unreachable: res.unreached}
	if ar.Error == "" && res.exitCode != 0 {
		ar.Error = fmt.Sprintf("%s on %s exited with status %d: %s", a.Describe(), describeHost(t), res.exitCode,
			proc.OrNone(proc.LastLine(res.stderr)))
	}
	return ar
}

// limitedBuffer keeps the first max bytes written and counts the rest
// (still reporting them written, so the child is never blocked).
type limitedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := max(l.max-l.buf.Len(), 0)
	keep := min(len(p), room)
	l.buf.Write(p[:keep])
	l.dropped += len(p) - keep
	return len(p), nil
}

// String is what was kept; output that was cut ends in checks.Truncate's
// "… [truncated: N bytes]".
func (l *limitedBuffer) String() string {
	if l.dropped > 0 {
		return checks.MarkTruncated(l.buf.String(), l.dropped)
	}
	return l.buf.String()
}
