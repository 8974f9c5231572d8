package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/handrail/handrail/internal/schematest"
	"github.com/handrail/handrail/steps"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const exampleTeam = "../deploy/team.example.yaml"

func TestExampleTeamLoads(t *testing.T) {
	team, err := LoadTeam(exampleTeam)
	if err != nil {
		t.Fatalf("the example team file does not load:\n%v", err)
	}
	var names []string
	for _, p := range team.People {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"Alice Doe", "Bob Roe", "Carol Auditor"}) {
		t.Errorf("people = %v", names)
	}
	bob := team.People[1]
	if !bob.Has(RoleApprover) || !bob.Has(RoleOperator) || bob.Has(RoleObserver) {
		t.Errorf("Bob's roles = %v", bob.Roles)
	}
	for _, p := range team.People {
		for _, k := range p.Keys {
			if got, ok := team.Lookup(k); !ok || got != p {
				t.Errorf("Lookup(%s's key) = %v, %v", p.Name, got, ok)
			}
		}
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := team.Lookup(stranger); ok {
		t.Errorf("a key not in the file belongs to %s", p.Name)
	}
}

// TestInvalidTeamFiles compares each fixture's findings, one
// file:line:col: msg per line, with the .golden beside it.
func TestInvalidTeamFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/team/*.yaml")
	if len(files) < 5 {
		t.Fatalf("want at least 5 invalid team files, have %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			team, err := LoadTeam(f)
			var le *steps.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("LoadTeam = %v, %v; want a *steps.LoadError", team, err)
			}
			got := le.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./serve -run TestInvalidTeamFiles -update)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			for _, fd := range le.Findings {
				if fd.File != f || fd.Line < 1 || fd.Col < 1 {
					t.Errorf("finding without a position: %+v", fd)
				}
			}
		})
	}
}

// schemaBlindTeams are fixtures only the loader can fault (a key that does
// not parse, a name or key listed twice, names that look alike or mix
// scripts); notJSONTeams are not a document.
var (
	schemaBlindTeams = []string{"corrupt-key", "duplicates", "lookalike-names"}
	notJSONTeams     = []string{"syntax-error"}
)

func TestTeamSchema(t *testing.T) {
	v, err := schematest.Load("../docs/team.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exampleTeam)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := schematest.YAMLAsJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if errs := v.Validate(doc); len(errs) > 0 {
		t.Errorf("the schema rejects the example team file:\n  %s", strings.Join(errs, "\n  "))
	}
	files, _ := filepath.Glob("testdata/team/*.yaml")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if slices.Contains(notJSONTeams, name) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := schematest.YAMLAsJSON(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		errs := v.Validate(doc)
		switch blind := slices.Contains(schemaBlindTeams, name); {
		case blind && len(errs) > 0:
			t.Errorf("%s is listed as loader-only but the schema rejects it:\n  %s", f, strings.Join(errs, "\n  "))
		case !blind && len(errs) == 0:
			t.Errorf("the schema accepts %s", f)
		}
	}
}
