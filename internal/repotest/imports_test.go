package repotest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/handrail/handrail"

type listedPackage struct {
	ImportPath   string
	Deps         []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// goList returns every package of the module with its transitive deps.
func goList(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", mod+"/...")
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

// screen is every package that draws on a terminal.
var screen = []string{"charm.land/bubbletea", "charm.land/lipgloss", "charm.land/bubbles", "charm.land/glamour",
	"charm.land/wish", "github.com/charmbracelet/x/exp/teatest"}

// rule is one row of ARCHITECTURE.md's import table: packages under Under
// (a path relative to the module, "" for the module's root package alone)
// must not depend, even transitively, on anything with a prefix in Never.
type rule struct {
	under string
	never []string
}

func module(rel ...string) []string {
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = mod + "/" + r
	}
	return out
}

// importRules is ARCHITECTURE.md's table, row by row.
var importRules = []rule{
	{"checks", append(module("steps", "rehearsal", "tui", "cli", "serve", "recording"), screen...)},
	{"steps", append(module("rehearsal", "tui", "cli", "serve", "recording"), screen...)},
	{"rehearsal", append(module("tui", "cli", "serve", "recording"), screen...)},
	{"recording", append(module("rehearsal", "tui", "cli", "serve"), screen...)},
	{"internal/termtext", module("checks", "steps", "rehearsal", "tui", "cli", "recording")},
	{"internal/asciicast", module("checks", "steps", "rehearsal", "tui", "cli", "recording", "internal/termtext")},
	{"tui", module("cli", "serve")},
	{"serve", module("cli")},
}

func under(pkg, rel string) bool {
	p := strings.TrimPrefix(pkg, mod+"/")
	return p == rel || strings.HasPrefix(p, rel+"/")
}

// TestImportRules enforces the layering of ARCHITECTURE.md: checks never
// reaches steps or the screen, steps never reaches the simulator or the
// screen, the simulator sits above steps and below the screen, and only cli
// (and serve, which hosts consoles over SSH) imports tui.
func TestImportRules(t *testing.T) {
	pkgs := goList(t)
	matched := map[string]int{}
	for _, p := range pkgs {
		for _, r := range importRules {
			if !under(p.ImportPath, r.under) {
				continue
			}
			matched[r.under]++
			for _, d := range p.Deps {
				for _, n := range r.never {
					if d == n || strings.HasPrefix(d, n+"/") || (strings.HasPrefix(n, "charm.land/") && strings.HasPrefix(d, n)) || strings.HasPrefix(d, n+"@") {
						t.Errorf("%s depends on %s: ARCHITECTURE.md forbids %s → %s", p.ImportPath, d, r.under, n)
					}
				}
			}
		}
		rel := strings.TrimPrefix(p.ImportPath, mod+"/")
		for _, d := range p.Deps {
			if under(d, "tui") && !under(p.ImportPath, "tui") && rel != "cli" && !under(p.ImportPath, "serve") && p.ImportPath != mod {
				t.Errorf("%s depends on %s: only cli and serve may import tui", p.ImportPath, d)
			}
		}
	}
	for _, r := range importRules {
		if matched[r.under] == 0 {
			t.Errorf("no package under %s: the rule checks nothing (go list output looks wrong, or the package moved)", r.under)
		}
	}
}

// TestEndToEndTestsUseOnlyTheBinary: e2e drives the built binary; it may
// import the MariaDB harness and nothing else of the module.
func TestEndToEndTestsUseOnlyTheBinary(t *testing.T) {
	for _, p := range goList(t) {
		if !under(p.ImportPath, "e2e") {
			continue
		}
		for _, imp := range append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...) {
			if strings.HasPrefix(imp, mod+"/") && !under(imp, "internal/mariadbtest") && !under(imp, "e2e") {
				t.Errorf("%s imports %s: e2e tests run the built binary only", p.ImportPath, imp)
			}
		}
		return
	}
	t.Fatal("no e2e package found")
}
