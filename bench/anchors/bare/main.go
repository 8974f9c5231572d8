// Command bare is the anchor for the console's start-up and key latency: a
// minimal Bubble Tea v2 program, full screen like the console. j shows a
// line ("viewing read-only", the text the console shows when j browses to
// another step), k hides it, q quits. bench/run.sh drives it through a
// pseudo-terminal exactly as it drives handrail.
package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
)

type model struct {
	browsing bool
	presses  int
}

func (m model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "q", "ctrl+c":
			return m, tea.Quit
		case "j":
			m.browsing = true
		case "k":
			m.browsing = false
		}
		m.presses++
	}
	return m, nil
}

func (m model) View() tea.View {
	s := "bare anchor: a minimal Bubble Tea program\n\n"
	if m.browsing {
		s += "viewing read-only\n"
	} else {
		s += "the current step\n"
	}
	s += fmt.Sprintf("\n%d keys pressed · q quits\n", m.presses)
	v := tea.NewView(s)
	v.AltScreen = true
	return v
}

func main() {
	if _, err := tea.NewProgram(model{}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
