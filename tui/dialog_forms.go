package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/internal/termtext"
)

func newTextarea(s Styles, placeholder string) textarea.Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Placeholder = placeholder
	ta.CharLimit = 2000
	ta.SetStyles(textarea.DefaultStyles(s.Dark))
	ta.SetHeight(4)
	return ta
}

// stepLabel names a step as every dialog does: its number in the runbook
// and its title ("step 9 · Start the database replica on the slave").
func stepLabel(st StepView) string {
	t := termtext.Line(st.Title())
	if st.Number > 0 {
		return fmt.Sprintf("step %d · %s", st.Number, t)
	}
	return t
}

// noteDialog takes a free-text note for the journal. tab moves from the
// text to the buttons and shift+tab back; a key that types text while a
// button has the focus goes to the text, so no keystroke is lost.
type noteDialog struct {
	step    string
	ta      textarea.Model
	onBtn   bool // focus on the buttons instead of the text
	btn     buttons
	armed   bool
	width   int
	height  int
	problem string
	s       Styles
}

func newNoteDialog(st StepView, s Styles) noteDialog {
	d := noteDialog{step: stepLabel(st), ta: newTextarea(s, "What happened, what you saw, who you spoke to…"), s: s,
		btn: buttons{labels: [2]string{"Cancel", "Save note"}, focus: 1}}
	// Focus here, not in init: init has a value receiver and its change
	// would be lost.
	d.ta.Focus()
	return d
}

func (d noteDialog) init() tea.Cmd { return nil }
func (d noteDialog) arm() dialog   { d.armed = true; return d }
func (d noteDialog) resize(width, height int) dialog {
	d.width, d.height = width, height
	d.ta.SetWidth(max(10, width-4))
	return d
}

func (d noteDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
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
	if d.onBtn {
		switch {
		case k.String() == "shift+tab", k.String() == "up", printable(k):
			// Back to the text; a typed key is typed there.
			d.onBtn = false
			cmd := d.ta.Focus()
			if printable(k) {
				var c tea.Cmd
				d.ta, c = d.ta.Update(k)
				cmd = tea.Batch(cmd, c)
				d.problem = ""
			}
			return d, nil, cmd
		case d.btn.move(k.String()):
		case k.String() == "enter":
			if d.btn.focus == 0 {
				return d, resCancel{}, nil
			}
			text := strings.TrimSpace(d.ta.Value())
			if text == "" {
				d.problem = "the note is empty"
				return d, nil, nil
			}
			return d, resNote{text: text}, nil
		}
		return d, nil, nil
	}
	if k.String() == "tab" {
		d.onBtn = true
		d.btn.focus = 1
		d.ta.Blur()
		return d, nil, nil
	}
	var cmd tea.Cmd
	d.ta, cmd = d.ta.Update(msg)
	d.problem = ""
	return d, nil, cmd
}

func (d noteDialog) view() string {
	lines := []string{
		d.s.DialogTitle.Render("Add a note"),
		d.s.Dim.Render("on: " + d.step),
		"",
		d.ta.View(),
		"",
		d.btn.view(d.s, d.onBtn),
	}
	if d.problem != "" {
		lines = append(lines, d.s.Fail.Render(d.problem))
	}
	lines = append(lines, "", d.s.Dim.Render("tab to the buttons · shift+tab back · enter on Save note · esc cancel"))
	return frame(d.s, d.width, d.height, lines, 3, len(lines)-1)
}

// Override dialog stages.
const (
	ovChecks = iota
	ovCategory
	ovReason
	ovConfirm
)

// overrideDialog collects an explicit override: which failing checks, what
// kind of override (none is chosen for the operator), a written reason of
// at least MinReasonLen characters, and a typed "yes". tab moves forward,
// shift+tab back, through every stage and button; no keystroke is lost.
type overrideDialog struct {
	step     string
	failing  []CheckView
	selected []bool
	cursor   int
	category int // -1 until the operator chooses one
	stage    int
	ta       textarea.Model
	onBtn    bool
	btn      buttons
	yes      textinput.Model
	armed    bool
	width    int
	height   int
	problem  string
	s        Styles
}

func newOverrideDialog(st StepView, failing []CheckView, s Styles) overrideDialog {
	d := overrideDialog{
		step:     stepLabel(st),
		failing:  failing,
		selected: make([]bool, len(failing)),
		category: -1,
		ta:       newTextarea(s, "Why is it safe to go on? What did you verify instead?"),
		btn:      buttons{labels: [2]string{"Back", "Continue"}, focus: 1},
		s:        s,
	}
	for i := range d.selected {
		d.selected[i] = true
	}
	d.yes = textinput.New()
	d.yes.Prompt = "type yes: "
	d.yes.CharLimit = 3
	return d
}

func (d overrideDialog) init() tea.Cmd { return nil }
func (d overrideDialog) arm() dialog   { d.armed = true; return d }
func (d overrideDialog) resize(width, height int) dialog {
	d.width, d.height = width, height
	d.ta.SetWidth(max(10, width-4))
	// A small screen gets a smaller text field, so more of the dialog fits.
	d.ta.SetHeight(map[bool]int{true: 2, false: 4}[height < 24])
	d.yes.SetWidth(10)
	return d
}

func (d overrideDialog) chosen() []string {
	var ids []string
	for i, c := range d.failing {
		if d.selected[i] {
			ids = append(ids, c.Check.ID)
		}
	}
	return ids
}

func (d overrideDialog) reason() string { return strings.TrimSpace(d.ta.Value()) }

func (d overrideDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		var cmd tea.Cmd
		switch d.stage {
		case ovReason:
			d.ta, cmd = d.ta.Update(msg)
		case ovConfirm:
			d.yes, cmd = d.yes.Update(msg)
		}
		return d, nil, cmd
	}
	if k.String() == "esc" {
		return d, resCancel{}, nil
	}
	if !d.armed {
		return d, nil, nil
	}
	d.problem = ""
	switch d.stage {
	case ovChecks:
		return d.checksKey(k)
	case ovCategory:
		return d.categoryKey(k)
	case ovReason:
		return d.reasonKey(k)
	default:
		return d.confirmKey(k)
	}
}

func (d overrideDialog) checksKey(k tea.KeyPressMsg) (dialog, any, tea.Cmd) {
	switch k.String() {
	case "up", "k":
		d.cursor = max(0, d.cursor-1)
	case "down", "j":
		d.cursor = min(len(d.failing)-1, d.cursor+1)
	case "space":
		d.selected[d.cursor] = !d.selected[d.cursor]
	case "tab", "enter":
		if len(d.chosen()) == 0 {
			d.problem = "select at least one check to override"
			return d, nil, nil
		}
		d.stage = ovCategory
	}
	return d, nil, nil
}

func (d overrideDialog) categoryKey(k tea.KeyPressMsg) (dialog, any, tea.Cmd) {
	switch k.String() {
	case "up", "k", "left", "h":
		if d.category < 0 {
			d.category = 0
		} else {
			d.category = max(0, d.category-1)
		}
	case "down", "j", "right", "l":
		d.category = min(len(OverrideCategories)-1, d.category+1)
	case "shift+tab":
		d.stage = ovChecks
	case "tab", "enter":
		if d.category < 0 {
			d.problem = "choose a category with ←/→: none is chosen for you"
			return d, nil, nil
		}
		d.stage = ovReason
		d.onBtn = false
		cmd := d.ta.Focus()
		return d, nil, cmd
	}
	return d, nil, nil
}

func (d overrideDialog) reasonKey(k tea.KeyPressMsg) (dialog, any, tea.Cmd) {
	if !d.onBtn {
		switch k.String() {
		case "tab":
			d.onBtn = true
			d.btn.focus = 1
			d.ta.Blur()
			return d, nil, nil
		case "shift+tab":
			d.ta.Blur()
			d.stage = ovCategory
			return d, nil, nil
		}
		var cmd tea.Cmd
		d.ta, cmd = d.ta.Update(k)
		return d, nil, cmd
	}
	switch {
	case k.String() == "shift+tab", k.String() == "up", printable(k):
		// Back to the reason; a typed key is typed there.
		d.onBtn = false
		cmd := d.ta.Focus()
		if printable(k) {
			var c tea.Cmd
			d.ta, c = d.ta.Update(k)
			cmd = tea.Batch(cmd, c)
		}
		return d, nil, cmd
	case d.btn.move(k.String()):
	case k.String() == "enter":
		if d.btn.focus == 0 {
			d.onBtn = false
			d.stage = ovCategory
			return d, nil, nil
		}
		if n := utf8.RuneCountInString(d.reason()); n < MinReasonLen {
			d.problem = fmt.Sprintf("the reason is too short: %d characters, at least %d needed", n, MinReasonLen)
			return d, nil, nil
		}
		d.stage = ovConfirm
		cmd := d.yes.Focus()
		return d, nil, cmd
	}
	return d, nil, nil
}

func (d overrideDialog) confirmKey(k tea.KeyPressMsg) (dialog, any, tea.Cmd) {
	switch k.String() {
	case "shift+tab":
		// Back to the Continue button, the way it came.
		d.stage = ovReason
		d.onBtn, d.btn.focus = true, 1
		d.yes.Blur()
		d.yes.SetValue("")
		return d, nil, nil
	case "enter":
		if strings.EqualFold(strings.TrimSpace(d.yes.Value()), "yes") {
			return d, resOverride{o: Override{Checks: d.chosen(), Category: OverrideCategories[d.category], Reason: d.reason()}}, nil
		}
		d.problem = "type yes and press enter to record the override, or esc to cancel"
		return d, nil, nil
	}
	var cmd tea.Cmd
	d.yes, cmd = d.yes.Update(k)
	return d, nil, cmd
}

func (d overrideDialog) view() string {
	s := d.s
	lines := []string{s.DialogTitle.Render("Override the gate"), s.Dim.Render("on: " + d.step), ""}
	mark := func(on bool) string {
		if on {
			return "> "
		}
		return "  "
	}
	// from/to: the lines of the stage the operator is on, kept in view.
	from, to := 0, 0
	stage := func(n int) {
		if d.stage == n {
			from = len(lines)
		}
	}
	end := func(n int) {
		if d.stage == n {
			to = len(lines) - 1
		}
	}
	stage(ovChecks)
	lines = append(lines, stageTitle(s, "1. Checks to override", d.stage == ovChecks))
	for i, c := range d.failing {
		box := s.Sym.Unticked
		if d.selected[i] {
			box = s.Sym.Ticked
		}
		status := "no answer"
		if c.Check.Kind == "manual" {
			status = "not ticked"
		} else if c.HasResult {
			status = c.Result.Status.String()
		}
		lines = append(lines, mark(d.stage == ovChecks && i == d.cursor)+box+" "+termtext.Line(c.Check.ID)+" "+s.Dim.Render("("+status+")"))
	}
	end(ovChecks)
	lines = append(lines, "")
	stage(ovCategory)
	lines = append(lines, stageTitle(s, "2. Category (choose one)", d.stage == ovCategory))
	var cats []string
	for i, c := range OverrideCategories {
		if i == d.category {
			cats = append(cats, "("+s.Sym.Current+") "+c)
		} else {
			cats = append(cats, "( ) "+c)
		}
	}
	lines = append(lines, "  "+strings.Join(cats, "  "))
	end(ovCategory)
	lines = append(lines, "")
	stage(ovReason)
	lines = append(lines, stageTitle(s, fmt.Sprintf("3. Reason (at least %d characters; it goes on the record)", MinReasonLen), d.stage == ovReason))
	if d.stage >= ovReason {
		lines = append(lines, d.ta.View(), d.btn.view(s, d.stage == ovReason && d.onBtn))
	}
	end(ovReason)
	if d.stage == ovConfirm {
		lines = append(lines, "")
		from = len(lines)
		lines = append(lines, stageTitle(s, "4. Confirm", true),
			fmt.Sprintf("Override %s as %s? The gate opens; the step is left with n. This is journaled with your name.",
				strings.Join(d.chosen(), ", "), OverrideCategories[d.category]),
			d.yes.View())
		to = len(lines) - 1
	}
	if d.problem != "" {
		lines = append(lines, "", s.Fail.Render(d.problem))
		to = len(lines) - 1
	}
	hint := map[int]string{
		ovChecks:   "↑/↓ move · space select · tab next · esc cancel",
		ovCategory: "←/→ choose · tab next · shift+tab back · esc cancel",
		ovReason:   "type the reason · tab to the buttons · shift+tab back · enter on Continue · esc cancel",
		ovConfirm:  "type yes, then enter · shift+tab back · esc cancel",
	}[d.stage]
	lines = append(lines, "", s.Dim.Render(hint))
	return frame(s, d.width, d.height, lines, from, max(to, len(lines)-1))
}

func stageTitle(s Styles, t string, active bool) string {
	if active {
		return s.Bold.Render("▸ " + t)
	}
	return s.Dim.Render("  " + t)
}

// attestDialog records what happened to an action whose end was never
// journaled: an outcome (none is chosen for the operator) and how the
// operator knows.
type attestDialog struct {
	note    noteDialog
	outcome int // -1 until chosen
	onPick  bool
	problem string
}

func newAttestDialog(st StepView, s Styles) attestDialog {
	n := newNoteDialog(st, s)
	n.ta.Blur() // the outcome row has the focus first
	n.ta.Placeholder = "How do you know? (what you checked on the host)"
	n.btn.labels = [2]string{"Cancel", "Record"}
	return attestDialog{note: n, onPick: true, outcome: -1}
}

func (d attestDialog) init() tea.Cmd { return nil }
func (d attestDialog) arm() dialog   { d.note.armed = true; return d }
func (d attestDialog) resize(width, height int) dialog {
	d.note = d.note.resize(width, height).(noteDialog)
	return d
}

func (d attestDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if isKey && d.onPick {
		d.problem = ""
		switch k.String() {
		case "esc":
			return d, resCancel{}, nil
		case "left", "h":
			d.outcome = max(0, d.outcome-1)
		case "right", "l":
			d.outcome = min(len(AttestOutcomes)-1, d.outcome+1)
		case "tab", "enter":
			if !d.note.armed {
				return d, nil, nil
			}
			if d.outcome < 0 {
				d.problem = "choose what happened with ←/→: none is chosen for you"
				return d, nil, nil
			}
			d.onPick = false
			cmd := d.note.ta.Focus()
			return d, nil, cmd
		}
		return d, nil, nil
	}
	if isKey && !d.note.onBtn && k.String() == "shift+tab" {
		d.onPick = true
		d.note.ta.Blur()
		return d, nil, nil
	}
	n, res, cmd := d.note.update(msg)
	d.note = n.(noteDialog)
	if r, ok := res.(resNote); ok {
		return d, resAttest{outcome: AttestOutcomes[d.outcome], text: r.text}, nil
	}
	return d, res, cmd
}

func (d attestDialog) view() string {
	s := d.note.s
	var opts []string
	for i, o := range AttestOutcomes {
		if i == d.outcome {
			opts = append(opts, "("+s.Sym.Current+") "+o)
		} else {
			opts = append(opts, "( ) "+o)
		}
	}
	row := strings.Join(opts, "  ")
	if d.onPick {
		row = s.Bold.Render(row)
	}
	lines := []string{
		s.DialogTitle.Render("Attest the action's outcome"),
		s.Dim.Render("on: " + d.note.step),
		"The action started before the break; its end was never recorded.",
		"What happened? (choose one)",
		"",
		row,
		"",
		d.note.ta.View(),
		"",
		d.note.btn.view(s, d.note.onBtn),
	}
	for _, p := range []string{d.problem, d.note.problem} {
		if p != "" {
			lines = append(lines, s.Fail.Render(p))
		}
	}
	lines = append(lines, "", s.Dim.Render("←/→ outcome · tab next · shift+tab back · enter on Record · esc cancel"))
	return frame(s, d.note.width, d.note.height, lines, 3, len(lines)-1)
}
