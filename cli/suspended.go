package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/plain"
	"github.com/handrail/handrail/steps/session"
)

// suspendedChoice is the console path's way out of a suspension: before
// the console starts on a resumed, halted session, the halting step's
// checks run once, each result is shown (and journaled), and the session
// goes on only when the operator types a reason (and, while the checks
// fail, confirms). Pressing Enter leaves it suspended: the console then
// shows it, and quitting ends it halted again. Plain mode asks with its
// own `continue` command instead.
func suspendedChoice(stdio IO, e *session.Engine, drv checks.Driver) error {
	if !e.Suspended() {
		return nil
	}
	v, st, ok := e.Current()
	if !ok {
		return nil
	}
	fmt.Fprintf(stdio.Out, "Checking step %s again before the console starts …\n", v.Key)
	for _, c := range st.Checks {
		if c.Kind == checks.KindManual {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.AttemptTimeout())
		now := time.Now()
		obs := drv.Observe(ctx, c)
		cancel()
		res := checks.NewJudge(c, now).Result(v.Key, e.Generation(), obs, time.Now())
		if _, err := e.Observe(res); err != nil {
			return withCode(ExitError, err)
		}
	}
	plain.PrintSuspension(stdio.Out, e, !utf8Locale())
	in := bufio.NewReader(stdio.In)
	ask := func(prompt string) (string, error) {
		fmt.Fprint(stdio.Out, prompt)
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", withCode(ExitError, fmt.Errorf("read the answer: %w", err))
		}
		return strings.TrimSpace(line), nil
	}
	for {
		reason, err := ask(fmt.Sprintf("To continue the session, type why it is safe now (at least %d characters; it goes on the record). Press Enter to keep it suspended: ", session.MinReason))
		if err != nil {
			return err
		}
		if reason == "" {
			fmt.Fprintln(stdio.Out, "The session stays suspended.")
			return nil
		}
		if n := len([]rune(reason)); n < session.MinReason {
			fmt.Fprintf(stdio.Out, "! %d characters: say why in at least %d.\n", n, session.MinReason)
			continue
		}
		if !e.ChecksPass() {
			ans, err := ask("The checks do not all pass. Type continue to go on anyway (on the record), anything else to stay suspended: ")
			if err != nil {
				return err
			}
			if ans != "continue" {
				fmt.Fprintln(stdio.Out, "The session stays suspended.")
				return nil
			}
		}
		if err := e.Continue(reason); err != nil {
			return withCode(ExitError, err)
		}
		fmt.Fprintln(stdio.Out, "Continued: the suspension is over, on the record.")
		return nil
	}
}
