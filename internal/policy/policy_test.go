package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRecording(t *testing.T) {
	tests := []struct {
		name, state, site string
		want              Recording
		err               string
	}{
		{name: "no files", want: Recording{Enabled: true}},
		{name: "other sections only", state: "approvals:\n  overrides: required\n", want: Recording{Enabled: true}},
		{name: "state dir turns it off", state: "recording:\n  enabled: false\n", want: Recording{Enabled: false, From: "state"}},
		{name: "site wins", state: "recording:\n  enabled: false\n", site: "recording:\n  enabled: true\n  required: true\n", want: Recording{Enabled: true, Required: true, From: "site"}},
		{name: "site turns it off", state: "recording:\n  enabled: true\n", site: "recording: {enabled: false}\n", want: Recording{Enabled: false, From: "site"}},
		{name: "empty file", state: "", want: Recording{Enabled: true}},
		{name: "unknown key", state: "recording:\n  enable: false\n", err: `policy.yaml:2:3: unknown field "enable"`},
		{name: "bad type", state: "recording:\n  enabled: sometimes\n", err: "policy.yaml:2:"},
		{name: "not a mapping", state: "- recording\n", err: "policy.yaml:1:1: the policy is a mapping"},
		{name: "contradiction", state: "recording:\n  enabled: false\n  required: true\n", err: "both required and disabled"},
		{name: "broken yaml", state: "recording: [\n", err: "policy.yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, site := t.TempDir(), t.TempDir()
			SiteDir = site
			t.Cleanup(func() { SiteDir = "/etc/handrail" })
			if tt.state != "" || strings.Contains(tt.name, "empty") {
				write(t, state, tt.state)
			}
			if tt.site != "" {
				write(t, site, tt.site)
			}
			got, err := LoadRecording(state)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tt.want.From {
			case "state":
				tt.want.From = filepath.Join(state, FileName)
			case "site":
				tt.want.From = filepath.Join(site, FileName)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
