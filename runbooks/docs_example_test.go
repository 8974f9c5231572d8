package runbooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// docsCheckExample returns the YAML of the first code block under heading
// in docs/checks.md. cli's examples test runs only the shell examples of the
// docs, so the check examples are judged here, against real output.
func docsCheckExample(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "checks.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/checks.md has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	if !ok {
		t.Fatalf("docs/checks.md: no yaml block under %q", heading)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("docs/checks.md: unterminated yaml block under %q", heading)
	}
	return block
}

// TestDocsCommandExampleReadsRealServerStat: the command example of
// docs/checks.md (a mirror is synced), bound for a mirror tc-m1, passes on
// what a real synced 4.3 mirror prints (keyed by its name, tc-m1:9510, not
// by the host given to -s) and fails on a syncing or stopped one. The kv
// example it replaced (`${item}.health`) could never pass there.
func TestDocsCommandExampleReadsRealServerStat(t *testing.T) {
	block := docsCheckExample(t, "## command")
	var b strings.Builder
	b.WriteString(`id: docs-command-example
title: The command example of docs/checks.md
params:
  - name: mirrors
    prompt: Mirror hosts
    list: true
targets:
  mirror: {kind: host, host: "${item}", ssh_user: tc}
sections:
  - id: mirrors
    title: Mirrors
    foreach: {param: mirrors}
    steps:
      - id: synced
        title: Mirror synced
        checks:
`)
	for _, l := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
		b.WriteString("          " + l + "\n")
	}
	rb, err := steps.Parse("docs-command-example.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("the docs example does not load as a check: %v\n%s", err, b.String())
	}
	plan, err := steps.Expand(rb, map[string]string{"mirrors": "tc-m1"})
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	var c checks.Check
	for _, st := range plan.Steps {
		for _, ch := range st.Checks {
			if ch.Kind == checks.KindCommand {
				c = ch
			}
		}
	}
	if c.Kind == "" {
		t.Fatal("the docs example yields no command check")
	}
	for _, tc := range []struct {
		fixture string
		pass    bool
	}{
		{"terracotta-server-stat-rest-mirror-synced.txt", true},
		{"terracotta-server-stat-rest-mirror-syncing.txt", false},
		{"terracotta-server-stat-rest-stopped.txt", false},
		{"terracotta-server-stat-later-stopped.txt", false},
	} {
		if v := judgeCommand(t, c, readFixture(t, tc.fixture)); v.Pass != tc.pass {
			t.Errorf("docs example on %s: pass=%v (%s), a real site gets pass=%v", tc.fixture, v.Pass, v.Reason, tc.pass)
		}
	}
}
