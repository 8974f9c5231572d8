package steps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func bundledFS(t *testing.T) fstest.MapFS {
	t.Helper()
	full, err := os.ReadFile("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"full-example.yaml": {Data: full},
		// A file not named after its id is still found by id.
		"other.yml":  {Data: []byte("id: second-one\ntitle: Second\nsteps: [{id: a, title: A}]\n")},
		"README.md":  {Data: []byte("not a runbook")},
		"sub/x.yaml": {Data: []byte("not: loaded")},
	}
}

func TestListAndLoadBundled(t *testing.T) {
	fsys := bundledFS(t)
	rbs, err := ListBundled(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(rbs) != 2 || rbs[0].ID != "full-example" || rbs[1].ID != "second-one" {
		t.Fatalf("ListBundled = %v", rbs)
	}
	if rbs[1].Path != "runbooks/other.yml" || len(rbs[1].SHA256) != 64 {
		t.Errorf("path %q sha %q", rbs[1].Path, rbs[1].SHA256)
	}
	rb, err := LoadBundled(fsys, "second-one")
	if err != nil || rb.ID != "second-one" {
		t.Fatalf("LoadBundled: %v %v", rb, err)
	}
	_, err = LoadBundled(fsys, "full-exampel")
	if err == nil || !strings.Contains(err.Error(), `no bundled runbook "full-exampel" (did you mean "full-example"?); bundled: full-example, second-one`) {
		t.Errorf("unknown id error = %v", err)
	}
}

func TestListBundledReportsBrokenOnes(t *testing.T) {
	fsys := bundledFS(t)
	fsys["broken.yaml"] = &fstest.MapFile{Data: []byte("id: broken\ntitle: B\nsteps: [{id: a, title: A, chekcs: []}]\n")}
	rbs, err := ListBundled(fsys)
	if len(rbs) != 2 {
		t.Errorf("the good runbooks were not returned: %d", len(rbs))
	}
	var le *LoadError
	if !errors.As(err, &le) || !strings.HasPrefix(le.Findings[0].String(), "runbooks/broken.yaml:3:") {
		t.Errorf("err = %v", err)
	}
}

func TestResolve(t *testing.T) {
	fsys := bundledFS(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "mine")
	if err := os.WriteFile(file, []byte("id: mine\ntitle: Mine\nsteps: [{id: a, title: A}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg, id, errPart string
	}{
		{"second-one", "second-one", ""},
		{file, "mine", ""},                                    // an existing file without .yaml
		{filepath.Join(dir, "nope.yaml"), "", "no such file"}, // .yaml: always a path
		{"nope", "", `no bundled runbook "nope"`},
	}
	for _, tt := range tests {
		rb, err := Resolve(fsys, tt.arg)
		switch {
		case tt.errPart != "":
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("Resolve(%q) err = %v, want %q", tt.arg, err, tt.errPart)
			}
		case err != nil:
			t.Errorf("Resolve(%q): %v", tt.arg, err)
		case rb.ID != tt.id:
			t.Errorf("Resolve(%q) = %s", tt.arg, rb.ID)
		}
	}
}

func TestTopLevelStepsBecomeOneSection(t *testing.T) {
	rb, err := Parse("t.yaml", []byte("id: t\ntitle: T\nsteps:\n  - {id: a, title: A}\n  - {id: b, title: B}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rb.Steps != nil || len(rb.Sections) != 1 || rb.Sections[0].Title != "" || len(rb.Sections[0].Steps) != 2 {
		t.Errorf("sections = %+v, steps = %v", rb.Sections, rb.Steps)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	src := `
id: anchors
title: Anchors
targets:
  db: {kind: mysql, host: localhost}
steps:
  - id: a
    title: A
    checks:
      - &stopped
        id: stopped-a
        kind: mysql.replica
        target: db
        expect: &no {Slave_IO_Running: "No"}
  - id: b
    title: B
    checks:
      - <<: *stopped
        id: stopped-b
        expect: *no
`
	rb, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := rb.Sections[0].Steps[1].Checks[0]
	if c.ID != "stopped-b" || c.Kind != "mysql.replica" || c.Target != "db" || *c.Expect[0].Expect.Equals != "No" {
		t.Errorf("merged check = %+v", c)
	}
	// A self-referencing alias is an error, not a hang.
	_, err = Parse("loop.yaml", []byte("id: x\ntitle: X\nsteps: &s [{id: a, title: A, checks: *s}]\n"))
	if err == nil {
		t.Error("a self-referencing alias loaded")
	}
}
