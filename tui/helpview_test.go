package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestFullHelpShowsEveryKey opens the ? screen at the minimum size and at
// 80x24, read-write and read-only: every enabled binding's key and
// description is on screen, whole, and no line is wider than the terminal.
func TestFullHelpShowsEveryKey(t *testing.T) {
	ts := newTestSession(t)
	for _, readOnly := range []bool{false, true} {
		for _, sz := range [][2]int{{MinWidth, MinHeight}, {80, 24}, {200, 50}} {
			m := New(ts.live, Options{Dark: true})
			if readOnly {
				m.keys.setReadOnly()
			}
			m = step(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			m = step(t, m, tea.KeyPressMsg{Code: '?', Text: "?"})
			if !m.showHelp {
				t.Fatal("? did not open the help")
			}
			out := plain(m)
			// Each key with its description, as the help's columns pair
			// them: the key, one space, padding, then the description.
			// Where the help does not fit it scrolls: every page counts.
			rows := strings.Split(out, "\n")
			pages := out
			for i := 0; i < 10 && m.helpOffset < m.helpMaxOffset(); i++ {
				m = step(t, m, tea.KeyPressMsg{Code: tea.KeyPgDown})
				page := plain(m)
				pages += "\n" + page
				rows = append(rows, strings.Split(page, "\n")...)
			}
			if m.helpOffset < m.helpMaxOffset() {
				t.Fatalf("%dx%d: pgdn never reached the end of the help", sz[0], sz[1])
			}
			for _, grp := range m.keys.FullHelp() {
				for _, b := range grp {
					if !b.Enabled() {
						continue
					}
					if !hasPair(rows, b.Help().Key, b.Help().Desc) {
						t.Errorf("%dx%d read-only=%v: %q %q not shown whole:\n%s", sz[0], sz[1], readOnly, b.Help().Key, b.Help().Desc, pages)
					}
				}
			}
			// The help body sits between the two header lines and the
			// gate and key lines (which may cut themselves short).
			first := strings.Split(out, "\n")
			if body := strings.Join(first[2:len(first)-2], "\n"); strings.Contains(body, "…") {
				t.Errorf("%dx%d: the help is cut off:\n%s", sz[0], sz[1], body)
			}
			for i, l := range rows {
				if w := ansi.StringWidth(l); w > sz[0] {
					t.Errorf("%dx%d: line %d is %d wide", sz[0], sz[1], i, w)
				}
			}
			if !strings.Contains(out, "? or esc closes this help") {
				t.Errorf("%dx%d: no word on how to close the help:\n%s", sz[0], sz[1], out)
			}
		}
	}
}

// hasPair tells whether a row shows key, then (after spaces) desc.
func hasPair(rows []string, key, desc string) bool {
	for _, r := range rows {
		i := strings.Index(r, key+" ")
		for i >= 0 {
			rest := strings.TrimLeft(r[i+len(key):], " ")
			if strings.HasPrefix(rest, desc) {
				return true
			}
			j := strings.Index(r[i+1:], key+" ")
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return false
}

// TestHelpExplainsTheMarks: the ? screen says what each mark of the step
// list means, in the symbols drawn (Unicode, and ASCII with --ascii).
func TestHelpExplainsTheMarks(t *testing.T) {
	ts := newTestSession(t)
	for _, ascii := range []bool{false, true} {
		m := New(ts.live, Options{Dark: true, ASCII: ascii})
		m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m = step(t, m, tea.KeyPressMsg{Code: '?', Text: "?"})
		pages := plain(m)
		for i := 0; i < 10 && m.helpOffset < m.helpMaxOffset(); i++ {
			m = step(t, m, tea.KeyPressMsg{Code: tea.KeyPgDown})
			pages += "\n" + plain(m)
		}
		y := m.styles.Sym
		for _, want := range []string{"Marks", y.Skipped + " skipped", y.Done + " done", y.Overridden + " overridden", y.Current + " current step"} {
			if !strings.Contains(pages, want) {
				t.Errorf("ascii=%v: the help lacks %q:\n%s", ascii, want, pages)
			}
		}
	}
}
