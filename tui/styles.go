package tui

import (
	"image/color"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Symbols carry every meaning colour carries, so the console reads the same
// with NO_COLOR or on a monochrome terminal. ASCIISymbols is for terminals
// that cannot show UTF-8.
type Symbols struct {
	Done, Current, Skipped, Overridden, Failed, Pending string
	Pass, Fail, Wait, Hold                              string
	Ticked, Unticked                                    string
	// Continue ends a command's line that goes on below (a command is
	// broken only between words); MoreLeft and MoreRight mark a line cut
	// at the pane's edge (←/→ scroll it).
	Continue, MoreLeft, MoreRight string
}

// UnicodeSymbols are the default.
var UnicodeSymbols = Symbols{
	Done: "✔", Current: "▶", Skipped: "↷", Overridden: "!", Failed: "✘", Pending: " ",
	Pass: "✔", Fail: "✘", Wait: "…", Hold: "◷",
	Ticked: "[x]", Unticked: "[ ]",
	Continue: "↩", MoreLeft: "←", MoreRight: "→",
}

// ASCIISymbols are plain 7-bit stand-ins.
var ASCIISymbols = Symbols{
	Done: "+", Current: ">", Skipped: "-", Overridden: "!", Failed: "x", Pending: " ",
	Pass: "ok", Fail: "XX", Wait: "..", Hold: "~~",
	Ticked: "[x]", Unticked: "[ ]",
	Continue: "\\", MoreLeft: "<", MoreRight: ">",
}

// Styles holds every style the console uses, built once per background
// (light or dark). The colour profile Bubble Tea detects downsamples them,
// and drops them entirely under NO_COLOR.
type Styles struct {
	Dark bool
	Sym  Symbols

	Header, HeaderDim, Rehearsal, Downtime lipgloss.Style
	Title, Section, Dim, Bold              lipgloss.Style
	StepCurrent, StepDone, StepSkipped     lipgloss.Style
	StepOverridden, StepFailed, StepBrowse lipgloss.Style
	Pass, Fail, Wait, Warn                 lipgloss.Style
	PanelTitle                             lipgloss.Style
	Command, Host                          lipgloss.Style
	GateOpen, GateClosed, Flash            lipgloss.Style
	// Banner is the lasting line above the gate bar (a halt, a journal
	// that cannot be written); FooterKey a key in the footer (its text is
	// Dim).
	Banner, FooterKey                     lipgloss.Style
	Dialog, DialogTitle, Button, ButtonOn lipgloss.Style
	// Border frames the check panels; Accent frames the focused one.
	Border, Accent color.Color
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool, sym Symbols) Styles {
	ld := lipgloss.LightDark(dark)
	green := ld(lipgloss.Color("#00875f"), lipgloss.Color("#5fd787"))
	red := ld(lipgloss.Color("#d70000"), lipgloss.Color("#ff5f5f"))
	amber := ld(lipgloss.Color("#af5f00"), lipgloss.Color("#ffaf00"))
	// Hint text (dim) keeps a WCAG contrast of at least 4.5:1 against
	// common dark and light backgrounds (TestHintContrast).
	dim := ld(lipgloss.Color("#5f5f5f"), lipgloss.Color("#a8a8a8"))
	accent := ld(lipgloss.Color("#005fd7"), lipgloss.Color("#5fafff"))
	border := ld(lipgloss.Color("#bcbcbc"), lipgloss.Color("#4e4e4e"))
	fg := ld(lipgloss.Color("#1c1c1c"), lipgloss.Color("#e4e4e4"))

	s := Styles{Dark: dark, Sym: sym, Border: border, Accent: accent}
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(fg)
	s.HeaderDim = lipgloss.NewStyle().Foreground(dim)
	s.Rehearsal = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(amber)
	s.Downtime = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Section = lipgloss.NewStyle().Bold(true).Foreground(dim)
	s.Dim = lipgloss.NewStyle().Foreground(dim)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.StepCurrent = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.StepDone = lipgloss.NewStyle().Foreground(green)
	s.StepSkipped = lipgloss.NewStyle().Foreground(dim)
	s.StepOverridden = lipgloss.NewStyle().Foreground(amber)
	s.StepFailed = lipgloss.NewStyle().Foreground(red)
	s.StepBrowse = lipgloss.NewStyle().Reverse(true)
	s.Pass = lipgloss.NewStyle().Foreground(green)
	s.Fail = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Wait = lipgloss.NewStyle().Foreground(amber)
	s.Warn = lipgloss.NewStyle().Foreground(amber)
	s.PanelTitle = lipgloss.NewStyle().Bold(true)
	s.Command = lipgloss.NewStyle().Bold(true)
	s.Host = lipgloss.NewStyle().Foreground(accent)
	s.GateOpen = lipgloss.NewStyle().Bold(true).Foreground(green)
	s.GateClosed = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Flash = lipgloss.NewStyle().Bold(true).Foreground(amber)
	// The banner is drawn in colours of its own (not reversed), white on
	// red, so it reads the same in every terminal.
	s.Banner = lipgloss.NewStyle().Bold(true).Background(ld(lipgloss.Color("#af0000"), lipgloss.Color("#d70000"))).Foreground(lipgloss.Color("#ffffff"))
	s.FooterKey = lipgloss.NewStyle().Bold(true).Foreground(fg)
	s.Dialog = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(accent).Padding(0, 1)
	s.DialogTitle = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Button = lipgloss.NewStyle().Padding(0, 1)
	s.ButtonOn = lipgloss.NewStyle().Padding(0, 1).Bold(true).Reverse(true)
	return s
}

// DarkFromEnv guesses the background from COLORFGBG ("15;0": light text on
// a black background), which many terminals set; ok=false when it says
// nothing. The console starts with this guess and follows the terminal's
// own answer when one comes (tea.RequestBackgroundColor).
func DarkFromEnv(getenv func(string) string) (dark, ok bool) {
	v := getenv("COLORFGBG")
	if v == "" {
		return false, false
	}
	parts := strings.Split(v, ";")
	bg, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil || bg < 0 || bg > 15 {
		return false, false
	}
	// The 16 ANSI colours: 0-6 and 8 are dark; 7 (light grey) and 9-15
	// are light.
	return bg <= 6 || bg == 8, true
}

// helpStyles are the ? screen's styles: keys bold, their words in the hint
// colour (help.DefaultStyles' greys fall below a 4.5:1 contrast).
func helpStyles(s Styles) help.Styles {
	return help.Styles{
		ShortKey: s.FooterKey, ShortDesc: s.Dim, ShortSeparator: s.Dim, Ellipsis: s.Dim,
		FullKey: s.FooterKey, FullDesc: s.Dim, FullSeparator: s.Dim,
	}
}
