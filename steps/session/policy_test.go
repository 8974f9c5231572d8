package session

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps"
)

func TestParseSitePolicy(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       SitePolicy
		findings   []string
	}{
		{"empty rules", "approval: {}\n", SitePolicy{}, nil},
		{"live overrides", "approval:\n  live_overrides: required\napprovers:\n  users: [bob]\n  groups: [dba]\n",
			SitePolicy{Approval: ApprovalPolicy{LiveOverrides: true}, ApproverUsers: []string{"bob"}, ApproverGroups: []string{"dba"}}, nil},
		{"not required", "approval:\n  live_overrides: yes\n", SitePolicy{}, []string{`p.yaml:2:19: site policy: approval: key "live_overrides": want "required", got "yes" (leave the key out when no approval is needed)`}},
		{"unknown keys", "approval:\n  live_override: required\nwho: [x]\n", SitePolicy{}, []string{
			`p.yaml:2:3: site policy: approval: unknown key "live_override" (did you mean "live_overrides"?)`,
			`p.yaml:3:1: site policy: unknown key "who"`}},
		{"approvers not a list", "approvers:\n  users: bob\n", SitePolicy{}, []string{`p.yaml:2:10: site policy: approvers: key "users": want a list, got "bob"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSitePolicy("p.yaml", []byte(c.yaml))
			var le *steps.LoadError
			if len(c.findings) > 0 {
				if !errors.As(err, &le) {
					t.Fatalf("want findings, got %v", err)
				}
				var fs []string
				for _, f := range le.Findings {
					fs = append(fs, f.String())
				}
				if !slices.Equal(fs, c.findings) {
					t.Errorf("findings:\n%s\nwant\n%s", strings.Join(fs, "\n"), strings.Join(c.findings, "\n"))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Files = nil
			if got.Approval != c.want.Approval || !slices.Equal(got.ApproverUsers, c.want.ApproverUsers) || !slices.Equal(got.ApproverGroups, c.want.ApproverGroups) {
				t.Errorf("policy = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestLoadSitePolicyStricterWins: a rule in either file holds; a missing
// file is no policy.
func TestLoadSitePolicyStricterWins(t *testing.T) {
	dir := t.TempDir()
	etc, state := filepath.Join(dir, "etc.yaml"), filepath.Join(dir, "state.yaml")
	if err := os.WriteFile(etc, []byte("approvers: {users: [carol]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, []byte("approval: {live_overrides: required}\napprovers: {users: [mallory]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadSitePolicy(etc, state, filepath.Join(dir, "missing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Approval.LiveOverrides || !slices.Equal(p.ApproverUsers, []string{"carol"}) || len(p.Files) != 2 {
		t.Errorf("policy = %+v", p)
	}
	if p, err := LoadSitePolicy(filepath.Join(dir, "none.yaml")); err != nil || p.Approval.LiveOverrides || len(p.Files) != 0 {
		t.Errorf("no policy file: %+v, %v", p, err)
	}
}
