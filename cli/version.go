package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newVersionCmd) }

func newVersionCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print handrail's version",
		Long:    "version prints the release, the commit and the build date stamped into the binary, and the platform it was built for.\nKeep it with a change record: the report names the version too.",
		Example: "  handrail version",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(stdio.Out, "handrail %s (commit %s, built %s, %s/%s)\n", Version, Commit, Date, runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
