// Package soliddb runs solidDB ADMIN COMMANDs through the vendor's solsql
// client (solidDB SQL Editor, teletype) and reads the result set every
// ADMIN COMMAND returns: one row of RC (the command's return code) and TEXT
// (its reply).
//
// The SQL call itself succeeds whenever the syntax is valid; RC decides
// whether the command did what was asked. A status command answers with a
// non-zero RC while something is in progress (14003 ACTIVE for `hsb status
// copy` during a netcopy), so a check names the RC it expects; an action
// (Run) fails on any RC but 0.
//
// Invocation: `solsql -x onlyresults -e "ADMIN COMMAND '<admin>'" "tcp HOST
// PORT"`. solsql takes a user name and password as further command-line
// arguments, where any user on the machine could read them in the process
// list, so handrail leaves them out: solsql then asks for them ("Username:",
// "Password:") and handrail answers those prompts on its standard input,
// from a pipe. No credential is ever in an argv, an environment variable of
// the child (its environment is scrubbed: Runner), or a file.
package soliddb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/internal/proc"
)

// Field names an ADMIN COMMAND observation carries.
const (
	FieldRC   = "RC"
	FieldText = "TEXT"
	// FieldReply is every row's TEXT, one per line, on every row.
	FieldReply = "REPLY"
)

// DefaultClient is the solsql client used when a target names none.
const DefaultClient = "solsql"

// DefaultPort is solidDB's customary listen port, used when a target gives
// none.
const DefaultPort = 1964

const maxOutput = 1 << 20

// ServerName is solsql's network name for the target: "tcp HOST PORT".
func ServerName(t checks.Target) string {
	host := t.Host
	if host == "" || host == "local" {
		host = "localhost"
	}
	port := t.Port
	if port == 0 {
		port = DefaultPort
	}
	return fmt.Sprintf("tcp %s %d", host, port)
}

// ValidateAdmin rejects ADMIN COMMAND text that could break out of its
// quotes: a quote, a semicolon or a line break would let a parameter value
// become a second statement.
func ValidateAdmin(admin string) error {
	if strings.TrimSpace(admin) == "" {
		return errors.New("empty ADMIN COMMAND")
	}
	if i := strings.IndexAny(admin, "'\";\n\r\x00"); i >= 0 {
		return fmt.Errorf("ADMIN COMMAND %q contains %q: quotes, semicolons and line breaks are not allowed", admin, admin[i])
	}
	return nil
}

// Statement is the SQL that runs for an admin command.
func Statement(admin string) string {
	return "ADMIN COMMAND '" + strings.TrimSpace(admin) + "'"
}

// Argv is the client's argv for an admin command on t. It never holds a
// credential.
func Argv(t checks.Target, admin string) ([]string, error) {
	if err := ValidateAdmin(admin); err != nil {
		return nil, err
	}
	client := t.Client
	if client == "" {
		client = DefaultClient
	}
	return []string{client, "-x", "onlyresults", "-e", Statement(admin), ServerName(t)}, nil
}

// Result is what one ADMIN COMMAND answered.
type Result struct {
	Rows []checks.Row
	// Raw is the client's output, secrets redacted.
	Raw string
	// Err says why there is no result set ("" when there is one): a
	// connection or SQL error printed by solsql, a timeout, a client that
	// could not be started.
	Err  string
	Took time.Duration
	// Unreached is set when solsql never reached the server: it could not
	// start, or it reported a failed connection (SOLID Communication Error
	// 21306 "… not found, connection failed"). Nothing ran there.
	Unreached bool
	// NoAnswer is set when the attempt's deadline passed first.
	NoAnswer bool
}

// Runner runs solsql with a given environment. The zero Runner gives
// solsql the parent's environment without the variables whose names say
// they hold a secret or whose value is this target's password; the live
// driver sets Env to the session's scrubbed environment
// (checks.Redactor.ChildEnv).
type Runner struct {
	// Env is solsql's environment, as "NAME=value" entries.
	Env []string
}

func (r Runner) env(cred checks.Credentials) []string {
	env := r.Env
	if env == nil {
		red := checks.NewRedactor()
		red.AddCredentials(cred)
		env = proc.Env(func(name, value string) bool { return checks.SecretEnvName(name) || red.Holds(value) })
	}
	if len(env) == 0 {
		return []string{} // never nil: nil would hand the child our own
	}
	return env
}

// Exec runs one ADMIN COMMAND on t and parses its result set.
func Exec(ctx context.Context, t checks.Target, cred checks.Credentials, admin string) Result {
	return Runner{}.Exec(ctx, t, cred, admin)
}

// Exec is the package's Exec with r's environment.
func (r Runner) Exec(ctx context.Context, t checks.Target, cred checks.Credentials, admin string) Result {
	return r.exec(ctx, t, cred, admin, false)
}

// exec runs one ADMIN COMMAND; action says whether it is the step's action
// rather than a probe.
func (r Runner) exec(ctx context.Context, t checks.Target, cred checks.Credentials, admin string, action bool) Result {
	start := time.Now()
	argv, err := Argv(t, admin)
	if err != nil {
		return Result{Err: fmt.Sprintf("target %s: %v", t.Name, err), Took: time.Since(start)}
	}
	red := checks.NewRedactor()
	red.AddCredentials(cred)

	var stdout limitedBuffer
	stdout.max = maxOutput
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// The answers to solsql's login prompts.
	cmd.Stdin = strings.NewReader(cred.User + "\n" + cred.Password.Reveal() + "\n")
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	cmd.Env = r.env(cred)
	cmd.WaitDelay = proc.WaitDelay
	// A probe's whole process group ends with the attempt; an action
	// reports its group so a resumed session can tell whether it runs.
	runErr := proc.Run(cmd, proc.Options{KeepGroup: action, Started: func(pid int) {
		if action {
			checks.ReportProcess(ctx, pid)
		}
	}})

	res := Result{Took: time.Since(start)}
	out := stdout.String()
	res.Raw = red.Redact(out)
	where := fmt.Sprintf("%s on %s", Statement(admin), ServerName(t))
	switch {
	case ctx.Err() != nil:
		res.Err = fmt.Sprintf("%s: no answer within %s (solsql killed)", where, res.Took.Round(100*time.Millisecond))
		res.NoAnswer = true
		return res
	case runErr != nil && cmd.ProcessState == nil:
		res.Err = fmt.Sprintf("start %s: %v (set `client:` on the target to the solsql path)", argv[0], runErr)
		res.Unreached = true
		return res
	}
	rows, errLine := ParseOutput(out)
	switch {
	case errLine != "":
		res.Err = red.Redact(fmt.Sprintf("%s: %s", where, errLine))
		res.Unreached = ConnectFailed(errLine)
	case len(rows) == 0 && runErr != nil:
		res.Err = red.Redact(fmt.Sprintf("%s: solsql exited with status %d: %s", where,
			cmd.ProcessState.ExitCode(), proc.OrNone(lastLine(out))))
	case len(rows) == 0:
		res.Err = red.Redact(fmt.Sprintf("%s: solsql printed no result set: %s", where, proc.OrNone(lastLine(out))))
	}
	for i := range rows {
		for j := range rows[i].Fields {
			rows[i].Fields[j].Value = red.Redact(rows[i].Fields[j].Value)
		}
	}
	res.Rows = rows
	return res
}

// Observe runs c's ADMIN COMMAND and returns fields RC and TEXT (one row per
// result row; Key "" for a single row, "1", "2", … otherwise). A connection
// or SQL error is an Observation.Error; a non-zero RC is an answer that the
// check's expectations judge.
func Observe(ctx context.Context, t checks.Target, cred checks.Credentials, c checks.Check) checks.Observation {
	return Runner{}.Observe(ctx, t, cred, c)
}

// Observe is the package's Observe with r's environment.
func (r Runner) Observe(ctx context.Context, t checks.Target, cred checks.Credentials, c checks.Check) checks.Observation {
	res := r.Exec(ctx, t, cred, c.Admin)
	obs := checks.Observation{Rows: res.Rows, Raw: res.Raw, Error: res.Err, Latency: res.Took, At: time.Now()}
	if res.Unreached || res.NoAnswer {
		obs.State = checks.StateUnreachable
	}
	return obs
}

// Run executes an admin action. It fails when solsql reports an error or
// any row's RC is not 0; the Error then quotes the RC and TEXT.
func Run(ctx context.Context, t checks.Target, cred checks.Credentials, a checks.Action) checks.ActionResult {
	return Runner{}.Run(ctx, t, cred, a)
}

// Run is the package's Run with r's environment.
func (r Runner) Run(ctx context.Context, t checks.Target, cred checks.Credentials, a checks.Action) checks.ActionResult {
	res := r.exec(ctx, t, cred, a.Admin, true)
	// A timeout is not Unreachable: the statement may have reached the
	// server before the answer was lost.
	ar := checks.ActionResult{Output: res.Raw, Error: res.Err, Duration: res.Took, Unreachable: res.Unreached}
	if ar.Error != "" {
		ar.ExitCode = -1
		return ar
	}
	for _, r := range res.Rows {
		rc, _ := r.Get(FieldRC)
		if rc.Value != "0" {
			text, _ := r.Get(FieldText)
			ar.ExitCode, _ = strconv.Atoi(rc.Value)
			if ar.ExitCode == 0 {
				ar.ExitCode = -1
			}
			ar.Error = fmt.Sprintf("%s on %s failed: RC %s: %s", Statement(a.Admin), ServerName(t), rc.Value, proc.OrNone(text.Value))
			break
		}
	}
	if ar.Error != "" && ar.ExitCode > 0 {
		if want, ok := TargetState(a.Admin); ok {
			st := r.Exec(ctx, t, cred, "hsb state")
			if text, ok := AlreadyIn(st.Rows, st.Err, want); ok {
				ar.Output += "\n" + text
				ar.Error, ar.ExitCode = "", 0
			}
		}
	}
	return ar
}

// connectFailed matches the error solsql prints when it could not connect
// to the server at all (nothing was sent): "SOLID Communication Error
// 21306: Server 'tcp db1 1964' not found, connection failed."
var connectFailed = regexp.MustCompile(`^SOLID Communication Error (?:21306\b|\d+:.*connection failed)`)

// ConnectFailed reports whether errLine (ParseOutput's) says solsql never
// reached the server.
func ConnectFailed(errLine string) bool { return connectFailed.MatchString(errLine) }

// errorLine matches the error lines solsql prints, e.g.
// "SOLID Communication Error 21306: Server 'tcp db1 1964' not found,
// connection failed." or "SOLID Server Error 14501: Operation failed".
var errorLine = regexp.MustCompile(`SOLID [A-Za-z ]*Error \d+:.*`)

// rowsFetched matches the line that closes a result set.
var rowsFetched = regexp.MustCompile(`^\d+ rows? fetched\.?$`)

// promptPrefix strips solsql's login prompts, which share a line with
// whatever is printed next because the answers come from a pipe (no echo).
var promptPrefix = regexp.MustCompile(`^(?:\s*(?:Username|User name|Password):\s?)+`)

// ParseOutput reads solsql's output: the first SOLID error line if there is
// one, otherwise the result set's RC/TEXT rows, up to the "N rows fetched."
// line when solsql prints one. solidDB documents the result set's columns
// (RC, TEXT) but not solsql's layout, so both layouts are read:
//
//   - with the header and the dashed ruler: the rows after the ruler; TEXT
//     is everything from the start of the ruler's second dash run (TEXT may
//     hold spaces: "PRIMARY ALONE"); when a row does not line up with the
//     ruler, RC is its first word and TEXT the rest;
//   - without them (what `-x onlyresults` may print): every line that starts
//     with an integer is a row, RC that integer and TEXT the rest.
//
// Every row also carries REPLY: the TEXT of every row of the result set,
// one per line, so a check can look for a line anywhere in a reply of
// several rows (`version`).
func ParseOutput(out string) (rows []checks.Row, errLine string) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	for _, l := range lines {
		if m := errorLine.FindString(l); m != "" {
			return nil, strings.TrimSpace(m)
		}
	}
	for i := range lines {
		lines[i] = promptPrefix.ReplaceAllString(lines[i], "")
	}
	ruler := -1
	for i, l := range lines {
		if isRuler(l) && i > 0 {
			ruler = i
			break
		}
	}
	textCol := -1
	body := lines
	if ruler >= 0 {
		textCol = secondRunStart(lines[ruler])
		body = lines[ruler+1:]
	}
	var data []checks.Row
	for _, l := range body {
		if rowsFetched.MatchString(strings.TrimSpace(l)) {
			break
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if ruler < 0 && !bareRow.MatchString(l) {
			continue // not a result row: a banner, a prompt, a header
		}
		rc, text := splitRow(l, textCol)
		data = append(data, checks.Row{Fields: []checks.Field{
			{Name: FieldRC, Value: rc},
			{Name: FieldText, Value: text},
		}})
	}
	reply := make([]string, len(data))
	for i := range data {
		reply[i] = data[i].Fields[1].Value
	}
	for i := range data {
		data[i].Fields = append(data[i].Fields, checks.Field{Name: FieldReply, Value: strings.Join(reply, "\n")})
		if len(data) > 1 {
			data[i].Key = strconv.Itoa(i + 1)
		}
	}
	return data, ""
}

// bareRow is a result row without the ruler's guidance: an integer RC, then
// the TEXT (possibly empty).
var bareRow = regexp.MustCompile(`^\s*-?\d+(?:\s|$)`)

func splitRow(l string, textCol int) (rc, text string) {
	if textCol > 0 && len(l) >= textCol {
		rc = strings.TrimSpace(l[:textCol])
		if _, err := strconv.Atoi(rc); err == nil {
			return rc, strings.TrimSpace(l[textCol:])
		}
	}
	l = strings.TrimSpace(l)
	if i := strings.IndexAny(l, " \t"); i >= 0 {
		return l[:i], strings.TrimSpace(l[i:])
	}
	return l, ""
}

// isRuler: two or more runs of dashes separated by spaces.
func isRuler(l string) bool {
	f := strings.Fields(l)
	if len(f) < 2 {
		return false
	}
	for _, w := range f {
		if strings.Trim(w, "-") != "" {
			return false
		}
	}
	return true
}

func secondRunStart(l string) int {
	inRun, runs := false, 0
	for i, r := range l {
		if r == '-' && !inRun {
			runs++
			if runs == 2 {
				return i
			}
		}
		inRun = r == '-'
	}
	return -1
}

// lastLine is solsql's last line without the login prompts it may carry.
func lastLine(s string) string {
	return strings.TrimSpace(promptPrefix.ReplaceAllString(proc.LastLine(s), ""))
}

// limitedBuffer keeps the first max bytes written and counts the rest.
type limitedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), max(l.max-l.buf.Len(), 0))
	l.buf.Write(p[:keep])
	l.dropped += len(p) - keep
	return len(p), nil
}

// String is what was kept, ending in "… [truncated: N bytes]" when cut.
func (l *limitedBuffer) String() string { return checks.MarkTruncated(l.buf.String(), l.dropped) }
