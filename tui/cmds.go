package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
)

// Messages the console's commands return. Each carries the snapshot the
// runtime answered with; the model keeps the one with the highest Seq.
type (
	// eventMsg is the newest of n runtime events (check results, followed
	// records) that arrived within one frame.
	eventMsg struct {
		ev Event
		n  int
	}
	// runtimeClosedMsg: Wait has nothing more to say.
	runtimeClosedMsg struct{ err error }
	// doneMsg answers a request (advance, override, note, tick, quit).
	doneMsg struct {
		op   string
		snap Snapshot
		err  error
	}
	// actionMsg answers RunAction.
	actionMsg struct {
		res  checks.ActionResult
		snap Snapshot
		err  error
	}
	// clockMsg drives the header clocks and overdue-poll spinners.
	clockMsg time.Time
	// armMsg ends a dialog's debounce; id names the dialog it was for.
	armMsg struct{ id int }
	// flashExpiredMsg ends the flash with this sequence number.
	flashExpiredMsg int
	// settleMsg ends the short pause after a step change during which `n`
	// is ignored, so a repeated key press cannot skip the new step unread.
	settleMsg struct{ seq int }
)

// Debounce timings.
const (
	dialogArmDelay = 300 * time.Millisecond
	stepSettle     = 600 * time.Millisecond
	clockEvery     = time.Second
	flashFor       = 4 * time.Second
)

func expireFlash(seq int) tea.Cmd {
	return tea.Tick(flashFor, func(time.Time) tea.Msg { return flashExpiredMsg(seq) })
}

// frame is the console's frame time: the events that arrive within one
// frame of the first are drawn once.
const frameTime = time.Second / 60

// waitEvent blocks on the runtime for the next event, then keeps taking the
// events that follow within one frame and returns only the newest (each
// carries the whole snapshot): twenty results that land together are one
// Update and one View, not twenty. The model re-arms it after each
// eventMsg, so exactly one receive is outstanding at a time and events
// arrive in order.
func waitEvent(ctx context.Context, rt Runtime) tea.Cmd {
	return func() tea.Msg {
		ev, err := rt.Wait(ctx)
		if err != nil {
			return closedMsg(ctx, err)
		}
		fctx, cancel := context.WithTimeout(ctx, frameTime)
		defer cancel()
		for n := 1; ; n++ {
			next, err := rt.Wait(fctx)
			switch {
			case err == nil:
				if next.Snap.Seq >= ev.Snap.Seq {
					ev = next
				}
				continue
			case ctx.Err() != nil:
				return runtimeClosedMsg{}
			case fctx.Err() != nil, errors.Is(err, ErrClosed):
				// The frame is over (or the runtime closed: the next
				// Wait says so again, after this event is drawn).
				return eventMsg{ev: ev, n: n}
			}
			return runtimeClosedMsg{err: err}
		}
	}
}

func closedMsg(ctx context.Context, err error) tea.Msg {
	if errors.Is(err, ErrClosed) || ctx.Err() != nil {
		return runtimeClosedMsg{}
	}
	return runtimeClosedMsg{err: err}
}

func clockTick() tea.Cmd {
	return tea.Tick(clockEvery, func(t time.Time) tea.Msg { return clockMsg(t) })
}

func armAfter(id int) tea.Cmd {
	return tea.Tick(dialogArmDelay, func(time.Time) tea.Msg { return armMsg{id: id} })
}

func settleAfter(seq int) tea.Cmd {
	return tea.Tick(stepSettle, func(time.Time) tea.Msg { return settleMsg{seq: seq} })
}

// The request commands capture only the runtime (safe for concurrent use)
// and plain values copied out of the model before the command runs.

func advanceCmd(rt Runtime) tea.Cmd {
	return func() tea.Msg {
		s, err := rt.Advance()
		return doneMsg{op: "next", snap: s, err: err}
	}
}

func overrideCmd(rt Runtime, o Override) tea.Cmd {
	o.Checks = append([]string(nil), o.Checks...)
	return func() tea.Msg {
		s, err := rt.Override(o)
		return doneMsg{op: "override", snap: s, err: err}
	}
}

func annotateCmd(rt Runtime, text string) tea.Cmd {
	return func() tea.Msg {
		s, err := rt.Annotate(text)
		return doneMsg{op: "note", snap: s, err: err}
	}
}

func tickCmd(rt Runtime, id string, ticked bool) tea.Cmd {
	return func() tea.Msg {
		s, err := rt.Tick(id, ticked)
		return doneMsg{op: "tick", snap: s, err: err}
	}
}

func attestCmd(rt Runtime, outcome, text string) tea.Cmd {
	return func() tea.Msg {
		s, err := rt.Attest(outcome, text)
		return doneMsg{op: "attest", snap: s, err: err}
	}
}

func repollCmd(rt Runtime) tea.Cmd {
	return func() tea.Msg {
		rt.Repoll()
		return nil
	}
}

func actionCmd(ctx context.Context, rt Runtime) tea.Cmd {
	return func() tea.Msg {
		res, s, err := rt.RunAction(ctx)
		return actionMsg{res: res, snap: s, err: err}
	}
}

func quitCmd(rt Runtime) tea.Cmd {
	return func() tea.Msg {
		s, err := rt.Quit()
		return doneMsg{op: "quit", snap: s, err: err}
	}
}

// actionNotRun says that an action never reached its target (nothing ran,
// no on_fail) and the way on.
func actionNotRun(r checks.ActionResult) string {
	return "action NOT RUN: could not reach the target (" + actionFailure(r) + "); press x to run it again once it answers"
}

// actionFailure says in words why an action failed.
func actionFailure(r checks.ActionResult) string {
	if r.Error != "" {
		return r.Error
	}
	return fmt.Sprintf("exit code %d", r.ExitCode)
}
