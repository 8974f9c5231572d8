package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

func init() { commands = append(commands, newShowCmd) }

func newShowCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "show RUNBOOK",
		Short: "Print a runbook as a readable procedure",
		Long: strings.TrimSpace(`
show prints a runbook as plain text, to read or review before a change:
its params and targets, then each section and numbered step with where it
is carried out, the instructions, exactly what to type and on which host,
what handrail can run for it, each check with its expectations and
deadlines, and what to do when it fails.

RUNBOOK is the id of a bundled runbook (see 'handrail list') or the path to
a runbook file. Nothing is contacted: ${param} references are shown as
written.`),
		Example: strings.TrimRight(`
  handrail show thinman-dual-db
  handrail show ./my-runbook.yaml | less`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			rb, err := resolveRunbook(args[0])
			if err != nil {
				return err
			}
			return writeProcedure(stdio.Out, rb)
		},
	}
}

// writeProcedure renders a runbook as plain text.
func writeProcedure(out io.Writer, rb *steps.Runbook) error {
	w := &textWriter{w: out}
	w.line("%s", rb.Title)
	w.line("%s", strings.Repeat("=", len([]rune(rb.Title))))
	w.line("id:     %s", rb.ID)
	if rb.Source != "" {
		w.line("source: %s", rb.Source)
	}
	w.line("file:   %s (sha256 %s)", rb.Path, rb.SHA256)
	if d := strings.TrimSpace(rb.Description); d != "" {
		w.line("")
		w.block("", d)
	}
	if len(rb.Params) > 0 {
		w.line("")
		w.line("Params")
		for _, p := range rb.Params {
			w.line("  %s", paramLine(p))
		}
	}
	if len(rb.Targets) > 0 {
		w.line("")
		w.line("Targets")
		for _, n := range sortedTargetNames(rb) {
			w.line("  %s", targetLine(rb.Targets[n]))
		}
	}
	num := 0
	for _, sec := range rb.Sections {
		w.line("")
		if sec.Title != "" {
			w.line("## %s", sec.Title)
			if f := sec.Foreach; f != nil {
				w.line("   every step below, for one item of %s at a time (as ${%s}%s), then for the next", f.Param, f.ItemName(), withText(f))
			}
			w.line("")
		}
		for i, st := range sec.Steps {
			if i > 0 {
				w.line("")
			}
			num++
			writeStep(w, num, st)
		}
	}
	return w.err
}

func paramLine(p steps.Param) string {
	parts := []string{p.Name}
	if p.Prompt != "" {
		parts = append(parts, p.Prompt)
	}
	var attrs []string
	if len(p.Enum) > 0 {
		attrs = append(attrs, "one of: "+strings.Join(p.Enum, ", "))
	}
	if p.Pattern != "" {
		attrs = append(attrs, "pattern "+p.Pattern)
	}
	if p.List {
		attrs = append(attrs, "comma-separated list")
	}
	if p.Secret {
		attrs = append(attrs, "secret")
	}
	switch {
	case p.Default != "":
		attrs = append(attrs, fmt.Sprintf("default %q", p.Default))
	default:
		attrs = append(attrs, "required")
	}
	s := strings.Join(parts, ": ") + " (" + strings.Join(attrs, "; ") + ")"
	if p.Description != "" {
		s += " " + p.Description
	}
	return s
}

func sortedTargetNames(rb *steps.Runbook) []string {
	names := make([]string, 0, len(rb.Targets))
	for n := range rb.Targets {
		names = append(names, n)
	}
	// Small maps: an insertion sort keeps the dependency list short.
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

func targetLine(t checks.Target) string {
	s := fmt.Sprintf("%s: %s at %s", t.Name, t.Kind, t.Address())
	var creds []string
	if t.SSHUser != "" {
		creds = append(creds, "ssh as "+t.SSHUser)
	}
	if t.Database != "" {
		creds = append(creds, "database "+t.Database)
	}
	if t.User != "" {
		creds = append(creds, "user "+t.User)
	}
	if t.UserEnv != "" {
		creds = append(creds, "user from $"+t.UserEnv)
	}
	if t.PasswordEnv != "" {
		creds = append(creds, "password from $"+t.PasswordEnv)
	}
	if t.PasswordFile != "" {
		creds = append(creds, "password from "+t.PasswordFile)
	}
	if t.DSNEnv != "" {
		creds = append(creds, "DSN from $"+t.DSNEnv)
	}
	if t.Client != "" {
		creds = append(creds, "client "+t.Client)
	}
	if len(creds) > 0 {
		s += " (" + strings.Join(creds, ", ") + ")"
	}
	if t.Description != "" {
		s += " - " + t.Description
	}
	return s
}

func writeStep(w *textWriter, num int, st steps.Step) {
	w.line("%d. %s  [%s]", num, st.Title, st.ID)
	const in = "   "
	if len(st.SourceStep) > 0 {
		w.line(in+"source step: %s", strings.Join(st.SourceStep, ", "))
	}
	if st.On != "" {
		w.line(in+"where: on %s", st.On)
	}
	if c := st.When; c != nil {
		w.line(in+"only when: %s", conditionText(c))
	}
	if f := st.Foreach; f != nil {
		w.line(in+"for each item of %s (as ${%s}%s)", f.Param, f.ItemName(), withText(f))
	}
	if st.Impact != "" {
		w.line(in+"impact: %s", st.Impact)
	}
	if b := strings.TrimSpace(st.Body); b != "" {
		w.line("")
		w.block(in, b)
	}
	if len(st.Commands) > 0 {
		w.line("")
		w.line(in + "Type:")
		for _, c := range st.Commands {
			where := "on " + c.On
			if c.On == "" {
				where = "on " + orText(st.On, "the operator's shell")
			}
			w.line(in+"  %s:", where)
			w.block(in+"    ", c.Run)
		}
	}
	if a := st.Action; a != nil {
		w.line("")
		line := fmt.Sprintf(in+"Action (%s on %s): %s", a.Kind, a.Target, a.Describe())
		if a.Timeout > 0 {
			line += ", timeout " + a.Timeout.String()
		}
		w.line("%s", line)
	}
	if len(st.Checks) > 0 {
		w.line("")
		w.line(in + "Checks:")
		for _, c := range st.Checks {
			writeCheck(w, in+"  ", c)
		}
	}
	if f := st.OnFail; f != nil {
		w.line("")
		var parts []string
		if say := strings.TrimSpace(f.Say); say != "" {
			if !strings.HasSuffix(say, ".") {
				say += "."
			}
			parts = append(parts, say)
		}
		if f.Goto != "" {
			parts = append(parts, "Go to step "+f.Goto+".")
		}
		if f.Halt {
			parts = append(parts, "Halt the procedure.")
		}
		w.line(in+"On failure: %s", strings.Join(parts, " "))
	}
}

func writeCheck(w *textWriter, in string, c checks.Check) {
	head := "- " + c.ID
	if c.Title != "" {
		head += ": " + c.Title
	}
	on := c.Kind
	if c.Target != "" {
		on += " on " + c.Target
	}
	if c.Optional {
		on += ", optional"
	}
	w.line("%s%s  [%s]", in, head, on)
	sub := in + "    "
	switch {
	case c.Query != "":
		w.line("%squery: %s", sub, c.Query)
	case c.Admin != "":
		w.line("%sadmin: ADMIN COMMAND '%s'", sub, c.Admin)
	case c.Shell != "":
		w.line("%sshell: %s", sub, c.Shell)
	case c.Argv != nil:
		w.line("%sargv: %s", sub, checks.Action{Argv: c.Argv}.Describe())
	case c.Path != "":
		w.line("%spath: %s", sub, c.Path)
	case c.Attest != "":
		w.line("%sattest: %s", sub, c.Attest)
	}
	if c.Channel != "" {
		w.line("%schannel: %s", sub, c.Channel)
	}
	if c.Parse != "" {
		w.line("%sparse: %s", sub, c.Parse)
	}
	if c.Port != 0 {
		w.line("%sport: %d", sub, c.Port)
	}
	for _, fe := range c.Expect {
		w.line("%s%s %s", sub, fe.Field, fe.Expect.String())
	}
	var timing []string
	if c.Within > 0 {
		timing = append(timing, "within "+c.Within.String())
	}
	if c.StableFor > 0 {
		timing = append(timing, "stable for "+c.StableFor.String())
	}
	if c.Interval > 0 {
		timing = append(timing, "every "+c.Interval.String())
	}
	if c.Timeout > 0 {
		timing = append(timing, "timeout "+c.Timeout.String())
	}
	if len(timing) > 0 {
		w.line("%s(%s)", sub, strings.Join(timing, ", "))
	}
	if c.Why != "" {
		w.line("%swhy: %s", sub, strings.TrimSpace(c.Why))
	}
}

func conditionText(c *steps.Condition) string {
	switch {
	case c.Equals != nil:
		return fmt.Sprintf("%s = %s", c.Param, *c.Equals)
	case c.NotEquals != nil:
		return fmt.Sprintf("%s ≠ %s", c.Param, *c.NotEquals)
	default:
		return fmt.Sprintf("%s in [%s]", c.Param, strings.Join(c.In, ", "))
	}
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// textWriter keeps the first write error so the renderer reads straight.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) line(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
	}
}

// block writes multi-line text with every line indented.
func (t *textWriter) block(indent, text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			t.line("")
			continue
		}
		t.line("%s%s", indent, l)
	}
}

// withText names the lists a foreach walks in step: ", with ${mirror} from
// mirror_servers".
func withText(f *steps.Foreach) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(f.With)) {
		fmt.Fprintf(&b, ", with ${%s} from %s", name, f.With[name])
	}
	return b.String()
}
