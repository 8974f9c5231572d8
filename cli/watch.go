package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newWatchCmd) }

func newWatchCmd(stdio IO) *cobra.Command {
	var stateDir string
	cmd := &cobra.Command{
		Use:   "watch SESSION",
		Short: "Follow a session another person drives, read-only",
		Long: strings.TrimSpace(`
watch shows the same console as the operator's, read-only, following the
session's live journal: a trainer or an auditor in a second SSH session sees
every step, check verdict, override and note as it is recorded. Nothing can
be changed from a watch: keys that would act on the session are refused.
watch runs no checks of its own; what it shows is what the journal holds.
SESSION is a session id or an unambiguous prefix (see 'handrail sessions'),
or a journal file. Quit with q (exit status 0), or ctrl+c (130). A journal
that stops verifying while it is watched (a record that breaks the chain,
the file cut back or replaced) is said on the gate bar, "the journal no
longer verifies at line N: …", and again on leaving; watch then exits 1.`),
		Example: strings.TrimRight(`
  handrail watch 20261122-021500-ab12
  handrail watch 20261122-0215 --state-dir /var/lib/handrail`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return watchSession(stdio, args[0], stateDir)
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	return cmd
}

func watchSession(stdio IO, arg, stateDir string) error {
	path, err := journal.Locate(stateDir, arg)
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
	rb, err := loadSessionRunbook(start.Runbook)
	if err != nil {
		return withCode(ExitError, err)
	}
	if why := consoleOf(stdio).lineOnly(); why != "" {
		return withCode(ExitUsage, fmt.Errorf("watch needs a full-screen terminal (%s); to read a session as text use '%s'", why, termtext.Line(journal.Place{StateDir: stateDir, Path: path}.Command("report", start.Session))))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return watchConsole(ctx, session.Config{Runbook: rb, Version: Version}, journal.Place{StateDir: stateDir, Path: path}, stdio)
}
