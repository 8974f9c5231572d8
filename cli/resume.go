package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newResumeCmd) }

func newResumeCmd(stdio IO) *cobra.Command {
	var plainMode, acceptChanged, noRecord bool
	var operator, stateDir string
	var paramFiles []string
	var speed float64
	cmd := &cobra.Command{
		Use:   "resume SESSION",
		Short: "Continue an interrupted session from its journal",
		Long: strings.TrimSpace(`
resume continues a session that was quit, interrupted (a dropped SSH
connection, a crash) or halted. It replays the journal, cuts off a torn
last line once the session really resumes (and records that it did), and
then:

  - re-runs every check: results from before the break are never trusted;
  - asks you to attest the outcome of an action that started but whose end
    was never recorded, before the step can be left; while its process
    group still runs, it is neither run again nor attested;
  - resumes a halted session suspended: the halting step's checks run
    again and you see whether they pass now; it goes on only when you
    continue it, with a reason that goes on the record (plain mode: type
    'continue REASON'; the console asks before it starts);
  - refuses when the runbook file changed since the session started, unless
    you pass --accept-changed-runbook (which goes on the record);
  - for a rehearsal, rebuilds the simulated world exactly as it was when
    the session stopped (from the journal: every step, tick and action at
    its simulated instant) and goes on at its speed, or at --speed.

Secret params are not in the journal: give them again as for run, in
HANDRAIL_PARAM_<NAME> (the name in upper case) or with --param-file
name=PATH (PATH - reads one line of standard input); on a terminal the
ones still missing are asked for with a masked prompt, otherwise resume
names them. --no-record under a site policy that requires recording is
refused before anything is asked. SESSION is a session id or an
unambiguous prefix (see 'handrail sessions'), or a journal file.

Exit status: as run's (0 completed or saved for later, 5 halted, 130
interrupted by ctrl+c or a signal, ...).`),
		Example: strings.TrimRight(`
  handrail resume 20261122-021500-ab12
  handrail resume 20261122-0215 --plain
  handrail resume 20261122-021500-ab12 --accept-changed-runbook
  handrail resume 20261122-0230 --plain --speed 20`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("speed") && speed <= 0 {
				return withCode(ExitUsage, fmt.Errorf("--speed %v: give a number above 0", speed))
			}
			return resumeSession(stdio, args[0], stateDir, operator, paramFiles, plainMode, acceptChanged, noRecord, speed)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&plainMode, "plain", false, "line-oriented mode instead of the full-screen console")
	fl.BoolVar(&acceptChanged, "accept-changed-runbook", false, "continue although the runbook changed since the session started (recorded)")
	fl.StringVar(&operator, "operator", "", "your name for the record (default: your login)")
	fl.StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	fl.StringArrayVar(&paramFiles, "param-file", nil, "a secret param's value read from a file, as name=PATH (repeatable; PATH - reads one line of standard input)")
	addNoRecordFlag(fl, &noRecord)
	fl.Float64Var(&speed, "speed", 0, "a rehearsal's simulated clock speed from now on (default: the speed it ran at)")
	return cmd
}

func resumeSession(stdio IO, arg, stateDir, operator string, paramFiles []string, plainMode, acceptChanged, noRecord bool, speed float64) (err error) {
	path, err := journal.Locate(stateDir, arg)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	// The session's lock lives in the state directory, so that a copy of
	// the journal kept anywhere else is locked out too.
	dir, err := openStateDir(stdio, stateDir)
	if err != nil {
		return withCode(ExitError, err)
	}
	pol, err := sitePolicy(dir)
	if err != nil {
		return err
	}
	if err := refuseNoRecord(pol, noRecord); err != nil {
		return err
	}
	// The redactor learns the secrets below, before anything is appended.
	red := checks.NewRedactor()
	w, first, err := journal.OpenWriter(path, journal.WithRedactor(redactBytes(red)), journal.WithLockDir(dir), journal.WithWarn(warnf(stdio)))
	if errors.Is(err, journal.ErrLocked) {
		return withCode(ExitLocked, err)
	}
	if err != nil {
		return withCode(ExitError, err)
	}
	fj := &session.FileJournal{Path: path, W: w}
	defer closeJournal(stdio, fj, &err)
	start, err := session.StartOf([]journal.Record{first})
	if err != nil {
		return withCode(ExitError, fmt.Errorf("journal %s: %w", path, err))
	}
	rb, err := loadSessionRunbook(start.Runbook)
	if err != nil {
		return withCode(ExitError, err)
	}
	con := consoleOf(stdio)
	params, err := resumeSecrets(stdio, start, paramFiles)
	if err != nil {
		return err
	}
	if missing := session.MissingSecrets(start, params); len(missing) > 0 {
		slices.Sort(missing)
		if !con.in {
			var how []string
			for _, n := range missing {
				how = append(how, fmt.Sprintf("--param-file %s=PATH (or export %s)", n, secretParamEnv(n)))
			}
			return withCode(ExitUsage, fmt.Errorf("session %s needs its secret params %s again and there is no terminal to ask on: pass %s, or resume it from a terminal",
				start.Session, strings.Join(missing, ", "), strings.Join(how, " ")))
		}
		for _, n := range missing {
			v, err := maskedPrompt(stdio, "Secret param "+n)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("param %s: %w", n, err))
			}
			params[n] = v
		}
	}
	all := map[string]string{}
	for k, v := range start.Params {
		all[k] = v
	}
	for k, v := range params {
		all[k] = v
	}
	plan, err := steps.Expand(rb, all)
	if err != nil {
		return withCode(ExitError, err)
	}
	red.Add(secretValues(rb, all)...)
	var (
		drv         checks.Driver
		credSecrets []string
		sim         *rehearsal.Resumed
		simClock    checks.Clock    // nil live: a live session never runs on another clock
		j           session.Journal = fj
	)
	if start.Mode == session.ModeRehearsal {
		// A rehearsal resumes against its simulator, never the live
		// systems, with its world rebuilt exactly (cli/rehearse.go).
		if sim, err = newResumedRehearsal(rb, start, first, speed); err != nil {
			return err
		}
		drv, simClock = sim.World, sim.Clock
		j = rehearsal.HookJournal(fj, sim.World)
	} else if speed != 0 {
		return withCode(ExitUsage, fmt.Errorf("--speed is for rehearsals: session %s is live, and a live session runs on the wall clock", start.Session))
	} else if drv, credSecrets, err = openDriver(plan.Targets, con, stdio, red); err != nil {
		return err
	}
	defer closeDriver(stdio, drv)
	usePlain := choosePlain(stdio, con, plainMode)
	rec, err := startRecording(stdio, dir, noRecord, usePlain)
	if err != nil {
		return err
	}
	defer finishRecording(stdio, rec, recording.EndClosed) // before the journal closes

	// Everything the session needs is here: read the journal once,
	// verifying it and replaying it record by record; a rehearsal's world
	// takes every record as it goes by (rehearsal.Restore). Only the few
	// records the recording's markers are rebuilt from are kept.
	hooked := &deferredJournal{}
	rp := session.NewReplayer(session.Config{Runbook: rb, Params: params, Redact: append(secretValues(rb, all), credSecrets...),
		Operator: session.DetectOperator(operator), Version: Version, Approval: pol.Approval, Journal: hooked,
		Place:    journal.Place{StateDir: dir, Path: path},
		SimClock: simClock, Speed: speed})
	var markRecs []journal.Record
	err = w.ReadRecords(func(r journal.Record) error {
		if sim != nil {
			sim.Add(r)
		}
		if recording.Follows(r.Type) {
			markRecs = append(markRecs, r.Clone())
		}
		return rp.Add(r)
	})
	if err != nil {
		return withCode(ExitError, err)
	}
	if sim != nil {
		if err := sim.Ready(); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--%w", err))
		}
		rp.SetSpeed(sim.Speed)
	}
	hooked.j = rec.Journal(j, path, rb.Title+" · "+start.Session, markRecs)
	opt := session.ResumeOptions{AcceptChanged: acceptChanged}
	repair := w.PendingRepair()
	if repair != nil {
		// Cut off and journaled by Resume, only once the session resumes.
		opt.Repair = &session.RepairData{DroppedBytes: int64(repair.DroppedBytes), Reason: repair.Reason}
	}
	e, err := rp.Resume(opt)
	switch {
	case errors.Is(err, session.ErrRunbookChanged), errors.Is(err, session.ErrEnded):
		return withCode(ExitUsage, err)
	case err != nil:
		return withCode(ExitError, err)
	}
	sayRecordingProblem(stdio, rec)
	if repair != nil {
		fmt.Fprintf(stdio.Err, "handrail: the journal ended with %s: they were cut off and the repair journaled\n", repair.Reason)
	}
	if sim != nil {
		sim.Clock.Start()
	}
	fmt.Fprintf(stdio.Err, "handrail: resumed session %s, journal %s\n", e.SessionID(), path)
	resumeNotices(stdio, e)
	runErr := drive(stdio, e, drv, fj, journal.Place{StateDir: dir, Path: path}, usePlain, rec)
	if sim != nil {
		finishRehearsal(stdio, e, rb, sim.Scenario, path)
	}
	return runErr
}

// resumeSecrets gathers the secret params a session needs again (its
// session.start holds only their mark) from run's sources: --param-file
// and HANDRAIL_PARAM_<NAME>. A file for any other name is refused.
func resumeSecrets(stdio IO, start session.StartData, paramFiles []string) (map[string]string, error) {
	params := map[string]string{}
	need := session.MissingSecrets(start, params)
	allowed := map[string]bool{}
	for _, n := range need {
		allowed[n] = true
	}
	what := "a secret param of session " + start.Session
	if len(need) == 0 {
		what += " (it has none)"
	} else {
		slices.Sort(need)
		what += " (" + strings.Join(need, ", ") + ")"
	}
	if err := readParamFiles(paramFiles, params, allowed, what, stdio); err != nil {
		return nil, err
	}
	secretParamsFromEnv(need, params)
	return params, nil
}

// deferredJournal is a session's journal named once the records are read:
// the recording's hook needs them first. Nothing is appended before.
type deferredJournal struct{ j session.Journal }

func (d *deferredJournal) Append(typ string, data any) (journal.Record, error) {
	if d.j == nil {
		return journal.Record{}, fmt.Errorf("journal %s: appended before the session was read", typ)
	}
	return d.j.Append(typ, data)
}

// loadSessionRunbook loads the runbook a session started with: its file
// when it still exists, else the bundled runbook of that id.
func loadSessionRunbook(ref session.RunbookRef) (*steps.Runbook, error) {
	if ref.Path != "" {
		if st, err := os.Stat(ref.Path); err == nil && !st.IsDir() {
			return steps.Load(ref.Path)
		}
	}
	rb, err := steps.LoadBundled(runbooks.FS, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("the session's runbook %s (%s) is gone: %w", ref.ID, ref.Path, err)
	}
	return rb, nil
}
