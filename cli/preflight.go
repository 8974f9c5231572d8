package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/plain"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// sessionClock is the time source of a live session's engine, poller and
// plain mode (nil: the wall clock). Tests run it fast, so that a check's
// minute passes in a second.
var sessionClock func() time.Time

// preflightTimeout bounds the whole preflight: every target is contacted
// at once, each within its check's attempt timeout.
const preflightTimeout = 30 * time.Second

// preflight contacts every target that a check of plan polls, once, before
// the session starts, and prints each result. When a target cannot be
// reached, the session starts only on the operator's explicit choice: the
// --start-unreachable reason, or, on a terminal, a reason given on the
// console's preflight screen (which can also retry), or typed at the
// prompt in plain mode. The choice goes on the record (the preflight
// record); without it nothing is journaled and the run ends. It returns
// nil when no target is polled. rec records the preflight screen (nil:
// not recorded).
func preflight(stdio IO, con console, in *bufio.Reader, drv checks.Driver, plan *steps.Plan, startUnreachable string, usePlain bool, rec *recording.Recorder) (*session.PreflightData, error) {
	probes := session.PreflightProbes(plan)
	if len(probes) == 0 {
		return nil, nil
	}
	fmt.Fprintf(stdio.Out, "Preflight: contacting %d target(s) once before the first step …\n", len(probes))
	ctx, cancel := context.WithTimeout(context.Background(), preflightTimeout)
	defer cancel()
	res := session.Preflight(ctx, drv, plan)
	plain.PrintPreflight(stdio.Out, res, !utf8Locale())
	data := &session.PreflightData{Targets: res}
	var down []string
	for _, t := range res {
		if !t.Reachable {
			down = append(down, t.Target)
		}
	}
	if len(down) == 0 {
		return data, nil
	}
	reason := strings.TrimSpace(startUnreachable)
	switch {
	case reason != "":
	case con.in && !usePlain:
		again, why, err := preflightScreen(stdio, rec, drv, plan, res)
		if err != nil {
			return nil, err
		}
		data.Targets = again
		if why == "" {
			fmt.Fprintf(stdio.Out, "Every target answers now.\n")
			return data, nil // every target answered when tried again
		}
		reason = why
		down = nil
		for _, t := range again {
			if !t.Reachable {
				down = append(down, t.Target)
			}
		}
	case con.in:
		fmt.Fprintf(stdio.Out, "%s cannot be reached. Unreachable is not failed: its checks wait, and nothing is halted, until it answers.\n", termtext.Line(strings.Join(down, ", ")))
		fmt.Fprintf(stdio.Out, "To start anyway, type why (at least %d characters; it goes on the record). Press Enter to stop: ", session.MinReason)
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, withCode(ExitError, fmt.Errorf("read the answer: %w", err))
		}
		if reason = strings.TrimSpace(line); reason == "" {
			return nil, withCode(ExitError, fmt.Errorf("not started: %s cannot be reached; fix it and run again", termtext.Line(strings.Join(down, ", "))))
		}
	default:
		return nil, withCode(ExitError, fmt.Errorf("not started: %s cannot be reached: fix it, or start anyway with --start-unreachable \"REASON\" (the choice goes on the record)",
			termtext.Line(strings.Join(down, ", "))))
	}
	if n := len([]rune(reason)); n < session.MinReason {
		return nil, withCode(ExitUsage, fmt.Errorf("not started: say why you start with %s unreachable in at least %d characters (it has %d)",
			termtext.Line(strings.Join(down, ", ")), session.MinReason, n))
	}
	data.Accepted, data.Reason = true, reason
	fmt.Fprintf(stdio.Out, "Starting with %s unreachable, on the record: %s\n", termtext.Line(strings.Join(down, ", ")), termtext.Line(reason))
	return data, nil
}

// preflightScreen shows the preflight on the console's own screen when a
// target cannot be reached (tui.PreflightScreen): the operator retries,
// stops (nothing is journaled) or starts anyway with a reason. It returns
// the latest results and the reason ("" when every target answered).
func preflightScreen(stdio IO, rec *recording.Recorder, drv checks.Driver, plan *steps.Plan, res []session.PreflightTarget) ([]session.PreflightTarget, string, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	title := ""
	if plan.Runbook != nil {
		title = plan.Runbook.Title
	}
	m := tui.NewPreflight(tui.PreflightConfig{Title: title, Targets: res, ASCII: !utf8Locale(), Dark: true,
		Retry: func(ctx context.Context) []session.PreflightTarget {
			ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
			defer cancel()
			return session.Preflight(ctx, drv, plan)
		}})
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(stdio.In)}, consoleOutput(stdio, rec)...)...)
	final, err := p.Run()
	notStarted := func() error {
		return withCode(ExitError, errors.New("not started: a target cannot be reached and you stopped at the preflight; fix it and run again"))
	}
	interrupted := func() error {
		return withCode(ExitInterrupted, errors.New("interrupted (ctrl+c) at the preflight: no session was started, nothing was journaled"))
	}
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
			// A signal ends the preflight as ctrl+c does.
			return nil, "", interrupted()
		}
		return nil, "", withCode(ExitError, fmt.Errorf("preflight screen: %w", err))
	}
	fm, ok := final.(tui.PreflightScreen)
	if !ok {
		return nil, "", withCode(ExitError, errors.New("preflight screen: unexpected final model"))
	}
	targets, reason, start := fm.Result()
	switch {
	case !start && fm.Interrupted():
		return nil, "", interrupted()
	case !start:
		return nil, "", notStarted()
	}
	plain.PrintPreflight(stdio.Out, targets, !utf8Locale())
	return targets, reason, nil
}
