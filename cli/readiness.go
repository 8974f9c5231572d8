package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newReadinessCmd) }

func newReadinessCmd(stdio IO) *cobra.Command {
	var stateDir string
	cmd := &cobra.Command{
		Use:   "readiness",
		Short: "Who has rehearsed which runbook: last rehearsal, score, runbook hash",
		Long: strings.TrimSpace(`
readiness lists operators × runbooks from the rehearsal journals in the
state directory: each operator's last rehearsal of each runbook (when, which
scenario, its score out of 100 and whether it passed), the runbook hash it
rehearsed and whether the runbook changed since, and the last passed
rehearsal of the runbook as it is now.

'handrail run' warns before a live session when the operator has no passed
rehearsal of the same runbook hash in the last 30 days (and records the
warning in the journal). A site policy (policy.yaml in the state directory
or /etc/handrail, section readiness:) sets the days and the pass mark, and
can make the warning a refusal: see docs/rehearsal.md.`),
		Example: strings.TrimRight(`
  handrail readiness
  handrail readiness --state-dir /var/lib/handrail`, "\n")[1:],
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := journal.Dir(stateDir)
			if err != nil {
				return withCode(ExitError, err)
			}
			site, err := sitePolicy(dir)
			if err != nil {
				return err
			}
			pol := site.Readiness
			ld := newRunbookLoader()
			rs, problems, err := rehearsal.Rehearsals(dir, ld.load, pol.MinScore)
			if err != nil {
				return withCode(ExitError, err)
			}
			for _, p := range problems {
				fmt.Fprintf(stdio.Err, "handrail: %s\n", termtext.Line(p))
			}
			if len(rs) == 0 {
				fmt.Fprintf(stdio.Out, "No rehearsals in %s. Start one with 'handrail rehearse RUNBOOK'.\n", dir)
				return nil
			}
			rows := rehearsal.ReadinessTable(rs, ld.currentSHA)
			tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "OPERATOR\tRUNBOOK\tLAST REHEARSAL\tSCENARIO\tSCORE\tHASH\tRUNBOOK CHANGED SINCE\tREADY (passed, this hash)")
			now := time.Now()
			for _, r := range rows {
				changed := "no"
				switch {
				case r.CurrentSHA == "":
					changed = "? (runbook not found)"
				case r.Changed:
					changed = "yes, now " + shortSHA(r.CurrentSHA)
				}
				ready := "no"
				if p := r.LastPassed; p != nil {
					ready = p.Started.Local().Format(time.DateOnly)
					if now.Sub(p.Started) > time.Duration(pol.Days)*24*time.Hour {
						ready += fmt.Sprintf(" (over %d days)", pol.Days)
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termtext.Line(r.Operator), termtext.Line(r.Runbook),
					r.Last.Started.Local().Format("2006-01-02 15:04"), termtext.Line(orDash(r.Last.Scenario)), scoreText(r.Last),
					shortSHA(r.Last.SHA), changed, ready)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "where session journals live (default $XDG_STATE_HOME/handrail)")
	return cmd
}

// passMark is the score a rehearsal of stateDir needs to pass: the site
// policy's readiness.min_score (docs/rehearsal.md), for the debrief as for
// readiness.
func passMark(stateDir string) (int, error) {
	site, err := sitePolicy(stateDir)
	if err != nil {
		return 0, err
	}
	return site.Readiness.MinScore, nil
}

func scoreText(r rehearsal.Rehearsed) string {
	if !r.Graded {
		return "— (" + orDash(r.End) + ")"
	}
	word := "passed"
	if !r.Passed {
		word = "not passed"
	}
	return fmt.Sprintf("%d %s", r.Score, word)
}

func shortSHA(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return orDash(h)
}

// runbookLoader loads (once each) the runbooks and scenarios rehearsals
// ran, as they are now.
type runbookLoader struct {
	runbooks  map[string]*steps.Runbook // by id and path
	scenarios map[string]*rehearsal.Scenario
}

func newRunbookLoader() *runbookLoader {
	return &runbookLoader{runbooks: map[string]*steps.Runbook{}, scenarios: map[string]*rehearsal.Scenario{}}
}

func (l *runbookLoader) runbook(ref session.RunbookRef) *steps.Runbook {
	k := ref.ID + "\x00" + ref.Path
	if rb, ok := l.runbooks[k]; ok {
		return rb
	}
	rb, err := loadSessionRunbook(ref)
	if err != nil {
		rb = nil
	}
	l.runbooks[k] = rb
	if rb != nil {
		if _, ok := l.runbooks[ref.ID]; !ok {
			l.runbooks[ref.ID] = rb
		}
	}
	return rb
}

func (l *runbookLoader) load(start session.StartData) (*steps.Runbook, *rehearsal.Scenario) {
	rb := l.runbook(start.Runbook)
	if rb == nil {
		return nil, nil
	}
	k := rb.ID + "\x00" + rb.Path + "\x00" + start.Scenario
	sc, ok := l.scenarios[k]
	if !ok {
		sc, _ = rehearsal.LoadScenario(scenarioFS(rb), rb.ID, start.Scenario)
		l.scenarios[k] = sc
	}
	return rb, sc
}

// currentSHA is a runbook's hash now: the one a rehearsal loaded, else the
// bundled one ("" when neither exists).
func (l *runbookLoader) currentSHA(id string) string {
	rb, ok := l.runbooks[id]
	if !ok {
		rb = l.runbook(session.RunbookRef{ID: id})
	}
	if rb == nil {
		return ""
	}
	return rb.SHA256
}

// readinessWarning checks, before a live run, that the operator has passed
// a rehearsal of this runbook's hash recently enough (policy.yaml's
// readiness section). It returns the warning to journal (none when ready,
// or when the policy does not cover the runbook), said on stderr; when the
// policy requires readiness it refuses instead.
func readinessWarning(stdio IO, dir string, rb *steps.Runbook, operator session.Operator) ([]session.WarningData, error) {
	site, err := sitePolicy(dir)
	if err != nil {
		return nil, err
	}
	pol := site.Readiness
	if !pol.Applies(rb.ID) {
		return nil, nil
	}
	ld := newRunbookLoader()
	rs, _, err := rehearsal.Rehearsals(dir, ld.load, pol.MinScore)
	if err != nil {
		return nil, withCode(ExitError, err)
	}
	window := time.Duration(pol.Days) * 24 * time.Hour
	if _, ok := rehearsal.Ready(rs, operator.Name, rb.ID, rb.SHA256, window, time.Now()); ok {
		return nil, nil
	}
	text := fmt.Sprintf("%s has no passed rehearsal (score %d or more) of runbook %s at hash %s in the last %d days",
		operator.Name, pol.MinScore, rb.ID, shortSHA(rb.SHA256), pol.Days)
	if last := latest(rs, operator.Name, rb.ID); last != nil {
		text += fmt.Sprintf("; the last rehearsal: %s, %s, hash %s", last.Started.Local().Format(time.DateOnly), scoreText(*last), shortSHA(last.SHA))
	}
	if pol.Require {
		return nil, withCode(ExitUsage, fmt.Errorf("%s, and the site policy %s requires one: rehearse first ('handrail rehearse %s')",
			termtext.Line(text), pol.Source, termtext.Line(rb.ID)))
	}
	fmt.Fprintf(stdio.Err, "handrail: WARNING: %s. Rehearse it with 'handrail rehearse %s' (the warning goes on the record).\n",
		termtext.Line(text), termtext.Line(rb.ID))
	return []session.WarningData{{Kind: session.WarnReadiness, Text: text}}, nil
}

func latest(rs []rehearsal.Rehearsed, operator, runbook string) *rehearsal.Rehearsed {
	var out *rehearsal.Rehearsed
	for i, r := range rs {
		if strings.EqualFold(r.Operator, operator) && r.Runbook == runbook && (out == nil || r.Started.After(out.Started)) {
			out = &rs[i]
		}
	}
	return out
}
