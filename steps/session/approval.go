package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handrail/handrail/steps/journal"
)

// The two-person rule (docs/serve.md): an act the runbook marks
// `approval: required` (a step, an action, every override), or that the site
// policy covers (every override of a live session), is not done when the
// operator asks. The engine journals approval.request with the evidence and
// refuses with an *ApprovalPendingError; a different person with the
// approver role then journals approval.grant or approval.reject with a
// reason and the evidence at that moment (Decide). A granted override is
// carried out at once (it opens the gate; the operator then leaves the step
// with next, which asks for no second approval), and so is a granted step;
// a granted action waits for the operator to run it. Requests and grants hold for the step visit they were made on: a
// step change, a goto, a resume or the session's end voids them.

// Journal record types of the two-person rule.
const (
	EvApprovalRequest = "approval.request"
	EvApprovalGrant   = "approval.grant"
	EvApprovalReject  = "approval.reject"
)

// What an approval covers.
const (
	ApproveOverride = "override"
	ApproveStep     = "step"
	ApproveAction   = "action"
)

// Decisions on a request.
const (
	DecisionPending  = ""
	DecisionGranted  = "granted"
	DecisionRejected = "rejected"
)

// MinDecisionReason is the shortest reason an approver may give, in
// characters after trimming.
const MinDecisionReason = 10

// ApprovalPolicy is the site's part of the rule (policy.yaml); the runbook's
// own marks add to it.
type ApprovalPolicy struct {
	// LiveOverrides: every override in a live session needs approval.
	LiveOverrides bool
}

// ApprovalRequestData is approval.request's data.
type ApprovalRequestData struct {
	Kind      string   `json:"kind"`
	Step      string   `json:"step"`
	Requester Operator `json:"requester"`
	// Rule says which rule asks for the approval, in words.
	Rule string `json:"rule"`
	// Checks, Category and Reason are the override asked for.
	Checks   []string `json:"checks,omitempty"`
	Category string   `json:"category,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	// Action is the action asked for, as its confirmation shows it.
	Action   string     `json:"action,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// ApprovalDecisionData is approval.grant's and approval.reject's data.
type ApprovalDecisionData struct {
	// Request is the seq of the approval.request decided.
	Request  uint64     `json:"request"`
	Step     string     `json:"step"`
	Kind     string     `json:"kind"`
	Approver Operator   `json:"approver"`
	Reason   string     `json:"reason"`
	Evidence []Evidence `json:"evidence"`
}

// Approval is one request of the current step visit, with its decision.
type Approval struct {
	// ID is the request record's seq: `handrail approve` and the consoles
	// name a request by it.
	ID uint64
	At time.Time
	ApprovalRequestData
	Decision string
	// Decided is the grant or the rejection, once made.
	Decided *ApprovalDecisionData
	// used is set once a granted request was acted on.
	used bool
}

// Summary says in one line what the request asks for.
func (a Approval) Summary() string {
	switch a.Kind {
	case ApproveOverride:
		return fmt.Sprintf("override %s on step %s (%s): %s", strings.Join(a.Checks, ", "), a.Step, a.Category, a.Reason)
	case ApproveAction:
		return fmt.Sprintf("run the action of step %s: %s", a.Step, a.Action)
	}
	return "leave step " + a.Step
}

// ErrApprovalPending matches an *ApprovalPendingError.
var ErrApprovalPending = errors.New("waiting for approval")

// ErrSelfApproval is Decide's refusal of the requester's own decision.
var ErrSelfApproval = errors.New("the person who asked cannot approve their own request")

// ApprovalPendingError refuses an act that waits for a second person.
type ApprovalPendingError struct {
	Approval Approval
}

func (e *ApprovalPendingError) Error() string {
	return fmt.Sprintf("%v: request #%d (%s) needs a different person with the approver role (%s): they decide in `handrail serve` or with `handrail approve`",
		ErrApprovalPending, e.Approval.ID, e.Approval.Summary(), e.Approval.Rule)
}

// Is makes errors.Is(err, ErrApprovalPending) true.
func (e *ApprovalPendingError) Is(target error) bool { return target == ErrApprovalPending }

type approvals struct {
	cur []Approval
}

// SamePerson reports whether two identities may be the same person: the
// same key fingerprint, the same name (a team file's names are unique; an
// OS login counts as a name), or the same OS user. It errs on the side of
// "same", which only ever refuses an approval.
func SamePerson(a, b Operator) bool {
	eq := func(x, y string) bool {
		x, y = strings.TrimSpace(x), strings.TrimSpace(y)
		return x != "" && strings.EqualFold(x, y)
	}
	return eq(a.Key, b.Key) || eq(a.Name, b.Name) || eq(a.User, b.User) ||
		eq(a.Name, b.User) || eq(a.User, b.Name)
}

// approvalRule says why kind needs approval on the current step ("" when
// it does not).
func (e *Engine) approvalRule(kind string) string {
	if e.cur < 0 {
		return ""
	}
	st := e.units[e.cur].Step
	switch kind {
	case ApproveStep:
		if st.NeedsStepApproval() {
			return "the runbook marks this step approval: required"
		}
	case ApproveAction:
		if st.NeedsActionApproval() {
			return "the runbook marks this action approval: required"
		}
	case ApproveOverride:
		switch {
		case st.NeedsStepApproval():
			return "the runbook marks this step approval: required"
		case e.cfg.Runbook.NeedsOverrideApproval():
			return "the runbook marks every override approval: required"
		case e.cfg.Approval.LiveOverrides && e.start.Mode == ModeLive:
			return "the site policy requires approval for every live override"
		}
	}
	return ""
}

// matches reports whether a request asks for the same thing as want.
func (a Approval) matches(want ApprovalRequestData) bool {
	if a.Kind != want.Kind || a.Step != want.Step {
		return false
	}
	if a.Kind != ApproveOverride {
		return true
	}
	return slices.Equal(a.Checks, want.Checks) && a.Category == want.Category && a.Reason == want.Reason
}

// needApproval lets an act through when no rule asks for approval or a
// matching request was granted; otherwise it journals a request (unless
// one is already waiting) and refuses with *ApprovalPendingError.
func (e *Engine) needApproval(kind string, want ApprovalRequestData) error {
	rule := e.approvalRule(kind)
	if rule == "" {
		return nil
	}
	want.Kind, want.Step, want.Rule = kind, e.units[e.cur].Key, rule
	for _, a := range e.appr.cur {
		if a.Decision == DecisionGranted && !a.used && a.matches(want) {
			return nil
		}
	}
	for _, a := range e.appr.cur {
		if a.Decision == DecisionPending {
			if !a.matches(want) {
				return fmt.Errorf("request #%d (%s) is still waiting for an approver: wait for their decision first", a.ID, a.Summary())
			}
			return &ApprovalPendingError{Approval: a}
		}
	}
	want.Requester = e.cfg.Operator
	want.Evidence = e.evidence(nil)
	if err := e.emit(EvApprovalRequest, want); err != nil {
		return err
	}
	return &ApprovalPendingError{Approval: e.appr.cur[len(e.appr.cur)-1]}
}

// Decide records an approver's decision on request id of the current step,
// with a reason and the evidence now, and carries out a granted override
// (the gate opens) or step (it is left) at once. The requester can never decide their own request.
func (e *Engine) Decide(id uint64, approver Operator, grant bool, reason string) error {
	if err := e.live(); err != nil {
		return err
	}
	i := slices.IndexFunc(e.appr.cur, func(a Approval) bool { return a.ID == id })
	if i < 0 {
		return fmt.Errorf("approval: no request #%d waits on step %s (it was for another step visit, or never made)", id, e.units[e.cur].Key)
	}
	a := e.appr.cur[i]
	if a.Decision != DecisionPending {
		return fmt.Errorf("approval: request #%d was already %s by %s", id, a.Decision, a.Decided.Approver.Name)
	}
	if SamePerson(a.Requester, approver) {
		return fmt.Errorf("approval: request #%d: %w (%s asked for it): a different person with the approver role must decide", id, ErrSelfApproval, a.Requester.Name)
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < MinDecisionReason {
		return fmt.Errorf("approval: say why in at least %d characters (the reason has %d); it goes on the record", MinDecisionReason, n)
	}
	typ := EvApprovalReject
	if grant {
		typ = EvApprovalGrant
	}
	if err := e.emit(typ, ApprovalDecisionData{Request: id, Step: a.Step, Kind: a.Kind, Approver: approver,
		Reason: e.safe(reason), Evidence: e.evidence(nil)}); err != nil {
		return err
	}
	if !grant {
		return nil
	}
	var err error
	switch a.Kind {
	case ApproveOverride:
		err = e.Override(OverrideRequest{Checks: a.Checks, Category: a.Category, Reason: a.Reason, Confirmed: true})
	case ApproveStep:
		err = e.Next()
	}
	if err != nil {
		return fmt.Errorf("approval: granted and recorded, but carrying it out failed: %w; the operator can try again", err)
	}
	return nil
}

// Approvals lists the requests of the current step visit, oldest first.
func (e *Engine) Approvals() []Approval { return slices.Clone(e.appr.cur) }

// PendingApproval is the request that waits for a decision, if any.
func (e *Engine) PendingApproval() (Approval, bool) {
	for _, a := range e.appr.cur {
		if a.Decision == DecisionPending {
			return a, true
		}
	}
	return Approval{}, false
}

// applyApproval is apply's part for the rule: it applies the approval
// records (done=true) and follows the records that end a request's life (a
// step left or entered, a resume, the end) or use a grant.
func (e *Engine) applyApproval(rec journal.Record) (done bool, err error) {
	bad := func(err error) error {
		return fmt.Errorf("session: record %d (%s): %w", rec.Seq, rec.Type, err)
	}
	switch rec.Type {
	case EvApprovalRequest:
		var d ApprovalRequestData
		if err := decode(rec.Data, &d); err != nil {
			return true, bad(err)
		}
		e.appr.cur = append(e.appr.cur, Approval{ID: rec.Seq, At: rec.Time.UTC().Round(0), ApprovalRequestData: d})
		return true, nil
	case EvApprovalGrant, EvApprovalReject:
		var d ApprovalDecisionData
		if err := decode(rec.Data, &d); err != nil {
			return true, bad(err)
		}
		for i := range e.appr.cur {
			if e.appr.cur[i].ID == d.Request {
				e.appr.cur[i].Decision = DecisionRejected
				if rec.Type == EvApprovalGrant {
					e.appr.cur[i].Decision = DecisionGranted
				}
				e.appr.cur[i].Decided = &d
			}
		}
		return true, nil
	case EvStepEnter, EvStepDone, EvGoto, EvSessionResume, EvSessionEnd:
		e.appr.cur = nil
	case EvActionStart:
		e.useGrant(ApproveAction)
	case EvOverride:
		e.useGrant(ApproveOverride)
	}
	return false, nil
}

func (e *Engine) useGrant(kind string) {
	for i := range e.appr.cur {
		if e.appr.cur[i].Kind == kind && e.appr.cur[i].Decision == DecisionGranted {
			e.appr.cur[i].used = true
		}
	}
}
