package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/steps/session"
)

// A rehearsal on screen: the header shows the simulated time and its
// speed, a small panel below the checks says what each simulated machine
// is doing (in the simulator's words, and why a probe got no answer), s
// skips to the next simulated event, and the expected time left, ahead or
// behind plan and the maintenance window are in view. The world is read in
// a tea.Cmd (its lock, its queue), never in Update or View.

// World is a rehearsal's simulated world as the console reads it:
// rehearsal.Driver is one. The cli's rehearsal wiring gives it to Live
// (SetRehearsal).
type World interface {
	// Hosts describes every simulated machine.
	Hosts() []rehearsal.HostLine
	// Next is the world's next scheduled event (ok=false: none).
	Next() (rehearsal.Skipped, bool)
	// Skip moves the simulated clock to the next event (by 0) or by by.
	Skip(by time.Duration) (rehearsal.Skipped, error)
}

// WorldView is the simulated world at one moment, for the screen.
type WorldView struct {
	Hosts []rehearsal.HostLine
	// Next is the next simulated event, when HasNext.
	Next    rehearsal.Skipped
	HasNext bool
}

// Simulation is a Runtime over a rehearsal's simulated world (Live after
// SetRehearsal). Its methods take the world's lock: the console calls them
// from tea.Cmds only.
type Simulation interface {
	// WorldView is the simulated world now; ok=false when there is none.
	WorldView() (WorldView, bool)
	// SkipWait moves the simulated clock to the next simulated event,
	// journals it (sim.skip) and re-polls.
	SkipWait() (rehearsal.Skipped, Snapshot, error)
}

// Debriefer is a Runtime that grades the rehearsal it runs once it has
// ended (Live after SetRehearsal): the debrief's Markdown
// (rehearsal.Grade).
type Debriefer interface {
	Debrief() (string, error)
}

// errNoWorld: the session has no simulated world.
var errNoWorld = errors.New("this session has no simulated world: skip is for rehearsals")

// rehearsalHooks are what SetRehearsal gives a Live.
type rehearsalHooks struct {
	world   World
	debrief func() (string, error)
}

// SetRehearsal gives the console the rehearsal's simulated world and the
// way to grade it once it has ended (either may be nil). Call it before
// the console starts.
func (l *Live) SetRehearsal(w World, debrief func() (string, error)) *Live {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rh = rehearsalHooks{world: w, debrief: debrief}
	return l
}

var (
	_ Simulation = (*Live)(nil)
	_ Debriefer  = (*Live)(nil)
)

// WorldView reads the simulated world.
func (l *Live) WorldView() (WorldView, bool) {
	l.mu.Lock()
	w := l.rh.world
	l.mu.Unlock()
	if w == nil {
		return WorldView{}, false
	}
	v := WorldView{Hosts: w.Hosts()}
	v.Next, v.HasNext = w.Next()
	return v, true
}

// SkipWait skips to the next simulated event, as plain mode's `skip` does:
// the clock jumps, sim.skip is journaled, every check polls now.
func (l *Live) SkipWait() (rehearsal.Skipped, Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rh.world == nil {
		return rehearsal.Skipped{}, l.snapshotLocked(), errNoWorld
	}
	sk, err := l.rh.world.Skip(0)
	if err != nil {
		return sk, l.snapshotLocked(), err
	}
	if err := l.r.Engine().RecordSkip(sk.By, sk.What); err != nil && !errors.Is(err, session.ErrEnded) {
		return sk, l.snapshotLocked(), err
	}
	l.r.Poke()
	return sk, l.snapshotLocked(), nil
}

// Debrief grades the rehearsal (nil hook: an error).
func (l *Live) Debrief() (string, error) {
	l.mu.Lock()
	f := l.rh.debrief
	l.mu.Unlock()
	if f == nil {
		return "", errors.New("no debrief for this session")
	}
	return f()
}

// worldMsg carries the world read in a Cmd.
type worldMsg struct {
	w  WorldView
	at time.Time
}

// fetchWorld reads the simulated world in a Cmd, one read at a time.
func (m *Model) fetchWorld() tea.Cmd {
	sim, ok := m.rt.(Simulation)
	if !ok || !m.snap.Rehearsal || m.rx.worldBusy || m.quitting {
		return nil
	}
	m.rx.worldBusy = true
	return func() tea.Msg {
		v, _ := sim.WorldView()
		return worldMsg{w: v, at: time.Now()}
	}
}

// skipWait is s: skip to the next simulated event.
func (m Model) skipWait() (tea.Model, tea.Cmd) {
	sim, ok := m.rt.(Simulation)
	if !ok || !m.snap.Clock.Simulated {
		m.setFlash("nothing to skip: this session runs on the wall clock (s is for rehearsals)", true)
		return m, nil
	}
	m.busy = "skip"
	return m, func() tea.Msg {
		sk, s, err := sim.SkipWait()
		if errors.Is(err, rehearsal.ErrNothingScheduled) {
			// Not a refusal: the checks wait on nothing simulated.
			return recoveryMsg{op: "skip", snap: s, flash: "nothing to skip: no simulated event is scheduled"}
		}
		return recoveryMsg{op: "skip", snap: s, err: err, flash: sk.String()}
	}
}

// speedText is "x20".
func speedText(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprintf("x%d", int64(s))
	}
	return fmt.Sprintf("x%g", s)
}

// trainingParts are the header's parts for simulated time and the
// maintenance window: "sim 02:14:05 x20", "past the window (04:00)" (the
// plan itself is planPart).
func (m Model) trainingParts() []string {
	s := m.styles
	var parts []string
	if c := m.snap.Clock; c.Simulated {
		t := "sim " + m.snap.SessionNow(m.now).Local().Format("15:04:05")
		if c.Speed > 0 && c.Speed != 1 {
			t += " " + speedText(c.Speed)
		}
		parts = append(parts, s.Header.Render(t))
	}
	p := m.snap.Plan
	if !p.Known || m.snap.Ended != "" {
		return parts
	}
	if p.WindowWarning() != "" {
		word := "may pass the window"
		if p.OverWindow {
			word = "past the window"
		}
		parts = append(parts, s.Downtime.Render(word+" ("+p.WindowEnd.Local().Format("15:04")+")"))
	}
	return parts
}

// planPart is the header's plan, "~35m left, 5m behind plan" ("" without a
// forecast or once ended). The header shows it only when the line has room
// for it and the session's id (headerView); the panel below the checks
// says the plan in full.
func (m Model) planPart() string {
	p := m.snap.Plan
	if !p.Known || m.snap.Ended != "" {
		return ""
	}
	return m.styles.HeaderDim.Render(p.Short())
}

// trainingBlocks are the pane's blocks below the current step's panels:
// the forecast and the warnings, and in a rehearsal the simulated world.
func (m Model) trainingBlocks(width int) []paneBlock {
	lines := append(m.planLines(width), m.worldLines(width)...)
	if len(lines) == 0 {
		return nil
	}
	lines = append([]string{""}, lines...)
	return []paneBlock{{
		n:    func() int { return len(lines) },
		line: func(i int) string { return fit(lines[i], width) },
	}}
}

// planLines: the expected time left and the finish, ahead or behind plan,
// and every warning of the session (readiness, the maintenance window).
func (m Model) planLines(width int) []string {
	s := m.styles
	var out []string
	p := m.snap.Plan
	if p.Known && m.snap.Ended == "" {
		// The finish is read at the session's clock now, which ran on
		// since the snapshot: never a finish earlier than the clock.
		l := p.Line(m.snap.SessionNow(m.now))
		out = append(out, textLines(&s.Dim, l, width, 2)...)
	}
	warnings := slices.Clone(m.snap.Warnings)
	if w := p.WindowWarning(); w != "" && m.snap.Ended == "" && !slices.Contains(warnings, w) {
		warnings = append(warnings, w)
	}
	for _, w := range warnings {
		out = append(out, prefixFirst(s.Warn.Render("! warning: "), textLines(nil, w, width-11, 3))...)
	}
	return out
}

// worldLines is the simulated world's panel: each machine in the
// simulator's words, the next event s skips to, and why a probe of the
// current step got no answer.
func (m Model) worldLines(width int) []string {
	if !m.snap.Rehearsal || m.rx.worldAt.IsZero() {
		return nil
	}
	s := m.styles
	w := m.rx.world
	out := []string{s.Section.Render("Simulated world")}
	if w.HasNext && m.snap.Clock.Simulated && m.snap.Ended == "" {
		out = append(out, hanging("  ", s.Dim.Render("s: ")+oneLine(w.Next.String(), width), width, 2)...)
	}
	// The countdowns ran on since the read: carry them on at the clock's
	// speed until the next one.
	el := time.Duration(0)
	if c := m.snap.Clock; c.Simulated && !m.rx.worldAt.IsZero() && m.now.After(m.rx.worldAt) {
		speed := c.Speed
		if speed <= 0 {
			speed = 1
		}
		el = time.Duration(float64(m.now.Sub(m.rx.worldAt)) * speed)
	}
	for _, h := range w.Hosts {
		if h.Busy != "" {
			h.Left = max(h.Left-el, 0)
		}
		out = append(out, hanging("  ", oneLine(h.String(), width), width, 2)...)
	}
	if len(w.Hosts) == 0 {
		out = append(out, s.Dim.Render("  (no simulated machine)"))
	}
	for _, c := range m.snap.Checks {
		if !c.HasResult || c.Result.Status != checks.StatusUnreachable {
			continue
		}
		line := s.Warn.Render("no answer to "+oneLine(c.Check.ID, width)+": ") + oneLine(unreachableWhy(c.Result), 3*width)
		out = append(out, hanging("  ", line, width, 3)...)
	}
	return out
}

// hanging wraps an already safe line to width after lead, the lines after
// the first indented two columns more, at most n lines.
func hanging(lead, line string, width, n int) []string {
	w := max(10, width-ansi.StringWidth(lead)-2)
	parts := strings.Split(ansi.Wrap(line, w, " "), "\n")
	if len(parts) > n {
		parts = parts[:n]
		parts[n-1] = ansi.Truncate(parts[n-1], w-1, "") + "…"
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		if i == 0 {
			out[i] = lead + p
		} else {
			out[i] = lead + "  " + p
		}
	}
	return out
}
