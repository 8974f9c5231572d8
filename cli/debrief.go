package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newDebriefCmd) }

func newDebriefCmd(stdio IO) *cobra.Command {
	var stateDir, format, output string
	var write bool
	cmd := &cobra.Command{
		Use:   "debrief SESSION|FILE",
		Short: "Print the graded debrief of a rehearsal",
		Long: strings.TrimSpace(`
debrief grades a rehearsal from its journal: per step the simulated time it
took against the scenario's reference (and the wall-clock time), the checks
that passed first time; per override whether the manual forbids going on
there, said in one line from the runbook; whether the scenario's fault was
found or missed; and a score out of 100 (the rule is in docs/rehearsal.md).

A rehearsal that completes or halts writes its debrief beside its journal by
itself, as SESSION.debrief.md and SESSION.debrief.html; debrief prints it
again, in Markdown or (--format html) as one self-contained HTML page, and
--write writes both files again. A session quit for later is shown but not
graded.`),
		Example: strings.TrimRight(`
  handrail debrief 20261121-223000-7f3e
  handrail debrief 20261121 --format html -o debrief.html
  handrail debrief 20261121-223000-7f3e --write`, "\n")[1:],
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
				return withCode(ExitUsage, err)
			}
			first, err := journal.ReadFirst(path)
			if err != nil {
				return withCode(ExitError, err)
			}
			start, err := session.StartOf([]journal.Record{first})
			if err != nil {
				return withCode(ExitError, fmt.Errorf("journal %s: %w", path, err))
			}
			if start.Mode != session.ModeRehearsal {
				return withCode(ExitUsage, fmt.Errorf("session %s is a live session: only a rehearsal has a debrief (its audit report: '%s')", start.Session, termtext.Line(journal.Place{StateDir: stateDir, Path: path}.Command("report", start.Session))))
			}
			rb, err := loadSessionRunbook(start.Runbook)
			if err != nil {
				return withCode(ExitError, err)
			}
			sc, err := loadScenario(rb, start.Scenario)
			if err != nil {
				return err
			}
			mark, err := passMark(filepath.Dir(path))
			if err != nil {
				return err
			}
			g, err := rehearsal.GradeFile(rb, sc, path, mark)
			if err != nil {
				return withCode(ExitError, err)
			}
			if write {
				md, html, err := writeDebrief(g, path)
				if err != nil {
					return withCode(ExitError, err)
				}
				fmt.Fprintf(stdio.Err, "handrail: debrief written to %s and %s\n", md, html)
				return nil
			}
			text := g.Markdown()
			if format == "html" {
				text = g.HTML()
			}
			if output == "" || output == "-" {
				if format == "md" {
					text = termtext.Block(text) // shown on a terminal
				}
				if _, err := fmt.Fprint(stdio.Out, text); err != nil {
					return withCode(ExitError, fmt.Errorf("write debrief: %w", err))
				}
				return nil
			}
			if err := os.WriteFile(output, []byte(text), 0o600); err != nil {
				return withCode(ExitError, fmt.Errorf("write debrief: %w", err))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	fl.StringVar(&format, "format", "md", "md or html (default html when -o ends in .html)")
	fl.StringVarP(&output, "output", "o", "", "write the debrief to this file (mode 0600) instead of standard output")
	fl.BoolVar(&write, "write", false, "write SESSION.debrief.md and SESSION.debrief.html beside the journal again")
	return cmd
}
