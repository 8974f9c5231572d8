// Package policy reads the site policy: policy.yaml in /etc/handrail (the
// site's, which an operator cannot side-step) and in the state directory.
// One file holds every section; each section is decoded in a file of its
// own (approval.go, recording.go, readiness.go). The file is walked with the runbook
// loader's own walker, so every mistake is a finding at file:line:col and
// an unknown key gets a suggestion.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// FileName is the policy file's name.
const FileName = "policy.yaml"

// SiteDir is the directory of the site's policy file (a variable for tests).
var SiteDir = "/etc/handrail"

// Site is the policy that applies to a state directory.
type Site struct {
	// Approval is the two-person rule for every session (docs/serve.md).
	Approval session.ApprovalPolicy
	// ApproverUsers and ApproverGroups name the OS users (and members of
	// the groups) who may decide with `handrail approve`. When both are
	// empty, any OS user other than the operator who can reach the
	// session's approval socket may.
	ApproverUsers  []string
	ApproverGroups []string
	// Recording says whether console sessions are recorded
	// (docs/recording.md).
	Recording Recording
	// Readiness is what a live run asks of its operator's rehearsals
	// (docs/rehearsal.md).
	Readiness Readiness
	// Files are the policy files read, the site's first.
	Files []string
}

// Paths are where the policy is read from, in order of strength: the
// site's file, then the state directory's.
func Paths(stateDir string) []string {
	out := []string{filepath.Join(SiteDir, FileName)}
	if stateDir != "" {
		out = append(out, filepath.Join(stateDir, FileName))
	}
	return out
}

// Load reads the policy files of stateDir that exist (Paths). A rule set
// in any file holds (the stricter wins); for a setting (recording on or
// off, the approvers) the site's file wins over the state directory's. A
// file with findings is an error (a *steps.LoadError), never ignored.
func Load(stateDir string) (Site, error) {
	out := Site{Recording: Recording{Enabled: true}, Readiness: Readiness{Days: DefaultReadinessDays, MinScore: DefaultMinScore}}
	for _, p := range Paths(stateDir) {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Site{}, fmt.Errorf("site policy: %w", err)
		}
		one, err := parse(p, data)
		if err != nil {
			return Site{}, err
		}
		out.merge(one, p)
	}
	if out.Recording.Required && !out.Recording.Enabled {
		return out, fmt.Errorf("site policy %s: recording is both required and disabled: set enabled: true, or drop required", out.Recording.From)
	}
	return out, nil
}

// file is one policy file as written: a nil field was not set.
type file struct {
	liveOverrides  bool
	approverUsers  []string
	approverGroups []string
	named          bool // approvers named
	recording      recordingSection
	readiness      readinessSection
}

func (s *Site) merge(f file, path string) {
	s.Files = append(s.Files, path)
	s.Approval.LiveOverrides = s.Approval.LiveOverrides || f.liveOverrides
	if f.named && len(s.ApproverUsers)+len(s.ApproverGroups) == 0 {
		s.ApproverUsers, s.ApproverGroups = f.approverUsers, f.approverGroups
	}
	s.Recording.merge(f.recording, path)
	s.Readiness.merge(f.readiness, path)
}

// parse decodes one policy file (name is used in findings).
func parse(name string, data []byte) (file, error) {
	var out file
	if blank(data) {
		return out, nil // an empty policy (or one of comments only) sets nothing
	}
	y, err := steps.ParseYAMLFile(name, data, "site policy")
	if err != nil {
		return out, err
	}
	es, ok := y.Mapping(y.Root(), "", "site policy", "a mapping of sections (approval, approvers, recording, readiness)")
	if !ok {
		return out, y.Err()
	}
	for _, e := range y.Known(es, "site policy", "approval", "approvers", "recording", "readiness") {
		ctx := "site policy: " + e.Key()
		kes, ok := y.Mapping(e.Value(), e.Path(), ctx, "a mapping")
		if !ok {
			continue
		}
		switch e.Key() {
		case "approval":
			out.liveOverrides = approval(y, kes, ctx)
		case "approvers":
			out.approverUsers, out.approverGroups = approvers(y, kes, ctx)
			out.named = true
		case "recording":
			out.recording = recording(y, kes, ctx)
		case "readiness":
			out.readiness = readiness(y, kes, ctx)
		}
	}
	return out, y.Err()
}

// blank reports whether data holds nothing but blank lines and comments.
func blank(data []byte) bool {
	for _, l := range bytes.Split(data, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}
