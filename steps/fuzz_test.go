package steps

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse feeds the loader arbitrary bytes: it must never panic, and it
// either returns a runbook that passed validation or a *LoadError whose
// findings all have a position.
func FuzzParse(f *testing.F) {
	for _, pat := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "../runbooks/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &x [*x, *x]\nb: *x\n"))
	f.Add([]byte("<<: *nope\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, err := Parse("fuzz.yaml", data)
		if err == nil {
			if rb == nil || len(rb.Sections) == 0 || rb.Steps != nil || rb.ID == "" {
				t.Fatalf("accepted an invalid runbook: %+v", rb)
			}
			return
		}
		var le *LoadError
		if !errors.As(err, &le) || len(le.Findings) == 0 {
			t.Fatalf("want *LoadError with findings, got %T %v", err, err)
		}
		for _, fd := range le.Findings {
			if fd.Line < 1 || fd.Col < 1 || fd.Msg == "" {
				t.Fatalf("finding without position: %+v", fd)
			}
		}
	})
}

// FuzzParseItemByItem: a file split into list items loads as it does whole
// (chunk.go): never a panic, a finding always has a position, and a file
// that loads whole loads the same item by item.
func FuzzParseItemByItem(f *testing.F) {
	for _, pat := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "../runbooks/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, split, werr, serr := parseBoth(t, "fuzz.yaml", data)
		if serr != nil {
			var le *LoadError
			if !errors.As(serr, &le) || len(le.Findings) == 0 {
				t.Fatalf("want *LoadError with findings, got %T %v", serr, serr)
			}
			for _, fd := range le.Findings {
				if fd.Line < 1 || fd.Col < 1 || fd.Msg == "" {
					t.Fatalf("finding without position: %+v", fd)
				}
			}
		}
		if werr == nil && (serr != nil || !reflect.DeepEqual(whole, split)) {
			t.Fatalf("loads whole but not the same item by item: %v", serr)
		}
	})
}
