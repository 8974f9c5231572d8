package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// helpBands lays the full help's key groups out as columns, left to right,
// as many as fit in width; the next group that would not fit starts a new
// band of rows below, so no key is ever cut off on a narrow terminal.
func helpBands(hm help.Model, groups [][]key.Binding, width int) []string {
	hm.SetWidth(0) // measure each band unclipped; the bands are cut to fit here
	var bands []string
	var cur [][]key.Binding
	for _, g := range groups {
		if !slices.ContainsFunc(g, key.Binding.Enabled) {
			continue
		}
		try := append(slices.Clone(cur), g)
		if len(cur) > 0 && lipgloss.Width(hm.FullHelpView(try)) > width {
			bands = append(bands, hm.FullHelpView(cur))
			cur = [][]key.Binding{g}
			continue
		}
		cur = try
	}
	if len(cur) > 0 {
		bands = append(bands, hm.FullHelpView(cur))
	}
	var lines []string
	for i, b := range bands {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, strings.Split(b, "\n")...)
	}
	return lines
}

// fullHelpView is the ? screen: every key first, then what the gate and
// dialogs do, as room allows, and how to close it. When the keys do not
// fit (the smallest terminals), it scrolls, and its last line says so.
func (m Model) fullHelpView(h int) string {
	lines := m.helpLines()
	closing := m.styles.Dim.Render("? or esc closes this help")
	if len(lines)+1 <= h {
		lines = append(lines, closing)
	} else {
		off := min(m.helpOffset, max(0, len(lines)-(h-1)))
		more := ""
		switch {
		case off+h-1 < len(lines) && off > 0:
			more = " · ↑/↓ more"
		case off+h-1 < len(lines):
			more = " · ↓ more below: pgdn"
		default:
			more = " · ↑ more above: pgup"
		}
		lines = append(slices.Clone(lines[off:min(len(lines), off+h-1)]), closing+m.styles.Dim.Render(more))
	}
	return clip(lipgloss.NewStyle().Padding(0, 2).Render(strings.Join(lines, "\n")), m.width, h)
}

// helpLines are the ? screen's lines above its closing line: the keys,
// then the prose when it fits with them.
func (m Model) helpLines() []string {
	s := m.styles
	w := max(10, m.width-4) // inside the padding
	h := m.bodyHeight()
	lines := append([]string{s.Title.Render("Keys"), ""}, helpBands(m.help, m.keys.FullHelp(), w)...)
	lines = append(lines, "", s.Title.Render("Marks"), "")
	lines = append(lines, packItems(m.marksLegend(), " · ", w)...)
	prose := strings.Split(ansi.Wordwrap(strings.Join([]string{
		"n opens the next step only when the gate is open (every required check passes on fresh data).",
		fmt.Sprintf("o overrides a closed gate: pick the failing checks, a category, write a reason (at least %d characters), then type yes.", MinReasonLen),
		"Dialogs confirm with enter on the button you moved to; esc cancels.",
	}, " "), w, ""), "\n")
	if len(lines)+len(prose)+3 <= h {
		lines = append(append(append(lines, ""), prose...), "")
	}
	return lines
}

// marksLegend says what each mark of the step list and the panels means,
// in the symbols this console draws (Unicode, or ASCII with --ascii).
func (m Model) marksLegend() []string {
	y := m.styles.Sym
	parts := []string{
		y.Current + " current step", y.Done + " done", y.Skipped + " skipped (keeps its number)",
		y.Overridden + " overridden", y.Failed + " failed", y.Pass + " a check or field passes",
		y.Fail + " fails", y.Unticked + "/" + y.Ticked + " a manual item, space ticks it",
	}
	return parts
}

// packItems lays items out as lines of at most width columns, joined by
// sep, never breaking inside an item (a mark stays beside its meaning).
func packItems(items []string, sep string, width int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur+sep+it) <= width:
			cur += sep + it
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// helpMaxOffset is the furthest the ? screen scrolls.
func (m Model) helpMaxOffset() int { return max(0, len(m.helpLines())-(m.bodyHeight()-1)) }
