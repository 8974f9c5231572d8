package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/serve"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

func init() { commands = append(commands, newApproveCmd) }

type approveFlags struct {
	stateDir string
	grant    bool
	reject   bool
	reason   string
}

func newApproveCmd(stdio IO) *cobra.Command {
	var f approveFlags
	cmd := &cobra.Command{
		Use:   "approve SESSION",
		Short: "Approve or reject a request that waits for a second person",
		Long: strings.TrimSpace(`
approve is the approver's side of the two-person rule without serve: when a
runbook marks a step, an action or every override approval: required, or
the site policy requires approval for every live override, the operator's
request waits until a different person approves or rejects it with a reason.

Run it as your own OS user on the host where the session runs, against the
same state directory (shared by a group, for instance). It reaches the
session's local console (handrail run, rehearse or resume): a session
handrail serve drives is approved in serve's own console instead. It shows
the request and the evidence on the operator's screen now, then records your
decision: the journal names your OS user as the kernel reports it, and the
evidence at that moment. The OS user that runs the session's console can
never decide there, whatever $USER or --operator said; the engine also
refuses a decision by the requester's name or user. The site policy
(policy.yaml: approvers) may name who else may.

Without --grant or --reject it asks on the terminal. SESSION is a session
id or an unambiguous prefix (see 'handrail sessions').

Exit status: 0 decided, 1 no request waits, 2 usage, 3 the session cannot be
reached or refused the decision.`),
		Example: strings.TrimRight(`
  handrail approve 20261122-024500-9d3c --state-dir /var/lib/handrail
  handrail approve 20261122-0245 --grant --reason "checked the replica lag myself"
  handrail approve 20261122-0245 --reject --reason "no backup log in the ticket"`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.grant && f.reject {
				return withCode(ExitUsage, errors.New("approve: choose --grant or --reject, not both"))
			}
			return approveSession(stdio, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	fl.BoolVar(&f.grant, "grant", false, "approve the request")
	fl.BoolVar(&f.reject, "reject", false, "reject the request")
	fl.StringVar(&f.reason, "reason", "", fmt.Sprintf("why (at least %d characters; it goes on the record)", session.MinDecisionReason))
	return cmd
}

func approveSession(stdio IO, arg string, f approveFlags) error {
	path, err := journal.Locate(f.stateDir, arg)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	id := strings.TrimSuffix(filepath.Base(path), journal.Ext)
	c, err := serve.DialApprovals(filepath.Dir(path), id)
	if err != nil {
		return withCode(ExitError, err)
	}
	defer c.Close() //nolint:errcheck // the decision's answer was read
	p, err := c.Pending()
	if err != nil {
		return withCode(ExitError, fmt.Errorf("session %s: %w", id, err))
	}
	if p == nil {
		fmt.Fprintf(stdio.Out, "No request waits for approval in session %s.\n", id)
		return withCode(ExitFindings, nil)
	}
	printRequest(stdio, p)
	grant, reason := f.grant, f.reason
	if !f.grant && !f.reject {
		if !consoleOf(stdio).in {
			return withCode(ExitUsage, errors.New("approve: no terminal to ask on: pass --grant or --reject, with --reason"))
		}
		in := bufio.NewReader(stdio.In)
		fmt.Fprint(stdio.Out, "\nApprove (a), reject (r) or leave it (anything else)? ")
		ans, _ := in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(ans)) {
		case "a", "approve":
			grant = true
		case "r", "reject":
		default:
			fmt.Fprintln(stdio.Out, "Left undecided.")
			return nil
		}
		if reason == "" {
			fmt.Fprint(stdio.Out, "Why (it goes on the record)? ")
			reason, _ = in.ReadString('\n')
		}
	}
	if err := c.Decide(p.Approval.ID, grant, strings.TrimSpace(reason)); err != nil {
		return withCode(ExitError, fmt.Errorf("session %s: %w", id, err))
	}
	verb := "rejected"
	if grant {
		verb = "approved"
	}
	fmt.Fprintf(stdio.Out, "Request #%d %s; the journal of session %s records your decision.\n", p.Approval.ID, verb, id)
	return nil
}

// printRequest shows the request and the evidence now. Every value comes
// from the journal or a server: one line each, through termtext.
func printRequest(stdio IO, p *serve.PendingRequest) {
	a := p.Approval
	fmt.Fprintf(stdio.Out, "Session %s, request #%d (%s)\n", p.Session, a.ID, a.At.Local().Format("15:04:05"))
	who := a.Requester.Name
	if a.Requester.User != "" && a.Requester.User != who {
		who += " (user " + a.Requester.User + ")"
	}
	if a.Requester.Key != "" {
		who += " (" + a.Requester.Key + ")"
	}
	fmt.Fprintf(stdio.Out, "%s asks to %s\n", termtext.Line(who), termtext.Line(a.Summary()))
	fmt.Fprintf(stdio.Out, "because %s\n\nThe checks now:\n", termtext.Line(a.Rule))
	for _, ev := range p.Evidence {
		line := "  " + termtext.Line(ev.Check) + ": " + termtext.Line(ev.Status)
		if ev.Observation.Error != "" {
			line += " · error: " + termtext.Line(ev.Observation.Error)
		}
		for _, fv := range ev.Verdict.Fields {
			mark := "ok"
			if !fv.Pass {
				mark = "FAIL"
			}
			line += fmt.Sprintf(" · %s=%s (want %s) %s", termtext.Line(fv.Field), termtext.Line(fv.Shown()), termtext.Line(fv.Expected), mark)
		}
		if ev.Ticked {
			line += " · ticked"
		}
		fmt.Fprintln(stdio.Out, line)
	}
}

// sitePolicy reads the site policy for a session in stateDir. A policy
// file with findings stops the command before anything is journaled.
func sitePolicy(stateDir string) (policy.Site, error) {
	p, err := policy.Load(stateDir)
	var le *steps.LoadError
	switch {
	case errors.As(err, &le):
		return p, withCode(ExitFindings, fmt.Errorf("site policy:\n%w\n(fix it: every session obeys it)", err))
	case err != nil:
		return p, withCode(ExitError, err)
	}
	return p, nil
}

// approvalsPossible reports whether a session of rb can ask for approval.
func approvalsPossible(rb *steps.Runbook, pol session.ApprovalPolicy, mode string) bool {
	if rb.NeedsOverrideApproval() || (pol.LiveOverrides && mode == session.ModeLive) {
		return true
	}
	for _, s := range rb.AllSteps() {
		if s.NeedsStepApproval() || s.NeedsActionApproval() {
			return true
		}
	}
	return false
}

// approvalSocket opens the session's approval socket for `handrail
// approve` when the session can ask for approval; the returned func closes
// it. This process's own OS user can never decide there.
func approvalSocket(stdio IO, live *tui.Live, e *session.Engine, stateDir string) func() {
	return approvalSocketDrivenBy(stdio, live, e, stateDir, os.Getuid())
}

// approvalSocketDrivenBy is approvalSocket for a session driven by uid
// driver (tests stand for another OS user's console with it).
func approvalSocketDrivenBy(stdio IO, live *tui.Live, e *session.Engine, stateDir string, driver int) func() {
	pol, err := policy.Load(stateDir)
	if err != nil || !approvalsPossible(e.Runbook(), pol.Approval, e.Start().Mode) {
		return func() {}
	}
	s, err := serve.ListenApprovalsDrivenBy(stateDir, e.SessionID(), live, pol, driver)
	if err != nil {
		fmt.Fprintf(stdio.Err, "handrail: no approvals from other users for this session: %v\n", err)
		return func() {}
	}
	fmt.Fprintf(stdio.Err, "handrail: requests for approval are decided with `%s` by another user\n", termtext.Line(journal.Place{StateDir: stateDir}.Command("approve", e.SessionID())))
	return func() {
		if err := s.Close(); err != nil {
			fmt.Fprintf(stdio.Err, "handrail: closing the approval socket: %v\n", err)
		}
	}
}
