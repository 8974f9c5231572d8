package cli

import (
	"bytes"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelp: every command a user can type explains itself:
// a one-line summary, a description and examples.
func TestEveryCommandHasHelp(t *testing.T) {
	var out bytes.Buffer
	root := newRoot(IO{Out: &out, Err: &out})
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Hidden {
				continue
			}
			n++
			if sub.Short == "" || sub.Long == "" {
				t.Errorf("%s: no Short or Long help", sub.CommandPath())
			}
			// cobra's per-shell completion commands are explained by their parent.
			if sub.Example == "" && c.Name() != "completion" {
				t.Errorf("%s: no examples", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
	if n < 13 {
		t.Errorf("found only %d commands", n)
	}
}
