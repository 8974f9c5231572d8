package policy

import "github.com/handrail/handrail/steps"

// approval decodes the approval section:
//
//	approval:
//	  live_overrides: required     # every override of every live session
func approval(y *steps.YAMLFile, es []steps.YAMLEntry, ctx string) (liveOverrides bool) {
	for _, ke := range y.Known(es, ctx, "live_overrides") {
		if v := y.Text(ke, ctx); v != steps.ApprovalRequired {
			y.Errorf(ke, "%s: key %q: want %q, got %q (leave the key out when no approval is needed)", ctx, ke.Key(), steps.ApprovalRequired, v)
			continue
		}
		liveOverrides = true
	}
	return liveOverrides
}

// approvers decodes the approvers section:
//
//	approvers:                     # who may use `handrail approve`
//	  users: [alice]
//	  groups: [dba-leads]
func approvers(y *steps.YAMLFile, es []steps.YAMLEntry, ctx string) (users, groups []string) {
	for _, ke := range y.Known(es, ctx, "users", "groups") {
		list := y.TextList(ke, ctx)
		for i, v := range list {
			if v == "" {
				y.Errorf(y.Item(ke, i, y.Seq(ke, ctx)[i]), "%s: %s[%d]: empty name", ctx, ke.Key(), i)
			}
		}
		if ke.Key() == "users" {
			users = list
		} else {
			groups = list
		}
	}
	return users, groups
}
