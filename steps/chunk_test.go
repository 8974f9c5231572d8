package steps

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// parseBoth parses data whole and item by item.
func parseBoth(t *testing.T, name string, data []byte) (whole, split *Runbook, werr, serr error) {
	t.Helper()
	old := chunkAbove
	defer func() { chunkAbove = old }()
	chunkAbove = 1 << 30
	whole, werr = Parse(name, data)
	chunkAbove = 0
	split, serr = Parse(name, data)
	return
}

// TestChunkedParseMatchesWhole: a file parsed item by item loads exactly as
// it does whole, findings and positions included, for every bundled
// runbook and every fixture.
func TestChunkedParseMatchesWhole(t *testing.T) {
	var files []string
	for _, pat := range []string{"../runbooks/*.yaml", "testdata/valid/*.yaml", "testdata/invalid/*.yaml"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	split := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if planChunks(data) != nil {
			split++
		}
		whole, chunked, werr, serr := parseBoth(t, f, data)
		if werr != nil && serr != nil && isSyntax(werr) && isSyntax(serr) {
			// The parser words an error by what it has seen: an item read
			// on its own may be told another way, still at its place.
			continue
		}
		if (werr == nil) != (serr == nil) || (werr != nil && werr.Error() != serr.Error()) {
			t.Errorf("%s: whole: %v\nitem by item: %v", f, werr, serr)
			continue
		}
		if !reflect.DeepEqual(whole, chunked) {
			t.Errorf("%s: the runbook differs when parsed item by item", f)
		}
	}
	if split < len(files)/2 {
		t.Errorf("only %d of %d files were split: the test proves little", split, len(files))
	}
}

func isSyntax(err error) bool {
	var le *LoadError
	return errors.As(err, &le) && len(le.Findings) == 1 && strings.HasPrefix(le.Findings[0].Msg, "YAML syntax:")
}

// TestChunkedParseKeepsPositions: findings inside items, in a section's
// steps and after the lists point at the same line and column.
func TestChunkedParseKeepsPositions(t *testing.T) {
	src := `id: pos
title: Positions
sections:
  - id: one
    title: One
    steps:
      - id: a
        title: A
        bogus: 1
      - id: b
        title: B
        checks:
          - {id: c, kind: mysql.replica, target: nowhere, expect: {X: "1"}}
  - title: Two
    steps:
    - id: d
      title: D
      body: |
        - id: not-an-item
      when: {param: nope, equals: x}
params:
  - {name: host, patern: x}
`
	_, _, werr, serr := parseBoth(t, "pos.yaml", []byte(src))
	var le *LoadError
	if !errors.As(serr, &le) {
		t.Fatalf("want findings, got %v", serr)
	}
	if werr.Error() != serr.Error() {
		t.Errorf("whole:\n%v\nitem by item:\n%v", werr, serr)
	}
	for _, want := range []string{"pos.yaml:9:9:", "pos.yaml:13:50:", "pos.yaml:20:21:", "pos.yaml:22:18:"} {
		if !strings.Contains(serr.Error(), want) {
			t.Errorf("no finding at %s:\n%v", want, serr)
		}
	}
}

// TestChunkedParseStopsAtASyntaxError: a syntax error inside an item is the
// one finding, at its place in the file.
func TestChunkedParseStopsAtASyntaxError(t *testing.T) {
	src := "id: x\ntitle: X\nsteps:\n  - id: a\n    title: A\n  - id: b\n    title: [unclosed\n"
	_, _, werr, serr := parseBoth(t, "syn.yaml", []byte(src))
	if serr == nil || !strings.HasPrefix(serr.Error(), "syn.yaml:7:") || strings.Count(serr.Error(), "\n") != 0 {
		t.Errorf("item by item: %v (whole: %v)", serr, werr)
	}
}
