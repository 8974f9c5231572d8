package repotest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

type listedPackage struct {
	ImportPath string
	Deps       []string
}

// goList returns every package of the module with its transitive deps.
func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "github.com/handrail/handrail/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(out)
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

// TestEngineNeverImportsTheScreen enforces the layering of ARCHITECTURE.md:
// steps and checks (and everything below them) never reach Bubble Tea,
// lipgloss or bubbles, and nothing but cli imports tui.
func TestEngineNeverImportsTheScreen(t *testing.T) {
	const mod = "github.com/handrail/handrail/"
	screen := []string{"charm.land/bubbletea", "charm.land/lipgloss", "charm.land/bubbles", "github.com/charmbracelet/x/exp/teatest"}
	pkgs := goList(t)
	checked := 0
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.ImportPath, mod)
		engine := strings.HasPrefix(rel, "steps") || strings.HasPrefix(rel, "checks")
		for _, d := range p.Deps {
			if engine {
				for _, s := range screen {
					if strings.HasPrefix(d, s) {
						t.Errorf("%s depends on %s: steps and checks must not import the screen", p.ImportPath, d)
					}
				}
			}
			if strings.HasPrefix(d, mod+"tui") && !strings.HasPrefix(rel, "tui") && rel != "cli" && p.ImportPath != strings.TrimSuffix(mod, "/") {
				t.Errorf("%s depends on %s: only cli may import tui", p.ImportPath, d)
			}
		}
		if engine {
			checked++
		}
	}
	if checked < 2 {
		t.Fatalf("found only %d steps/checks packages; go list output looks wrong", checked)
	}
}
