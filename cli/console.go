package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// errInterrupted says the operator left the console with ctrl+c: the
// session was quit at once (resumable), and the command exits with
// ExitInterrupted.
var errInterrupted = errors.New("interrupted")

// consoleOptions are the console's options on this terminal: 7-bit symbols
// without a UTF-8 locale, and the background COLORFGBG names (dark when it
// says nothing) until the terminal answers the console's own question.
func consoleOptions() tui.Options {
	dark, ok := tui.DarkFromEnv(os.Getenv)
	return tui.Options{ASCII: !utf8Locale(), Dark: dark || !ok}
}

// runConsole runs the full-screen console over a started or resumed
// session until the operator quits, the session completes or halts, or ctx
// ends (a signal). It returns the session's end state ("" when it was
// interrupted without one: the journal still resumes), and errInterrupted
// when the operator left with ctrl+c.
func runConsole(ctx context.Context, r *session.Runner, stdio IO, rec *recording.Recorder, place journal.Place, rh consoleRehearsal) (string, error) {
	lv := tui.NewLive(r, nil)
	if rh.world != nil {
		lv.SetRehearsal(rh.world, rh.debrief)
	}
	defer approvalSocket(stdio, lv, r.Engine(), filepath.Dir(place.Path))()
	opts := consoleOptions()
	opts.Place = place
	m := tui.New(lv, opts)
	fm, err := runProgram(ctx, m, stdio, rec)
	if ctx.Err() != nil {
		// A signal stopped the console: an action still running gets its
		// grace period and goes on the record as interrupted.
		if ierr := lv.Interrupt(signalCause(ctx)); ierr != nil && err == nil {
			err = ierr
		}
		return fm.Snapshot().Ended, err
	}
	var pe *programError
	if errors.As(err, &pe) && lv.Snapshot().Ended == "" {
		// The console could not run (or stopped on a terminal error):
		// the session is not left half-made. It is quit, on the record,
		// and resumes as any other (in plain mode if need be).
		if _, qerr := lv.Quit(); qerr != nil {
			return "", errors.Join(err, qerr)
		}
		return session.EndQuit, fmt.Errorf("%w; the session is saved: resume it with `%s` (add --plain without a terminal)",
			err, termtext.Line(place.Command("resume", fm.Snapshot().SessionID)))
	}
	if err == nil && fm.Interrupted() {
		err = errInterrupted
	}
	return fm.Snapshot().Ended, err
}

// consoleRehearsal is what the console shows of a rehearsal beyond the
// session: its simulated world (the machines, skip) and its graded
// debrief once it has ended. Both are zero for a live session.
type consoleRehearsal struct {
	world   tui.World
	debrief func() (string, error)
}

// consoleRehearsalOf is the rehearsal part of a console over e, whose
// driver is drv and whose journal is at path.
func consoleRehearsalOf(e *session.Engine, drv checks.Driver, path string) consoleRehearsal {
	w, ok := drv.(*rehearsal.Driver)
	if !ok {
		return consoleRehearsal{}
	}
	rb := e.Runbook()
	return consoleRehearsal{world: w, debrief: func() (string, error) {
		mark, err := passMark(filepath.Dir(path))
		if err != nil {
			return "", err
		}
		g, err := rehearsal.GradeFile(rb, w.Scenario(), path, mark)
		if err != nil {
			return "", err
		}
		return g.Markdown(), nil
	}}
}

// watchConsole shows a live session read-only, following its journal at
// place.Path; cfg names the runbook (its Journal is ignored: a watch never
// writes).
func watchConsole(ctx context.Context, cfg session.Config, place journal.Place, stdio IO) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := tui.NewWatch(ctx, cfg, place.Path)
	if err != nil {
		return withCode(ExitError, err)
	}
	opts := consoleOptions()
	opts.Place = place
	m := tui.New(w, opts)
	fm, err := runProgram(ctx, m, stdio, nil)
	switch {
	case err != nil:
		return withCode(ExitError, err)
	case ctx.Err() != nil, fm.Interrupted():
		return withCode(ExitInterrupted, nil)
	case w.Alarm() != "":
		// The goodbye said it: the journal no longer verifies.
		return withCode(ExitFindings, nil)
	}
	return nil
}

// programError is a console that could not run, or stopped on an error of
// its own (not a signal, not the session's).
type programError struct{ err error }

func (e *programError) Error() string { return "the console could not run: " + e.err.Error() }
func (e *programError) Unwrap() error { return e.err }

// runProgram runs the console and returns its last model; rec, when not
// nil, records what it draws (consoleOutput).
func runProgram(ctx context.Context, m tui.Model, stdio IO, rec *recording.Recorder) (tui.Model, error) {
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(stdio.In)}, consoleOutput(stdio, rec)...)...)
	final, err := p.Run()
	fm, ok := final.(tui.Model)
	if !ok {
		fm = m
	}
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
			// Interrupted by a signal: nothing more was journaled, and the
			// journal resumes as it stands.
			return fm, nil
		}
		return fm, &programError{err: err}
	}
	// The alternate screen is gone: leave the line that says what next
	// (never "saved" when the journal could not be written).
	fmt.Fprint(stdio.Out, fm.Goodbye())
	return fm, fm.Err()
}
