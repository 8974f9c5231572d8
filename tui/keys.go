package tui

import "charm.land/bubbles/v2/key"

// keyMap is the console's global and pane keys. Only plain keys and a few
// named ones are used, so the same bindings work on Windows consoles.
type keyMap struct {
	Next, Override, Annotate, Action, Tick, Repoll key.Binding
	Up, Down, Current, FocusNext, PageUp, PageDown key.Binding
	Help, Quit, ForceQuit                          key.Binding
	Recovery                                       recoveryKeys // recovery.go
}

func newKeyMap() keyMap {
	return keyMap{
		Next:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next step")),
		Override:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "override")),
		Annotate:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add note")),
		Action:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "run action")),
		Tick:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "tick item")),
		Repoll:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-poll")),
		Up:        key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "browse up")),
		Down:      key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "browse down")),
		Current:   key.NewBinding(key.WithKeys("c", "home"), key.WithHelp("c", "back to current")),
		FocusNext: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next manual item")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "scroll up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn/f", "scroll down")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (resumable)")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
		Recovery:  newRecoveryKeys(),
	}
}

// ShortHelp is the bottom line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Action, k.Tick, k.Override, k.Annotate, k.Repoll, k.Down, k.Help, k.Quit}
}

// FullHelp is the ? screen.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Action, k.Tick, k.FocusNext, k.Repoll},
		{k.Override, k.Annotate, k.Recovery.Goto, k.Recovery.Credentials, k.Recovery.Continue},
		{k.Up, k.Down, k.Current, k.PageUp, k.PageDown},
		{k.Help, k.Quit, k.ForceQuit, k.Recovery.Skip, k.Recovery.Debrief},
	}
}

// setReadOnly disables every key that would change the session (watch mode),
// so help does not offer them.
func (k *keyMap) setReadOnly() {
	for _, b := range []*key.Binding{&k.Next, &k.Override, &k.Annotate, &k.Action, &k.Tick, &k.Repoll, &k.FocusNext} {
		b.SetEnabled(false)
	}
	k.Quit.SetHelp("q", "stop watching")
	k.Recovery.setReadOnly()
}
