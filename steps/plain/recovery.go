package plain

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// Recovery in plain mode: an unreachable target, a final failure, the
// on_fail goto, a suspension after a halt, re-entered credentials, an
// action interrupted or still running from before a break.

// recoveryShown is what the recovery lines have said on the current step,
// so each is printed once, or again only when it changes.
type recoveryShown struct {
	suspended   bool   // the suspension notice
	suspChecks  string // "pass" or "fail": what was said about the halting step's checks
	interrupted bool
	orphan      string // "alive" or "ended": an action from before the break
}

// unreachableEvery is how often a check that stays unreachable is printed
// again, so that a log shows the outage going on.
const unreachableEvery = time.Minute

// resultSig is what makes a result worth a new line: its status and
// verdict, and while it is unreachable, its error and each further minute.
func (u *ui) resultSig(r *checks.Result) string {
	if r.Status == checks.StatusUnreachable {
		n := int64(0)
		if !r.Since.IsZero() {
			n = int64(max(u.now().Sub(r.Since), 0) / unreachableEvery)
		}
		return fmt.Sprintf("%s/%s/%d", r.Status, r.Obs.Error, n)
	}
	return fmt.Sprintf("%s/%v/%v", r.Status, r.Verdict.Pass, r.Verdict.Final)
}

// unreachableWhy is the error of a probe that got no data, in words.
func unreachableWhy(r *checks.Result) string {
	switch {
	case r.Obs.Error != "":
		return r.Obs.Error
	case r.Obs.State != "":
		return r.Obs.State
	case r.Verdict.Reason != "":
		return r.Verdict.Reason
	}
	return "no answer"
}

// failWhenText lists a check's fail_when conditions: "fail when
// Last_SQL_Errno ≠ 0, Last_IO_Errno in [1236, 13114]" ("" when none).
func failWhenText(c checks.Check) string {
	if len(c.FailWhen) == 0 {
		return ""
	}
	parts := make([]string, len(c.FailWhen))
	for i, fe := range c.FailWhen {
		parts[i] = termtext.Line(fe.Field + " " + fe.Expect.String())
	}
	return checks.FailWhenPrefix + strings.Join(parts, ", ")
}

// stepTitle is the title of the first step whose id is id ("" when none).
func stepTitle(e *session.Engine, id string) string {
	for _, v := range e.Steps() {
		if v.ID == id || v.Key == id {
			return v.Title
		}
	}
	return ""
}

// printOnFail tells the step's on_fail advice and the goto it offers.
func (u *ui) printOnFail(of *session.OnFailData) {
	u.printf("ON FAIL (%s failed): %s\n", termtext.Line(of.Check), termtext.Line(of.Say))
	if to, ok := u.r.Engine().GotoOffer(); ok {
		t := termtext.Line(to)
		u.printf("  The runbook says to go to step %s (%s): type 'goto %s' (you confirm it; it goes on the record), or 'override' with a reason.\n",
			t, termtext.Line(stepTitle(u.r.Engine(), to)), t)
	}
}

// renderAction tells what resume found of an action: interrupted when
// handrail stopped, still running from before the break, or of unknown
// outcome.
func (u *ui) renderAction() {
	e := u.r.Engine()
	if d := e.Interrupted(); d != nil && !u.rec.interrupted {
		u.rec.interrupted = true
		u.printf("INTERRUPTED: the action of step %s (%s) was stopped when handrail stopped (%s): %s.\n",
			termtext.Line(d.Step), termtext.Line(d.Describe), termtext.Line(d.Cause), termtext.Line(d.Stopped))
	}
	p := e.RunningProcess()
	alive := e.OrphanAlive() && p != nil
	switch {
	case alive && u.rec.orphan != "alive":
		u.rec.orphan = "alive"
		u.printf("STILL RUNNING: the action started before the break still runs (process group %d, started %s). It is neither run again nor attested until it has ended; the gate stays closed meanwhile.\n",
			p.PGID, p.Started.Local().Format(time.DateTime))
	case !alive && u.rec.orphan == "alive":
		u.rec.orphan = "ended"
		u.printf("The action's process group has ended: check what it did, then type 'attest'.\n")
	}
	if st, _ := e.Action(); st != u.shownAction {
		u.shownAction = st
		if st == session.ActionUnknown && !alive {
			u.printf("The action started before the break and its outcome is unknown. Check what happened, then type 'attest'.\n")
		}
	}
}

// renderSuspended tells a resumed, suspended session where it stands: why
// it halted, and once every check has answered, whether they pass now.
func (u *ui) renderSuspended() {
	e := u.r.Engine()
	if !e.Suspended() {
		return
	}
	if !u.rec.suspended {
		u.rec.suspended = true
		u.printf("SUSPENDED: the session halted at step %s: %s\n", termtext.Line(e.HaltStep()), termtext.Line(e.HaltReason()))
		u.printf("  Its checks run again. Once the condition is fixed, type 'continue REASON' (at least %d characters, on the record); 'quit' keeps it suspended.\n", session.MinReason)
	}
	for _, c := range e.Checks() {
		if c.Check.Kind != checks.KindManual && !c.Check.Optional && c.Last == nil {
			return // not every check has answered yet
		}
	}
	state := "fail"
	if e.ChecksPass() {
		state = "pass"
	}
	if state == u.rec.suspChecks {
		return
	}
	u.rec.suspChecks = state
	if state == "pass" {
		u.printf("The halting step's checks pass now: once you are sure the condition is fixed, type 'continue REASON'.\n")
		return
	}
	u.printf("The halting step's checks do not pass yet: %s\n", termtext.Line(checkBlockers(e.Gate())))
}

// checkBlockers lists the blockers that are checks.
func checkBlockers(g session.Gate) string {
	var parts []string
	for _, b := range g.Blocking {
		if b.Check != "" {
			parts = append(parts, b.String())
		}
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, "; ")
}

// statusRecovery adds to `status` what recovery needs in view: the on_fail
// advice (it stays until the step is left), a suspension, an interrupted
// or still running action.
func (u *ui) statusRecovery() {
	e := u.r.Engine()
	if of := e.OnFail(); of != nil {
		u.printf("On fail (%s failed): %s\n", termtext.Line(of.Check), termtext.Line(of.Say))
		if to, ok := e.GotoOffer(); ok {
			u.printf("  The runbook says to go to step %s: type 'goto %s'.\n", termtext.Line(to), termtext.Line(to))
		}
	}
	if e.Suspended() {
		now := "no"
		if e.ChecksPass() {
			now = "yes"
		}
		u.printf("Suspended: halted at step %s (%s). Its checks pass now: %s. Type 'continue REASON' to go on.\n",
			termtext.Line(e.HaltStep()), termtext.Line(e.HaltReason()), now)
	}
	if d := e.Interrupted(); d != nil {
		u.printf("Action: interrupted (%s: %s)\n", termtext.Line(d.Cause), termtext.Line(d.Stopped))
	}
	if p := e.RunningProcess(); p != nil && e.OrphanAlive() {
		u.printf("Action: still running from before the break (process group %d)\n", p.PGID)
	}
}

// gotoStep follows the on_fail goto once the operator confirms it by
// typing the step's id or yes; the engine journals who confirmed it.
func (u *ui) gotoStep(arg string) error {
	e := u.r.Engine()
	to, offered := e.GotoOffer()
	if !offered || (arg != "" && arg != to) {
		return e.Goto(arg) // the engine's refusal says what is offered, if anything
	}
	cur, _, _ := e.Current()
	t := termtext.Line(to)
	ans, err := u.ask(fmt.Sprintf("Go to step %s (%s), leaving step %s as failed, on the record? Type %s or yes to confirm: ",
		t, termtext.Line(stepTitle(e, to)), termtext.Line(cur.Key), t))
	if err != nil {
		return err
	}
	if ans != to && ans != "yes" {
		u.printf("Not gone: still on step %s.\n", termtext.Line(cur.Key))
		return nil
	}
	if err := e.Goto(to); err != nil {
		return err
	}
	u.printf("Going to step %s, confirmed by %s (on the record).\n", t, termtext.Line(e.Operator().Name))
	return nil
}

// continueSuspended ends a suspension on the operator's explicit choice:
// it shows the halting step's checks first, and asks once more when they
// do not all pass.
func (u *ui) continueSuspended(reason string) error {
	e := u.r.Engine()
	if !e.Suspended() {
		u.printf("The session is not suspended: nothing to continue.\n")
		return nil
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < session.MinReason {
		u.printf("! continue: say why it is safe to go on, in at least %d characters (it has %d): continue REASON\n", session.MinReason, n)
		return nil
	}
	u.printf("The halting step's checks now:\n")
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
			u.printf("  %s\n", u.checkLine(c.Check.ID, c.Last))
		}
	}
	pass := e.ChecksPass()
	if !pass {
		ans, err := u.ask("They do not all pass. Type continue to go on anyway (on the record), anything else to stay suspended: ")
		if err != nil {
			return err
		}
		if ans != "continue" {
			u.printf("Still suspended.\n")
			return nil
		}
	}
	if err := e.Continue(reason); err != nil {
		return err
	}
	cur, _, _ := e.Current()
	u.printf("CONTINUED: the suspension is over (on the record; the checks passed: %v). Step %s goes on: 'next' once the gate opens, 'override', or the on_fail goto.\n",
		pass, termtext.Line(cur.Key))
	return nil
}

// logsIn reports whether a target logs in with credentials one can
// re-enter.
func logsIn(t checks.Target) bool {
	return t.Kind == checks.TargetMySQL || t.Kind == checks.TargetSolid
}

func loginTargets(e *session.Engine) []string {
	var out []string
	for name, t := range e.Targets() {
		if logsIn(t) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// credentials re-enters a target's password: asked for with the echo off
// on a terminal, never printed, handed to the driver through the runner,
// which journals that it was re-entered (never the value).
func (u *ui) credentials(target string) error {
	e := u.r.Engine()
	names := loginTargets(e)
	have := strings.Join(names, ", ")
	if have == "" {
		have = "none"
	}
	if target == "" {
		u.printf("Usage: credentials TARGET. Targets that log in: %s\n", termtext.Line(have))
		return nil
	}
	if !slices.Contains(names, target) {
		u.printf("! credentials: %q is not a target that logs in (targets that do: %s)\n", termtext.Line(target), termtext.Line(have))
		return nil
	}
	pw, err := u.askSecret(fmt.Sprintf("Password for %s (not echoed, never recorded): ", targetText(e, target)))
	if err != nil {
		return err
	}
	if pw == "" {
		u.printf("Nothing entered: the credentials are unchanged.\n")
		return nil
	}
	if err := u.r.SetCredentials(target, checks.Credentials{Password: checks.NewSecret(pw), Source: "re-entered in the session"}); err != nil {
		return err
	}
	u.printf("Credentials for %s re-entered (on the record, without the password). Checking again now.\n", termtext.Line(target))
	return nil
}

// askSecret prints a prompt and reads one line with the terminal's echo
// off (when the input is a terminal). The line is returned as typed, less
// its line end, and never printed.
func (u *ui) askSecret(prompt string) (string, error) {
	u.printf("%s", prompt)
	var restore func()
	if u.hideInput != nil {
		r, err := u.hideInput()
		if err != nil {
			u.printf("\n")
			return "", fmt.Errorf("credentials: cannot turn the terminal's echo off, so the password is not asked for: %w", err)
		}
		restore = r
	}
	line, ok := <-u.lines
	if restore != nil {
		restore()
		u.printf("\n") // the Enter was not echoed either
	}
	if !ok {
		u.inputEnded = true
		u.printf("\n")
		return "", errInputEnded
	}
	if line.tooLong {
		return "", errLineTooLong
	}
	return line.text, nil
}

// PrintPreflight prints the preflight's result per target, as plain lines
// through the sanitizing rule:
//
//	✔ slave (db2:3306): version 10.11.6-MariaDB (connect and read the server version, 4ms)
//	✘ slave (db2:1): UNREACHABLE: dial tcp db2:1: connect: connection refused (connect and read the server version)
func PrintPreflight(w io.Writer, targets []session.PreflightTarget, ascii bool) {
	u := &ui{out: termtext.Writer(w), ascii: ascii}
	for _, t := range targets {
		where := termtext.Line(t.Target)
		if t.Address != "" {
			where += " (" + termtext.Line(t.Address) + ")"
		}
		if !t.Reachable {
			u.printf("  %s %s: UNREACHABLE: %s (%s)\n", u.mark(false), where, termtext.Line(t.Error), termtext.Line(t.Probe))
			continue
		}
		detail := t.Detail
		if detail == "" {
			detail = "answered"
		}
		u.printf("  %s %s: %s (%s, %s)\n", u.mark(true), where, termtext.Line(detail), termtext.Line(t.Probe), t.LatencyNS.Round(time.Millisecond))
	}
}
