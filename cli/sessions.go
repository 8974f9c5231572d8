package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/steps/journal"
)

func init() { commands = append(commands, newSessionsCmd) }

func newSessionsCmd(stdio IO) *cobra.Command {
	var stateDir string
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "List the sessions in the state directory",
		Long: strings.TrimSpace(`
sessions lists every session journal in the state directory, oldest first:
its id, runbook, operator, start time, state and current step.

States: active (driven by a running handrail now), interrupted (never
ended: resume it), quit (saved for later: resume it), completed, halted.

Each journal is read at its two ends only (its first record, its last ones),
so the list is quick however long the sessions ran; a problem found there
is listed with the journal. 'handrail verify SESSION' checks the whole
chain.`),
		Example: strings.TrimRight(`
  handrail sessions
  handrail sessions --state-dir /var/lib/handrail`, "\n")[1:],
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := openStateDir(stdio, stateDir)
			if err != nil {
				return withCode(ExitError, err)
			}
			list, err := journal.List(dir)
			if err != nil {
				return withCode(ExitError, err)
			}
			if len(list) == 0 {
				fmt.Fprintf(stdio.Out, "No sessions in %s. Start one with 'handrail run RUNBOOK'.\n", dir)
				return nil
			}
			tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tRUNBOOK\tOPERATOR\tSTARTED\tSTATE\tSTEP")
			for _, s := range list {
				if s.Warning != "" {
					warnf(stdio)("journal " + s.ID + ": " + s.Warning)
				}
				state := s.State
				if s.Mode == "rehearsal" {
					state += " (rehearsal)"
				}
				if s.Problem != "" {
					state += " ! " + s.Problem
				}
				started := "-"
				if !s.Started.IsZero() {
					started = s.Started.Local().Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, orDash(s.Runbook), orDash(s.Operator), started, state, orDash(s.Step))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
