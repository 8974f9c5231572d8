package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/plain"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

func init() { commands = append(commands, newRunCmd) }

// newDriver builds the Driver that reaches a live session's targets. The
// live driver (checks/live) is wired in here; tests substitute a fake.
var newDriver = func(targets map[string]checks.Target, creds map[string]checks.Credentials, red *checks.Redactor) (checks.Driver, error) {
	return live.New(targets, creds, live.Options{Redactor: red}), nil
}

type runFlags struct {
	plain      bool
	params     []string
	paramFiles []string
	operator   string
	ticket     string
	stateDir   string
	noRecord   bool
	// startUnreachable is the reason to start although the preflight
	// could not reach a target (preflight.go).
	startUnreachable string
	// window and until: the maintenance window (cli/forecast.go).
	window time.Duration
	until  string
}

func newRunCmd(stdio IO) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run RUNBOOK",
		Short: "Start a session: walk through a runbook against the live systems",
		Long: strings.TrimSpace(`
run starts a session of RUNBOOK (a bundled runbook's id, or a path to a
.yaml file) against the live systems. Each step shows what to do and where;
its checks poll the real servers, and the next step opens only when every
check passes (or after an override with a written reason). Every event is
journaled, fsynced, in the state directory; an interrupted session is picked
up with 'handrail resume'.

Params are given with --param name=value (repeatable), or read from a
file with --param-file name=PATH (PATH - reads one line of standard input).
A secret param is never taken from --param, where every user of the machine
can read it in the process list: give it as HANDRAIL_PARAM_<NAME> in the
environment (the name in upper case), with --param-file, or leave it out to
be asked. On a terminal, missing params are asked for (secret ones masked);
otherwise a missing param is an error. Passwords come from the environment,
a file, or a masked prompt, as each target declares: never from the
command line.

Before the first step, run contacts every target a check polls, once
(preflight: connect, log in, read the version or state), and shows each
result. A target that cannot be reached stops the run before anything is
journaled, unless you start anyway with --start-unreachable "REASON", or
type a reason at the prompt on a terminal; the choice goes on the record.
In the session, a target that cannot be reached is unreachable, never
failed: its checks wait (no deadline passes, nothing is halted) until it
answers. A password can be re-entered without leaving the session.

With --plain, or when stdin or stdout is not a terminal or TERM is dumb, the
session runs in plain mode: lines out, commands in (type 'help').

Before the form, run warns when you have no passed rehearsal of this
runbook (at its current hash) in the last 30 days, and records the warning;
a site policy can make it a refusal ('handrail readiness', docs/rehearsal.md).
With --window or --until, it warns when the forecast from past sessions
('handrail stats') passes the end of the maintenance window.

Exit status: 0 completed or saved for later, 2 usage (or refused by the
site policy), 3 error, 4 the session is locked, 5 halted by an on_fail rule,
130 interrupted (ctrl+c, or a signal; the session stays resumable).`),
		Example: strings.TrimRight(`
  handrail run thinman-dual-db --param primary_host=tm1 --param secondary_host=tm2 --param new_version=6.0.2
  handrail run ./my-runbook.yaml --param slave_host=db2 --operator "Alice Doe" --ticket CHG-4711
  handrail run ./my-runbook.yaml --param-file slave_host=/etc/handrail/slave-host --state-dir /var/lib/handrail
  handrail run ./my-runbook.yaml --param slave_host=db2 --plain --start-unreachable "db2 reboots after patching, back in 5 minutes" < commands.txt
  handrail run thinman-dual-db -p primary_host=tm1 -p secondary_host=tm2 -p new_version=6.0.2 --until 04:00`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSession(stdio, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.plain, "plain", false, "line-oriented mode instead of the full-screen console")
	fl.StringArrayVarP(&f.params, "param", "p", nil, "a param value as name=value (repeatable; never a secret param)")
	fl.StringArrayVar(&f.paramFiles, "param-file", nil, "a param value read from a file, as name=PATH (repeatable; PATH - reads one line of standard input)")
	fl.StringVar(&f.operator, "operator", "", "your name for the record (default: your login)")
	fl.StringVar(&f.ticket, "ticket", "", "the change ticket this session carries out")
	fl.StringVar(&f.stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	addNoRecordFlag(fl, &f.noRecord)
	fl.StringVar(&f.startUnreachable, "start-unreachable", "", "start although the preflight cannot reach a target, for this reason (at least 15 characters; recorded)")
	addWindowFlags(cmd, &f.window, &f.until)
	return cmd
}

// console tells whether the session's stdio is a terminal, and whether
// that terminal can show the full-screen console (TERM=dumb cannot).
type console struct{ in, out, dumb bool }

func consoleOf(stdio IO) console {
	isTTY := func(v any) bool {
		f, ok := v.(*os.File)
		return ok && term.IsTerminal(f.Fd())
	}
	return console{in: isTTY(stdio.In), out: isTTY(stdio.term()), dumb: os.Getenv("TERM") == "dumb"}
}

// lineOnly says why the full-screen console cannot run here ("" when it
// can): it needs stdin and stdout on a terminal that is not dumb.
func (c console) lineOnly() string {
	switch {
	case !c.out:
		return "stdout is not a terminal"
	case !c.in:
		return "stdin is not a terminal"
	case c.dumb:
		return "TERM is dumb"
	}
	return ""
}

// choosePlain decides between the console and plain mode before anything is
// journaled, and says so when the terminal makes the choice: a console
// that cannot start must not leave a half-made session behind.
func choosePlain(stdio IO, con console, asked bool) bool {
	if asked {
		return true
	}
	if why := con.lineOnly(); why != "" {
		fmt.Fprintf(stdio.Err, "handrail: %s: using plain mode (line by line; type 'help')\n", why)
		return true
	}
	return false
}

func runSession(stdio IO, arg string, f runFlags) (err error) {
	rb, err := resolveRunbook(arg)
	if err != nil {
		return err
	}
	con := consoleOf(stdio)
	params, err := gatherParams(rb, f, stdio)
	if err != nil {
		return err
	}
	in := bufio.NewReader(stdio.In)
	if err := undeclaredParams(rb, params); err != nil {
		return withCode(ExitUsage, err)
	}
	var ans credAnswers
	usePlain := choosePlain(stdio, con, f.plain)
	dir, err := openStateDir(stdio, f.stateDir)
	if err != nil {
		return withCode(ExitError, err)
	}
	pol, err := sitePolicy(dir)
	if err != nil {
		return err
	}
	// Readiness is said before the form (cli/readiness.go), and journaled.
	operator := session.DetectOperator(f.operator)
	warnings, err := readinessWarning(stdio, dir, rb, operator)
	if err != nil {
		return err
	}
	// The recording starts before the parameter form: it shows what the
	// operator saw (never a masked value: the form does not draw it).
	rec, err := startRecording(stdio, dir, f.noRecord, usePlain)
	if err != nil {
		return err
	}
	defer finishRecording(stdio, rec, recording.EndClosed)
	if !usePlain && tui.FormNeeded(formConfig(rb, params)) {
		res, err := paramForm(rb, params, stdio, rec.Recorder())
		if err != nil {
			return err
		}
		params, ans = res.Params, credAnswers{env: res.Env, prompts: res.Prompts}
	} else if err := completeParams(rb, params, con, in, stdio); err != nil {
		return err
	}
	plan, err := steps.Expand(rb, params)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	red := checks.NewRedactor(secretValues(rb, params)...)
	drv, credSecrets, err := openDriverWith(plan.Targets, con, stdio, red, ans)
	if err != nil {
		return err
	}
	defer closeDriver(stdio, drv)
	pf, err := preflight(stdio, con, in, drv, plan, f.startUnreachable, usePlain, rec.Recorder())
	if err != nil {
		return err
	}
	fc, err := planSession(stdio, dir, rb, session.ModeLive, f.window, f.until, time.Now(), nil)
	if err != nil {
		return err
	}

	id := journal.NewSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id), Opts: []journal.Option{journal.WithRedactor(redactBytes(red))}}
	defer closeJournal(stdio, fj, &err)
	defer finishRecording(stdio, rec, recording.EndClosed) // before the journal closes
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: params, Redact: append(secretValues(rb, params), credSecrets...),
		Operator: operator, Ticket: f.ticket, Mode: session.ModeLive, Version: Version, Approval: pol.Approval,
		Journal: rec.Journal(fj, fj.Path, rb.Title+" · "+id, nil), Preflight: pf, Clock: sessionClock,
		Warnings: warnings, Forecast: fc, Place: journal.Place{StateDir: dir, Path: fj.Path}})
	if err != nil {
		return withCode(ExitError, err)
	}
	fmt.Fprintf(stdio.Err, "handrail: session %s, journal %s\n", id, fj.Path)
	sayRecordingProblem(stdio, rec)
	printWindowWarnings(stdio, e)
	return drive(stdio, e, drv, fj, journal.Place{StateDir: dir, Path: fj.Path}, usePlain, rec)
}

// drive runs a started (or resumed) session to its end or a quit and turns
// the end state into the exit status. place is where the session is kept:
// every command printed to reach it again names it (journal.Place.Command).
func drive(stdio IO, e *session.Engine, drv checks.Driver, fj *session.FileJournal, place journal.Place, plainMode bool, rec *recording.Run) error {
	r := session.NewRunner(e, drv, sessionClock)
	defer r.Close()
	ctx, stop := signalContext()
	defer stop()
	var end string
	var err error
	if plainMode {
		clk := sessionClock
		if clk == nil {
			clk = e.SessionClock().Now // a rehearsal's simulated time
		}
		opts := plain.Options{In: stdio.In, Out: stdio.Out, ASCII: !utf8Locale(), HideInput: hideInputFor(stdio.In), Clock: clk, Place: place}
		if w, ok := drv.(*rehearsal.Driver); ok {
			opts.World = worldView{w} // its machines, and `skip`
		}
		end, err = plain.Run(ctx, r, opts)
	} else {
		end, err = interactive(ctx, r, stdio, rec.Recorder(), place, consoleRehearsalOf(e, drv, fj.Path))
	}
	// ctrl+c in the console, or a signal (ctrl+c in plain mode, SIGTERM,
	// a dropped connection): one meaning, leave now, and one exit status.
	interrupted := errors.Is(err, errInterrupted) || ctx.Err() != nil
	if errors.Is(err, errInterrupted) {
		err = nil
	}
	if err != nil {
		finishRecording(stdio, rec, recording.EndClosed)
	} else {
		finishRecording(stdio, rec, end)
	}
	switch {
	case errors.Is(err, journal.ErrChanged):
		// Resuming would build on bytes this session never wrote.
		return withCode(ExitError, fmt.Errorf("session %s stopped: the journal cannot be written (%w): nothing after %s is recorded",
			e.SessionID(), err, e.LastRecord().Local().Format("15:04:05")))
	case errors.Is(err, session.ErrJournalWrite):
		return withCode(ExitError, fmt.Errorf("session %s stopped: the journal cannot be written (%w): nothing after %s is recorded; free space, then resume it with `%s`",
			e.SessionID(), err, e.LastRecord().Local().Format("15:04:05"), termtext.Line(place.Command("resume", e.SessionID()))))
	case err != nil:
		return withCode(ExitError, fmt.Errorf("session %s stopped: %w", e.SessionID(), err))
	}
	if fj.W != nil {
		fmt.Fprintf(stdio.Err, "handrail: journal head %s (seq %d): keep it with the change record; `%s` proves nothing was cut off\n",
			fj.W.Head(), fj.W.Seq(), termtext.Line(place.Command("verify", e.SessionID(), "--head", fj.W.Head())))
	}
	if end == session.EndHalted {
		return withCode(ExitHalted, fmt.Errorf("session %s halted: %s", e.SessionID(), e.HaltReason()))
	}
	if interrupted {
		fmt.Fprintf(stdio.Err, "handrail: interrupted (%s): session %s stays resumable: %s\n", interruptWord(ctx), e.SessionID(), termtext.Line(place.Command("resume", e.SessionID())))
		return withCode(ExitInterrupted, nil)
	}
	return nil
}

// interruptWord names what interrupted the session: the signal, or ctrl+c
// pressed in the console.
func interruptWord(ctx context.Context) string {
	if ctx.Err() != nil {
		return signalCause(ctx)
	}
	return "ctrl+c"
}

// interactive runs the full-screen console (cli/console.go).
func interactive(ctx context.Context, r *session.Runner, stdio IO, rec *recording.Recorder, place journal.Place, rh consoleRehearsal) (string, error) {
	return runConsole(ctx, r, stdio, rec, place, rh)
}

// utf8Locale guesses whether the terminal shows ✔ and ✘.
func utf8Locale() bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			s = strings.ToLower(s)
			return strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")
		}
	}
	return true
}

func parseParams(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--param %q: write it as name=value", kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// secretParamEnv is the environment variable a secret param may come from.
func secretParamEnv(name string) string { return "HANDRAIL_PARAM_" + strings.ToUpper(name) }

// gatherParams collects the values given for a session: --param (never a
// secret param: a command line is visible to every user in the process
// list), --param-file, and HANDRAIL_PARAM_<NAME> for a secret param given
// neither way. Missing ones are asked for later (completeParams).
func gatherParams(rb *steps.Runbook, f runFlags, stdio IO) (map[string]string, error) {
	params, err := parseParams(f.params)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	secret := map[string]bool{}
	for _, p := range rb.Params {
		secret[p.Name] = p.Secret
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if secret[name] {
			return nil, withCode(ExitUsage, fmt.Errorf("--param %s: param %q is secret, and a command line is visible to every user of this machine (ps): "+
				"export %s=…, pass --param-file %s=PATH (- reads it from standard input), or leave it out to be asked with a masked prompt",
				name, name, secretParamEnv(name), name))
		}
	}
	if err := readParamFiles(f.paramFiles, params, nil, "", stdio); err != nil {
		return nil, err
	}
	var secrets []string
	for _, p := range rb.Params {
		if p.Secret {
			secrets = append(secrets, p.Name)
		}
	}
	secretParamsFromEnv(secrets, params)
	return params, nil
}

// readParamFile reads a value from path, or one line of standard input for
// "-" (byte by byte, so the rest of standard input is left for plain
// mode's commands). A trailing line break is not part of the value.
func readParamFile(path string, stdio IO) (string, error) {
	if path == "-" {
		var b []byte
		var one [1]byte
		for done := false; !done && len(b) < 64<<10; {
			n, err := stdio.In.Read(one[:])
			for _, c := range one[:n] {
				if done = c == '\n'; !done {
					b = append(b, c)
				}
			}
			if done {
				break
			}
			if errors.Is(err, io.EOF) {
				if len(b) == 0 {
					return "", errors.New("standard input ended before a value was read")
				}
				break
			}
			if err != nil {
				return "", fmt.Errorf("read standard input: %w", err)
			}
		}
		return strings.TrimRight(string(b), "\r"), nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err // names the path and the cause, never the content
	}
	if !st.Mode().IsRegular() || st.Size() > 64<<10 {
		return "", fmt.Errorf("%s is not a regular file of at most 64 KiB", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

// completeParams asks for missing params on a terminal (secret ones
// masked); without one, it names the missing params and how to pass them.
func completeParams(rb *steps.Runbook, params map[string]string, con console, in *bufio.Reader, stdio IO) error {
	var missing []steps.Param
	for _, p := range rb.Params {
		if strings.TrimSpace(params[p.Name]) == "" && p.Default == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !con.in {
		var names, flags []string
		for _, p := range missing {
			names = append(names, p.Name)
			if p.Secret {
				flags = append(flags, fmt.Sprintf("--param-file %s=PATH (or export %s)", p.Name, secretParamEnv(p.Name)))
			} else {
				flags = append(flags, fmt.Sprintf("--param %s=VALUE", p.Name))
			}
		}
		return withCode(ExitUsage, fmt.Errorf("runbook %s needs params %s: pass %s (or run on a terminal to be asked)",
			rb.ID, strings.Join(names, ", "), strings.Join(flags, " ")))
	}
	for _, p := range missing {
		label := p.Prompt
		if label == "" {
			label = p.Name
		}
		if len(p.Enum) > 0 {
			label += " (" + strings.Join(p.Enum, ", ") + ")"
		}
		var v string
		var err error
		if p.Secret {
			v, err = maskedPrompt(stdio, label)
		} else {
			fmt.Fprintf(stdio.Out, "%s: ", label)
			v, err = in.ReadString('\n')
			if errors.Is(err, io.EOF) && v != "" {
				err = nil
			}
		}
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("param %s: %w", p.Name, err))
		}
		params[p.Name] = strings.TrimSpace(v)
	}
	return nil
}

// undeclaredParams refuses a --param the runbook does not declare before
// anything is asked: no answer could make it valid.
func undeclaredParams(rb *steps.Runbook, params map[string]string) error {
	declared := map[string]bool{}
	for _, p := range rb.Params {
		declared[p.Name] = true
	}
	var errs []error
	for _, err := range rb.ValidateParams(params) {
		for _, n := range slices.Sorted(maps.Keys(params)) {
			if !declared[n] && strings.HasPrefix(err.Error(), fmt.Sprintf("param %q is not declared", n)) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func formConfig(rb *steps.Runbook, params map[string]string) tui.FormConfig {
	return tui.FormConfig{Runbook: rb, Values: params, Getenv: os.Getenv, ASCII: !utf8Locale(), Dark: true}
}

// paramForm runs the full-screen parameter form (tui.Form): every param,
// prefilled with --param values and defaults, the credentials the
// environment lacks, and the targets bound live. Cancelling it starts
// nothing.
func paramForm(rb *steps.Runbook, params map[string]string, stdio IO, rec *recording.Recorder) (tui.FormResult, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	m := tui.NewForm(formConfig(rb, params))
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(stdio.In)}, consoleOutput(stdio, rec)...)...)
	final, err := p.Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
			// A signal (SIGINT, SIGTERM, SIGHUP) ends the form as ctrl+c does.
			return tui.FormResult{}, withCode(ExitInterrupted, errFormInterrupted)
		}
		return tui.FormResult{}, withCode(ExitError, fmt.Errorf("parameter form: %w", err))
	}
	fm, ok := final.(tui.Form)
	if !ok {
		return tui.FormResult{}, withCode(ExitError, errors.New("parameter form: unexpected final model"))
	}
	res, ok := fm.Result()
	switch {
	case !ok && fm.Interrupted():
		return tui.FormResult{}, withCode(ExitInterrupted, errFormInterrupted)
	case !ok:
		return tui.FormResult{}, withCode(ExitUsage, tui.ErrFormCancelled)
	}
	return res, nil
}

// errFormInterrupted: the operator left the parameter form with ctrl+c (or
// a signal came); ctrl+c exits 130 everywhere.
var errFormInterrupted = errors.New("interrupted (ctrl+c): no session was started")

// maskedPrompt reads a secret from the terminal without echoing it.
func maskedPrompt(stdio IO, label string) (string, error) {
	f, ok := stdio.In.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return "", errors.New("no terminal to ask on")
	}
	fmt.Fprintf(stdio.Err, "%s: ", label)
	b, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(stdio.Err)
	if err != nil {
		return "", fmt.Errorf("read masked input: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func secretValues(rb *steps.Runbook, params map[string]string) []string {
	var out []string
	for _, p := range rb.Params {
		if p.Secret && params[p.Name] != "" {
			out = append(out, params[p.Name])
		}
	}
	return out
}

// openDriver resolves every target's credentials (env, file or masked
// prompt), teaches the redactor each secret, and builds the driver. It also
// returns the secret values, for the engine never to journal.
func openDriver(targets map[string]checks.Target, con console, stdio IO, red *checks.Redactor) (checks.Driver, []string, error) {
	return openDriverWith(targets, con, stdio, red, credAnswers{})
}

// credAnswers are the credentials the parameter form collected: values for
// unset environment variables the targets name, and answers to the masked
// prompts by label. They are served to ResolveAllCredentials only, never
// exported to the environment (child processes must not inherit them).
type credAnswers struct {
	env, prompts map[string]string
}

// openDriverWith is openDriver with the form's answers taking the place of
// unset variables and of the masked prompts they answer.
func openDriverWith(targets map[string]checks.Target, con console, stdio IO, red *checks.Redactor, ans credAnswers) (checks.Driver, []string, error) {
	var prompt func(string) (string, error)
	if con.in || len(ans.prompts) > 0 {
		prompt = func(label string) (string, error) {
			if v, ok := ans.prompts[label]; ok {
				return v, nil
			}
			return maskedPrompt(stdio, label)
		}
	}
	getenv := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return ans.env[k]
	}
	creds, err := checks.ResolveAllCredentials(targets, getenv, os.ReadFile, prompt, red)
	if err != nil {
		return nil, nil, withCode(ExitUsage, err)
	}
	var secrets []string
	for _, n := range slices.Sorted(maps.Keys(creds)) {
		c := creds[n]
		for _, s := range []string{c.Password.Reveal(), c.DSN.Reveal()} {
			if s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	drv, err := newDriver(targets, creds, red)
	if err != nil {
		return nil, nil, withCode(ExitError, err)
	}
	return keepCredentials(drv, creds), secrets, nil
}

func redactBytes(red *checks.Redactor) func([]byte) []byte {
	return red.RedactJSON
}
