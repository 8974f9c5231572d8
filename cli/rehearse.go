package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newRehearseCmd) }

type rehearseFlags struct {
	scenario string
	plain    bool
	operator string
	stateDir string
	list     bool
	noRecord bool
}

func newRehearseCmd(stdio IO) *cobra.Command {
	var f rehearseFlags
	cmd := &cobra.Command{
		Use:   "rehearse RUNBOOK",
		Short: "Rehearse a runbook against simulated systems, faults included",
		Long: strings.TrimSpace(`
rehearse walks through RUNBOOK (a bundled runbook's id, or a path to a .yaml
file) exactly as 'handrail run' does, but against a simulator instead of the
live systems: a world model of the procedure's servers (a replica whose
threads stop a second after STOP SLAVE, a HotStandby pair whose netcopy takes
time, a Terracotta mirror that syncs, ...). No server is touched, no
credential is asked for.

A scenario sets the world's starting state, how long things take, and the
faults the manual warns about ('happy' is the one where nothing goes wrong).
The session's params come from the scenario. Its journal is marked
mode "rehearsal" everywhere it is shown, and ends with a debrief: time per
step against the scenario's reference, overrides, the faults met and how
they were handled, and your notes.

Scenarios of a bundled runbook are bundled too; for a runbook file, they
are read from scenarios/<runbook-id>/<name>.yaml beside it.`),
		Example: strings.TrimRight(`
  handrail rehearse soliddb-hsb-netcopy --scenario netcopy-fails
  handrail rehearse thinman-dual-db --list-scenarios
  handrail rehearse ./my-runbook.yaml --scenario happy --plain`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.list {
				return listScenarios(stdio, args[0])
			}
			return rehearseSession(stdio, args[0], f, "")
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.scenario, "scenario", "s", "happy", "the scenario to rehearse")
	fl.BoolVar(&f.list, "list-scenarios", false, "list the runbook's scenarios and exit")
	fl.BoolVar(&f.plain, "plain", false, "line-oriented mode instead of the full-screen console")
	fl.StringVar(&f.operator, "operator", "", "your name for the record (default: your login)")
	fl.StringVar(&f.stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	addNoRecordFlag(fl, &f.noRecord)
	return cmd
}

// scenarioFS is where a runbook's scenarios live: beside a runbook file
// (when it has some there), else the bundled ones.
func scenarioFS(rb *steps.Runbook) fs.FS {
	if rb.Path != "" && !strings.HasPrefix(rb.Path, "runbooks/") {
		dir := os.DirFS(filepath.Dir(rb.Path))
		if len(rehearsal.Scenarios(dir, rb.ID)) > 0 {
			return dir
		}
	}
	return runbooks.FS
}

func listScenarios(stdio IO, arg string) error {
	rb, err := resolveRunbook(arg)
	if err != nil {
		return err
	}
	fsys := scenarioFS(rb)
	names := rehearsal.Scenarios(fsys, rb.ID)
	if len(names) == 0 {
		return withCode(ExitUsage, fmt.Errorf("runbook %s has no scenarios: write scenarios/%s/happy.yaml beside it (see docs/rehearsal.md)", rb.ID, rb.ID))
	}
	for _, n := range names {
		sc, err := rehearsal.LoadScenario(fsys, rb.ID, n)
		if err != nil {
			fmt.Fprintf(stdio.Out, "%-20s (broken: %v)\n", n, err)
			continue
		}
		fmt.Fprintf(stdio.Out, "%-20s %s\n", n, sc.Title)
	}
	return nil
}

// loadRehearsal loads a runbook, one of its scenarios and the simulated
// world (on the real clock).
func loadRehearsal(arg, scenario string) (*steps.Runbook, *rehearsal.Scenario, *rehearsal.Driver, error) {
	rb, err := resolveRunbook(arg)
	if err != nil {
		return nil, nil, nil, err
	}
	sc, drv, err := rehearsalDriver(rb, scenario)
	return rb, sc, drv, err
}

// rehearsalDriver builds the simulated world of a runbook's scenario, on
// the real clock. `handrail resume` of a rehearsal (session.start mode
// "rehearsal") should open its driver here, with the scenario named in
// session.start, and wrap the journal with rehearsal.HookJournal; the world then
// starts afresh from the scenario's initial state.
func rehearsalDriver(rb *steps.Runbook, scenario string) (*rehearsal.Scenario, *rehearsal.Driver, error) {
	sc, err := rehearsal.LoadScenario(scenarioFS(rb), rb.ID, scenario)
	if err != nil {
		if errors.Is(err, rehearsal.ErrNoScenario) {
			return nil, nil, withCode(ExitUsage, err)
		}
		return nil, nil, withCode(ExitError, err)
	}
	drv, err := rehearsal.New(rb, sc, rehearsal.RealClock{})
	if err != nil {
		return nil, nil, withCode(ExitError, err)
	}
	return sc, drv, nil
}

// rehearseSession runs a rehearsal through the same engine, runner and
// console as a live session; intro is printed before the first step.
func rehearseSession(stdio IO, arg string, f rehearseFlags, intro string) (err error) {
	rb, sc, drv, err := loadRehearsal(arg, f.scenario)
	if err != nil {
		return err
	}
	defer closeDriver(stdio, drv)
	usePlain := choosePlain(stdio, consoleOf(stdio), f.plain)

	dir, err := openStateDir(stdio, f.stateDir)
	if err != nil {
		return withCode(ExitError, err)
	}
	pol, err := sitePolicy(dir)
	if err != nil {
		return err
	}
	rec, err := startRecording(stdio, dir, f.noRecord, usePlain)
	if err != nil {
		return err
	}
	id := journal.NewSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	defer closeJournal(stdio, fj, &err)
	defer finishRecording(stdio, rec, recording.EndClosed) // before the journal closes
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(),
		Operator: session.DetectOperator(f.operator), Mode: session.ModeRehearsal, Scenario: sc.Name,
		Version: Version, Approval: pol.Approval, Journal: rec.Journal(rehearsal.HookJournal(fj, drv), fj.Path, "REHEARSAL · "+rb.Title+" · "+id, nil)})
	if err != nil {
		return withCode(ExitError, err)
	}
	fmt.Fprintf(stdio.Out, "REHEARSAL: %s\nScenario %s: %s\nEvery system here is simulated; nothing real is touched.\n", rb.Title, sc.Name, sc.Title)
	if d := strings.TrimSpace(sc.Description); d != "" {
		fmt.Fprintf(stdio.Out, "\n%s\n", d)
	}
	if intro != "" {
		fmt.Fprintf(stdio.Out, "\n%s\n", intro)
	}
	fmt.Fprintln(stdio.Out)
	fmt.Fprintf(stdio.Err, "handrail: rehearsal session %s, journal %s\n", id, fj.Path)
	runErr := drive(stdio, e, drv, fj, usePlain, rec)
	printDebrief(stdio, e, fj.Path, sc)
	return runErr
}

// printDebrief ends a rehearsal that completed or halted (not one quit for
// later, nor one interrupted) with its debrief.
func printDebrief(stdio IO, e *session.Engine, path string, sc *rehearsal.Scenario) {
	if end := e.Ended(); end != session.EndCompleted && end != session.EndHalted {
		return
	}
	recs, err := journal.Read(path)
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: no debrief: %v\n", err)
		return
	}
	fmt.Fprintf(stdio.Out, "\n%s", rehearsal.Debrief(recs, sc))
}

// replayWorld brings a resumed rehearsal's simulated world up to where the
// journal left it (rehearsal.ReplayWorld).
func replayWorld(ctx context.Context, drv *rehearsal.Driver, e *session.Engine, recs []journal.Record) {
	rehearsal.ReplayWorld(ctx, drv, e, recs)
}

// gatedHook passes the session's steps to the simulated world only once it
// is switched on: a resumed rehearsal replays the journal into the world
// first (replayWorld), then lets new records through.
type gatedHook struct {
	on bool
	h  rehearsal.StepHook
}

func (g *gatedHook) StepEntered(step, item string) {
	if g.on {
		g.h.StepEntered(step, item)
	}
}

func (g *gatedHook) CheckTicked(step, check string, ticked bool) {
	if g.on {
		g.h.CheckTicked(step, check, ticked)
	}
}

func (g *gatedHook) StepDone(step string) {
	if g.on {
		g.h.StepDone(step)
	}
}
