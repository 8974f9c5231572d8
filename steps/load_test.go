package steps

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestInvalidFixtures loads every testdata/invalid/*.yaml and compares its
// findings, one `file:line:col: msg` per line, with the .golden beside it.
func TestInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("want at least 15 invalid fixtures, have %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rb, err := Load(f)
			if err == nil {
				t.Fatalf("loaded %q without findings", rb.ID)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want *LoadError, got %T: %v", err, err)
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
				t.Fatalf("%v (run go test ./steps -run TestInvalidFixtures -update)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			for _, fd := range le.Findings {
				if fd.File != f || fd.Line < 1 || fd.Col < 1 || fd.Msg == "" {
					t.Errorf("finding without a position or message: %+v", fd)
				}
			}
		})
	}
}
