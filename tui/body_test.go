package tui

import (
	"strings"
	"testing"
)

// TestBodyCodeBlocksAreNotHighlighted: a code block is drawn in one style,
// its text unbroken, so what the operator reads is what the runbook says;
// the console never asks chroma to highlight it (see third_party/chroma).
func TestBodyCodeBlocksAreNotHighlighted(t *testing.T) {
	for _, dark := range []bool{true, false} {
		c := newBodyCache()
		c.setDark(dark)
		out := c.render("step", "Then type:\n\n```sql\nSELECT @@version, NOW();\n```\n", 60)
		if !strings.Contains(out, "SELECT @@version, NOW();") {
			t.Errorf("dark=%v: the code block is broken up by styling:\n%q", dark, out)
		}
	}
}
