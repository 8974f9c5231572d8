package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/forecast"
	"github.com/handrail/handrail/steps/session"
)

// addWindowFlags adds --window and --until: the end of the maintenance
// window the forecast is judged against.
func addWindowFlags(cmd *cobra.Command, window *time.Duration, until *string) {
	cmd.Flags().DurationVar(window, "window", 0, "the maintenance window ends this long after the session starts (e.g. 2h): warn when the forecast passes it")
	cmd.Flags().StringVar(until, "until", "", "the maintenance window ends at this time of day (HH:MM, the next one to come): warn when the forecast passes it")
}

// windowEnd is the end of the maintenance window, from now (zero: none).
func windowEnd(now time.Time, window time.Duration, until string) (time.Time, error) {
	switch {
	case window != 0 && until != "":
		return time.Time{}, fmt.Errorf("give --window or --until, not both")
	case window < 0:
		return time.Time{}, fmt.Errorf("--window %s: give a positive duration such as 2h", window)
	case window > 0:
		return now.Add(window), nil
	case until == "":
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("15:04", strings.TrimSpace(until), time.Local)
	if err != nil {
		return time.Time{}, fmt.Errorf("--until %q: give a time of day as HH:MM, such as 04:00", until)
	}
	local := now.In(time.Local)
	end := time.Date(local.Year(), local.Month(), local.Day(), t.Hour(), t.Minute(), 0, 0, time.Local)
	if !end.After(local) {
		end = end.AddDate(0, 0, 1) // 04:00 asked at 23:00 is tomorrow's
	}
	return end, nil
}

// planSession is the forecast a session of rb is planned against: the
// per-step p50/p90 of past sessions in dir (of the same mode first), with
// the maintenance window's end. A state directory whose journals cannot be
// read gives no history (said on stderr), never a refusal. refs (a
// rehearsal's scenario reference times; nil live) plan the steps no past
// session ran.
func planSession(stdio IO, dir string, rb *steps.Runbook, mode string, window time.Duration, until string, now time.Time, refs map[string]time.Duration) (*session.Forecast, error) {
	end, err := windowEnd(now, window, until)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	st, err := forecast.Collect(dir, rb.ID)
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: no forecast from the journals: %v\n", err)
		st = nil
	}
	f := forecast.WithReferences(st.Forecast(mode), mode, refs)
	if f == nil && !end.IsZero() {
		fmt.Fprintf(stdio.Err, "handrail: no forecast for the window: no session of %s has finished a step in %s yet\n", rb.ID, dir)
		return nil, nil
	}
	if f != nil {
		f.WindowEnd = end
	}
	return f, nil
}

// printWindowWarnings says the warnings the session journaled at its start
// about the maintenance window.
func printWindowWarnings(stdio IO, e *session.Engine) {
	for _, w := range e.Warnings() {
		if w.Kind == session.WarnWindow {
			fmt.Fprintf(stdio.Err, "handrail: WARNING: %s (journaled)\n", termtext.Line(w.Text))
		}
	}
}
