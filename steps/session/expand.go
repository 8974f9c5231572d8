package session

import (
	"fmt"
	"maps"
	"slices"

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
	// Number is the step's number in the runbook (steps.Runbook.Number).
	Number  int
	Step    steps.Step // bound: no ${…} left
	SkipWhy string     // set when `when` or an empty foreach skips it
}

// expand plans the session with steps.Expand: `when` is judged once, at
// session start, against the params; `foreach` yields one step per item;
// every ${name} is bound. It returns the units, the bound targets (with
// per-item copies) and the param values in force (defaults applied).
func expand(rb *steps.Runbook, params map[string]string) ([]unit, map[string]checks.Target, map[string]string, error) {
	plan, err := steps.Expand(maskedSecrets(rb, params))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("session: %w", err)
	}
	out := make([]unit, 0, len(plan.Steps))
	for _, bs := range plan.Steps {
		u := unit{Key: bs.ID, BaseID: bs.BaseID, Item: bs.Item, Step: bs.Step, Number: rb.Number(bs.BaseID)}
		if bs.Section >= 0 && bs.Section < len(rb.Sections) {
			u.Section, u.SectionID = rb.Sections[bs.Section].Title, rb.Sections[bs.Section].ID
		}
		if bs.Skip {
			u.SkipWhy = "when: " + bs.SkipReason
			if bs.Item == "" && (bs.Foreach != nil || (bs.Section >= 0 && bs.Section < len(rb.Sections) && rb.Sections[bs.Section].Foreach != nil)) {
				u.SkipWhy = "foreach: " + bs.SkipReason
			}
		}
		out = append(out, u)
	}
	return out, plan.Targets, plan.Values, nil
}

// maskedSecrets lets a session be planned without its secrets' values (a
// read-only replay for `watch`, where the journal holds only SecretMark). A
// runbook can never substitute a secret param (the loader refuses it), so
// its value cannot change the plan: a missing or masked secret is planned as
// SecretMark, with its own pattern and enum set aside.
func maskedSecrets(rb *steps.Runbook, params map[string]string) (*steps.Runbook, map[string]string) {
	var masked []string
	for _, p := range rb.Params {
		if v := params[p.Name]; p.Secret && (v == "" || v == SecretMark) {
			masked = append(masked, p.Name)
		}
	}
	if len(masked) == 0 {
		return rb, params
	}
	cp := *rb
	cp.Params = slices.Clone(rb.Params)
	vals := maps.Clone(params)
	if vals == nil {
		vals = map[string]string{}
	}
	for i := range cp.Params {
		if slices.Contains(masked, cp.Params[i].Name) {
			cp.Params[i].Pattern, cp.Params[i].Enum = "", nil
			vals[cp.Params[i].Name] = SecretMark
		}
	}
	return &cp, vals
}
