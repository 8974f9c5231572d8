package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseReadiness(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       Readiness
		err        string
	}{
		{"no section: defaults", "approvals:\n  required: true\n", Readiness{Days: 30, MinScore: 70}, ""},
		{"the section, other sections left alone", "recording: {enabled: true}\nreadiness:\n  days: 14\n  require: true\n  runbooks: [thinman-dual-db]\n",
			Readiness{Days: 14, MinScore: 70, Require: true, Runbooks: []string{"thinman-dual-db"}, Source: "p.yaml"}, ""},
		{"an unknown key names file:line:col", "readiness:\n  days: 14\n  requre: true\n", Readiness{}, "p.yaml:3:3: "},
		{"a bad type", "readiness:\n  days: soon\n", Readiness{}, "p.yaml:2:"},
		{"days below 1", "readiness:\n  days: -2\n", Readiness{}, "readiness.days -2"},
		{"a pass mark below 70", "readiness:\n  min_score: 50\n", Readiness{}, "readiness.min_score 50: give a score from 70 to 100"},
		{"not a mapping", "- readiness\n", Readiness{}, "p.yaml:1:1: the policy is not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReadiness("p.yaml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Days != tt.want.Days || got.MinScore != tt.want.MinScore || got.Require != tt.want.Require ||
				strings.Join(got.Runbooks, ",") != strings.Join(tt.want.Runbooks, ",") || got.Source != tt.want.Source {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestLoadReadinessFromTheStateDirectory: the state directory's file wins
// over the system's; none gives the defaults.
func TestLoadReadinessFromTheStateDirectory(t *testing.T) {
	dir := t.TempDir()
	r, err := LoadReadiness(dir)
	if err != nil || r.Days != 30 || r.Require {
		if _, serr := os.Stat(filepath.Join(SystemDir, FileName)); serr != nil {
			t.Fatalf("no policy: %+v %v", r, err)
		}
	}
	p := filepath.Join(dir, FileName)
	if err := os.WriteFile(p, []byte("readiness:\n  require: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = LoadReadiness(dir)
	if err != nil || !r.Require || r.Source != p {
		t.Fatalf("state directory policy: %+v %v", r, err)
	}
}
