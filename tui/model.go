package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Minimum terminal size the console lays out for; below it, it says so.
const (
	MinWidth  = 60
	MinHeight = 18
)

// Options tune the console.
type Options struct {
	// ASCII uses 7-bit symbols for terminals without UTF-8.
	ASCII bool
	// Dark is the initial background guess until the terminal answers.
	Dark bool
	// Now is the console's clock at start (tests pin it).
	Now time.Time
	// Place is where the session is kept: the commands the console prints
	// (resume, report) name it when it is not the default state directory.
	Place journal.Place
}

// Model is the console's one tea.Model. Components are plain structs
// rendered from the latest Snapshot; only bubbles widgets keep their own
// Update.
type Model struct {
	ctx    context.Context
	cancel context.CancelFunc
	rt     Runtime
	snap   Snapshot

	opts   Options
	styles Styles
	keys   keyMap
	help   help.Model
	spin   spinner.Model

	width, height int
	now           time.Time

	list stepList
	pane stepPane
	body *bodyCache
	// panels keeps the check panels between frames (shared by every copy
	// of the model; used from View only).
	panels *panelCache
	memo   *viewMemo
	// focus is the index of the focused item among focusItems: the shown
	// step's commands (y copies one), then the current step's manual
	// checks (space ticks one). tab moves it; the pane keeps it in view.
	focus int
	// cmdShift is how far the commands are scrolled sideways (←/→) when
	// one is wider than the pane.
	cmdShift int
	// values is the full-value viewer (enter), when open.
	values *valuesView

	dialog   dialog
	dialogID int
	showHelp bool
	// helpOffset is how far the ? screen is scrolled (it scrolls only when
	// it does not fit).
	helpOffset int

	busy      string // the request under way ("next", "override"…), "" when idle
	settling  bool   // a step just changed: `n` waits a moment
	settleSeq int
	spinning  bool

	flash    string // the latest refusal or result, until the next key or a few seconds
	flashBad bool
	flashSeq int

	quitting bool
	closed   bool // the runtime said it has nothing more to say
	lastErr  error
	// journalErr is the journal write that failed: nothing after
	// snap.LastRecord is recorded, and every key that needs a record is
	// refused (a lasting banner says so).
	journalErr error
	// interrupted: ctrl+c left the console (the session stays resumable).
	interrupted bool

	rx recoveryState // recovery and rehearsal (recovery.go, world.go, debrief.go)
}

// New builds the console over rt. The caller runs it with tea.NewProgram.
func New(rt Runtime, opts Options) Model {
	ctx, cancel := context.WithCancel(context.Background())
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	m := Model{
		ctx:    ctx,
		cancel: cancel,
		rt:     rt,
		snap:   rt.Snapshot(),
		opts:   opts,
		keys:   newKeyMap(),
		help:   help.New(),
		now:    now,
		body:   newBodyCache(),
		panels: newPanelCache(),
		memo:   &viewMemo{},
		list:   stepList{browse: -1},
	}
	spinKind := spinner.MiniDot
	if opts.ASCII {
		spinKind = spinner.Line
	}
	m.spin = spinner.New(spinner.WithSpinner(spinKind))
	m.body.ascii = opts.ASCII
	m.setStyles(opts.Dark)
	if m.snap.ReadOnly {
		m.keys.setReadOnly()
	}
	m.width, m.height = 80, 24
	m.resetFocus()
	m.refreshBody()
	return m
}

func (m *Model) setStyles(dark bool) {
	m.styles = NewStyles(dark, m.styles.Sym)
	if m.opts.ASCII {
		m.styles.Sym = ASCIISymbols
	} else {
		m.styles.Sym = UnicodeSymbols
	}
	m.help.Styles = helpStyles(m.styles)
	m.spin.Style = m.styles.Wait
	m.body.setDark(dark)
}

// Snapshot is the latest session state the console shows.
func (m Model) Snapshot() Snapshot { return m.snap }

// Err is the runtime error that stopped the console, if any.
func (m Model) Err() error { return m.lastErr }

// Interrupted reports whether the operator left with ctrl+c (the session
// was quit, resumable, at once).
func (m Model) Interrupted() bool { return m.interrupted }

// JournalFailed is the journal write that failed during the console, if
// any: nothing after the session's last record (Snapshot().LastRecord) is
// recorded.
func (m Model) JournalFailed() error { return m.journalErr }

// Init starts the clock and the event stream, and asks the terminal for its
// background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(waitEvent(m.ctx, m.rt), clockTick(), tea.RequestBackgroundColor, m.spinIfNeeded())
}

// Update routes a message: key presses by focus (dialog, help, pane,
// globals), everything else to its handler.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if e, ok := msg.(flashExpiredMsg); ok {
		if int(e) == m.flashSeq {
			m.flash = ""
		}
		return m, nil
	}
	seq := m.flashSeq
	next, cmd := m.update(msg)
	nm, more := next.(Model).recoveryPost(msg)
	cmd = tea.Batch(cmd, more)
	if nm.flashSeq != seq && nm.flash != "" {
		cmd = tea.Batch(cmd, expireFlash(nm.flashSeq))
	}
	return nm, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if mm, cmd, ok := m.recoveryPre(msg); ok {
		return mm, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.refreshBody()
		if m.dialog != nil {
			m.dialog = m.dialog.resize(m.dialogWidth(), m.bodyHeight())
		}
		m.refreshValues()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
		m.refreshBody()
		return m, nil
	case eventMsg:
		var settle tea.Cmd
		if m.apply(msg.ev.Snap) {
			settle = m.startSettle()
		}
		m.refreshValues()
		if m.closed {
			return m, tea.Batch(settle, m.spinIfNeeded())
		}
		return m, tea.Batch(waitEvent(m.ctx, m.rt), settle, m.spinIfNeeded())
	case runtimeClosedMsg:
		m.closed = true
		if msg.err != nil {
			m.lastErr = msg.err
			if !m.noteJournalErr(msg.err) {
				m.setFlash("session runtime stopped: "+msg.err.Error(), true)
			}
		}
		return m, nil
	case doneMsg:
		return m.handleDone(msg)
	case actionMsg:
		m.busy = ""
		if p := pendingFlash(msg.err); p != "" {
			m.apply(msg.snap)
			m.setFlash(p, false)
			return m, nil
		}
		if msg.err != nil {
			if m.noteJournalErr(msg.err) {
				m.apply(msg.snap)
				return m, nil
			}
			m.setFlash("action failed: "+msg.err.Error(), true)
			return m, nil
		}
		m.apply(msg.snap)
		switch {
		case msg.res.OK():
			m.setFlash(fmt.Sprintf("action done in %s", msg.res.Duration.Round(time.Millisecond)), false)
		case msg.res.Unreachable:
			m.setFlash(actionNotRun(msg.res), true)
		default:
			m.setFlash("action failed: "+actionFailure(msg.res), true)
		}
		return m, m.spinIfNeeded()
	case clockMsg:
		m.now = time.Time(msg)
		return m, tea.Batch(clockTick(), m.spinIfNeeded())
	case spinner.TickMsg:
		if !m.needSpinner() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case armMsg:
		if m.dialog != nil && msg.id == m.dialogID {
			m.dialog = m.dialog.arm()
		}
		return m, nil
	case settleMsg:
		if msg.seq == m.settleSeq {
			m.settling = false
		}
		return m, nil
	}
	// Anything else (cursor blinks) belongs to the open dialog's widgets.
	if m.dialog != nil {
		d, res, cmd := m.dialog.update(msg)
		m.dialog = d
		return m.finishDialog(res, cmd)
	}
	return m, nil
}

// apply keeps the newest snapshot; an older one (requests run concurrently)
// is dropped. It reports whether the current step changed.
func (m *Model) apply(s Snapshot) bool {
	if s.Seq < m.snap.Seq {
		return false
	}
	moved := s.Current != m.snap.Current
	if s.Gate.Open != m.snap.Gate.Open || s.Ended != m.snap.Ended {
		// The gate's news, or the session's end, is more important than an
		// old refusal or result.
		m.flash = ""
	}
	m.snap = s
	if moved {
		m.pane.offset = 0
		m.list.browse = -1
		m.resetFocus()
	}
	if s.Ended != "" {
		m.closed = m.closed || s.Ended == "completed" || s.Ended == "halted"
	}
	m.refreshBody()
	return moved
}

// startSettle starts the pause after a step change during which `n` is
// refused.
func (m *Model) startSettle() tea.Cmd {
	m.settling = true
	m.settleSeq++
	return settleAfter(m.settleSeq)
}

func (m Model) handleDone(msg doneMsg) (tea.Model, tea.Cmd) {
	m.busy = ""
	if msg.err != nil {
		var ge *GateError
		switch {
		case m.noteJournalErr(msg.err):
			m.apply(msg.snap)
		case errors.As(msg.err, &ge):
			m.setFlash("gate closed: "+ge.Reason, true)
		case errors.Is(msg.err, ErrReadOnly):
			m.setFlash("watch mode is read-only", true)
		case pendingFlash(msg.err) != "":
			m.apply(msg.snap) // the request is journaled: show it waiting
			m.setFlash(pendingFlash(msg.err), false)
		default:
			m.setFlash(msg.op+" failed: "+msg.err.Error(), true)
		}
		if msg.op == "quit" {
			// The session could not be closed cleanly; leave anyway: the
			// journal is append-only and resume copes with a missing end.
			m.quitting = true
			m.lastErr = msg.err
			m.cancel()
			return m, tea.Quit
		}
		return m, nil
	}
	moved := m.apply(msg.snap)
	switch msg.op {
	case "quit":
		m.quitting = true
		m.cancel()
		return m, tea.Quit
	case "next", "override":
		if msg.op == "override" {
			m.setFlash("override recorded: the gate is open; n leaves the step", false)
		} else {
			m.flash = ""
		}
	case "note":
		m.setFlash("note recorded", false)
	case "tick":
		m.flash = ""
	case "attest":
		m.setFlash("attestation recorded", false)
	case "approval":
		m.setFlash("decision recorded", false)
	}
	var settle tea.Cmd
	if moved {
		settle = m.startSettle()
	}
	return m, tea.Batch(settle, m.spinIfNeeded())
}

// setFlash shows a refusal or a result in the gate bar for a few seconds
// (flashCmd arms its expiry), then the gate's own state shows again.
func (m *Model) setFlash(s string, bad bool) {
	m.flash, m.flashBad = s, bad
	m.flashSeq++
}

// needSpinner reports whether any visible check waits for an answer. Once
// the session has ended (or cannot record), nothing is polled: no spinner.
func (m Model) needSpinner() bool {
	if !m.running() {
		return false
	}
	for _, c := range m.snap.Checks {
		if polling(c, m.snap.SessionNow(m.now)) {
			return true
		}
	}
	return false
}

func (m *Model) spinIfNeeded() tea.Cmd {
	if m.spinning || !m.needSpinner() {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// ---- keys ----

func (m Model) handleKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	// ctrl+c has one meaning everywhere, dialogs included: leave now.
	if key.Matches(k, m.keys.ForceQuit) {
		return m.interrupt()
	}
	if m.values != nil {
		return m.valuesKey(k)
	}
	if m.dialog != nil {
		return m.dialogKey(k)
	}
	if m.showHelp {
		return m.helpKey(k)
	}
	if m.tooSmall() {
		if key.Matches(k, m.keys.Quit) {
			return m.openQuit()
		}
		return m, nil
	}
	if m.debriefShown() {
		if model, ok := m.debriefKey(k); ok {
			return model, nil
		}
		return m.globalKey(k)
	}
	if model, cmd, ok := m.paneKey(k); ok {
		return model, cmd
	}
	return m.globalKey(k)
}

func (m Model) dialogKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	d, res, cmd := m.dialog.update(k)
	m.dialog = d
	return m.finishDialog(res, cmd)
}

func (m Model) helpKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Help), k.String() == "esc", key.Matches(k, m.keys.Quit):
		m.showHelp = false
	case key.Matches(k, m.keys.Down, m.keys.PageDown), k.String() == "space":
		m.helpOffset = min(m.helpOffset+max(1, m.bodyHeight()/2), m.helpMaxOffset())
	case key.Matches(k, m.keys.Up, m.keys.PageUp):
		m.helpOffset = max(0, m.helpOffset-max(1, m.bodyHeight()/2))
	}
	return m, nil
}

// paneKey handles browsing, scrolling and the focus; ok=false passes the
// key on.
func (m Model) paneKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	switch {
	case key.Matches(k, m.keys.Up):
		m.list.move(-1, m.snap)
	case key.Matches(k, m.keys.Down):
		m.list.move(+1, m.snap)
	case key.Matches(k, m.keys.Current):
		m.list.browse = -1
	case key.Matches(k, m.keys.PageUp):
		m.pane.offset = max(0, m.pane.offset-m.bodyHeight()/2)
		return m, nil, true
	case key.Matches(k, m.keys.PageDown):
		m.pane.offset += m.bodyHeight() / 2
		return m, nil, true
	case key.Matches(k, m.keys.FocusNext), key.Matches(k, m.keys.FocusPrev):
		if n := len(m.focusItems()); n > 0 {
			d := 1
			if key.Matches(k, m.keys.FocusPrev) {
				d = n - 1
			}
			m.focus = (m.focus + d) % n
			m.showFocus()
		}
		return m, nil, true
	case key.Matches(k, m.keys.Left):
		m.cmdShift = max(0, m.cmdShift-m.shiftStep())
		return m, nil, true
	case key.Matches(k, m.keys.Right):
		if m.commandsCut() {
			m.cmdShift += m.shiftStep()
		}
		return m, nil, true
	default:
		return m, nil, false
	}
	m.pane.offset = 0
	m.cmdShift = 0
	m.resetFocus()
	m.refreshBody()
	return m, nil, true
}

func (m Model) globalKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.flash = ""
	switch {
	case key.Matches(k, m.keys.Help):
		m.showHelp, m.helpOffset = true, 0
		return m, nil
	case key.Matches(k, m.keys.Quit):
		return m.openQuit()
	case key.Matches(k, m.keys.Copy):
		return m.copyCommand()
	case key.Matches(k, m.keys.Values):
		return m.openValues()
	}
	if m.journalErr != nil && needsRecord(k) {
		m.setFlash(m.journalRefusal(), true)
		return m, nil
	}
	if mm, cmd, ok := m.approvalKey(k); ok {
		return mm, cmd
	}
	if mm, cmd, ok := m.recoveryKey(k); ok {
		return mm, cmd
	}
	if m.snap.ReadOnly {
		// m.keys has these disabled (so help hides them): match against
		// the full map to say why nothing happens.
		if isSessionKey(k, newKeyMap()) {
			m.setFlash("watch mode is read-only", true)
		}
		return m, nil
	}
	if m.closed || m.snap.Ended != "" {
		if isSessionKey(k, m.keys) {
			m.setFlash("the session has ended; q to leave", true)
		}
		return m, nil
	}
	// An act on the current step is never taken while another is shown.
	if m.browsing() && key.Matches(k, m.keys.Action, m.keys.Tick, m.keys.Override) {
		m.setFlash(fmt.Sprintf("you are viewing step %d: return to the current step (c) first", m.shownStep().Number), true)
		return m, nil
	}
	if m.busy != "" && isSessionKey(k, m.keys) {
		m.setFlash("wait: "+m.busy+" is under way", true)
		return m, nil
	}
	if m.refusedSuspended(k) {
		// Refused before any dialog opens: the engine would refuse it
		// once confirmed, which reads as the act itself failing.
		m.setFlash(suspendedRefusal, true)
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Next):
		return m.next()
	case key.Matches(k, m.keys.Override):
		return m.openOverride()
	case key.Matches(k, m.keys.Annotate):
		return m.openNote()
	case key.Matches(k, m.keys.Action):
		return m.openAction()
	case key.Matches(k, m.keys.Tick):
		return m.tick()
	case key.Matches(k, m.keys.Repoll):
		m.setFlash("re-polling", false)
		return m, repollCmd(m.rt)
	}
	return m, nil
}

// suspendedRefusal is what a key the engine refuses while the session is
// suspended is told.
const suspendedRefusal = "refused: the session is suspended: continue it first (C)"

// refusedSuspended tells whether k moves the session on (n, o, x running
// the action), which a suspended session refuses until it is continued.
// Attesting an action of unknown outcome (x) is taken: it moves nothing.
func (m Model) refusedSuspended(k tea.KeyPressMsg) bool {
	if !m.snap.Recovery.Suspended {
		return false
	}
	return key.Matches(k, m.keys.Next, m.keys.Override) || key.Matches(k, m.keys.Action) && !m.snap.ActionUnknown
}

func isSessionKey(k tea.KeyPressMsg, km keyMap) bool {
	return key.Matches(k, km.Next, km.Override, km.Annotate, km.Action, km.Tick, km.Repoll)
}

// needsRecord tells whether k would journal something, at once or once
// its dialog is confirmed: the session keys, the recovery keys (g goto,
// C continue, p password re-entered, s skip the wait) and A (decide an
// approval). Once the journal cannot be written they are refused.
func needsRecord(k tea.KeyPressMsg) bool {
	rk := newRecoveryKeys()
	return isSessionKey(k, newKeyMap()) || key.Matches(k, rk.Goto, rk.Continue, rk.Credentials, rk.Skip) || k.String() == "A"
}

// browsing reports whether the operator is looking at a step other than
// the current one.
func (m Model) browsing() bool { return m.list.browse >= 0 && m.list.browse != m.snap.Current }

// shownStep is the step the pane shows.
func (m Model) shownStep() StepView {
	if len(m.snap.Steps) == 0 {
		return StepView{}
	}
	return m.snap.Steps[m.list.shown(m.snap)]
}

// running reports whether the session goes on here: not watched, not
// ended, its journal writable.
func (m Model) running() bool {
	return !m.snap.ReadOnly && !m.closed && m.snap.Ended == "" && m.journalErr == nil
}

// next asks to leave the step: refused here, with the reason, while the gate
// is closed or the step has only just appeared.
func (m Model) next() (tea.Model, tea.Cmd) {
	if m.browsing() {
		m.setFlash(fmt.Sprintf("you are viewing step %d: return to the current step (c) first", m.shownStep().Number), true)
		return m, nil
	}
	if m.settling {
		m.setFlash("the step just changed: read it first", true)
		return m, nil
	}
	if !m.snap.Gate.Open {
		m.setFlash("gate closed: "+gateReason(m.snap), true)
		return m, nil
	}
	m.busy = "next"
	return m, advanceCmd(m.rt)
}

// tick ticks or unticks the focused manual item, and only one the operator
// can see: an item scrolled out of the pane is brought into view first.
func (m Model) tick() (tea.Model, tea.Cmd) {
	items := m.focusItems()
	manual := m.manualChecks()
	if len(manual) == 0 {
		m.setFlash("this step has no item to tick", true)
		return m, nil
	}
	if m.focus >= len(items) || items[m.focus].check == "" {
		m.setFlash("space ticks a manual item: tab moves the focus to one", true)
		return m, nil
	}
	if !m.focusVisible() {
		m.showFocus()
		m.setFlash("the focused item was off screen: it is in view now; press space again to tick it", true)
		return m, nil
	}
	c, _ := m.snap.Check(items[m.focus].check)
	m.busy = "tick"
	return m, tickCmd(m.rt, c.Check.ID, !c.Ticked)
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.snap.ReadOnly || m.closed {
		m.quitting = true
		m.cancel()
		return m, tea.Quit
	}
	m.busy = "quit"
	return m, quitCmd(m.rt)
}

// interrupt is ctrl+c: whatever is open closes, and the console leaves at
// once; the session is quit (journaled) and stays resumable. The caller
// exits with the status that says the session was interrupted.
func (m Model) interrupt() (tea.Model, tea.Cmd) {
	m.dialog, m.values, m.showHelp = nil, nil, false
	m.interrupted = true
	if m.busy == "quit" {
		return m, nil // already leaving
	}
	return m.quit()
}

// noteJournalErr keeps err when it says the journal cannot be written (the
// banner then lasts); it reports whether it did.
func (m *Model) noteJournalErr(err error) bool {
	if !errors.Is(err, session.ErrJournalWrite) {
		return false
	}
	if m.journalErr == nil {
		m.journalErr = err
	}
	m.lastErr = err
	return true
}

// ---- dialogs ----

func (m Model) openDialog(d dialog) (tea.Model, tea.Cmd) {
	m.dialogID++
	m.dialog = d.resize(m.dialogWidth(), m.bodyHeight())
	return m, tea.Batch(armAfter(m.dialogID), m.dialog.init())
}

func (m Model) openQuit() (tea.Model, tea.Cmd) {
	if m.snap.ReadOnly || m.closed {
		return m.quit()
	}
	body := []string{
		"Leave the console now?",
		"",
		"The session is saved in its journal. Resume it with:",
		"  " + m.command("resume"),
	}
	if m.journalErr != nil {
		body = []string{
			"Leave the console now?",
			"",
			m.styles.Fail.Render("The journal cannot be written: nothing after " + m.lastRecordClock() + " is recorded."),
			"Free space, then resume it with:",
			"  " + m.command("resume"),
		}
		if journalChanged(m.journalErr) {
			body = append(body[:3], m.journalWayOnSentence())
		}
	}
	step := ""
	if st, ok := m.snap.CurrentStep(); ok {
		step = stepLabel(st)
	}
	if m.snap.ActionRunning || m.busy == "action" {
		warn := []string{
			m.styles.Fail.Render("An action is running at " + step + "."),
			fmt.Sprintf("Quitting gives it %s to finish, then kills its process group", session.DefaultActionGrace),
			"and journals it as interrupted. Stay to let it finish.",
			"",
		}
		body = append(warn, body...)
	}
	return m.openDialog(newConfirm("Quit", step, body, "Stay", "Quit", resQuit{}, m.styles))
}

func (m Model) openOverride() (tea.Model, tea.Cmd) {
	if m.snap.Gate.Open {
		m.setFlash("the gate is open: nothing to override; press n", true)
		return m, nil
	}
	var failing []CheckView
	for _, id := range m.snap.Gate.Blocking {
		c, ok := m.snap.Check(id)
		if !ok {
			m.setFlash("the gate is held by the step's action, not a check: wait for it, or attest it with x", true)
			return m, nil
		}
		failing = append(failing, c)
	}
	if len(failing) == 0 {
		m.setFlash("nothing to override", true)
		return m, nil
	}
	st, _ := m.snap.CurrentStep()
	return m.openDialog(newOverrideDialog(st, failing, m.styles))
}

func (m Model) openNote() (tea.Model, tea.Cmd) {
	st, _ := m.snap.CurrentStep()
	return m.openDialog(newNoteDialog(st, m.styles))
}

func (m Model) openAction() (tea.Model, tea.Cmd) {
	st, ok := m.snap.CurrentStep()
	if ok && m.snap.ActionUnknown {
		return m.openDialog(newAttestDialog(st, m.styles))
	}
	if !ok || st.Step.Action == nil {
		m.setFlash("this step has no action for handrail to run; type the commands shown", true)
		return m, nil
	}
	a := st.Step.Action
	// The same target label and the same lines as the step's text shows:
	// one source, read the same.
	body := []string{"handrail will run, on " + m.targetLabel(a.Target) + ":", ""}
	tail := []string{"", "as " + termtext.Line(a.Kind) + ". It is journaled before and after it runs."}
	if note := a.WordsNote(); note != "" {
		tail = append(tail, "Sent as "+termtext.Line(note)+": the journal records which ran.")
	}
	d := newConfirm("Run the step's action", stepLabel(st), append(body, tail...), "Cancel", "Run", resAction{}, m.styles)
	draw, maxShift := m.actionLines(a, max(10, m.dialogWidth()-6))
	d.cmd, d.cmdAt, d.cmdMax, d.cmdStep = draw, len(body), maxShift, max(8, m.dialogWidth()/2)
	return m.openDialog(d)
}

// finishDialog acts on what a dialog decided.
func (m Model) finishDialog(res any, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	if res == nil {
		return m, cmd
	}
	if mm, c, ok := m.finishApproval(res); ok {
		return mm, c
	}
	if mm, c, ok := m.finishRecovery(res); ok {
		return mm, c
	}
	m.dialog = nil
	switch r := res.(type) {
	case resCancel:
		m.setFlash("cancelled", false)
		return m, nil
	case resQuit:
		return m.quit()
	case resAction:
		m.busy = "action"
		m.setFlash("running the action…", false)
		return m, actionCmd(m.ctx, m.rt)
	case resNote:
		m.busy = "note"
		return m, annotateCmd(m.rt, r.text)
	case resOverride:
		m.busy = "override"
		return m, overrideCmd(m.rt, r.o)
	case resAttest:
		m.busy = "attest"
		return m, attestCmd(m.rt, r.outcome, r.text)
	}
	return m, cmd
}

func (m Model) dialogWidth() int { return max(40, min(76, m.width-4)) }

// manualChecks are the current step's manual checks, in order.
func (m Model) manualChecks() []CheckView {
	var out []CheckView
	for _, c := range m.snap.Checks {
		if c.Check.Kind == "manual" {
			out = append(out, c)
		}
	}
	return out
}

func (m Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }
