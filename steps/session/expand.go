package session

import (
	"fmt"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// unit is one step of the session as steps.Expand planned it: bound to the
// session's params (and to one item inside a foreach).
type unit struct {
	// Key is the step's id in the plan and the journal: the runbook's id,
	// or "<id>@<item>" for a foreach copy.
	Key       string
	BaseID    string
	Section   string
	SectionID string
	Item      string
	Step      steps.Step // bound: no ${…} left
	SkipWhy   string     // set when `when` or an empty foreach skips it
}

// expand plans the session with steps.Expand: `when` is judged once, at
// session start, against the params; `foreach` yields one step per item;
// every ${name} is bound. It returns the units, the bound targets (with
// per-item copies) and the param values in force (defaults applied).
func expand(rb *steps.Runbook, params map[string]string) ([]unit, map[string]checks.Target, map[string]string, error) {
	plan, err := steps.Expand(rb, params)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("session: %w", err)
	}
	out := make([]unit, 0, len(plan.Steps))
	for _, bs := range plan.Steps {
		u := unit{Key: bs.ID, BaseID: bs.BaseID, Item: bs.Item, Step: bs.Step}
		if bs.Section >= 0 && bs.Section < len(rb.Sections) {
			u.Section, u.SectionID = rb.Sections[bs.Section].Title, rb.Sections[bs.Section].ID
		}
		if bs.Skip {
			u.SkipWhy = "when: " + bs.SkipReason
			if bs.Step.Foreach != nil && bs.Item == "" {
				u.SkipWhy = "foreach: " + bs.SkipReason
			}
		}
		out = append(out, u)
	}
	return out, plan.Targets, plan.Values, nil
}
