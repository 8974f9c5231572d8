package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/plain"
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
	// speed runs the simulated clock that many times as fast as the wall
	// clock; window and until set the maintenance window the forecast is
	// judged against.
	speed  float64
	window time.Duration
	until  string
}

// addTrainingFlags adds --speed, --window and --until (rehearse and demo).
func addTrainingFlags(cmd *cobra.Command, f *rehearseFlags) {
	cmd.Flags().Float64Var(&f.speed, "speed", 1, "run the simulated clock N times as fast as the wall clock (up to 1000)")
	addWindowFlags(cmd, &f.window, &f.until)
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
are read from scenarios/<runbook-id>/<name>.yaml beside it.

The rehearsal runs on simulated time: --speed 20 makes a two-minute install
take six seconds, and in plain mode 'skip' jumps to the next simulated event
("skip the wait: 1m40s"). The debrief grades the rehearsal out of 100 and is
written beside the journal as SESSION.debrief.md and SESSION.debrief.html
(see 'handrail debrief'). --window or --until warn when the forecast from
past rehearsals passes the end of that window.`),
		Example: strings.TrimRight(`
  handrail rehearse soliddb-hsb-netcopy --scenario netcopy-fails
  handrail rehearse thinman-dual-db --list-scenarios
  handrail rehearse thinman-dual-db --scenario replication-error --speed 20 --plain
  handrail rehearse ./my-runbook.yaml --scenario happy --plain --window 2h`, "\n")[1:],
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
	addTrainingFlags(cmd, &f)
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

// loadScenario loads one of a runbook's scenarios: a missing one is a
// usage error, a broken one an error naming file:line:col.
func loadScenario(rb *steps.Runbook, name string) (*rehearsal.Scenario, error) {
	sc, err := rehearsal.LoadScenario(scenarioFS(rb), rb.ID, name)
	if err != nil {
		if errors.Is(err, rehearsal.ErrNoScenario) {
			return nil, withCode(ExitUsage, err)
		}
		return nil, withCode(ExitError, err)
	}
	return sc, nil
}

// newSessionID names a new rehearsal (journal.NewSessionID); the examples
// test gives the sessions it prepares the ids the documentation names.
var newSessionID = journal.NewSessionID

// rehearseSession runs a rehearsal through the same engine, runner and
// console as a live session, on the simulator's clock; intro is printed
// before the first step.
func rehearseSession(stdio IO, arg string, f rehearseFlags, intro string) (err error) {
	rb, err := resolveRunbook(arg)
	if err != nil {
		return err
	}
	sc, err := loadScenario(rb, f.scenario)
	if err != nil {
		return err
	}
	// The clock stands still until the session starts: the world is built
	// and the session starts at one simulated instant.
	clock, err := rehearsal.NewSimClock(time.Time{}, f.speed)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--speed: %w", err))
	}
	drv, err := rehearsal.New(rb, sc, clock)
	if err != nil {
		return withCode(ExitError, err)
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
	refs := map[string]time.Duration{}
	for id, st := range sc.Steps {
		refs[id] = time.Duration(st.Reference)
	}
	plan, err := planSession(stdio, dir, rb, session.ModeRehearsal, f.window, f.until, clock.Now(), refs)
	if err != nil {
		return err
	}
	rec, err := startRecording(stdio, dir, f.noRecord, usePlain)
	if err != nil {
		return err
	}
	id := newSessionID(time.Now())
	fj := &session.FileJournal{Path: journal.SessionPath(dir, id)}
	defer closeJournal(stdio, fj, &err)
	defer finishRecording(stdio, rec, recording.EndClosed) // before the journal closes
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(),
		Operator: session.DetectOperator(f.operator), Mode: session.ModeRehearsal, Scenario: sc.Name,
		Version: Version, Approval: pol.Approval, Journal: rec.Journal(rehearsal.HookJournal(fj, drv), fj.Path, "REHEARSAL · "+rb.Title+" · "+id, nil),
		SimClock: clock, Speed: f.speed, Forecast: plan, Place: journal.Place{StateDir: dir, Path: fj.Path}})
	if err != nil {
		return withCode(ExitError, err)
	}
	fmt.Fprintf(stdio.Out, "REHEARSAL: %s\nScenario %s: %s\nEvery system here is simulated; nothing real is touched.\n",
		termtext.Line(rb.Title), termtext.Line(sc.Name), termtext.Line(sc.Title))
	if f.speed != 1 {
		fmt.Fprintf(stdio.Out, "Simulated time runs at x%s.\n", strconv.FormatFloat(f.speed, 'f', -1, 64))
	}
	if d := strings.TrimSpace(sc.Description); d != "" {
		fmt.Fprintf(stdio.Out, "\n%s\n", termtext.Block(d))
	}
	if intro != "" {
		fmt.Fprintf(stdio.Out, "\n%s\n", intro)
	}
	fmt.Fprintln(stdio.Out)
	fmt.Fprintf(stdio.Err, "handrail: rehearsal session %s, journal %s\n", id, fj.Path)
	sayRecordingProblem(stdio, rec)
	printWindowWarnings(stdio, e)
	clock.Start()
	runErr := drive(stdio, e, drv, fj, journal.Place{StateDir: dir, Path: fj.Path}, usePlain, rec)
	finishRehearsal(stdio, e, rb, sc, fj.Path)
	return runErr
}

// finishRehearsal ends a rehearsal that completed or halted (not one quit
// for later, nor one interrupted) with its graded debrief: printed, and
// written beside the journal as SESSION.debrief.md and .debrief.html.
func finishRehearsal(stdio IO, e *session.Engine, rb *steps.Runbook, sc *rehearsal.Scenario, path string) {
	if end := e.Ended(); end != session.EndCompleted && end != session.EndHalted {
		return
	}
	mark, err := passMark(filepath.Dir(path))
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: no debrief: %v\n", err)
		return
	}
	g, err := rehearsal.GradeFile(rb, sc, path, mark)
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: no debrief: %v\n", err)
		return
	}
	fmt.Fprintf(stdio.Out, "\n%s", termtext.Block(g.Markdown()))
	md, html, err := writeDebrief(g, path)
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: the debrief was not written: %v\n", err)
		return
	}
	fmt.Fprintf(stdio.Err, "handrail: debrief written to %s and %s\n", md, html)
}

// debriefPaths are the debrief files of the journal at path.
func debriefPaths(path string) (md, html string) {
	base := strings.TrimSuffix(path, journal.Ext)
	return base + ".debrief.md", base + ".debrief.html"
}

// writeDebrief writes a debrief beside its journal (mode 0600, like the
// journal: it names the operator and holds their notes), never through a
// symbolic link left in its place.
func writeDebrief(g rehearsal.Grade, path string) (string, string, error) {
	md, html := debriefPaths(path)
	if err := journal.WriteFile(md, []byte(g.Markdown())); err != nil {
		return "", "", fmt.Errorf("write debrief: %w", err)
	}
	if err := journal.WriteFile(html, []byte(g.HTML())); err != nil {
		return "", "", fmt.Errorf("write debrief: %w", err)
	}
	return md, html, nil
}

// newResumedRehearsal starts rebuilding a stopped rehearsal's world
// (rehearsal.Resumed) with the scenario session.start names.
func newResumedRehearsal(rb *steps.Runbook, start session.StartData, first journal.Record, speed float64) (*rehearsal.Resumed, error) {
	sc, err := loadScenario(rb, start.Scenario)
	if err != nil {
		return nil, err
	}
	r, err := rehearsal.NewResumed(rb, sc, start, first, speed)
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("--%w", err))
	}
	return r, nil
}

// worldView shows a rehearsal's simulated world to plain mode.
type worldView struct{ d *rehearsal.Driver }

func (w worldView) Lines() []plain.WorldLine {
	hs := w.d.Hosts()
	out := make([]plain.WorldLine, len(hs))
	for i, h := range hs {
		out[i] = plain.WorldLine{Key: h.Key(), Text: h.String()}
	}
	return out
}

func (w worldView) Skip(by time.Duration) (string, time.Duration, error) {
	s, err := w.d.Skip(by)
	return s.What, s.By, err
}
