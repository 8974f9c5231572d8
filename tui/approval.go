package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// The two-person rule on screen (docs/serve.md): the gate bar shows a
// request that waits (to the operator: "waiting for approval"; to an
// approver: "A to decide"), and the approval dialog lets a different person
// with the approver role approve or reject it with a reason, the request's
// evidence in front of them.

// ApprovalView is the current step's latest approval request.
type ApprovalView struct {
	ID        uint64
	Kind      string
	Step      string
	Summary   string
	Rule      string
	Requester session.Operator
	At        time.Time
	// Decision is "" while it waits, else granted or rejected, by Approver
	// with DecisionReason.
	Decision       string
	Approver       string
	DecisionReason string
}

// Pending reports whether the request still waits for a decision.
func (a *ApprovalView) Pending() bool { return a != nil && a.Decision == session.DecisionPending }

// approvalOf is the engine's latest request of the current step visit.
func approvalOf(eng *session.Engine) *ApprovalView {
	all := eng.Approvals()
	if len(all) == 0 {
		return nil
	}
	a := all[len(all)-1]
	v := &ApprovalView{ID: a.ID, Kind: a.Kind, Step: a.Step, Summary: a.Summary(), Rule: a.Rule,
		Requester: a.Requester, At: a.At, Decision: a.Decision}
	if a.Decided != nil {
		v.Approver, v.DecisionReason = a.Decided.Approver.Name, a.Decided.Reason
	}
	return v
}

// Decider is a Runtime through which the person at this console may decide
// approval requests (serve's consoles). The console offers the approval
// dialog only over a Decider.
type Decider interface {
	// MayDecide says whether this console's person may decide a, and if
	// not, why (the requester never may).
	MayDecide(a ApprovalView) (bool, string)
	// Decide records this console's person's decision on request id.
	Decide(id uint64, grant bool, reason string) (Snapshot, error)
}

// DecideAs records who's decision on request id through the engine (which
// refuses the requester's own), and carries out a granted override or step.
// serve's consoles and `handrail approve` call it with the identity they
// authenticated.
func (l *Live) DecideAs(who session.Operator, id uint64, grant bool, reason string) (Snapshot, error) {
	s, err := l.do(func(e *session.Engine) error { return e.Decide(id, who, grant, reason) })
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return s, err
}

// PendingApproval is the request that waits for a decision, with the
// evidence of the current step's checks as the engine holds them now.
func (l *Live) PendingApproval() (session.Approval, []session.Evidence, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.r.Engine()
	a, ok := e.PendingApproval()
	if !ok {
		return session.Approval{}, nil, false
	}
	var ev []session.Evidence
	for _, c := range e.Checks() {
		one := session.Evidence{Check: c.Check.ID, Ticked: c.Ticked, Status: "no result"}
		if c.Last != nil {
			one.Status, one.Verdict, one.Observation = c.Last.Status.String(), c.Last.Verdict, c.Last.Obs
		}
		ev = append(ev, one)
	}
	return a, ev, true
}

// approvalBanner is the gate bar's line while a request waits, or after it
// was rejected; "" when there is nothing to say.
func (m Model) approvalBanner() string {
	a := m.snap.Approval
	if a == nil {
		return ""
	}
	s := m.styles
	who := termtext.Line(a.Requester.Name)
	switch a.Decision {
	case session.DecisionPending:
		since := ""
		if !a.At.IsZero() {
			since = " for " + clock(m.now.Sub(a.At))
		}
		if d, ok := m.rt.(Decider); ok {
			if may, _ := d.MayDecide(*a); may {
				return s.Warn.Render(fmt.Sprintf("⚑ approval #%d waits%s · ", a.ID, since)) + s.Bold.Render("A to decide") +
					s.Warn.Render(" · "+who+" asks to ") + termtext.Line(a.Summary)
			}
		}
		return s.Warn.Render(fmt.Sprintf("⚑ waiting for approval #%d%s: ", a.ID, since)) + termtext.Line(a.Summary) +
			s.Dim.Render("  (a different person with the approver role decides)")
	case session.DecisionRejected:
		return s.Fail.Render(fmt.Sprintf("⚑ request #%d rejected by %s: ", a.ID, termtext.Line(a.Approver))) + termtext.Line(a.DecisionReason)
	}
	return ""
}

// approvalKey opens the approval dialog on A; ok=false passes the key on.
func (m Model) approvalKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	if k.String() != "A" {
		return m, nil, false
	}
	d, isDecider := m.rt.(Decider)
	a := m.snap.Approval
	switch {
	case !a.Pending():
		m.setFlash("no approval request waits on this step", true)
		return m, nil, true
	case !isDecider:
		m.setFlash(fmt.Sprintf("approval #%d: decide it from handrail serve, or with `%s` as another user", a.ID, m.command("approve")), true)
		return m, nil, true
	}
	if may, why := d.MayDecide(*a); !may {
		m.setFlash(why, true)
		return m, nil, true
	}
	mm, cmd := m.openDialog(newApprovalDialog(*a, m.snap, m.styles))
	return mm, cmd, true
}

// finishApproval acts on the approval dialog's result; ok=false for any
// other result.
func (m Model) finishApproval(res any) (tea.Model, tea.Cmd, bool) {
	r, ok := res.(resDecide)
	if !ok {
		return m, nil, false
	}
	m.dialog = nil
	d, isDecider := m.rt.(Decider)
	if !isDecider {
		return m, nil, true
	}
	m.busy = "approval"
	return m, func() tea.Msg {
		s, err := d.Decide(r.id, r.grant, r.reason)
		return doneMsg{op: "approval", snap: s, err: err}
	}, true
}

// pendingFlash is what the console says when the engine answered that an
// act waits for approval ("" for any other error).
func pendingFlash(err error) string {
	var pe *session.ApprovalPendingError
	if !errors.As(err, &pe) {
		return ""
	}
	return fmt.Sprintf("asked for approval (#%d): it happens once a different person with the approver role approves", pe.Approval.ID)
}

// resDecide is the approval dialog's result.
type resDecide struct {
	id     uint64
	grant  bool
	reason string
}

// approvalDialog shows a request with the evidence on screen now, and takes
// a decision and its reason.
type approvalDialog struct {
	a        ApprovalView
	step     string // the step it is on, as every dialog names it
	evidence []string
	grant    bool
	onPick   bool
	ta       textarea.Model
	btn      buttons
	onBtn    bool
	armed    bool
	width    int
	height   int
	problem  string
	s        Styles
}

func newApprovalDialog(a ApprovalView, snap Snapshot, s Styles) approvalDialog {
	d := approvalDialog{a: a, onPick: true, s: s, step: termtext.Line(a.Step),
		ta:  newTextarea(s, "Why: what you checked, what you accept"),
		btn: buttons{labels: [2]string{"Cancel", "Record"}, focus: 1}}
	for _, c := range snap.Checks {
		d.evidence = append(d.evidence, evidenceLine(c, s))
	}
	if st, ok := snap.CurrentStep(); ok && st.ID+stepItemSuffix(st.Item) == a.Step {
		d.step = stepLabel(st) + " (" + termtext.Line(a.Step) + ")"
	}
	return d
}

// evidenceLine is one check of the current step as the approver sees it:
// its status and every field, actual against expected.
func evidenceLine(c CheckView, s Styles) string {
	id := termtext.Line(c.Check.ID)
	if c.Check.Kind == "manual" {
		if c.Ticked {
			return "  " + s.Sym.Ticked + " " + id
		}
		return "  " + s.Sym.Unticked + " " + id + s.Dim.Render(" (not ticked)")
	}
	if !c.HasResult {
		return "  " + id + ": " + s.Wait.Render("no answer yet")
	}
	out := "  " + id + ": " + c.Result.Status.String()
	if e := c.Result.Obs.Error; e != "" {
		out += " · error: " + termtext.Line(e)
	}
	for _, f := range c.Result.Verdict.Fields {
		mark := s.Pass.Render(s.Sym.Pass)
		if !f.Pass {
			mark = s.Fail.Render(s.Sym.Fail)
		}
		out += fmt.Sprintf(" · %s=%s %s", termtext.Line(f.Field), termtext.Line(f.Shown()), mark)
	}
	return out
}

func (d approvalDialog) init() tea.Cmd { return nil }
func (d approvalDialog) arm() dialog   { d.armed = true; return d }
func (d approvalDialog) resize(width, height int) dialog {
	d.width, d.height = width, height
	d.ta.SetWidth(max(10, width-4))
	d.ta.SetHeight(3)
	return d
}

func (d approvalDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		var cmd tea.Cmd
		d.ta, cmd = d.ta.Update(msg)
		return d, nil, cmd
	}
	if k.String() == "esc" {
		return d, resCancel{}, nil
	}
	if !d.armed {
		return d, nil, nil
	}
	d.problem = ""
	switch {
	case d.onPick:
		switch k.String() {
		case "left", "h", "right", "l", "space":
			d.grant = !d.grant
		case "tab", "enter":
			d.onPick = false
			cmd := d.ta.Focus()
			return d, nil, cmd
		}
		return d, nil, nil
	case !d.onBtn:
		switch k.String() {
		case "tab":
			d.onBtn = true
			d.ta.Blur()
			return d, nil, nil
		case "shift+tab":
			d.onPick = true
			d.ta.Blur()
			return d, nil, nil
		}
		var cmd tea.Cmd
		d.ta, cmd = d.ta.Update(k)
		return d, nil, cmd
	}
	switch {
	case k.String() == "shift+tab", k.String() == "up":
		d.onBtn = false
		cmd := d.ta.Focus()
		return d, nil, cmd
	case d.btn.move(k.String()):
	case k.String() == "enter":
		if d.btn.focus == 0 {
			return d, resCancel{}, nil
		}
		reason := strings.TrimSpace(d.ta.Value())
		if n := utf8.RuneCountInString(reason); n < session.MinDecisionReason {
			d.problem = fmt.Sprintf("say why in at least %d characters (%d so far): it goes on the record", session.MinDecisionReason, n)
			return d, nil, nil
		}
		return d, resDecide{id: d.a.ID, grant: d.grant, reason: reason}, nil
	}
	return d, nil, nil
}

func (d approvalDialog) view() string {
	s := d.s
	a := d.a
	lines := []string{
		s.DialogTitle.Render(fmt.Sprintf("Approval request #%d", a.ID)),
		s.Dim.Render("on: " + d.step),
		"",
		termtext.Line(a.Requester.Name) + s.Dim.Render(" ("+termtext.Line(requesterFrom(a.Requester))+")") + " asks to",
		"  " + termtext.Line(a.Summary),
		s.Dim.Render("because " + termtext.Line(a.Rule)),
		"",
		s.Bold.Render("The checks now:"),
	}
	lines = append(lines, d.evidence...)
	choice := "( ) approve   (" + s.Sym.Current + ") reject"
	if d.grant {
		choice = "(" + s.Sym.Current + ") approve   ( ) reject"
	}
	if d.onPick {
		choice = s.Bold.Render(choice)
	}
	lines = append(lines, "", choice, "", d.ta.View(), d.btn.view(s, d.onBtn))
	if d.problem != "" {
		lines = append(lines, s.Fail.Render(d.problem))
	}
	lines = append(lines, "", s.Dim.Render("←/→ approve or reject · tab next · enter on Record · esc cancel"),
		s.Dim.Render("journaled with your name, your key and the checks above"))
	// The decision and the buttons stay in view; the evidence scrolls.
	return frame(s, d.width, d.height, lines, len(lines)-8, len(lines)-1)
}

func requesterFrom(o session.Operator) string {
	var parts []string
	if o.Key != "" {
		parts = append(parts, o.Key)
	}
	if o.SSHClient != "" {
		parts = append(parts, "from "+o.SSHClient)
	}
	if o.User != "" && o.Key == "" {
		parts = append(parts, "user "+o.User)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}
