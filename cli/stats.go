package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/forecast"
	"github.com/handrail/handrail/steps/journal"
)

func init() { commands = append(commands, newStatsCmd) }

func newStatsCmd(stdio IO) *cobra.Command {
	var stateDir string
	cmd := &cobra.Command{
		Use:   "stats RUNBOOK",
		Short: "Per-step p50 and p90 durations of a runbook, from past sessions",
		Long: strings.TrimSpace(`
stats reads every session journal of RUNBOOK (a bundled runbook's id, or a
path to a .yaml file) in the state directory and prints, per step, how long
it took: the median (p50) and the 90th percentile (p90), live sessions and
rehearsals apart (a rehearsal's on simulated time). Outliers are set aside:
with four durations or more, those outside Tukey's fences (1.5 times the
interquartile range beyond the quartiles) do not count.

Sessions are planned against these numbers: the expected time left, ahead or
behind plan, and with 'run --window 2h' (or --until 04:00) a warning when the
forecast passes the end of the maintenance window.`),
		Example: strings.TrimRight(`
  handrail stats thinman-dual-db
  handrail stats ./my-runbook.yaml --state-dir /var/lib/handrail`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			rb, err := resolveRunbook(args[0])
			if err != nil {
				return err
			}
			dir, err := journal.Dir(stateDir)
			if err != nil {
				return withCode(ExitError, err)
			}
			st, err := forecast.Collect(dir, rb.ID)
			if err != nil {
				return withCode(ExitError, err)
			}
			for _, p := range st.Unreadable {
				fmt.Fprintf(stdio.Err, "handrail: left out: %s\n", termtext.Line(p))
			}
			fmt.Fprintf(stdio.Out, "%s: %d live sessions, %d rehearsals in %s\n", termtext.Line(rb.ID), st.Live, st.Rehearsal, dir)
			if len(st.Steps) == 0 {
				fmt.Fprintf(stdio.Out, "No step of %s has finished in a session yet.\n", termtext.Line(rb.ID))
				return nil
			}
			byStep := map[string]forecast.StepStats{}
			for _, s := range st.Steps {
				byStep[s.Step] = s
			}
			tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "STEP\tLIVE n\tp50\tp90\tREHEARSAL n\tp50\tp90")
			printed := map[string]bool{}
			row := func(s forecast.StepStats) {
				printed[s.Step] = true
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termtext.Line(s.Step),
					nText(s.Live), durText(s.Live.N, s.Live.P50), durText(s.Live.N, s.Live.P90),
					nText(s.Rehearsal), durText(s.Rehearsal.N, s.Rehearsal.P50), durText(s.Rehearsal.N, s.Rehearsal.P90))
			}
			for _, step := range rb.AllSteps() { // the runbook's order
				if s, ok := byStep[step.ID]; ok {
					row(s)
				}
			}
			for _, s := range st.Steps { // steps the runbook no longer has
				if !printed[s.Step] {
					row(s)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	return cmd
}

func nText(d forecast.Dist) string {
	if d.Outliers > 0 {
		return fmt.Sprintf("%d (+%d outliers)", d.N, d.Outliers)
	}
	return fmt.Sprint(d.N)
}

func durText(n int, d time.Duration) string {
	if n == 0 {
		return "—"
	}
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
