package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// Recovery on screen (docs/console.md, "Recovery and rehearsal"): a check
// that cannot reach its target says so, with the error and for how long,
// and the keys that help (r retry now, p re-enter a password, o override,
// q quit); the on_fail goto is offered in the gate bar and taken only
// after a confirmation; the on_fail advice stays in the gate bar until the
// step is left; a resumed, suspended session says so and goes on only on
// the operator's explicit choice, with a reason.

// RecoveryView is where the session stands on the manual's recovery
// paths, copied out of the engine with the rest of the snapshot.
type RecoveryView struct {
	// Goto is the step the current step's on_fail offers to go to, once
	// one of its checks failed ("" when none is offered); GotoTitle is its
	// title and GotoIndex its index in Snapshot.Steps (-1 when unknown).
	Goto, GotoTitle string
	GotoIndex       int
	// Failed names what fired the on_fail (a check id, or "the action");
	// FailedAction is the failed action and its error, when it was the
	// action (fails_step); Say is the on_fail's advice ("" when none fired
	// on this visit).
	Failed, FailedAction, Say string
	// Suspended: a halt stopped the session at HaltStep (HaltReason); it
	// was resumed and has not been continued yet.
	Suspended            bool
	HaltStep, HaltReason string
	// ChecksPass: every required check of the current step passes on
	// fresh data (manual ones ticked), actions and a suspension aside.
	ChecksPass bool
}

// recoveryOf copies the recovery state out of an engine.
func recoveryOf(eng *session.Engine) RecoveryView {
	v := RecoveryView{GotoIndex: -1}
	if to, ok := eng.GotoOffer(); ok {
		v.Goto = to
		for _, sv := range eng.Steps() {
			if sv.ID == to || sv.Key == to {
				v.GotoTitle, v.GotoIndex = sv.Title, sv.Index
				break
			}
		}
	}
	if of := eng.OnFail(); of != nil {
		v.Say, v.Failed = of.Say, of.Check
		if of.Action != "" {
			v.Failed, v.FailedAction = "the action", of.Action
		}
	}
	v.Suspended = eng.Suspended() && eng.Ended() == ""
	v.HaltStep, v.HaltReason = eng.HaltStep(), eng.HaltReason()
	v.ChecksPass = eng.ChecksPass()
	return v
}

// Recoverer is a Runtime through which the operator can follow the
// manual's recovery paths (Live; serve's driving consoles forward to it).
// The console offers g, C and p only over a Recoverer.
type Recoverer interface {
	// Goto follows the current step's on_fail goto to step; calling it is
	// the operator's confirmation (journaled with confirmed_by).
	Goto(step string) (Snapshot, error)
	// Continue ends a suspension, with the operator's reason
	// (session.continue).
	Continue(reason string) (Snapshot, error)
	// SetCredentials hands a re-entered password for target to the
	// driver, journals that it was re-entered (never the value) and
	// re-checks at once.
	SetCredentials(target string, password checks.Secret) (Snapshot, error)
}

var _ Recoverer = (*Live)(nil)

// Goto is Engine.Goto: the operator confirmed the on_fail goto.
func (l *Live) Goto(step string) (Snapshot, error) {
	return l.do(func(e *session.Engine) error { return e.Goto(step) })
}

// Continue is Engine.Continue.
func (l *Live) Continue(reason string) (Snapshot, error) {
	return l.do(func(e *session.Engine) error { return e.Continue(reason) })
}

// SetCredentials is Runner.SetCredentials with the password re-entered in
// the console (the user and a DSN's other parts are kept by the driver's
// owner).
func (l *Live) SetCredentials(target string, password checks.Secret) (Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.r.SetCredentials(target, checks.Credentials{Password: password, Source: "re-entered in the console"})
	l.r.Sync()
	return l.snapshotLocked(), err
}

// recoveryKeys are the keys of this file, world.go and debrief.go (in
// keyMap as Recovery, for the help).
type recoveryKeys struct {
	Goto, Credentials, Continue, Skip, Debrief key.Binding
}

func newRecoveryKeys() recoveryKeys {
	return recoveryKeys{
		Goto:        key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "on_fail goto")),
		Credentials: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "re-enter password")),
		Continue:    key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "continue suspended")),
		Skip:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip wait (rehearsal)")),
		Debrief:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "debrief (rehearsal)")),
	}
}

// setReadOnly disables the keys that change the session (watch mode).
func (k *recoveryKeys) setReadOnly() {
	for _, b := range []*key.Binding{&k.Goto, &k.Credentials, &k.Continue, &k.Skip, &k.Debrief} {
		b.SetEnabled(false)
	}
}

// recoveryState is the console's own state for recovery and rehearsal
// (one field of Model).
type recoveryState struct {
	world   WorldView
	worldAt time.Time // when world was fetched (wall clock)
	// worldBusy: a fetch of the world is under way.
	worldBusy bool
	debrief   debriefState
}

// recoveryMsg answers a recovery request (goto, continue, credentials,
// skip).
type recoveryMsg struct {
	op    string
	snap  Snapshot
	err   error
	flash string // what to say when it worked
}

// recoveryKey handles g, p, C, s and d; ok=false passes the key on.
func (m Model) recoveryKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	km := newRecoveryKeys()
	if !key.Matches(k, km.Goto, km.Credentials, km.Continue, km.Skip, km.Debrief) {
		return m, nil, false
	}
	if key.Matches(k, km.Debrief) {
		mm, cmd := m.toggleDebrief()
		return mm, cmd, true
	}
	refuse := func(why string) (tea.Model, tea.Cmd, bool) {
		m.setFlash(why, true)
		return m, nil, true
	}
	switch {
	case m.snap.ReadOnly:
		return refuse("watch mode is read-only")
	case m.closed || m.snap.Ended != "":
		return refuse("the session has ended; q to leave")
	case m.busy != "":
		return refuse("wait: " + m.busy + " is under way")
	case m.list.browse >= 0 && m.list.browse != m.snap.Current:
		return refuse("browsing another step: press c to return to the current one first")
	}
	if key.Matches(k, km.Skip) {
		mm, cmd := m.skipWait()
		return mm, cmd, true
	}
	if _, ok := m.rt.(Recoverer); !ok {
		return refuse("this console cannot change the session's course: use handrail resume in a terminal of its own")
	}
	var mm tea.Model
	var cmd tea.Cmd
	switch {
	case key.Matches(k, km.Goto):
		mm, cmd = m.openGoto()
	case key.Matches(k, km.Credentials):
		mm, cmd = m.openCredentials()
	default:
		mm, cmd = m.openContinue()
	}
	return mm, cmd, true
}

// stepNo is the number of the step at index i, as every view shows it
// (StepView.Number: the runbook's own numbering); 0 when unknown.
func stepNo(s Snapshot, i int) int {
	if i < 0 || i >= len(s.Steps) {
		return 0
	}
	return s.Steps[i].Number
}

// gotoLabel names the offered step: "step 18" and, apart, what it is
// ("s1-upgrade: S1: upgrade, source step 14"; "" when the step is not
// numbered).
func gotoLabel(s Snapshot) (step, what string) {
	rv := s.Recovery
	n := stepNo(s, rv.GotoIndex)
	if n == 0 {
		return "step " + termtext.Line(rv.Goto), ""
	}
	what = termtext.Line(rv.Goto)
	if rv.GotoTitle != "" {
		what += ": " + termtext.Line(rv.GotoTitle)
	}
	if src := s.Steps[rv.GotoIndex].Step.SourceStep; len(src) > 0 {
		what += ", source step " + termtext.Line(strings.Join(src, ", "))
	}
	return fmt.Sprintf("step %d", n), what
}

// gotoText is the offered step in full: "step 18 (s1-upgrade: …)".
func gotoText(s Snapshot) string {
	step, what := gotoLabel(s)
	if what == "" {
		return step
	}
	return step + " (" + what + ")"
}

func (m Model) openGoto() (tea.Model, tea.Cmd) {
	rv := m.snap.Recovery
	if rv.Suspended {
		m.setFlash(suspendedRefusal+", then take the goto", true)
		return m, nil
	}
	if rv.Goto == "" {
		m.setFlash("no goto is offered now: the runbook offers one only after a check of this step fails and its on_fail names a step", true)
		return m, nil
	}
	st, _ := m.snap.CurrentStep()
	failed := rv.Failed
	if failed == "" {
		failed = "a check"
	}
	body := []string{
		termtext.Line(failed) + " failed. The runbook says: go to " + gotoText(m.snap) + ".",
	}
	if rv.FailedAction != "" {
		body = append(append(body, ""), textLines(nil, rv.FailedAction, m.dialogWidth()-6, 4)...)
	}
	if rv.Say != "" {
		body = append(body, "", "On fail: "+termtext.Line(rv.Say))
	}
	body = append(body, "", "This step is left as failed; the goto is journaled with your name.")
	return m.openDialog(newConfirm("Take the on_fail goto", stepLabel(st), body, "Stay", "Go", resGoto{step: rv.Goto}, m.styles))
}

func (m Model) openContinue() (tea.Model, tea.Cmd) {
	if !m.snap.Recovery.Suspended {
		m.setFlash("the session is not suspended: nothing to continue", true)
		return m, nil
	}
	return m.openDialog(newContinueDialog(m.snap, m.styles))
}

// Dialog results of this file and credentials.go.
type (
	resGoto        struct{ step string }
	resContinue    struct{ reason string }
	resCredentials struct {
		target   string
		password checks.Secret
	}
)

// finishRecovery acts on a recovery dialog's result; ok=false for any
// other result.
func (m Model) finishRecovery(res any) (tea.Model, tea.Cmd, bool) {
	rc, isRec := m.rt.(Recoverer)
	var cmd tea.Cmd
	switch r := res.(type) {
	case resGoto:
		m.busy = "goto"
		cmd = func() tea.Msg {
			s, err := rc.Goto(r.step)
			return recoveryMsg{op: "goto", snap: s, err: err, flash: "gone to step " + termtext.Line(r.step) + " (on the record)"}
		}
	case resContinue:
		m.busy = "continue"
		cmd = func() tea.Msg {
			s, err := rc.Continue(r.reason)
			return recoveryMsg{op: "continue", snap: s, err: err, flash: "continued: the suspension is over (on the record)"}
		}
	case resCredentials:
		m.busy = "credentials"
		cmd = func() tea.Msg {
			s, err := rc.SetCredentials(r.target, r.password)
			return recoveryMsg{op: "credentials", snap: s, err: err,
				flash: "password for " + termtext.Line(r.target) + " re-entered (on the record, never the value): checking again"}
		}
	default:
		return m, nil, false
	}
	m.dialog = nil
	if !isRec {
		m.busy = ""
		return m, nil, true
	}
	return m, cmd, true
}

// recoveryPre handles this file's and world.go's messages before the
// console's own; ok=false passes msg on.
func (m Model) recoveryPre(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case recoveryMsg:
		m.busy = ""
		var settle tea.Cmd
		if msg.snap.Seq > 0 && m.apply(msg.snap) {
			settle = m.startSettle()
		}
		if msg.err != nil {
			m.setFlash(msg.op+" refused: "+msg.err.Error(), true)
		} else if msg.flash != "" {
			m.setFlash(msg.flash, false)
		}
		// The commands first: they note what they started in m.
		cmd := tea.Batch(settle, m.spinIfNeeded())
		if msg.op == "skip" {
			cmd = tea.Batch(cmd, m.fetchWorld())
		}
		return m, cmd, true
	case worldMsg:
		m.rx.worldBusy = false
		m.rx.world, m.rx.worldAt = msg.w, msg.at
		return m, nil, true
	case debriefMsg:
		m.rx.debrief.md, m.rx.debrief.err, m.rx.debrief.ready = msg.md, msg.err, true
		m.renderDebrief()
		if msg.err != nil {
			return m, nil, true
		}
		if m.snap.Ended == session.EndHalted {
			// A halt keeps the failure on screen (the panel that failed,
			// the runbook's instruction): the trainee reads what stopped
			// the session first, and opens the debrief with d.
			m.setFlash("the graded debrief is ready: press d", false)
			return m, nil, true
		}
		m.rx.debrief.shown = true
		m.pane.offset = 0
		return m, nil, true
	}
	return m, nil, false
}

// recoveryPost runs after the console handled msg: the simulated world is
// fetched again each second, the debrief once the rehearsal has ended, and
// the debrief is rendered again for a new width or background.
func (m Model) recoveryPost(msg tea.Msg) (Model, tea.Cmd) {
	switch msg.(type) {
	case clockMsg, eventMsg:
		// The commands first: they note what they started in m.
		cmd := m.fetchDebrief()
		if m.rx.worldAt.IsZero() || m.now.Sub(m.rx.worldAt) >= clockEvery {
			cmd = tea.Batch(cmd, m.fetchWorld())
		}
		return m, cmd
	case doneMsg, recoveryMsg, actionMsg:
		cmd := m.fetchDebrief()
		return m, cmd
	case tea.WindowSizeMsg, tea.BackgroundColorMsg:
		m.renderDebrief()
	case tea.KeyPressMsg:
		if m.debriefShown() {
			// pgdn scrolls the pane's offset, which knows no end here.
			m.pane.offset = min(max(0, m.pane.offset), m.debriefMaxOffset(m.bodyHeight()))
		}
	}
	return m, nil
}

// recoveryBanner is the gate bar's line for what recovery needs in view
// ("" when there is nothing to say): a suspension, the on_fail goto on
// offer, a target that cannot be reached, the on_fail advice. Each line is
// what, the keys that help, then the details (the server's error, the
// runbook's advice) cut to what is left of the line. The texts come from
// the runbook and the servers: each is made safe and cut before anything
// measures it.
func (m Model) recoveryBanner() string {
	s := m.styles
	snap := m.snap
	if snap.Ended != "" {
		return ""
	}
	rv := snap.Recovery
	fit := func(t string) string { return oneLine(t, m.width) }
	sep := s.Dim.Render(" · ")
	switch {
	case rv.Suspended:
		now := s.Fail.Render("checks fail now")
		if rv.ChecksPass {
			now = s.Pass.Render(s.Sym.Pass + " checks pass now")
		}
		return m.bannerLine(s.GateClosed.Render("⏸ SUSPENDED at "+fit(rv.HaltStep))+sep+now+sep+
			s.Bold.Render("C")+" continue"+sep+"q quit", sep, "halted: "+rv.HaltReason)
	case rv.Goto != "":
		step, what := gotoLabel(snap)
		lead := s.GateClosed.Render(s.Sym.Fail+" "+ansi.Truncate(fit(orWord(rv.Failed, "a check")), 30, "…")+" failed") + sep +
			"the runbook says: go to " + step + " — press " + s.Bold.Render("g")
		var detail []string
		if what != "" {
			detail = append(detail, what)
		}
		if rv.Say != "" {
			detail = append(detail, "on fail: "+rv.Say)
		}
		if len(detail) == 0 {
			return lead
		}
		return m.bannerLine(lead, sep, strings.Join(detail, " · "))
	}
	if u, ok := unreachableCheck(snap); ok {
		what := "cannot reach " + fit(orWord(u.Check.Target, u.Check.ID))
		if d := unreachableFor(u.Result, snap.SessionNow(m.now)); d != "" {
			what += " for " + d
		}
		keys := "r retry · o override · q quit"
		if logsIn(snap.Targets[u.Check.Target]) {
			keys = "r retry · p password · o override · q quit"
		}
		return m.bannerLine(s.GateClosed.Render(s.Sym.Fail+" "+what)+sep+keys, sep, unreachableWhy(u.Result))
	}
	if rv.Say != "" {
		lead := s.GateClosed.Render(s.Sym.Fail + " blocked")
		if snap.Gate.Open {
			lead = s.GateOpen.Render(s.Sym.Pass + " ready: press n")
		}
		return m.bannerLine(lead, sep, "on fail ("+ansi.Truncate(fit(orWord(rv.Failed, "a check")), 30, "…")+" failed): "+rv.Say)
	}
	return ""
}

// bannerLine is lead, then sep and the untrusted detail cut to what the
// line has left (made safe first; nothing when no room is left).
func (m Model) bannerLine(lead, sep, detail string) string {
	room := m.width - ansi.StringWidth(lead) - ansi.StringWidth(sep)
	if room < 8 {
		return lead
	}
	d := oneLine(detail, room)
	if ansi.StringWidth(d) > room {
		d = ansi.Truncate(d, room, "…")
	}
	return lead + sep + m.styles.Warn.Render(d)
}

func orWord(s, instead string) string {
	if s == "" {
		return instead
	}
	return s
}

// unreachableCheck is the first required check of the current step that
// cannot reach its target.
func unreachableCheck(s Snapshot) (CheckView, bool) {
	for _, c := range s.Checks {
		if c.HasResult && !c.Check.Optional && c.Result.Status == checks.StatusUnreachable {
			return c, true
		}
	}
	return CheckView{}, false
}

// unreachableWhy is the error of a probe that got no data, in words.
func unreachableWhy(r checks.Result) string {
	switch {
	case r.Obs.Error != "":
		return r.Obs.Error
	case r.Obs.State != "":
		return r.Obs.State
	case r.Verdict.Reason != "":
		return r.Verdict.Reason
	}
	return "no answer"
}

// unreachableFor is how long a check has been unreachable at now ("" when
// it is not, or the poller did not say since when).
func unreachableFor(r checks.Result, now time.Time) string {
	if r.Status != checks.StatusUnreachable || r.Since.IsZero() {
		return ""
	}
	return short(max(now.Sub(r.Since), 0))
}

// unreachableStatus is the panel's status word for an unreachable check:
// "unreachable for 20s".
func (m Model) unreachableStatus(r checks.Result) string {
	if d := unreachableFor(r, m.snap.SessionNow(m.now)); d != "" {
		return "unreachable for " + d
	}
	return "unreachable"
}

// logsIn reports whether a target logs in with a password one can
// re-enter (mysql and soliddb).
func logsIn(t checks.Target) bool {
	return t.Kind == checks.TargetMySQL || t.Kind == checks.TargetSolid
}

// continueDialog ends a suspension: it shows why the session halted and
// the halting step's checks as they stand, takes a reason, and while the
// checks do not all pass asks once more (type continue).
type continueDialog struct {
	note    noteDialog
	pass    bool
	halt    string // why it halted, safe
	checks  []string
	confirm bool // the checks fail: typing continue is asked for
	typed   string
	// read is the line kept at the top while the operator reads why it
	// halted and the checks (pgup/pgdn: nothing there is cut); 0: the
	// reason and the buttons are in view.
	read int
	s    Styles
}

func newContinueDialog(snap Snapshot, s Styles) continueDialog {
	st, _ := snap.CurrentStep()
	n := newNoteDialog(st, s)
	n.ta.Placeholder = "Why is it safe to go on now? What was fixed, who checked it?"
	n.btn.labels = [2]string{"Stay suspended", "Continue"}
	d := continueDialog{note: n, pass: snap.Recovery.ChecksPass, s: s,
		halt: termtext.Line("Halted at " + snap.Recovery.HaltStep + ": " + snap.Recovery.HaltReason)}
	for _, c := range snap.Checks {
		d.checks = append(d.checks, evidenceLine(c, s))
	}
	return d
}

func (d continueDialog) init() tea.Cmd { return nil }
func (d continueDialog) arm() dialog   { d.note.armed = true; return d }
func (d continueDialog) resize(width, height int) dialog {
	d.note = d.note.resize(width, height).(noteDialog)
	d.note.ta.SetHeight(2)
	return d
}

func (d continueDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey && (k.String() == "pgup" || k.String() == "pgdown") {
		// Scroll the halt and the checks; the reason keeps what was typed.
		end := len(d.readLines())
		page := max(1, d.note.height/2)
		switch {
		case k.String() == "pgup" && d.read == 0:
			d.read = max(1, end-page)
		case k.String() == "pgup":
			d.read = max(1, d.read-page)
		case d.read > 0:
			if d.read += page; d.read >= end {
				d.read = 0
			}
		}
		return d, nil, nil
	}
	if d.confirm && isKey {
		switch k.String() {
		case "esc":
			return d, resCancel{}, nil
		case "shift+tab":
			d.confirm, d.typed = false, ""
			return d, nil, nil
		case "backspace":
			if r := []rune(d.typed); len(r) > 0 {
				d.typed = string(r[:len(r)-1])
			}
		case "enter":
			if strings.TrimSpace(d.typed) == "continue" {
				return d, resContinue{reason: strings.TrimSpace(d.note.ta.Value())}, nil
			}
			d.note.problem = "type continue and press enter to go on anyway, or esc to stay suspended"
		default:
			if k.Text != "" && len(d.typed) < 16 {
				d.typed += k.Text
			}
		}
		return d, nil, nil
	}
	n, res, cmd := d.note.update(msg)
	d.note = n.(noteDialog)
	r, ok := res.(resNote)
	if !ok {
		return d, res, cmd
	}
	if l := len([]rune(r.text)); l < session.MinReason {
		d.note.problem = fmt.Sprintf("say why in at least %d characters (%d so far): it goes on the record", session.MinReason, l)
		return d, nil, nil
	}
	if !d.pass {
		d.confirm, d.note.problem = true, ""
		return d, nil, nil
	}
	return d, resContinue{reason: r.text}, nil
}

func (d continueDialog) view() string {
	s := d.s
	lines := d.readLines()
	lines = append(lines, "", fmt.Sprintf("Why is it safe to go on? (at least %d characters; on the record)", session.MinReason),
		d.note.ta.View(), d.note.btn.view(s, d.note.onBtn && !d.confirm))
	if d.confirm {
		lines = append(lines, s.Warn.Render("The checks do not all pass. Type continue to go on anyway (on the record):"),
			"  > "+termtext.Line(d.typed))
	}
	if d.note.problem != "" {
		lines = append(lines, s.Fail.Render(d.note.problem))
	}
	hint := "tab to the buttons · enter on Continue · esc stays suspended"
	if d.confirm {
		hint = "type continue, then enter · shift+tab back · esc stays suspended"
	}
	hint += " · pgup/pgdn read it all"
	lines = append(lines, s.Dim.Render(hint))
	if d.read > 0 {
		// The operator reads the halt and the checks: from line read on.
		return frame(s, d.note.width, d.note.height, lines, d.read, d.read)
	}
	// Keep the reason, its buttons and what to type in view when the
	// dialog scrolls.
	return frame(s, d.note.width, d.note.height, lines, max(0, len(lines)-6), len(lines)-1)
}

// maxEvidenceLines is how many lines of the continue dialog one check's
// state may take.
const maxEvidenceLines = 40

// readLines are the dialog's title, why the session halted and the
// halting step's checks now, whole and wrapped to the dialog: a long
// reason scrolls (pgup/pgdn) rather than being cut.
func (d continueDialog) readLines() []string {
	s := d.s
	inner := max(10, d.note.width-4)
	lines := []string{s.DialogTitle.Render("Continue the suspended session") + s.Dim.Render("  on: "+d.note.step)}
	lines = append(lines, textLines(nil, d.halt, inner, 0)...)
	lines = append(lines, s.Bold.Render("Its checks now:"))
	for _, c := range d.checks {
		// A check's error may be long output: enough of it to read, the
		// rest is in the values viewer (enter) once the dialog is closed.
		lines = append(lines, hanging("", c, inner, maxEvidenceLines)...)
	}
	if d.pass {
		lines = append(lines, s.Pass.Render(s.Sym.Pass+" they pass now"))
	} else {
		lines = append(lines, s.Fail.Render(s.Sym.Fail+" they do not all pass"))
	}
	return lines
}
