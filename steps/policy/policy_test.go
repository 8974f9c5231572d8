package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// useDirs points the site's policy at a fresh directory and returns it
// with a fresh state directory.
func useDirs(t *testing.T) (site, state string) {
	t.Helper()
	site, state = t.TempDir(), t.TempDir()
	old := SiteDir
	SiteDir = site
	t.Cleanup(func() { SiteDir = old })
	return site, state
}

func write(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestParseFindings(t *testing.T) {
	cases := []struct {
		name, yaml string
		findings   []string
	}{
		{"not required", "approval:\n  live_overrides: yes\n", []string{`p.yaml:2:19: site policy: approval: key "live_overrides": want "required", got "yes" (leave the key out when no approval is needed)`}},
		{"unknown keys", "approval:\n  live_override: required\nwho: [x]\n", []string{
			`p.yaml:2:3: site policy: approval: unknown key "live_override" (did you mean "live_overrides"?)`,
			`p.yaml:3:1: site policy: unknown key "who"`}},
		{"approvers not a list", "approvers:\n  users: bob\n", []string{`p.yaml:2:10: site policy: approvers: key "users": want a list, got "bob"`}},
		{"recording unknown key", "recording:\n  enable: false\n", []string{`p.yaml:2:3: site policy: recording: unknown key "enable" (did you mean "enabled"?)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse("p.yaml", []byte(c.yaml))
			var le *steps.LoadError
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
		})
	}
	if _, err := parse("p.yaml", []byte("recording:\n  enabled: sometimes\n")); err == nil || !strings.Contains(err.Error(), "p.yaml:2:") {
		t.Errorf("a non-boolean is not a finding at its place: %v", err)
	}
}

// TestLoad: the site's file and the state directory's together. A rule
// set in either holds (the stricter wins); for a setting, the site's file
// wins; one file holds every section.
func TestLoad(t *testing.T) {
	tests := []struct {
		name, site, state string
		want              Site
		err               string
	}{
		{name: "no files", want: Site{Recording: Recording{Enabled: true}}},
		{name: "empty and comments only", state: "# nothing yet\n\n", want: Site{Recording: Recording{Enabled: true}}},
		{name: "every section in one file", state: "approval:\n  live_overrides: required\napprovers:\n  users: [bob]\n  groups: [dba]\nrecording:\n  enabled: true\n  required: true\n",
			want: Site{Approval: session.ApprovalPolicy{LiveOverrides: true}, ApproverUsers: []string{"bob"}, ApproverGroups: []string{"dba"},
				Recording: Recording{Enabled: true, Required: true, From: "state"}}},
		{name: "stricter wins, site's approvers win", site: "approvers: {users: [carol]}\n", state: "approval: {live_overrides: required}\napprovers: {users: [mallory]}\n",
			want: Site{Approval: session.ApprovalPolicy{LiveOverrides: true}, ApproverUsers: []string{"carol"}, Recording: Recording{Enabled: true}}},
		{name: "state dir turns recording off", state: "recording:\n  enabled: false\n", want: Site{Recording: Recording{Enabled: false, From: "state"}}},
		{name: "site's setting wins", state: "recording:\n  enabled: false\n", site: "recording:\n  enabled: true\n  required: true\n", want: Site{Recording: Recording{Enabled: true, Required: true, From: "site"}}},
		{name: "site turns it off", state: "recording:\n  enabled: true\n", site: "recording: {enabled: false}\n", want: Site{Recording: Recording{Enabled: false, From: "site"}}},
		{name: "not a mapping", state: "- recording\n", err: "policy.yaml:1:1: site policy: want a mapping of sections"},
		{name: "contradiction", state: "recording:\n  enabled: false\n  required: true\n", err: "both required and disabled"},
		{name: "broken yaml", state: "recording: [\n", err: "policy.yaml:"},
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
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tt.want.Recording.From {
			case "state":
				tt.want.Recording.From = filepath.Join(state, FileName)
			case "site":
				tt.want.Recording.From = filepath.Join(site, FileName)
			}
			if got.Approval != tt.want.Approval || got.Recording != tt.want.Recording ||
				!slices.Equal(got.ApproverUsers, tt.want.ApproverUsers) || !slices.Equal(got.ApproverGroups, tt.want.ApproverGroups) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
