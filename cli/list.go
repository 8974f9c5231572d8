package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
)

func init() { commands = append(commands, newListCmd) }

// listEntry is one bundled runbook in `list --json`.
type listEntry struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Source   string `json:"source,omitempty"`
	Sections int    `json:"sections"`
	Steps    int    `json:"steps"`
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
}

func newListCmd(stdio IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the bundled runbooks",
		Long: strings.TrimSpace(`
list shows the runbooks built into handrail: the id that 'handrail run',
'show' and 'demo' take, the number of steps (a foreach step counts once)
and the title. --json prints the same as a JSON array, with each runbook's
source procedure and SHA-256.`),
		Example: strings.TrimRight(`
  handrail list
  handrail list --json | jq -r '.[].id'`, "\n")[1:],
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			rbs, loadErr := steps.ListBundled(runbooks.FS)
			entries := make([]listEntry, 0, len(rbs))
			for _, rb := range rbs {
				entries = append(entries, listEntry{ID: rb.ID, Title: rb.Title, Source: rb.Source,
					Sections: len(rb.Sections), Steps: len(rb.AllSteps()), Path: rb.Path, SHA256: rb.SHA256})
			}
			if asJSON {
				enc := json.NewEncoder(stdio.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(entries); err != nil {
					return withCode(ExitError, err)
				}
			} else {
				tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTEPS\tTITLE")
				for _, e := range entries {
					fmt.Fprintf(tw, "%s\t%d\t%s\n", e.ID, e.Steps, e.Title)
				}
				if err := tw.Flush(); err != nil {
					return withCode(ExitError, err)
				}
			}
			if loadErr != nil {
				// A bundled runbook that does not load is a build defect.
				return withCode(ExitError, fmt.Errorf("some bundled runbooks did not load:\n%w", loadErr))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	return cmd
}
