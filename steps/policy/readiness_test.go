package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestReadiness(t *testing.T) {
	def := Readiness{Days: DefaultReadinessDays, MinScore: DefaultMinScore}
	tests := []struct {
		name, site, state string
		want              Readiness
		err               string
	}{
		{name: "no section: defaults", state: "recording:\n  enabled: true\n", want: def},
		{name: "the section beside others", state: "recording: {enabled: true}\nreadiness:\n  days: 14\n  require: true\n  runbooks: [thinman-dual-db]\n",
			want: Readiness{Days: 14, MinScore: 70, Require: true, Runbooks: []string{"thinman-dual-db"}, Source: "state"}},
		{name: "the stricter wins", site: "readiness:\n  days: 20\n  min_score: 80\n", state: "readiness:\n  days: 45\n  min_score: 75\n  require: true\n",
			want: Readiness{Days: 20, MinScore: 80, Require: true, Source: "site"}},
		{name: "an unknown key names file:line:col", state: "readiness:\n  days: 14\n  requre: true\n", err: `policy.yaml:3:3: site policy: readiness: unknown key "requre" (did you mean "require"?)`},
		{name: "a bad type", state: "readiness:\n  days: soon\n", err: `policy.yaml:2:9: site policy: readiness: key "days": want a whole number, got "soon"`},
		{name: "days below 1", state: "readiness:\n  days: -2\n", err: "readiness: days -2: give a number of days of at least 1"},
		{name: "a pass mark below 70", state: "readiness:\n  min_score: 50\n", err: "readiness: min_score 50: give a score from 70 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, state := useDirs(t)
			if tt.site != "" {
				write(t, site, tt.site)
			}
			if tt.state != "" {
				write(t, state, tt.state)
			}
			got, err := Load(state)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tt.want.Source {
			case "state":
				tt.want.Source = state + "/" + FileName
			case "site":
				tt.want.Source = site + "/" + FileName
			}
			r := got.Readiness
			if r.Days != tt.want.Days || r.MinScore != tt.want.MinScore || r.Require != tt.want.Require ||
				!slices.Equal(r.Runbooks, tt.want.Runbooks) || r.Source != tt.want.Source {
				t.Errorf("got %+v, want %+v", r, tt.want)
			}
		})
	}
}
