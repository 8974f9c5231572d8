package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
without locking it, so a running session can be reported on, and one
record at a time: the report's memory does not grow with the journal.

Exit status: 0 written, 1 written but the journal does not verify (the report
says where it breaks), 2 bad flags, 3 unreadable journal or output.`),
		Example: strings.TrimRight(`
  handrail report 20261122-021500-ab12
  handrail report 20261122-0215 --format html -o change-1234.html
  handrail report ./20261122-021500-ab12.jsonl -o report.md`, "\n")[1:],
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
			render := rep.Markdown
			if format == "html" {
				render = rep.HTML
			}
			if output == "" || output == "-" {
				bw := bufio.NewWriterSize(stdio.Out, 256<<10)
				if err = render(bw); err == nil {
					err = bw.Flush()
				}
			} else {
				err = writeReport(output, render)
			}
			if err != nil {
				return withCode(ExitError, fmt.Errorf("report of %s: %w", path, err))
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

// writeReport renders into a new file beside output and renames it into
// place once complete (mode 0600), so a failed report never leaves half a
// file behind. An output that exists and is not a regular file (a device
// such as /dev/null, a pipe) is written in place.
func writeReport(output string, render func(io.Writer) error) error {
	if st, err := os.Stat(output); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(output, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		err = render(bw)
		if err == nil {
			err = bw.Flush()
		}
		return errors.Join(err, f.Close())
	}
	tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), output)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("write report %s: %w", output, err), os.Remove(tmp.Name()))
	}
	return nil
}
