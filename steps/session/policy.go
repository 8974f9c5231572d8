package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/handrail/handrail/steps"
)

// PolicyFile is the site policy's file name, in /etc/handrail and in the
// state directory.
const PolicyFile = "policy.yaml"

// SitePolicy is the site's approval policy (docs/serve.md):
//
//	approval:
//	  live_overrides: required     # every override of every live session
//	approvers:                     # who may use `handrail approve`
//	  users: [alice]
//	  groups: [dba-leads]
type SitePolicy struct {
	Approval ApprovalPolicy
	// ApproverUsers and ApproverGroups name the OS users (and members of
	// the groups) who may decide with `handrail approve`. When both are
	// empty, any OS user other than the operator who can reach the
	// session's approval socket may.
	ApproverUsers  []string
	ApproverGroups []string
	// Files are the policy files read.
	Files []string
}

// SitePolicyPaths are where the site policy is read from: /etc/handrail
// (which an operator cannot side-step) and the state directory.
func SitePolicyPaths(stateDir string) []string {
	return []string{filepath.Join("/etc/handrail", PolicyFile), filepath.Join(stateDir, PolicyFile)}
}

// LoadSitePolicy reads every policy file of paths that exists. A rule set
// in any of them holds (the stricter wins); the approvers of the first
// file that names any are the approvers. A file with findings is an error
// (a *steps.LoadError, file:line:col), never ignored.
func LoadSitePolicy(paths ...string) (SitePolicy, error) {
	var out SitePolicy
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return SitePolicy{}, fmt.Errorf("site policy: %w", err)
		}
		one, err := ParseSitePolicy(p, data)
		if err != nil {
			return SitePolicy{}, err
		}
		out.Files = append(out.Files, p)
		out.Approval.LiveOverrides = out.Approval.LiveOverrides || one.Approval.LiveOverrides
		if len(out.ApproverUsers)+len(out.ApproverGroups) == 0 {
			out.ApproverUsers, out.ApproverGroups = one.ApproverUsers, one.ApproverGroups
		}
	}
	return out, nil
}

// ParseSitePolicy decodes one policy file.
func ParseSitePolicy(name string, data []byte) (SitePolicy, error) {
	var out SitePolicy
	y, err := steps.ParseYAMLFile(name, data, "site policy")
	if err != nil {
		return out, err
	}
	es, ok := y.Mapping(y.Root(), "", "site policy", "a policy (approval, approvers)")
	if !ok {
		return out, y.Err()
	}
	for _, e := range y.Known(es, "site policy", "approval", "approvers") {
		ctx := "site policy: " + e.Key()
		kes, ok := y.Mapping(e.Value(), e.Path(), ctx, "a mapping")
		if !ok {
			continue
		}
		switch e.Key() {
		case "approval":
			for _, ke := range y.Known(kes, ctx, "live_overrides") {
				if v := y.Text(ke, ctx); v != steps.ApprovalRequired {
					y.Errorf(ke, "%s: key %q: want %q, got %q (leave the key out when no approval is needed)", ctx, ke.Key(), steps.ApprovalRequired, v)
					continue
				}
				out.Approval.LiveOverrides = true
			}
		case "approvers":
			for _, ke := range y.Known(kes, ctx, "users", "groups") {
				list := y.TextList(ke, ctx)
				for i, v := range list {
					if v == "" {
						y.Errorf(y.Item(ke, i, y.Seq(ke, ctx)[i]), "%s: %s[%d]: empty name", ctx, ke.Key(), i)
					}
				}
				if ke.Key() == "users" {
					out.ApproverUsers = list
				} else {
					out.ApproverGroups = list
				}
			}
		}
	}
	return out, y.Err()
}
