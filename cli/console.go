package cli

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// runConsole runs the full-screen console over a started or resumed
// session until the operator quits, the session completes or halts, or ctx
// ends (a signal). It returns the session's end state ("" when it was
// interrupted without one: the journal still resumes).
func runConsole(ctx context.Context, r *session.Runner, stdio IO, rec *recording.Recorder, stateDir string, rh consoleRehearsal) (string, error) {
	lv := tui.NewLive(r, nil)
	if rh.world != nil {
		lv.SetRehearsal(rh.world, rh.debrief)
	}
	defer approvalSocket(stdio, lv, r.Engine(), stateDir)()
	m := tui.New(lv, tui.Options{ASCII: !utf8Locale(), Dark: true})
	end, err := runProgram(ctx, m, stdio, rec)
	if ctx.Err() != nil {
		// A signal stopped the console: an action still running gets its
		// grace period and goes on the record as interrupted.
		if ierr := lv.Interrupt(signalCause(ctx)); ierr != nil && err == nil {
			err = ierr
		}
	}
	return end, err
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
		g, err := rehearsal.GradeFile(rb, w.Scenario(), path)
		if err != nil {
			return "", err
		}
		return g.Markdown(), nil
	}}
}

// watchConsole shows a live session read-only, following its journal at
// path; cfg names the runbook (its Journal is ignored: a watch never
// writes).
func watchConsole(ctx context.Context, cfg session.Config, path string, stdio IO) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := tui.NewWatch(ctx, cfg, path)
	if err != nil {
		return withCode(ExitError, err)
	}
	m := tui.New(w, tui.Options{ASCII: !utf8Locale(), Dark: true})
	if _, err := runProgram(ctx, m, stdio, nil); err != nil {
		return withCode(ExitError, err)
	}
	return nil
}

// runProgram runs the console; rec, when not nil, records what it draws
// (consoleOutput).
func runProgram(ctx context.Context, m tui.Model, stdio IO, rec *recording.Recorder) (string, error) {
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
			return fm.Snapshot().Ended, nil
		}
		return fm.Snapshot().Ended, fmt.Errorf("console: %w", err)
	}
	// The alternate screen is gone: leave the line that says what next.
	fmt.Fprint(stdio.Out, fm.Goodbye())
	return fm.Snapshot().Ended, fm.Err()
}
