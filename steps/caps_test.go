package steps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func findings(t *testing.T, err error) []Finding {
	t.Helper()
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %T %v", err, err)
	}
	return le.Findings
}

// TestLoaderRefusesDeepNesting: nesting deeper than MaxDepth is one finding
// at the place it goes too deep, found before the parser runs (whose cost
// grows with the square of the depth: 40,000 levels took 2.5 GB).
func TestLoaderRefusesDeepNesting(t *testing.T) {
	cases := map[string]struct {
		src       string
		line, col int
	}{
		"flow":       {"id: x\nsteps: " + strings.Repeat("[", 40000) + strings.Repeat("]", 40000) + "\n", 2, 8 + MaxDepth - 1},
		"block list": {"id: x\nsteps:\n" + strings.Repeat("- ", 40000) + "x\n", 3, 2*MaxDepth - 1},
		"block map": {func() string {
			var b strings.Builder
			for i := 0; i < 200; i++ {
				b.WriteString(strings.Repeat(" ", i) + "k:\n")
			}
			return b.String()
		}(), MaxDepth + 1, MaxDepth + 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("deep.yaml", []byte(c.src))
			fs := findings(t, err)
			if len(fs) != 1 || !strings.Contains(fs[0].Msg, fmt.Sprintf("nest more than %d deep", MaxDepth)) {
				t.Fatalf("findings %v", fs)
			}
			if fs[0].Line != c.line || fs[0].Col != c.col {
				t.Errorf("at %d:%d, want %d:%d", fs[0].Line, fs[0].Col, c.line, c.col)
			}
		})
	}
	// Exactly MaxDepth levels are fine (the runbook has other problems).
	ok := "id: x\nsteps: " + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + "\n"
	if _, err := Parse("ok.yaml", []byte(ok)); err != nil && strings.Contains(err.Error(), "nest more than") {
		t.Errorf("%d levels refused: %v", MaxDepth, err)
	}
}

// TestLoaderRefusesAHugeFile: past MaxFileBytes the loader says so and
// never parses (nor, from a file, reads) the rest.
func TestLoaderRefusesAHugeFile(t *testing.T) {
	big := append([]byte("id: x\ndescription: |\n"), []byte(strings.Repeat("  padding line of a runbook\n", MaxFileBytes/28+1))...)
	path := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{func() error { _, err := Parse(path, big); return err }(), func() error { _, err := Load(path); return err }()} {
		fs := findings(t, err)
		if len(fs) != 1 || fs[0].Line != 1 || fs[0].Col != 1 || !strings.Contains(fs[0].Msg, "larger than 8 MiB") {
			t.Errorf("findings %v", fs)
		}
	}
}

// TestLoaderRefusesANonRegularFile: /dev/zero is refused at once instead of
// read until memory runs out.
func TestLoaderRefusesANonRegularFile(t *testing.T) {
	_, err := Load("/dev/zero")
	fs := findings(t, err)
	if len(fs) != 1 || !strings.Contains(fs[0].Msg, "not a regular file") || fs[0].File != "/dev/zero" {
		t.Errorf("findings %v", fs)
	}
}
