package serve

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// app is the one Bubble Tea program of an SSH connection: the session
// picker, and in turn the parameter form and the console of the session
// picked. One program per connection (never one after another on the same
// input, which would lose the first key of the next), with the child's
// messages tagged so that a late message of a console already left never
// reaches the next one.
type app struct {
	c      *conn
	styles tui.Styles
	width  int
	height int

	scr   screen
	flash string
	busy  string

	rows   []sessionRow
	cursor int

	rbs      []RunbookChoice
	rbCursor int
	modes    []modeChoice
	mCursor  int

	gen     int
	console *tui.Model
	form    *tui.Form
	formFor func(tui.FormResult, *recording.Recorder) tea.Cmd
	formRec *recording.Recorder // records the form, then the console it starts
}

type screen int

const (
	scrSessions screen = iota
	scrRunbooks
	scrModes
	scrChild
)

// sessionRow is one line of the picker.
type sessionRow struct {
	journal.Summary
	Hosted   bool
	Driver   string
	Watching []string
}

type modeChoice struct {
	label    string
	scenario string // "" for a live run
	rb       *steps.Runbook
}

// Messages of the app itself (the child's are tagged).
type (
	rowsMsg   struct{ rows []sessionRow }
	refreshAt struct{}
	openedMsg struct {
		att *attachment
		err error
	}
	planMsg struct {
		plan ResumePlan
		err  error
	}
	tagged struct {
		gen int
		msg tea.Msg
	}
	childQuit struct{ gen int }
	leftMsg   struct{ note string }
)

const refreshEvery = 2 * time.Second

func newApp(c *conn) *app {
	return &app{c: c, styles: tui.NewStyles(true, c.symbols()), width: 80, height: 24}
}

func (a *app) Init() tea.Cmd {
	return tea.Batch(a.c.listSessions, tea.RequestBackgroundColor)
}

// wrap tags the child's messages with its generation and turns its quit
// into the app's childQuit. Messages of other packages (Bubble Tea's own
// batch, bubbles' ticks) pass as they are.
func (a *app) wrap(cmd tea.Cmd) tea.Cmd {
	return wrapGen(a.gen, cmd)
}

func wrapGen(gen int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch m := msg.(type) {
		case nil:
			return nil
		case tea.QuitMsg:
			return childQuit{gen: gen}
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(m))
			for i, c := range m {
				out[i] = wrapGen(gen, c)
			}
			return out
		}
		if t := reflect.TypeOf(msg); t != nil && t.PkgPath() == tuiPkg {
			return tagged{gen: gen, msg: msg}
		}
		return msg
	}
}

var tuiPkg = reflect.TypeOf(tui.Snapshot{}).PkgPath()

func (a *app) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		return a.toChild(msg)
	case tea.BackgroundColorMsg:
		a.styles = tui.NewStyles(msg.IsDark(), a.c.symbols())
		return a.toChild(msg)
	case tagged:
		if msg.gen != a.gen {
			return a, nil
		}
		return a.toChild(msg.msg)
	case childQuit:
		if msg.gen != a.gen {
			return a, nil
		}
		return a.childDone()
	case rowsMsg:
		a.rows = msg.rows
		a.cursor = min(a.cursor, max(0, len(a.rows)-1))
		return a, tea.Tick(refreshEvery, func(time.Time) tea.Msg { return refreshAt{} })
	case refreshAt:
		if a.scr == scrChild {
			return a, nil
		}
		return a, a.c.listSessions
	case openedMsg:
		a.busy = ""
		if msg.err != nil {
			a.scr, a.flash = scrSessions, "could not open the session: "+termtext.Line(msg.err.Error())
			return a, a.c.listSessions
		}
		return a.openConsole(msg.att)
	case planMsg:
		a.busy = ""
		if msg.err != nil {
			a.scr, a.flash = scrSessions, "cannot resume: "+termtext.Line(msg.err.Error())
			return a, nil
		}
		return a.resumeWith(msg.plan)
	case leftMsg:
		a.scr, a.flash, a.busy = scrSessions, msg.note, ""
		return a, a.c.listSessions
	case tea.KeyPressMsg:
		if a.scr == scrChild {
			return a.toChild(msg)
		}
		return a.key(msg)
	}
	return a.toChild(msg)
}

// toChild hands a message to the console or form on screen.
func (a *app) toChild(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch {
	case a.scr != scrChild:
		return a, nil
	case a.console != nil:
		m, cmd := a.console.Update(msg)
		cm := m.(tui.Model)
		a.console = &cm
		return a, a.wrap(cmd)
	case a.form != nil:
		m, cmd := a.form.Update(msg)
		fm := m.(tui.Form)
		a.form = &fm
		return a, a.wrap(cmd)
	}
	return a, nil
}

// startChild puts a new console or form on screen, at the terminal's size.
func (a *app) startChild(init tea.Cmd) (tea.Model, tea.Cmd) {
	a.gen++
	a.scr = scrChild
	_, size := a.toChild(tea.WindowSizeMsg{Width: a.width, Height: a.height})
	return a, tea.Batch(a.wrap(init), size, tea.RequestBackgroundColor)
}

// openConsole puts a session's console on screen. The console of the
// operator who drives the session is recorded (only that one: a watcher's
// or an approver's is not the session's operator's), from a full repaint.
func (a *app) openConsole(att *attachment) (tea.Model, tea.Cmd) {
	m := tui.New(att.rt, tui.Options{ASCII: !a.c.utf8(), Dark: a.styles.Dark})
	a.console, a.form = &m, nil
	a.flash = ""
	model, cmd := a.startChild(m.Init())
	if att.driver {
		if rec := att.hosted.recorder(); rec != nil {
			a.c.out.record(rec)
			cmd = tea.Batch(cmd, tea.ClearScreen)
		}
	}
	return model, cmd
}

// openForm puts a parameter form on screen for the session then starts.
// The form is recorded, like `handrail run`'s (never a masked value: the
// form does not draw it); the recording becomes the session's when then
// starts it, and is dropped, never written, when the form is cancelled.
func (a *app) openForm(cfg tui.FormConfig, then func(tui.FormResult, *recording.Recorder) tea.Cmd) (tea.Model, tea.Cmd) {
	cfg.ASCII, cfg.Dark = !a.c.utf8(), a.styles.Dark
	f := tui.NewForm(cfg)
	a.form, a.console, a.formFor = &f, nil, then
	a.formRec = a.c.out.newRecorder()
	a.c.out.record(a.formRec)
	model, cmd := a.startChild(f.Init())
	return model, tea.Batch(cmd, tea.ClearScreen)
}

// childDone: the console or the form quit.
func (a *app) childDone() (tea.Model, tea.Cmd) {
	// Nothing the child left running reaches the screen again, and the
	// picker is never recorded.
	a.gen++
	a.c.out.stop()
	if f := a.form; f != nil {
		a.form = nil
		a.scr = scrSessions
		rec := a.formRec
		a.formRec = nil
		res, ok := f.Result()
		if !ok {
			closeRecorder(rec) // in memory only: nothing was written
			a.flash = "cancelled: nothing was started"
			return a, a.c.listSessions
		}
		a.busy = "starting…"
		return a, a.formFor(res, rec)
	}
	a.console = nil
	a.busy = "leaving…"
	return a, a.c.leave
}

func (a *app) resumeWith(p ResumePlan) (tea.Model, tea.Cmd) {
	if !p.NeedsForm {
		a.busy = "resuming…"
		return a, a.c.resume(p, tui.FormResult{}, nil)
	}
	return a.openForm(a.c.srv.hub.resumeForm(p), func(res tui.FormResult, rec *recording.Recorder) tea.Cmd { return a.c.resume(p, res, rec) })
}

// ---- keys ----

func (a *app) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if a.busy != "" {
		if k.String() == "ctrl+c" {
			return a, tea.Quit
		}
		return a, nil
	}
	a.flash = ""
	switch a.scr {
	case scrRunbooks:
		return a.runbookKey(k)
	case scrModes:
		return a.modeKey(k)
	default:
		// The session list (a child has the keys itself).
	}
	switch k.String() {
	case "q", "ctrl+c":
		return a, tea.Quit
	case "up", "k":
		a.cursor = max(0, a.cursor-1)
	case "down", "j":
		a.cursor = min(max(0, len(a.rows)-1), a.cursor+1)
	case "enter":
		return a.open(false)
	case "w":
		return a.open(true)
	case "r":
		row, ok := a.current()
		if !ok {
			return a, nil
		}
		if !a.c.person.Has(RoleOperator) {
			a.flash = a.c.notOperator()
			return a, nil
		}
		if row.Hosted || (row.State != journal.StateInterrupted && row.State != journal.StateQuit) {
			a.flash = "session " + row.ID + " is " + row.State + ": only an interrupted or quit session resumes"
			return a, nil
		}
		a.busy = "reading the journal…"
		return a, a.c.plan(row.ID)
	case "n":
		if !a.c.person.Has(RoleOperator) {
			a.flash = a.c.notOperator()
			return a, nil
		}
		a.rbs = a.c.srv.hub.Runbooks()
		a.rbCursor = 0
		a.scr = scrRunbooks
	}
	return a, nil
}

func (a *app) current() (sessionRow, bool) {
	if a.cursor < 0 || a.cursor >= len(a.rows) {
		return sessionRow{}, false
	}
	return a.rows[a.cursor], true
}

// open watches the session under the cursor, or (enter, an operator, a
// session nobody drives) resumes it.
func (a *app) open(watchOnly bool) (tea.Model, tea.Cmd) {
	row, ok := a.current()
	if !ok {
		return a, nil
	}
	resumable := row.State == journal.StateInterrupted || row.State == journal.StateQuit
	if !watchOnly && !row.Hosted && resumable && a.c.person.Has(RoleOperator) {
		a.busy = "reading the journal…"
		return a, a.c.plan(row.ID)
	}
	a.busy = "opening…"
	return a, a.c.watch(row.ID)
}

func (a *app) runbookKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc", "q":
		a.scr = scrSessions
	case "up", "k":
		a.rbCursor = max(0, a.rbCursor-1)
	case "down", "j":
		a.rbCursor = min(max(0, len(a.rbs)-1), a.rbCursor+1)
	case "enter":
		if a.rbCursor >= len(a.rbs) {
			return a, nil
		}
		rc := a.rbs[a.rbCursor]
		a.modes = nil
		for _, sc := range rc.Scenarios {
			a.modes = append(a.modes, modeChoice{label: "rehearse: " + sc, scenario: sc, rb: rc.Runbook})
		}
		a.modes = append(a.modes, modeChoice{label: "live run: against the real systems (the parameter form follows)", rb: rc.Runbook})
		a.mCursor = 0
		a.scr = scrModes
	}
	return a, nil
}

func (a *app) modeKey(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc", "q":
		a.scr = scrRunbooks
	case "up", "k":
		a.mCursor = max(0, a.mCursor-1)
	case "down", "j":
		a.mCursor = min(max(0, len(a.modes)-1), a.mCursor+1)
	case "enter":
		if a.mCursor >= len(a.modes) {
			return a, nil
		}
		mc := a.modes[a.mCursor]
		a.scr = scrSessions
		if mc.scenario != "" {
			a.busy = "starting the rehearsal…"
			return a, a.c.rehearse(mc.rb, mc.scenario)
		}
		rb := mc.rb
		return a.openForm(tui.FormConfig{Runbook: rb, Values: map[string]string{}, Getenv: os.Getenv},
			func(res tui.FormResult, rec *recording.Recorder) tea.Cmd { return a.c.startLive(rb, res, rec) })
	}
	return a, nil
}

// ---- view ----

func (a *app) View() tea.View {
	if a.scr == scrChild {
		switch {
		case a.console != nil:
			return a.console.View()
		case a.form != nil:
			return a.form.View()
		}
	}
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "handrail serve"
	return v
}

func (a *app) render() string {
	s := a.styles
	w := max(20, a.width)
	var lines []string
	who := termtext.Line(a.c.person.Name) + s.Dim.Render(" ("+strings.Join(a.c.person.Roles, ", ")+")")
	lines = append(lines, s.Header.Render("handrail serve")+s.Dim.Render(" · ")+who)
	switch a.scr {
	case scrRunbooks:
		lines = append(lines, s.Title.Render("Start a session: choose a runbook"), "")
		for i, rc := range a.rbs {
			from := ""
			if rc.From != "bundled" {
				from = s.Dim.Render("  (" + termtext.Line(rc.From) + ")")
			}
			lines = append(lines, a.item(i == a.rbCursor, termtext.Line(rc.Runbook.ID)+"  "+termtext.Line(rc.Runbook.Title)+from))
		}
		lines = append(lines, "", s.Dim.Render("↑/↓ choose · enter next · esc back"))
	case scrModes:
		title := ""
		if len(a.modes) > 0 {
			title = termtext.Line(a.modes[0].rb.Title)
		}
		lines = append(lines, s.Title.Render("Rehearse or run: "+title), "")
		for i, mc := range a.modes {
			lines = append(lines, a.item(i == a.mCursor, termtext.Line(mc.label)))
		}
		lines = append(lines, "", s.Dim.Render("↑/↓ choose · enter start · esc back"))
	default:
		lines = append(lines, a.sessionLines(w)...)
	}
	if a.busy != "" {
		lines = append(lines, "", s.Wait.Render(a.busy))
	}
	if a.flash != "" {
		lines = append(lines, "", s.Flash.Render(a.flash))
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, ansi.Truncate(l, w, "…"))
	}
	if h := max(1, a.height); len(out) > h {
		out = out[:h]
	}
	return strings.Join(out, "\n")
}

func (a *app) item(on bool, text string) string {
	if on {
		return a.styles.StepBrowse.Render("▶ " + text)
	}
	return "  " + text
}

// sessionLines is the picker: live and recent sessions, newest first.
func (a *app) sessionLines(w int) []string {
	s := a.styles
	lines := []string{s.Title.Render("Sessions"), ""}
	if len(a.rows) == 0 {
		lines = append(lines, s.Dim.Render("No sessions yet."))
	} else {
		head := []string{"ID", "RUNBOOK", "OPERATOR", "STEP", "STATE", "WATCHING"}
		table := [][]string{head}
		for _, r := range a.rows {
			state := r.State
			if r.Hosted {
				state = "driven here"
			}
			if r.Mode == session.ModeRehearsal {
				state += " (rehearsal)"
			}
			if r.Problem != "" {
				state += " ! " + r.Problem
			}
			op := r.Operator
			if r.Hosted && r.Driver != "" {
				op = r.Driver
			}
			table = append(table, []string{r.ID, orDash(r.Runbook), orDash(op), orDash(r.Step), state, orDash(strings.Join(r.Watching, ", "))})
		}
		widths := make([]int, len(head))
		for _, row := range table {
			for i, c := range row {
				widths[i] = max(widths[i], lipgloss.Width(termtext.Line(c)))
			}
		}
		if tableWidth(widths) > w {
			// Too narrow for one line a session (an 80-column terminal):
			// two lines each, so the state and the watchers are never cut.
			for i, row := range table[1:] {
				lines = append(lines, a.item(i == a.cursor, termtext.Line(row[0]+"  "+row[1]+"  "+row[2])),
					"    "+termtext.Line("step "+row[3]+" · "+row[4]+" · watching: "+row[5]))
			}
			return append(lines, "", s.Dim.Render(a.pickerKeys()))
		}
		for i, row := range table {
			cells := make([]string, len(row))
			for j, c := range row {
				c = termtext.Line(c)
				cells[j] = c + strings.Repeat(" ", widths[j]-lipgloss.Width(c))
			}
			line := strings.Join(cells, "  ")
			if i == 0 {
				lines = append(lines, s.Dim.Render("  "+line))
			} else {
				lines = append(lines, a.item(i-1 == a.cursor, line))
			}
		}
	}
	return append(lines, "", s.Dim.Render(a.pickerKeys()))
}

// pickerKeys is the picker's footer: the keys this person's roles allow.
func (a *app) pickerKeys() string {
	keys := "↑/↓ choose · enter open · w watch"
	if a.c.person.Has(RoleOperator) {
		keys += " · r resume · n new session"
	}
	return keys + " · q disconnect"
}

// tableWidth is the width of a picker line with columns of widths (the
// cursor's two columns included).
func tableWidth(widths []int) int {
	n := 2 + 2*(len(widths)-1)
	for _, w := range widths {
		n += w
	}
	return n
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- the connection's side: commands that do I/O ----

// attachment is what a console on screen is attached to.
type attachment struct {
	id      string
	hosted  *Hosted
	rt      tui.Runtime
	console *consoleRT
	viewer  *Viewer
	driver  bool
	cancel  context.CancelFunc
}

// listSessions reads the state directory for the picker.
func (c *conn) listSessions() tea.Msg {
	list, err := journal.List(c.srv.hub.cfg.StateDir)
	if err != nil {
		return leftMsg{note: "cannot list the sessions: " + termtext.Line(err.Error())}
	}
	rows := make([]sessionRow, 0, len(list))
	for _, s := range list {
		r := sessionRow{Summary: s, Watching: c.srv.hub.Watching(s.ID)}
		if hs, ok := c.srv.hub.Hosted(s.ID); ok {
			r.Hosted, r.Driver = true, hs.Driver.Name
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ID > rows[j].ID })
	return rowsMsg{rows: rows}
}

func (c *conn) notOperator() string {
	return fmt.Sprintf("only a person with the operator role starts or resumes sessions (the team file gives %s: %s)",
		termtext.Line(c.person.Name), strings.Join(c.person.Roles, ", "))
}

// drive attaches this connection as the driver of a session it started or
// resumed. If the connection ended meanwhile, the session is closed at once
// (resumable).
func (c *conn) drive(hs *Hosted, err error) tea.Msg {
	if err != nil {
		return openedMsg{err: err}
	}
	rt := newConsoleRT(hs, c.who, c.person, true)
	att := &attachment{id: hs.ID, hosted: hs, rt: rt, console: rt, driver: true}
	if !c.attach(att) {
		rt.close()
		hs.Close("the operator's connection dropped before the console opened: the session is interrupted")
		return nil
	}
	return openedMsg{att: att}
}

// rehearse starts a rehearsal; its recording starts now, and its first
// frame is the console's.
func (c *conn) rehearse(rb *steps.Runbook, scenario string) tea.Cmd {
	return func() tea.Msg { return c.drive(c.srv.hub.StartRehearsal(rb, scenario, c.who, c.out.newRecorder())) }
}

// startLive starts a live run with the form's answers; rec has recorded
// the form.
func (c *conn) startLive(rb *steps.Runbook, res tui.FormResult, rec *recording.Recorder) tea.Cmd {
	return func() tea.Msg { return c.drive(c.srv.hub.StartLive(rb, res, c.who, rec)) }
}

func (c *conn) plan(id string) tea.Cmd {
	return func() tea.Msg {
		p, err := c.srv.hub.PlanResume(id)
		return planMsg{plan: p, err: err}
	}
}

// resume resumes a session as its next recorded part; rec has recorded
// the form that asked for res (nil: there was none, the part starts now).
func (c *conn) resume(p ResumePlan, res tui.FormResult, rec *recording.Recorder) tea.Cmd {
	return func() tea.Msg {
		if rec == nil {
			rec = c.out.newRecorder()
		}
		return c.drive(c.srv.hub.Resume(p, res, c.who, rec))
	}
}

// watch opens a read-only console: on the runtime of a session driven
// here (the operator's own snapshots), else following its journal.
func (c *conn) watch(id string) tea.Cmd {
	return func() tea.Msg {
		role := strings.Join(c.person.Roles, ",")
		v := &Viewer{Who: c.who, Role: role, Since: time.Now()}
		if hs, ok := c.srv.hub.Hosted(id); ok {
			rt := newConsoleRT(hs, c.who, c.person, false)
			att := &attachment{id: id, hosted: hs, rt: rt, console: rt, viewer: v}
			if !c.attach(att) {
				rt.close()
				return nil
			}
			hs.Join(v)
			return openedMsg{att: att}
		}
		p, err := c.srv.hub.PlanResume(id)
		if err != nil {
			return openedMsg{err: err}
		}
		ctx, cancel := context.WithCancel(context.Background())
		w, err := tui.NewWatch(ctx, session.Config{Runbook: p.Runbook, Version: c.srv.hub.cfg.Version}, p.Path)
		if err != nil {
			cancel()
			return openedMsg{err: err}
		}
		att := &attachment{id: id, rt: w, viewer: v, cancel: cancel}
		if !c.attach(att) {
			cancel()
			return nil
		}
		c.srv.hub.addViewer(id, v)
		return openedMsg{att: att}
	}
}

// leave detaches the console that quit: the driver's session stops being
// driven here (its journal already says quit, completed or halted); a
// watcher's leave is journaled.
func (c *conn) leave() tea.Msg {
	att := c.detach()
	if att == nil {
		return leftMsg{}
	}
	return leftMsg{note: c.release(att, "")}
}

// release undoes an attachment; note overrides what the watchers are told.
func (c *conn) release(att *attachment, note string) string {
	switch {
	case att.driver:
		c.out.stop() // then Close ends the recording with the session's state
		att.console.close()
		end := att.hosted.live.Snapshot().Ended
		if note == "" {
			switch end {
			case "":
				note = fmt.Sprintf("%s left without ending the session: it is interrupted; an operator resumes it from the picker", c.who.Name)
			case session.EndQuit:
				note = fmt.Sprintf("%s quit: the session is saved; an operator resumes it from the picker", c.who.Name)
			default:
				note = "the session " + end
			}
		}
		att.hosted.Close(note)
		return "session " + att.id + ": " + orState(end)
	case att.hosted != nil:
		att.console.close()
		att.hosted.Leave(att.viewer)
	default:
		att.cancel()
		c.srv.hub.removeViewer(att.id, att.viewer)
	}
	return "stopped watching " + att.id
}

// conn is one SSH session's state outside the Bubble Tea model.
type conn struct {
	srv    *Server
	person *Person
	who    session.Operator
	env    []string
	out    *switchWriter

	mu     sync.Mutex
	att    *attachment
	closed bool
}

func (c *conn) attach(att *attachment) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.att = att
	return true
}

func (c *conn) detach() *attachment {
	c.mu.Lock()
	defer c.mu.Unlock()
	att := c.att
	c.att = nil
	return att
}

// end runs once the connection's program has stopped: a session this
// connection drove is left interrupted and resumable, a watch is left.
func (c *conn) end(note string) {
	c.mu.Lock()
	c.closed = true
	att := c.att
	c.att = nil
	c.mu.Unlock()
	if att != nil {
		c.release(att, note)
	}
}

func (c *conn) utf8() bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		for _, kv := range c.env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok && v != "" {
				v = strings.ToLower(v)
				return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
			}
		}
	}
	return true
}

func (c *conn) symbols() tui.Symbols {
	if c.utf8() {
		return tui.UnicodeSymbols
	}
	return tui.ASCIISymbols
}
