package tui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/steps/session"
)

// The preflight screen: before the first step of a live session, when the
// preflight could not reach a target, `handrail run` shows every target
// with what the preflight got (the version or state read, or the error in
// words) and lets the operator retry, stop, or start anyway: only with a
// reason, which the session's preflight record keeps.

// PreflightConfig is what the preflight screen starts from.
type PreflightConfig struct {
	// Title is the runbook's title.
	Title string
	// Targets are the preflight's results (session.Preflight).
	Targets []session.PreflightTarget
	// Retry contacts every target again (in a tea.Cmd; nil: no retry).
	Retry func(ctx context.Context) []session.PreflightTarget
	// ASCII uses 7-bit symbols; Dark is the background guess.
	ASCII, Dark bool
}

// PreflightScreen is the preflight screen's tea.Model.
type PreflightScreen struct {
	cfg     PreflightConfig
	styles  Styles
	targets []session.PreflightTarget
	tries   int

	ctx    context.Context
	cancel context.CancelFunc
	busy   bool // a retry is under way

	reasonOn bool // the reason field has the focus
	reason   textinput.Model
	problem  string

	width, height int
	done, start   bool
	interrupted   bool   // left with ctrl+c (the command exits 130)
	accepted      string // the reason to start with a target unreachable
}

// preflightMsg carries a retry's results.
type preflightMsg struct{ targets []session.PreflightTarget }

// NewPreflight builds the screen.
func NewPreflight(cfg PreflightConfig) PreflightScreen {
	ctx, cancel := context.WithCancel(context.Background())
	p := PreflightScreen{cfg: cfg, targets: cfg.Targets, ctx: ctx, cancel: cancel, width: 80, height: 24}
	p.setStyles(cfg.Dark)
	p.reason = textinput.New()
	p.reason.Prompt = "why: "
	p.reason.CharLimit = 500
	p.reason.Placeholder = "who said it is safe, what you will watch instead"
	return p
}

func (p *PreflightScreen) setStyles(dark bool) {
	p.styles = NewStyles(dark, UnicodeSymbols)
	if p.cfg.ASCII {
		p.styles.Sym = ASCIISymbols
	}
	p.reason.SetStyles(textinput.DefaultStyles(dark))
}

// Result is the preflight as it stood when the operator chose: the latest
// results, whether to start, and the reason given to start with a target
// unreachable ("" when every target answered).
func (p PreflightScreen) Result() (targets []session.PreflightTarget, reason string, start bool) {
	return p.targets, p.accepted, p.done && p.start
}

// Interrupted tells whether the operator left with ctrl+c (which means
// "leave now" everywhere: exit 130), rather than esc or q.
func (p PreflightScreen) Interrupted() bool { return p.interrupted }

// Unreachable names the targets the latest preflight could not reach.
func (p PreflightScreen) Unreachable() []string {
	var out []string
	for _, t := range p.targets {
		if !t.Reachable {
			out = append(out, t.Target)
		}
	}
	return out
}

// Init asks for the background colour.
func (p PreflightScreen) Init() tea.Cmd { return tea.RequestBackgroundColor }

// Update handles keys; a retry runs in a Cmd.
func (p PreflightScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.width, p.height = msg.Width, msg.Height
		p.reason.SetWidth(max(10, min(70, p.width-12)))
		return p, nil
	case tea.BackgroundColorMsg:
		p.setStyles(msg.IsDark())
		return p, nil
	case preflightMsg:
		p.busy = false
		p.targets = msg.targets
		p.tries++
		return p, nil
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	if p.reasonOn {
		var cmd tea.Cmd
		p.reason, cmd = p.reason.Update(msg)
		return p, cmd
	}
	return p, nil
}

func (p PreflightScreen) finish(start bool) (tea.Model, tea.Cmd) {
	p.done, p.start = true, start
	p.cancel()
	return p, tea.Quit
}

func (p PreflightScreen) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if k.String() == "ctrl+c" {
		p.interrupted = true
		return p.finish(false)
	}
	if p.reasonOn {
		switch k.String() {
		case "esc":
			p.reasonOn, p.problem = false, ""
			p.reason.Blur()
			return p, nil
		case "enter":
			r := strings.TrimSpace(p.reason.Value())
			if n := utf8.RuneCountInString(r); n < session.MinReason {
				p.problem = fmt.Sprintf("say why in at least %d characters (%d so far): it goes on the record", session.MinReason, n)
				return p, nil
			}
			if len(p.Unreachable()) == 0 {
				// Every target answered meanwhile: no reason needed.
				return p.finish(true)
			}
			p.accepted = r
			return p.finish(true)
		}
		var cmd tea.Cmd
		p.reason, cmd = p.reason.Update(k)
		p.problem = ""
		return p, cmd
	}
	p.problem = ""
	down := len(p.Unreachable()) > 0
	switch k.String() {
	case "esc", "q":
		return p.finish(false)
	case "r":
		if p.cfg.Retry == nil || p.busy {
			return p, nil
		}
		p.busy = true
		retry, ctx := p.cfg.Retry, p.ctx
		return p, func() tea.Msg { return preflightMsg{targets: retry(ctx)} }
	case "s":
		if !down {
			return p, nil
		}
		p.reasonOn = true
		cmd := p.reason.Focus()
		return p, cmd
	case "enter":
		if p.busy {
			return p, nil
		}
		if !down {
			return p.finish(true)
		}
		p.problem = "a target cannot be reached: r retries, s starts anyway with a reason, esc stops"
	}
	return p, nil
}

// View draws the screen.
func (p PreflightScreen) View() tea.View {
	v := tea.NewView(p.Render())
	v.AltScreen = true
	v.WindowTitle = "handrail: preflight"
	return v
}

// Render is the screen as text, for tests and captures.
func (p PreflightScreen) Render() string {
	s := p.styles
	w, h := max(20, p.width), max(8, p.height)
	lines := []string{
		ansi.Truncate(s.Header.Render("handrail · "+oneLine(p.cfg.Title, w)), w, "…"),
		ansi.Truncate(s.HeaderDim.Render("Preflight: every target a check polls, contacted once before the first step; nothing is journaled yet"), w, "…"),
		"",
	}
	for _, t := range p.targets {
		where := oneLine(t.Target, w)
		if t.Address != "" {
			where += s.Dim.Render(" (" + oneLine(t.Address, w) + ")")
		}
		if !t.Reachable {
			lines = append(lines, s.Fail.Render(s.Sym.Fail)+" "+where+" "+s.Fail.Render("UNREACHABLE"))
			for _, l := range textLines(nil, orWord(t.Error, "no answer"), w-4, 4) {
				lines = append(lines, "    "+l)
			}
			lines = append(lines, "    "+s.Dim.Render(oneLine(t.Probe, w-4)))
			continue
		}
		detail := t.Detail
		if detail == "" {
			detail = "answered"
		}
		lines = append(lines, s.Pass.Render(s.Sym.Pass)+" "+where+" "+oneLine(detail, w))
		lines = append(lines, "    "+s.Dim.Render(oneLine(t.Probe, w-20)+", "+t.LatencyNS.Round(time.Millisecond).String()))
	}
	down := p.Unreachable()
	lines = append(lines, "")
	switch {
	case p.busy:
		lines = append(lines, s.Wait.Render(s.Sym.Wait+" contacting every target again …"))
	case len(down) > 0:
		lines = append(lines, textLines(&s.Warn, oneLine(strings.Join(down, ", "), w)+
			" cannot be reached. Unreachable is not failed: in the session its checks wait, and nothing is halted, until it answers.", w, 3)...)
		if p.tries > 0 {
			lines = append(lines, s.Dim.Render(fmt.Sprintf("(tried again %d time(s))", p.tries)))
		}
	default:
		lines = append(lines, s.GateOpen.Render(s.Sym.Pass+" every target answers: enter starts the session"))
	}
	if p.reasonOn {
		lines = append(lines, "", s.Bold.Render(fmt.Sprintf("Start anyway: why? (at least %d characters; it goes on the record)", session.MinReason)), p.reason.View())
	}
	if p.problem != "" {
		lines = append(lines, s.Fail.Render(oneLine(p.problem, w)))
	}
	help := "r retry · s start anyway (with a reason) · esc stop: nothing is started"
	switch {
	case p.reasonOn:
		help = "enter start, on the record · esc back"
	case len(down) == 0:
		help = "enter start · r retry · esc stop: nothing is started"
	}
	body := clip(strings.Join(lines, "\n"), w, h-1)
	return body + "\n" + ansi.Truncate(s.Dim.Render(help), w, "…")
}
