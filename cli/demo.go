package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newDemoCmd) }

// demoRunbook is what `handrail demo` rehearses when given no runbook.
const demoRunbook = "thinman-dual-db"

func newDemoCmd(stdio IO) *cobra.Command {
	f := rehearseFlags{scenario: "happy"}
	cmd := &cobra.Command{
		Use:   "demo [RUNBOOK]",
		Short: "Try handrail at once: rehearse a bundled runbook against simulated systems",
		Long: strings.TrimSpace(`
demo shows what handrail does with no setup at all: it rehearses a bundled
runbook (the ThinMan dual-database update unless you name another) against
simulated servers, with the scenario's params, and no credentials. It is
'handrail rehearse RUNBOOK --scenario happy', with a word on how to drive.

In the console, x runs the step's action, space ticks a manual item, n goes
on once the gate opens, o overrides, a adds a note and ? lists every key.
In --plain mode the same are 'run', 'tick ID', 'next', 'override' and
'note', and 'skip' jumps the simulated clock to the next simulated event.
--speed 20 runs simulated time twenty times as fast as the wall clock. The journal is kept like any other, marked as a rehearsal, and a
debrief ends a completed demo.`),
		Example: strings.TrimRight(`
  handrail demo
  handrail demo soliddb-hsb-netcopy
  handrail demo terracotta-4-2-maintenance --scenario mirror-stuck
  handrail demo --speed 20`, "\n")[1:],
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			rb := demoRunbook
			if len(args) == 1 {
				rb = args[0]
			}
			intro := "How to drive: each step says what to do and where. Press x to let handrail run the step's action, " +
				"space to tick a manual item, n once every check passes, a to write a note, ? for every key, " +
				"q to stop (the session is saved)."
			if f.plain || consoleOf(stdio).lineOnly() != "" {
				intro = "How to drive: each step says what to do and where. Type 'run' to let handrail run the step's action, " +
					"'tick ID' to attest a manual check, 'next' once every check passes, 'skip' to jump to the next simulated event, " +
					"'note TEXT' to write something down, 'help' for the rest, 'quit' to stop (the session is saved)."
			}
			return rehearseSession(stdio, rb, f, intro)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.scenario, "scenario", "s", "happy", "the scenario to rehearse")
	fl.BoolVar(&f.plain, "plain", false, "line-oriented mode instead of the full-screen console")
	fl.StringVar(&f.operator, "operator", "", "your name for the record (default: your login)")
	fl.StringVar(&f.stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	addNoRecordFlag(fl, &f.noRecord)
	addTrainingFlags(cmd, &f)
	return cmd
}
