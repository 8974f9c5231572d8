package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/report"
)

func init() { commands = append(commands, newReportCmd) }

func newReportCmd(stdio IO) *cobra.Command {
	var stateDir, format, output string
	cmd := &cobra.Command{
		Use:   "report SESSION|FILE",
		Short: "Print the audit report of a session",
		Long: strings.TrimSpace(`
report turns a session journal into an audit report for the change record:
who ran which runbook (and its SHA-256), where and when, the parameters
(secrets shown as [secret]), every override first with its category, reason
and the evidence it overrode, then a timeline of the steps with their
durations, actions and results, notes, skipped steps, downtime, the evidence
that opened each gate, and whether the journal's hash chain verifies.

The format is Markdown, or with --format html one self-contained HTML page
(no external files, no script) that can be attached to a ticket. A
rehearsal's report is marked as such in its title and every section.

SESSION is a session id (or an unambiguous prefix; see 'handrail sessions')
in the state directory; FILE is a path to a journal. The journal is read
without locking it, so a running session can be reported on.

Exit status: 0 written, 1 written but the journal does not verify (the report
says where it breaks), 2 bad flags, 3 unreadable journal or output.`),
		Example: strings.TrimRight(`
  handrail report 20261122-021500-ab12
  handrail report 20261122 --format html -o change-4711.html
  handrail report ./journal.jsonl -o report.md`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("format") && strings.EqualFold(filepath.Ext(output), ".html") {
				format = "html"
			}
			if format != "md" && format != "html" {
				return withCode(ExitUsage, fmt.Errorf("--format %q: choose md or html", format))
			}
			path, err := journal.Locate(stateDir, args[0])
			if err != nil {
				return withCode(ExitError, err)
			}
			rep, err := report.Load(path)
			if err != nil {
				return withCode(ExitError, err)
			}
			var buf bytes.Buffer
			if format == "html" {
				err = rep.HTML(&buf)
			} else {
				err = rep.Markdown(&buf)
			}
			if err != nil {
				return withCode(ExitError, fmt.Errorf("render report of %s: %w", path, err))
			}
			if output == "" || output == "-" {
				if _, err := stdio.Out.Write(buf.Bytes()); err != nil {
					return withCode(ExitError, fmt.Errorf("write report: %w", err))
				}
			} else if err := os.WriteFile(output, buf.Bytes(), 0o600); err != nil {
				return withCode(ExitError, fmt.Errorf("write report: %w", err))
			}
			if res := rep.Integrity; !res.OK && !res.Torn {
				return withCode(ExitFindings, fmt.Errorf("journal %s does not verify at line %d: %s; the report covers the %d intact records before it", path, res.BadLine, res.Problem, rep.Records))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "directory holding session journals (default $XDG_STATE_HOME/handrail or ~/.local/state/handrail)")
	cmd.Flags().StringVar(&format, "format", "md", "report format: md or html (default html when -o ends in .html)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the report to this file (mode 0600) instead of standard output")
	return cmd
}
