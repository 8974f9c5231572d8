package report

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/handrail/handrail/steps/session"
)

// ApprovalEntry is one request for a second person's approval (the
// two-person rule) and its decision, from the journal's approval.request,
// approval.grant and approval.reject records: who asked, under which rule,
// for what, and who decided, with which key, why and when.
type ApprovalEntry struct {
	Seq       uint64
	Time      time.Time
	Kind      string // override, step, action
	Step      string
	Requester session.Operator
	Rule      string
	Category  string
	Reason    string
	Action    string
	// Decision is "granted", "rejected" or "" (never decided).
	Decision  string
	DecidedAt time.Time
	Approver  session.Operator
	Why       string
}

// Approvals lists every request with its decision, in journal order, from
// the records the report's first reading kept.
func (r *Report) Approvals() []ApprovalEntry {
	var out []ApprovalEntry
	at := map[uint64]int{}
	for _, rec := range r.approvals {
		switch rec.Type {
		case session.EvApprovalRequest:
			var d session.ApprovalRequestData
			if json.Unmarshal(rec.Data, &d) != nil {
				continue
			}
			at[rec.Seq] = len(out)
			out = append(out, ApprovalEntry{Seq: rec.Seq, Time: rec.Time, Kind: d.Kind, Step: d.Step, Requester: d.Requester,
				Rule: d.Rule, Category: d.Category, Reason: d.Reason, Action: d.Action})
		case session.EvApprovalGrant, session.EvApprovalReject:
			var d session.ApprovalDecisionData
			if json.Unmarshal(rec.Data, &d) != nil {
				continue
			}
			i, ok := at[d.Request]
			if !ok {
				continue
			}
			e := &out[i]
			e.Decision, e.DecidedAt, e.Approver, e.Why = session.DecisionGranted, rec.Time, d.Approver, d.Reason
			if rec.Type == session.EvApprovalReject {
				e.Decision = session.DecisionRejected
			}
		}
	}
	return out
}

// ApprovalOf is the granted override approval that an override of step at
// t used: the latest one granted for that step before it (nil when the
// override needed none).
func (r *Report) ApprovalOf(o Override) *ApprovalEntry {
	var found *ApprovalEntry
	for _, e := range r.Approvals() {
		if e.Kind == session.ApproveOverride && e.Step == o.Step && e.Decision == session.DecisionGranted && !e.DecidedAt.After(o.Time) {
			e := e
			found = &e
		}
	}
	return found
}

// Who names a person with how they were identified: their name, the OS
// account and host, and the SSH key they authenticated with to serve.
func Who(p session.Operator) string {
	var how []string
	if p.User != "" {
		h := p.User
		if p.Host != "" {
			h += "@" + p.Host
		}
		how = append(how, h)
	}
	if p.Key != "" {
		how = append(how, "key "+p.Key)
	}
	if p.SSHClient != "" {
		how = append(how, "from "+p.SSHClient)
	}
	if len(how) == 0 {
		return p.Name
	}
	return p.Name + " (" + strings.Join(how, ", ") + ")"
}

// approvalWhat says what a request asked for, in a few words.
func approvalWhat(a ApprovalEntry) string {
	switch a.Kind {
	case session.ApproveOverride:
		s := "override"
		if a.Category != "" {
			s += " (" + a.Category + ")"
		}
		if a.Reason != "" {
			s += ": " + a.Reason
		}
		return s
	case session.ApproveAction:
		return "action: " + a.Action
	}
	return a.Kind
}
