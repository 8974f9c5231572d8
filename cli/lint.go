package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
)

func init() { commands = append(commands, newLintCmd) }

func newLintCmd(stdio IO) *cobra.Command {
	var bundled bool
	cmd := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Check runbook files and report every problem with its position",
		Long: strings.TrimSpace(`
lint loads each runbook as 'handrail run' would and prints every finding,
one per line, as file:line:col: message, so editors and CI can jump to it:
unknown keys (with the key it probably meant), wrong types, bad durations,
ids, references to undeclared params, targets or steps, check and action
kinds that do not fit their target, invalid regexes. A YAML syntax error
stops the file at the first one. The format is in docs/runbook-format.md.

--bundled lints the runbooks built into handrail as well.

Exit status: 0 no findings, 1 findings, 2 bad usage, 3 a file could not be
read.`),
		Example: strings.TrimRight(`
  handrail lint my-runbook.yaml
  handrail lint ops/*.yaml
  handrail lint --bundled`, "\n")[1:],
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !bundled {
				return errors.New("give at least one FILE (or --bundled)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			type result struct {
				name string
				rb   *steps.Runbook
				err  error
			}
			var results []result
			if bundled {
				rbs, err := steps.ListBundled(runbooks.FS)
				for _, rb := range rbs {
					results = append(results, result{name: rb.Path, rb: rb})
				}
				if err != nil {
					results = append(results, result{name: "bundled", err: err})
				}
			}
			for _, a := range args {
				rb, err := steps.Load(a)
				results = append(results, result{name: a, rb: rb, err: err})
			}
			findings, dirty := 0, 0
			var unreadable []error
			for _, r := range results {
				if r.err == nil {
					continue
				}
				var le *steps.LoadError
				if !errors.As(r.err, &le) {
					// ListBundled joins several LoadErrors; print each.
					var joined interface{ Unwrap() []error }
					if errors.As(r.err, &joined) {
						for _, e := range joined.Unwrap() {
							if errors.As(e, &le) {
								dirty++
								findings += printFindings(stdio, le)
							} else {
								unreadable = append(unreadable, e)
							}
						}
						continue
					}
					unreadable = append(unreadable, r.err)
					continue
				}
				dirty++
				findings += printFindings(stdio, le)
			}
			n := len(results)
			switch {
			case len(unreadable) > 0:
				fmt.Fprintf(stdio.Err, "lint: %s in %d of %d files\n", plural(findings, "finding"), dirty, n)
				return withCode(ExitError, errors.Join(unreadable...))
			case findings > 0:
				return withCode(ExitFindings, fmt.Errorf("lint: %s in %d of %s", plural(findings, "finding"), dirty, plural(n, "file")))
			}
			fmt.Fprintf(stdio.Err, "lint: %s, no findings\n", plural(n, "file"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&bundled, "bundled", false, "also lint the runbooks built into handrail")
	return cmd
}

func printFindings(stdio IO, le *steps.LoadError) int {
	for _, f := range le.Findings {
		fmt.Fprintln(stdio.Out, f.String())
	}
	return len(le.Findings)
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
