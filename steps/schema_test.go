package steps

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/internal/schematest"
)

// The schema validator (internal/schematest) is shared with the team
// file's schema test (serve).

func loadSchema(t *testing.T) *schematest.Validator {
	t.Helper()
	v, err := schematest.Load("../docs/runbook.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// yamlAsJSON reads a YAML file the way an editor's schema support does:
// as plain JSON values.
func yamlAsJSON(t *testing.T, file string) (any, error) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return schematest.YAMLAsJSON(data)
}

func TestSchemaAcceptsValidRunbooks(t *testing.T) {
	v := loadSchema(t)
	bundled, _ := filepath.Glob("../runbooks/*.yaml")
	if len(bundled) == 0 {
		t.Fatal("no bundled runbooks in ../runbooks")
	}
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range append(bundled, valid...) {
		if _, err := Load(f); err != nil {
			t.Errorf("the loader rejects %s:\n%v", f, err)
		}
		doc, err := yamlAsJSON(t, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if errs := v.Validate(doc); len(errs) > 0 {
			t.Errorf("the schema rejects %s:\n  %s", f, strings.Join(errs, "\n  "))
		}
	}
}

// schemaBlind lists the invalid fixtures whose only problems are semantic
// (references, duplicates, kinds against targets, regex syntax, values
// against a param's own rules): the schema accepts them, and only the
// loader can tell. notJSON fixtures are not one JSON document at all.
var (
	schemaBlind = []string{"bad-regex", "duplicates", "foreach-bad", "kind-mismatch", "param-default",
		"undeclared-target", "unknown-ref", "when-bad", "field-ref", "unsafe-statements", "control-characters", "unsafe-substitution", "fails-step-without-on-fail",
		"argv-shell", "sql-backslash"}
	notJSON = []string{"duplicate-key", "syntax-error", "two-documents"}
)

func TestSchemaRejectsInvalidFixtures(t *testing.T) {
	v := loadSchema(t)
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if slices.Contains(notJSON, name) {
			continue
		}
		doc, err := yamlAsJSON(t, f)
		if err != nil {
			t.Errorf("%s: %v (list it in notJSON?)", f, err)
			continue
		}
		errs := v.Validate(doc)
		switch blind := slices.Contains(schemaBlind, name); {
		case blind && len(errs) > 0:
			t.Errorf("%s is listed as semantic-only but the schema rejects it:\n  %s", f, strings.Join(errs, "\n  "))
		case !blind && len(errs) == 0:
			t.Errorf("the schema accepts %s", f)
		}
	}
}

// TestSchemaValidator proves the validator itself can fail.
func TestSchemaValidator(t *testing.T) {
	v := loadSchema(t)
	bad := map[string]any{"id": "X", "title": "t", "steps": []any{map[string]any{"id": "a", "title": "A", "impact": "outage"}}, "extra": 1.0}
	errs := v.Validate(bad)
	want := []string{`$.id: "X" does not match`, `$: unknown key "extra"`, `$.steps[0].impact: outage is not one of`}
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, w) }) {
			t.Errorf("no violation %q in %q", w, errs)
		}
	}
}
