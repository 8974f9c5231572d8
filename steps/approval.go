package steps

import (
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// ApprovalRequired is the one value of an `approval:` key: the act needs a
// second person's approval (the two-person rule, docs/serve.md).
const ApprovalRequired = "required"

// RunbookApproval is a runbook's top-level `approval:` mapping.
type RunbookApproval struct {
	// Overrides: every override of every step needs approval.
	Overrides string `yaml:"overrides,omitempty" json:"overrides,omitempty"`
}

// NeedsStepApproval reports whether leaving s (by next or by an override)
// needs a second person's approval.
func (s Step) NeedsStepApproval() bool { return s.Approval == ApprovalRequired }

// NeedsActionApproval reports whether running s's action needs approval.
func (s Step) NeedsActionApproval() bool {
	return s.Action != nil && s.ActionApproval == ApprovalRequired
}

// NeedsOverrideApproval reports whether every override of rb needs approval.
func (rb *Runbook) NeedsOverrideApproval() bool {
	return rb != nil && rb.Approval != nil && rb.Approval.Overrides == ApprovalRequired
}

var runbookApprovalKeys = []string{"overrides"}

// approvalWord decodes `approval: required` (the only value there is).
func (d *decoder) approvalWord(e entry, ctx string) string {
	n := d.value(e)
	s, ok := scalarText(n)
	if !ok || s != ApprovalRequired {
		what := describe(n)
		d.errf(posOf(n), "%s: key %q: want %q, got %s (leave the key out when no approval is needed)", ctx, e.key, ApprovalRequired, what)
		d.bad[e.path] = true
		return ""
	}
	return s
}

// runbookApproval decodes the top-level `approval: {overrides: required}`.
func (d *decoder) runbookApproval(e entry) *RunbookApproval {
	ctx := "runbook: approval"
	es, ok := d.mapping(e.val, e.path, ctx, "a mapping such as {overrides: required}")
	if !ok {
		return nil
	}
	out := &RunbookApproval{}
	for _, ke := range d.known(es, ctx, runbookApprovalKeys...) {
		if ke.key == "overrides" {
			out.Overrides = d.approvalWord(ke, ctx)
		}
	}
	return out
}

// actionApproval finds `approval: required` inside a step's action mapping
// (the action decoder lets the key through and ignores it).
func (d *decoder) actionApproval(n ast.Node, path, ctx string) string {
	m, ok := d.resolve(n).(*ast.MappingNode)
	if !ok {
		return ""
	}
	for _, kv := range m.Values {
		k, isStr := d.resolve(kv.Key).(*ast.StringNode)
		if !isStr || strings.TrimSpace(k.Value) != "approval" {
			continue
		}
		return d.approvalWord(entry{key: "approval", keyPos: posOf(kv.Key), val: kv.Value, path: path + ".approval"}, ctx)
	}
	return ""
}
