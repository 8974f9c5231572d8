package tui

import (
	"maps"
	"slices"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// Re-entering a password without leaving the session (p): the dialog
// names the target and where it logs in, takes the password masked (the
// screen, and so the recording, only ever shows '*'), and hands it to the
// runtime, which journals that it was re-entered, never the value.

// loginTargets are the session's targets that log in with a password, the
// one that cannot be reached first.
func loginTargets(s Snapshot) []string {
	var out []string
	for _, n := range slices.Sorted(maps.Keys(s.Targets)) {
		if logsIn(s.Targets[n]) {
			out = append(out, n)
		}
	}
	if u, ok := unreachableCheck(s); ok {
		if i := slices.Index(out, u.Check.Target); i > 0 {
			out = append(append([]string{out[i]}, out[:i]...), out[i+1:]...)
		}
	}
	return out
}

func (m Model) openCredentials() (tea.Model, tea.Cmd) {
	names := loginTargets(m.snap)
	if len(names) == 0 {
		m.setFlash("no target of this session logs in with a password", true)
		return m, nil
	}
	return m.openDialog(newCredentialsDialog(m.snap, names, m.styles))
}

// credentialsDialog takes a target's password, masked.
type credentialsDialog struct {
	step    string
	targets []string
	where   []string // "mysql 127.0.0.1:3306, user ops" per target
	why     string   // the first target's error, when it cannot be reached
	pick    int
	in      textinput.Model
	onBtn   bool
	btn     buttons
	armed   bool
	width   int
	height  int
	problem string
	s       Styles
}

func newCredentialsDialog(snap Snapshot, names []string, s Styles) credentialsDialog {
	st, _ := snap.CurrentStep()
	d := credentialsDialog{step: st.Title(), targets: names, s: s,
		btn: buttons{labels: [2]string{"Cancel", "Use it"}, focus: 1}}
	for _, n := range names {
		t := snap.Targets[n]
		w := t.Kind + " " + t.Address()
		if t.User != "" {
			w += ", user " + t.User
		}
		d.where = append(d.where, w)
	}
	if u, ok := unreachableCheck(snap); ok && u.Check.Target == names[0] {
		d.why = unreachableWhy(u.Result)
	}
	d.in = textinput.New()
	d.in.Prompt = "password: "
	d.in.EchoMode = textinput.EchoPassword
	d.in.CharLimit = 1024
	d.in.SetStyles(textinput.DefaultStyles(s.Dark))
	// Focus here, not in init: init has a value receiver.
	d.in.Focus()
	return d
}

func (d credentialsDialog) init() tea.Cmd { return nil }
func (d credentialsDialog) arm() dialog   { d.armed = true; return d }
func (d credentialsDialog) resize(width, height int) dialog {
	d.width, d.height = width, height
	d.in.SetWidth(max(10, width-16))
	return d
}

func (d credentialsDialog) update(msg tea.Msg) (dialog, any, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		var cmd tea.Cmd
		d.in, cmd = d.in.Update(msg)
		return d, nil, cmd
	}
	if k.String() == "esc" {
		return d, resCancel{}, nil
	}
	if !d.armed {
		return d, nil, nil
	}
	d.problem = ""
	if d.onBtn {
		switch {
		case k.String() == "shift+tab" && d.btn.focus == 0, k.String() == "up":
			d.onBtn = false
			cmd := d.in.Focus()
			return d, nil, cmd
		case d.btn.move(k.String()):
		case k.String() == "enter":
			return d.submit()
		}
		return d, nil, nil
	}
	switch k.String() {
	case "tab":
		d.onBtn = true
		d.in.Blur()
		return d, nil, nil
	case "enter":
		return d.submit()
	case "ctrl+n", "pgdown":
		d.pick = (d.pick + 1) % len(d.targets)
		return d, nil, nil
	case "ctrl+p", "pgup":
		d.pick = (d.pick + len(d.targets) - 1) % len(d.targets)
		return d, nil, nil
	}
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(k)
	return d, nil, cmd
}

func (d credentialsDialog) submit() (dialog, any, tea.Cmd) {
	if d.onBtn && d.btn.focus == 0 {
		return d, resCancel{}, nil
	}
	if d.in.Value() == "" {
		d.problem = "nothing entered: type the password, or esc to keep the credentials as they are"
		return d, nil, nil
	}
	// The secret leaves the dialog wrapped: it never prints its value.
	return d, resCredentials{target: d.targets[d.pick], password: checks.NewSecret(d.in.Value())}, nil
}

func (d credentialsDialog) view() string {
	s := d.s
	lines := []string{s.DialogTitle.Render("Re-enter a password"), s.Dim.Render("on: " + d.step), ""}
	for i, n := range d.targets {
		mark := "( ) "
		if i == d.pick {
			mark = "(" + s.Sym.Current + ") "
		}
		lines = append(lines, mark+termtext.Line(n)+s.Dim.Render(" "+termtext.Line(d.where[i])))
	}
	if d.why != "" && d.pick == 0 {
		lines = append(lines, "", s.Warn.Render("cannot reach it: ")+oneLine(d.why, 4*d.width))
	}
	lines = append(lines, "", d.in.View(), "", d.btn.view(s, d.onBtn))
	if d.problem != "" {
		lines = append(lines, s.Fail.Render(d.problem))
	}
	lines = append(lines, "",
		s.Dim.Render("masked; journaled as re-entered, never the value; checked again at once"),
		s.Dim.Render("pgdn/pgup other target · enter use it · esc cancel"))
	// Keep the field and its buttons in view when the dialog scrolls.
	return frame(s, d.width, d.height, lines, len(lines)-7, len(lines)-3)
}
