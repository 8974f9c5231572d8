package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/serve"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
)

func init() { commands = append(commands, newServeCmd) }

type serveFlags struct {
	listen    string
	team      string
	stateDir  string
	checkTeam string
	verbose   bool
}

func newServeCmd(stdio IO) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --team FILE [--listen ADDR] [--state-dir DIR]",
		Short: "Serve sessions over SSH to the people of a team file",
		Long: strings.TrimSpace(`
serve is an SSH server for the people around a change. Each person of the
team file logs in with their own SSH key (a key not in the file is refused)
and gets a picker of live and recent sessions: id, runbook, operator, step,
state and who is watching.

  observer   watches any session read-only, live: the same console, the
             same values the operator sees
  operator   starts a rehearsal or a live run (the parameter form over SSH),
             resumes an interrupted session, and drives it; the journal
             names the person, their key's fingerprint and their address
  approver   approves or rejects another person's request when a runbook or
             the site policy says approval: required (A in the console)

Every join and leave of a watcher is journaled. The host key is generated on
first start (stored 0600 in the state directory) and its fingerprint
printed: give it to the team for their known_hosts. The team file is re-read
when it changes, for the next connection. SIGTERM stops serve cleanly:
sessions being driven are left interrupted and resumable.

--check-team FILE validates a team file (and the site policy, policy.yaml in
/etc/handrail and the state directory) with file:line:col findings, and
exits: 0 clean, 1 findings. See docs/serve.md.`),
		Example: strings.TrimRight(`
  handrail serve --team /etc/handrail/team.yaml --listen 0.0.0.0:2222 --state-dir /var/lib/handrail
  handrail serve --check-team /etc/handrail/team.yaml
  ssh -t -p 2222 bastion.example.com`, "\n")[1:],
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.checkTeam != "" {
				return checkTeam(stdio, f)
			}
			if f.team == "" {
				return withCode(ExitUsage, errors.New("serve: --team FILE is required (the people who may connect, see docs/serve.md)"))
			}
			return runServe(stdio, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:2222", "the address to listen on")
	fl.StringVar(&f.team, "team", "", "the team file: people, their SSH public keys and roles")
	fl.StringVar(&f.stateDir, "state-dir", "", "where session journals live, and the host key (default $XDG_STATE_HOME/handrail)")
	fl.StringVar(&f.checkTeam, "check-team", "", "validate this team file (and the site policy), then exit")
	fl.BoolVar(&f.verbose, "verbose", false, "log every key offered, not only refusals")
	return cmd
}

// checkTeam validates the team file and the site policy.
func checkTeam(stdio IO, f serveFlags) error {
	var findings []string
	team, err := serve.LoadTeam(f.checkTeam)
	var le *steps.LoadError
	switch {
	case errors.As(err, &le):
		for _, fd := range le.Findings {
			findings = append(findings, fd.String())
		}
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return withCode(ExitError, err)
	case err != nil:
		return withCode(ExitError, err)
	}
	dir, err := journal.Dir(f.stateDir)
	if err != nil {
		return withCode(ExitError, err)
	}
	pol, err := policy.Load(dir)
	if errors.As(err, &le) {
		for _, fd := range le.Findings {
			findings = append(findings, fd.String())
		}
	} else if err != nil {
		return withCode(ExitError, err)
	}
	if len(findings) > 0 {
		for _, l := range findings {
			fmt.Fprintln(stdio.Out, l)
		}
		return withCode(ExitFindings, nil)
	}
	for _, p := range team.People {
		fmt.Fprintf(stdio.Out, "%s: %s (%d key(s))\n", p.Name, strings.Join(p.Roles, ", "), len(p.Keys))
	}
	if len(pol.Files) > 0 {
		fmt.Fprintf(stdio.Out, "site policy %s: live overrides need approval: %v\n", strings.Join(pol.Files, ", "), pol.Approval.LiveOverrides)
	}
	return nil
}

func runServe(stdio IO, f serveFlags) error {
	dir, err := journal.Dir(f.stateDir)
	if err != nil {
		return withCode(ExitError, err)
	}
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stdio.Err, &slog.HandlerOptions{Level: level}))
	srv, err := serve.New(serve.Config{Listen: f.listen, TeamPath: f.team, StateDir: dir, Version: Version}, log)
	var le *steps.LoadError
	switch {
	case errors.As(err, &le):
		return withCode(ExitFindings, fmt.Errorf("team file %s:\n%w\n(fix it, then start serve again; `handrail serve --check-team %s` checks it)", f.team, err, f.team))
	case err != nil:
		return withCode(ExitError, err)
	}
	if err := srv.Listen(); err != nil {
		return withCode(ExitError, err)
	}
	fp, created := srv.HostKey()
	keyPath := filepath.Join(dir, serve.HostKeyFile)
	if created {
		fmt.Fprintf(stdio.Err, "handrail serve: generated a host key: %s (stored 0600 in %s)\n", fp, keyPath)
	} else {
		fmt.Fprintf(stdio.Err, "handrail serve: host key %s (%s)\n", fp, keyPath)
	}
	fmt.Fprintf(stdio.Err, "handrail serve: listening on %s, state directory %s; connect with ssh -t -p PORT HOST\n", srv.Addr(), dir)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	signal.Ignore(syscall.SIGHUP)
	if err := srv.Serve(ctx); err != nil {
		return withCode(ExitError, err)
	}
	fmt.Fprintln(stdio.Err, "handrail serve: stopped; sessions that were being driven are interrupted and resumable")
	return nil
}
