// Package cli builds handrail's command tree. Each command lives in a file of
// its own and registers itself with the root in newRoot.
package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/termtext"
)

// Version information, stamped by the release build through -ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// IO is where a command reads and writes; tests substitute buffers.
//
// Main passes Out and Err through the sanitizing rule (termtext.Writer):
// whatever a command prints, runbook text, a server's value, a journal
// field or an error message, reaches the terminal as visible text, never
// as control. Only the full-screen console writes to the terminal itself,
// through Term (it renders untrusted text with the same rule, cell by
// cell).
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Term is the raw stdout, for the console alone; nil means Out.
	Term io.Writer
}

// term is the writer the full-screen console draws on.
func (s IO) term() io.Writer {
	if s.Term != nil {
		return s.Term
	}
	return s.Out
}

// guarded is s with Out and Err behind the sanitizing rule and the raw
// stdout kept for the console.
func (s IO) guarded() IO {
	if s.Term == nil {
		s.Term = s.Out
	}
	s.Out, s.Err = termtext.Writer(s.Out), termtext.Writer(s.Err)
	return s
}

// Main runs handrail with args and returns the process's exit code.
func Main(args []string, stdio IO) ExitCode {
	stdio = stdio.guarded()
	root := newRoot(stdio)
	root.SetArgs(args)
	err := root.Execute()
	// The guard holds back the start of a UTF-8 sequence a write cut; the
	// output ends here, so what it holds is shown (escaped), not dropped.
	flush(stdio.Out)
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stdio.Err, "handrail: "+msg)
		}
	}
	flush(stdio.Err)
	if err != nil {
		return codeOf(err)
	}
	return ExitOK
}

// flush writes what a guarded writer holds back. Nothing more is written
// after it, so a failed write has no one left to tell.
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

// Run is Main over the process's own stdio and arguments.
func Run() ExitCode {
	return Main(os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
}

func newRoot(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "handrail",
		Short: "Walk an operator through a high-risk procedure, one checked step at a time",
		Long: strings.TrimSpace(`
handrail walks an operator through a documented high-risk procedure, such as
a rolling upgrade of a replicated database pair, one step at a time. Live
checks poll the real systems; the next step opens only when every check
passes, or when the operator overrides with a written reason. Every session
is kept in an append-only, tamper-evident journal.`),
		SilenceUsage:  true,
		SilenceErrors: true,
		// A name for the record is shown on every screen and in every
		// report: it is refused with a control or bidi character in it,
		// before anything starts (the screens would show it escaped).
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return plainNameFlags(cmd, "operator", "ticket") },
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withCode(ExitUsage, fmt.Errorf("%w (see '%s --help')", err, c.CommandPath()))
	})
	for _, add := range commands {
		root.AddCommand(add(stdio))
	}
	// cobra's own completion command, with examples like every other.
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Example = strings.TrimRight(`
  handrail completion bash > /etc/bash_completion.d/handrail
  handrail completion zsh > /usr/local/share/zsh/site-functions/_handrail
  handrail completion fish > ~/.config/fish/completions/handrail.fish
  handrail completion powershell > handrail.ps1`, "\n")[1:]
	}
	return root
}

// plainNameFlags refuses a value of the named flags (where cmd has them and
// they were given) that holds a character the sanitizing rule escapes.
func plainNameFlags(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		f := cmd.Flags().Lookup(n)
		if f == nil || !f.Changed {
			continue
		}
		for i, r := range []rune(f.Value.String()) {
			if termtext.Unsafe(r) {
				return withCode(ExitUsage, fmt.Errorf("--%s: character %d is %U, a control or bidi character: give plain text (see '%s --help')",
					n, i+1, r, cmd.CommandPath()))
			}
		}
	}
	return nil
}

// commands holds the constructors of the sub-commands; each command's file
// appends to it in an init function.
var commands []func(IO) *cobra.Command

// usageArgs wraps a cobra positional-argument rule so a violation exits with
// ExitUsage and points to the command's help.
func usageArgs(rule cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := rule(cmd, args); err != nil {
			return withCode(ExitUsage, fmt.Errorf("%s: %w (see '%s --help')", cmd.CommandPath(), err, cmd.CommandPath()))
		}
		return nil
	}
}
