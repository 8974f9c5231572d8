// Package plain is handrail's line-oriented mode: it prints each step and
// each change of its checks as plain lines, and reads commands from a
// line-based input. It drives the same session engine as the TUI, for
// terminals that cannot run a full-screen program, for pipes, and for
// scripts and tests. It never imports Bubble Tea.
package plain

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Options configure a plain-mode run.
type Options struct {
	In  io.Reader
	Out io.Writer
	// ASCII replaces ✔ and ✘ with v and x, for terminals without UTF-8.
	// The words PASS and FAIL are printed either way.
	ASCII bool
	// Refresh is how often the gate is re-judged against the clock, so a
	// result that goes stale closes it (default 1s).
	Refresh time.Duration
	// HideInput turns the terminal's echo off for the next line (a
	// password re-entered with `credentials`) and returns what turns it
	// back on. Nil when the input is not a terminal: the line is then read
	// as it comes. Plain mode never prints it either way.
	HideInput func() (restore func(), err error)
	// Clock is the engine's time source, for how long a target has been
	// unreachable (default time.Now).
	Clock func() time.Time
	// World is a rehearsal's simulated world (nil live): its machines are
	// printed when they change and in `status`, and `skip` moves its clock.
	World World
	// Place is where the session is kept: the commands printed (resume)
	// name it when it is not the default state directory.
	Place journal.Place
}

// Run drives r's engine from commands read line by line until the session
// ends or the input ends (end of input quits; the session is saved). It
// returns the session's end state (completed, quit or halted). An error is
// returned only when the journal cannot be written: the session cannot go
// on without its record.
func Run(ctx context.Context, r *session.Runner, o Options) (string, error) {
	if o.Refresh <= 0 {
		o.Refresh = time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	done := make(chan struct{})
	defer close(done)
	// Everything plain mode prints goes through the sanitizing rule: what
	// a server, a command or a runbook says is shown, never obeyed.
	u := &ui{r: r, out: termtext.Writer(o.Out), ascii: o.ASCII, lines: readLines(o.In, done), shown: map[string]string{},
		hideInput: o.HideInput, now: o.Clock, world: o.World, place: o.Place}
	// Warnings journaled at the start were said before the session.
	u.shownWarnings = len(r.Engine().Warnings())
	tick := time.NewTicker(o.Refresh)
	defer tick.Stop()
	r.Sync()
	u.render()
	for r.Engine().Ended() == "" {
		var err error
		select {
		case line, ok := <-u.lines:
			switch {
			case !ok:
				u.printf("\nEnd of input.\n")
				err = u.quit("end of input")
			case line.tooLong:
				u.printf("! %s\n", errLineTooLong)
			default:
				err = u.command(line.text)
			}
		case res := <-r.Results():
			_, err = r.Feed(res)
		case ar := <-r.ActionResults():
			u.printAction(ar)
			err = r.FinishAction(ar)
		case p := <-r.ActionProcesses():
			err = r.RecordProcess(p)
		case <-tick.C:
			_, err = r.Engine().Refresh()
		case <-ctx.Done():
			err = u.quit(interruptCause(ctx))
		}
		if err != nil {
			return r.Engine().Ended(), err
		}
		r.Sync()
		u.render()
	}
	return r.Engine().Ended(), nil
}

// errInputEnded aborts a prompt when the input ends.
var errInputEnded = errors.New("input ended")

// MaxLine is the longest input line plain mode reads. A longer line is
// refused on its own; the lines after it are read as usual.
const MaxLine = 64 << 10

var errLineTooLong = fmt.Errorf("line is longer than %d KiB: ignored; type the command again, shorter", MaxLine>>10)

// inputLine is one line of input, or the news that a line was too long.
type inputLine struct {
	text    string
	tooLong bool
}

// readLines delivers the input's lines; the channel closes at end of input
// (or a read error). A line over MaxLine is delivered as tooLong, and
// reading goes on after it.
func readLines(in io.Reader, done <-chan struct{}) <-chan inputLine {
	ch := make(chan inputLine)
	go func() {
		defer close(ch)
		br := bufio.NewReaderSize(in, 4096)
		for {
			l, err := readLine(br)
			if err != nil && l.text == "" && !l.tooLong {
				return
			}
			select {
			case ch <- l:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// readLine reads up to the next newline, keeping at most MaxLine bytes.
func readLine(br *bufio.Reader) (inputLine, error) {
	var buf []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > MaxLine+1 { // +1: the newline itself
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		text := strings.TrimRight(string(buf), "\r\n")
		return inputLine{text: text, tooLong: tooLong}, err
	}
}

type ui struct {
	r     *session.Runner
	out   io.Writer
	ascii bool
	lines <-chan inputLine

	// What has been printed, so only changes are printed.
	shownKey    string
	shownGen    uint64
	shown       map[string]string // check id -> status/pass printed
	shownGate   bool
	shownOnFail bool
	shownAction session.ActionState
	inputEnded  bool

	hideInput func() (func(), error)
	place     journal.Place
	now       func() time.Time
	// What the recovery lines have said (recovery.go).
	rec recoveryShown
	// A rehearsal's world and what of it was printed; warnings printed.
	world         World
	shownWorld    map[string]string
	shownWarnings int
}

func (u *ui) printf(format string, args ...any) { fmt.Fprintf(u.out, format, args...) }

// ask prints a prompt and reads one line.
func (u *ui) ask(prompt string) (string, error) {
	u.printf("%s", prompt)
	line, ok := <-u.lines
	if !ok {
		u.inputEnded = true
		u.printf("\n")
		return "", errInputEnded
	}
	if line.tooLong {
		return "", errLineTooLong
	}
	return strings.TrimSpace(line.text), nil
}

// interruptCause names why ctx ended: the signal the caller cancelled it
// with (context.WithCancelCause), else "interrupt".
func interruptCause(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) && !errors.Is(c, context.DeadlineExceeded) {
		return c.Error()
	}
	return "interrupt"
}

// quit ends the session for now; an action still running is given its
// grace period, then stopped and journaled as interrupted (cause says why).
func (u *ui) quit(cause string) error {
	e := u.r.Engine()
	if u.r.ActionInFlight() {
		u.printf("An action is running: waiting up to %s for it to finish …\n", u.r.Grace)
	}
	if err := u.r.Quit(cause); err != nil {
		return err
	}
	u.printf("Session %s saved. Resume it with: %s\n", e.SessionID(), u.place.Command("resume", e.SessionID()))
	return nil
}

// command runs one operator command. Refusals are printed; only a journal
// failure is returned.
func (u *ui) command(line string) error {
	e := u.r.Engine()
	verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch strings.ToLower(verb) {
	case "":
		return nil
	case "next", "n":
		err = e.Next()
	case "run":
		err = u.run()
	case "override":
		err = u.override()
	case "note":
		err = e.Note(arg)
		if err == nil {
			u.printf("Noted.\n")
		}
	case "tick", "untick":
		ticked := strings.EqualFold(verb, "tick")
		if err = e.Tick(arg, ticked); err == nil {
			word := "TICKED"
			if !ticked {
				word = "UNTICKED"
			}
			u.printf("%s %s %s\n", u.mark(ticked), word, termtext.Line(arg))
		}
	case "attest":
		err = u.attest()
	case "goto":
		err = u.gotoStep(arg)
	case "continue":
		err = u.continueSuspended(arg)
	case "credentials", "creds":
		err = u.credentials(arg)
	case "recheck":
		u.r.Poke()
		u.printf("Checking every check again now.\n")
	case "skip":
		err = u.skip(arg)
	case "status", "s":
		u.status()
	case "help", "h", "?":
		u.help()
	case "quit", "q", "exit":
		err = u.quit("quit")
	default:
		u.printf("Unknown command %q. Type 'help' for the commands.\n", termtext.Line(verb))
		return nil
	}
	return u.report(err)
}

// report prints a refusal and returns only what must stop the session: a
// failed journal write.
func (u *ui) report(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errInputEnded):
		return u.quit("end of input")
	case strings.Contains(err.Error(), "session: journal "):
		return err
	default:
		u.printf("! %s\n", termtext.Line(err.Error()))
		return nil
	}
}

func (u *ui) run() error {
	e := u.r.Engine()
	a, t, err := e.ActionStart(false)
	if !errors.Is(err, session.ErrNeedConfirm) {
		return err
	}
	where := a.Target
	if addr := t.Address(); addr != "" {
		where += " (" + addr + ")"
	}
	where = termtext.Line(where)
	if note := a.WordsNote(); note != "" {
		u.printf("(sent as %s: the journal records which ran)\n", termtext.Line(note))
	}
	ans, err := u.ask(fmt.Sprintf("Type yes to run %s on %s: ", a.Shown(), where))
	if err != nil {
		return err
	}
	if ans != "yes" {
		u.printf("Not run.\n")
		return nil
	}
	a, _, err = e.ActionStart(true)
	if err != nil {
		return err
	}
	u.printf("Running %s on %s …\n", a.Shown(), where)
	u.r.RunAction(a)
	return nil
}

func (u *ui) override() error {
	e := u.r.Engine()
	g := e.Gate()
	if g.Open {
		u.printf("The gate is open: type 'next'.\n")
		return nil
	}
	var ids []string
	u.printf("Override step %s. Holding the gate:\n", termtext.Line(u.shownKey))
	for _, b := range g.Blocking {
		u.printf("  %s\n", termtext.Line(b.String()))
		if b.Check != "" {
			ids = append(ids, b.Check)
		}
	}
	ans, err := u.ask(fmt.Sprintf("Checks to override [%s]: ", strings.Join(ids, " ")))
	if err != nil {
		return err
	}
	if ans != "" {
		ids = strings.FieldsFunc(ans, func(r rune) bool { return r == ' ' || r == ',' })
	}
	cat, err := u.ask(fmt.Sprintf("Category (%s): ", strings.Join(session.Categories, ", ")))
	if err != nil {
		return err
	}
	reason, err := u.ask(fmt.Sprintf("Reason (at least %d characters, goes on the record): ", session.MinReason))
	if err != nil {
		return err
	}
	req := session.OverrideRequest{Checks: ids, Category: cat, Reason: reason}
	if err := e.Override(req); !errors.Is(err, session.ErrNeedConfirm) {
		return err
	}
	ans, err = u.ask("Overriding opens the gate with its checks failing, on the record; 'next' then leaves the step. Type override to confirm: ")
	if err != nil {
		return err
	}
	if ans != "override" {
		u.printf("Not overridden.\n")
		return nil
	}
	req.Confirmed = true
	if err := e.Override(req); err != nil {
		return err
	}
	u.printf("Overridden (%s): the gate is open. Type 'next' to leave the step.\n", termtext.Line(cat))
	return nil
}

func (u *ui) attest() error {
	e := u.r.Engine()
	if st, _ := e.Action(); st != session.ActionUnknown {
		u.printf("No action has an unknown outcome.\n")
		return nil
	}
	out, err := u.ask(fmt.Sprintf("What happened to the action (%s)? ", strings.Join(session.Outcomes, ", ")))
	if err != nil {
		return err
	}
	text, err := u.ask("How do you know? ")
	if err != nil {
		return err
	}
	if err := e.AttestUnknown(out, text); err != nil {
		return err
	}
	u.printf("Attested: %s.\n", termtext.Line(out))
	return nil
}

func (u *ui) help() {
	u.printf(`Commands:
  next              go to the next step (only when every check passes)
  run               run the step's action (asks you to type yes first)
  override          open the gate although checks fail, with a reason on the record (then next)
  tick CHECK        attest a manual check (untick CHECK takes it back)
  note TEXT         add a note to the record
  attest            say what happened to an action whose outcome is unknown
  goto STEP         follow the step's on_fail advice to another step, once a check
                    failed (asks you to type the step id or yes; on the record)
  continue REASON   end a suspension (a halted session you resumed): shows whether
                    the halting step's checks pass now, then goes on, on the record
  credentials TARGET
                    re-enter TARGET's password (not echoed, never recorded) and
                    check again at once: for a target that refuses the login
  recheck           poll every check now
  status            show the step, its checks, the gate and any on_fail advice
  quit              stop for now; the session is saved and can be resumed

A target that cannot be reached is UNREACHABLE, not failed: its deadline stops,
no on_fail fires. Wait, recheck, re-enter its credentials, override, or quit.
`)
	if u.world != nil {
		u.printf(`  skip [DURATION] rehearsal: move the simulated clock to the next simulated
                  event (or by DURATION, e.g. 30s) instead of waiting
`)
	}
}

func (u *ui) mark(ok bool) string {
	switch {
	case ok && u.ascii:
		return "v"
	case ok:
		return "✔"
	case u.ascii:
		return "x"
	default:
		return "✘"
	}
}

// statusWord is the word printed beside the mark.
func statusWord(r *checks.Result) string {
	switch r.Status {
	case checks.StatusPass:
		return "PASS"
	case checks.StatusFail:
		return "FAIL"
	case checks.StatusHolding:
		return "HOLDING"
	case checks.StatusWaiting:
		return "WAITING"
	case checks.StatusUnreachable:
		return "UNREACHABLE"
	default:
		return "PENDING"
	}
}

// checkLine renders a result on one line:
// `✔ PASS io: Slave_IO_Running = No (expected = No)`. Every value a server
// sent is made one line of visible text (termtext.Line), so a value can
// never start a line of its own that looks like handrail's.
func (u *ui) checkLine(id string, r *checks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s:", u.mark(r.Status == checks.StatusPass), statusWord(r), termtext.Line(id))
	var parts []string
	for _, f := range r.Verdict.Fields {
		if f.FailWhen && f.Pass {
			continue // a fail_when condition that does not hold says nothing
		}
		p := fmt.Sprintf("%s = %s (expected %s)", termtext.Line(f.Field), termtext.Line(f.Shown()), termtext.Line(f.Expected))
		if f.FailWhen {
			p = fmt.Sprintf("%s = %s (%s)", termtext.Line(f.Field), termtext.Line(f.Shown()), termtext.Line(f.Expected))
		}
		if f.Row != "" {
			p = "[" + termtext.Line(f.Row) + "] " + p
		}
		parts = append(parts, p)
	}
	if r.Status == checks.StatusUnreachable {
		// No data to judge: the error in words, and for how long. Rows
		// that came with the error are shown, never judged.
		b.WriteString(" " + termtext.Line(unreachableWhy(r)))
		if !r.Since.IsZero() {
			fmt.Fprintf(&b, " (for %s)", max(u.now().Sub(r.Since), 0).Round(time.Second))
		}
		if len(parts) > 0 {
			b.WriteString(" [not judged: " + strings.Join(parts, ", ") + "]")
		}
		return b.String()
	}
	if len(parts) > 0 {
		b.WriteString(" " + strings.Join(parts, ", "))
	}
	switch {
	case r.Obs.Error != "":
		b.WriteString(" error: " + termtext.Line(r.Obs.Error))
	case r.Verdict.Reason != "" && !r.Verdict.Pass && !r.Verdict.Final: // a final verdict's field says it
		b.WriteString(" (" + termtext.Line(r.Verdict.Reason) + ")")
	}
	if r.Status == checks.StatusWaiting && r.Left > 0 {
		fmt.Fprintf(&b, " [%s left]", r.Left.Round(time.Second))
	}
	if within, ok := u.awaitsAction(id); ok && r.Status != checks.StatusPass && r.Status != checks.StatusFail {
		fmt.Fprintf(&b, " [waiting for the action: type 'run'; the %s deadline starts when it ends]", within)
	}
	if r.Status == checks.StatusFail && r.Verdict.Final {
		b.WriteString(" [final: no deadline waited out]")
	}
	return b.String()
}

// render prints what changed since the last render.
func (u *ui) render() {
	e := u.r.Engine()
	v, st, ok := e.Current()
	if ok && v.State == session.StateCurrent && (v.Key != u.shownKey || e.Generation() != u.shownGen) {
		u.shownKey, u.shownGen = v.Key, e.Generation()
		u.shown = map[string]string{}
		u.shownGate, u.shownOnFail, u.shownAction = false, false, session.ActionNone
		u.rec = recoveryShown{}
		u.printStep(e, v, st)
	}
	if ok && (e.Ended() == "" || e.Ended() == session.EndHalted) {
		// A halt comes with the result that fired it: show that result
		// and the advice before the HALTED line.
		for _, c := range e.Checks() {
			if c.Last == nil {
				continue
			}
			sig := u.resultSig(c.Last)
			if u.shown[c.Check.ID] != sig {
				u.shown[c.Check.ID] = sig
				u.printf("%s\n", u.checkLine(c.Check.ID, c.Last))
			}
		}
		if of := e.OnFail(); of != nil && !u.shownOnFail {
			u.shownOnFail = true
			u.printOnFail(of)
		}
	}
	if e.Ended() == "" && ok {
		u.renderAction()
		u.renderSuspended()
		u.renderWorld()
		u.renderWarnings()
		g := e.Gate()
		if g.Open != u.shownGate {
			u.shownGate = g.Open
			switch {
			case g.Open && len(g.Overridden) > 0:
				u.printf("GATE OPEN by override of %s: the checks are not all passing. Type 'next' to leave the step.\n",
					termtext.Line(strings.Join(g.Overridden, ", ")))
			case g.Open:
				u.printf("GATE OPEN: every check passes. Type 'next' to continue.\n")
			default:
				u.printf("GATE CLOSED: %s\n", termtext.Line(blockers(g)))
			}
		}
	}
	switch e.Ended() {
	case session.EndCompleted:
		u.printf("\nProcedure completed in %s (downtime %s). Session %s.\n", e.Elapsed().Round(time.Second), e.Downtime().Round(time.Second), e.SessionID())
	case session.EndHalted:
		u.printf("\nHALTED: %s\nSession %s is suspended, not over: once the condition is fixed, `%s` checks the step again and goes on when you continue it with a reason.\n",
			termtext.Line(e.HaltReason()), e.SessionID(), u.place.Command("resume", e.SessionID()))
	}
}

func blockers(g session.Gate) string {
	parts := make([]string, len(g.Blocking))
	for i, b := range g.Blocking {
		parts[i] = b.String()
	}
	return strings.Join(parts, "; ")
}

func targetText(e *session.Engine, name string) string {
	if name == "" {
		return ""
	}
	t, ok := e.Target(name)
	if !ok {
		return termtext.Line(name)
	}
	return termtext.Line(name + " (" + t.Address() + ")")
}

func (u *ui) printStep(e *session.Engine, v session.StepView, step steps.Step) {
	// The step's number in the runbook, as show, list and the console give
	// it (foreach copies share it).
	head := fmt.Sprintf("Step %d/%d", v.Number, e.StepCount())
	if e.Start().Mode == session.ModeRehearsal {
		// Every screenful of a rehearsal says so.
		head = "REHEARSAL · " + head
	}
	if v.Section != "" {
		head += " · " + termtext.Line(v.Section)
	}
	u.printf("\n== %s: %s ==\n", head, termtext.Line(v.Title))
	if step.On != "" {
		u.printf("Where: %s\n", targetText(e, step.On))
	}
	if v.Impact != "" {
		u.printf("Impact: %s", termtext.Line(v.Impact))
		if e.DowntimeRunning() {
			u.printf(" (downtime clock running: %s so far)", e.Downtime().Round(time.Second))
		}
		u.printf("\n")
	}
	if body := strings.TrimSpace(step.Body); body != "" {
		u.printf("\n")
		for _, l := range strings.Split(body, "\n") {
			u.printf("  %s\n", termtext.Line(l))
		}
	}
	if len(step.Commands) > 0 {
		u.printf("\nCommands:\n")
		for _, c := range step.Commands {
			on := c.On
			if on == "" {
				on = step.On
			}
			if on != "" {
				u.printf("  on %s:\n", targetText(e, on))
			}
			u.printf("    %s\n", termtext.Line(c.Run))
		}
	}
	if a := step.Action; a != nil {
		u.printf("\nAction: %s on %s (type 'run' to have handrail run it)\n", termtext.Line(a.Describe()), targetText(e, a.Target))
	}
	if len(step.Checks) > 0 {
		u.printf("\nChecks:\n")
		for _, c := range step.Checks {
			opt := ""
			if c.Optional {
				opt = " (optional)"
			}
			if c.Kind == checks.KindManual {
				what := c.Attest
				if what == "" {
					what = c.Title
				}
				id := termtext.Line(c.ID)
				u.printf("  [ ] %s%s: %s (type 'tick %s')\n", id, opt, termtext.Line(what), id)
				continue
			}
			var ex []string
			for _, fe := range c.Expect {
				ex = append(ex, termtext.Line(fe.Field+" "+fe.Expect.String()))
			}
			u.printf("  %s%s: %s on %s", termtext.Line(c.ID), opt, c.Kind, targetText(e, c.Target))
			if len(ex) > 0 {
				u.printf(": %s", strings.Join(ex, ", "))
			}
			if fw := failWhenText(c); fw != "" {
				u.printf("; %s", fw)
			}
			if c.Within > 0 {
				u.printf(" (within %s)", c.Within)
			}
			u.printf("\n")
		}
	} else {
		u.printf("\nNo checks: type 'next' when the step is done.\n")
	}
}

func (u *ui) status() {
	e := u.r.Engine()
	v, _, ok := e.Current()
	if !ok {
		u.printf("No current step.\n")
		return
	}
	mode := "Session"
	if e.Start().Mode == session.ModeRehearsal {
		mode = "REHEARSAL session"
	}
	u.printf("%s %s, step %d/%d %s: %s (elapsed %s, downtime %s)\n", mode, e.SessionID(), v.Number, e.StepCount(), termtext.Line(v.Key), termtext.Line(v.Title),
		e.Elapsed().Round(time.Second), e.Downtime().Round(time.Second))
	for _, c := range e.Checks() {
		switch {
		case c.Check.Kind == checks.KindManual:
			box := "[ ]"
			if c.Ticked {
				box = "[x]"
			}
			u.printf("  %s %s\n", box, termtext.Line(c.Check.ID))
		case c.Last == nil:
			u.printf("  … PENDING %s: no result yet\n", termtext.Line(c.Check.ID))
		default:
			line := u.checkLine(c.Check.ID, c.Last)
			if c.Stale {
				line += fmt.Sprintf(" (stale: %s old)", c.Age.Round(time.Second))
			}
			u.printf("  %s\n", line)
		}
	}
	u.statusRecovery()
	g := e.Gate()
	if g.Open {
		u.printf("Gate: open\n")
	} else {
		u.printf("Gate: closed: %s\n", termtext.Line(blockers(g)))
	}
	u.statusPlan()
	u.statusWorld()
}

func (u *ui) printAction(ar checks.ActionResult) {
	switch {
	case ar.OK():
		u.printf("%s Action done in %s.", u.mark(true), ar.Duration.Round(time.Millisecond))
	case ar.Unreachable:
		u.printf("%s Action NOT RUN: could not reach the target: %s. Type 'run' to try again once it answers.",
			u.mark(false), termtext.Line(ar.Error))
	default:
		u.printf("%s Action FAILED (exit %d): %s.", u.mark(false), ar.ExitCode, termtext.Line(ar.Error))
	}
	if out := strings.TrimSpace(ar.Output); out != "" {
		u.printf(" Output:\n%s", quote(out))
	}
	u.printf("\n")
}

// quote shows a command's output as a quoted block: every line starts with
// "  | " and is made visible text, so output can never pass for one of
// handrail's own lines.
func quote(s string) string {
	lines := termtext.Lines(s)
	for i, l := range lines {
		lines[i] = "  | " + l
	}
	return strings.Join(lines, "\n")
}

// awaitsAction reports whether the current step's check id has a `within`
// deadline that waits for the step's action (it has not run yet), and
// that deadline.
func (u *ui) awaitsAction(id string) (time.Duration, bool) {
	for _, c := range u.r.Engine().Checks() {
		if c.Check.ID == id && c.AwaitsAction {
			return time.Duration(c.Check.Within), true
		}
	}
	return 0, false
}
