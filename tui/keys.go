package tui

import "charm.land/bubbles/v2/key"

// keyMap is the console's global and pane keys. Only plain keys and a few
// named ones are used, so the same bindings work on Windows consoles.
type keyMap struct {
	Next, Override, Annotate, Action, Tick, Repoll key.Binding
	Up, Down, Current, FocusNext, PageUp, PageDown key.Binding
	// FocusPrev moves the focus back; Left and Right scroll the commands
	// sideways; Copy copies the focused command (OSC 52); Values opens
	// every value of the step's checks in full.
	FocusPrev, Left, Right, Copy, Values key.Binding
	Help, Quit, ForceQuit                key.Binding
	Recovery                             recoveryKeys // recovery.go
	// Shown only on the ? screen: one line for a pair of keys.
	browseHelp, scrollHelp, sidewaysHelp key.Binding
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
		FocusNext: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next command/item")),
		FocusPrev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous one")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "scroll up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn/f", "scroll down")),
		Left:      key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "commands: scroll left")),
		Right:     key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "commands: scroll right")),
		Copy:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy the command")),
		Values:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "values in full")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (resumable)")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "leave now")),
		Recovery:  newRecoveryKeys(),

		browseHelp:   key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("j/k ↑/↓", "browse steps")),
		scrollHelp:   key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "scroll (b/f)")),
		sidewaysHelp: key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "scroll a command")),
	}
}

// FullHelp is the ? screen.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Action, k.Tick, k.Override, k.Annotate, k.Repoll},
		{k.Recovery.Goto, k.Recovery.Credentials, k.Recovery.Continue, k.Recovery.Skip, k.Recovery.Debrief},
		{k.FocusNext, k.FocusPrev, k.Copy, k.Values, k.sidewaysHelp},
		{k.browseHelp, k.Current, k.scrollHelp},
		{k.Help, k.Quit, k.ForceQuit},
	}
}

// setReadOnly disables every key that would change the session (watch mode),
// so help does not offer them.
func (k *keyMap) setReadOnly() {
	for _, b := range []*key.Binding{&k.Next, &k.Override, &k.Annotate, &k.Action, &k.Tick, &k.Repoll} {
		b.SetEnabled(false)
	}
	k.Quit.SetHelp("q", "stop watching")
	k.Recovery.setReadOnly()
	k.ForceQuit.SetHelp("ctrl+c", "stop watching")
}
