package plain

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// World is a rehearsal's simulated world as plain mode shows it (the cli
// adapts the simulator to it; nil in a live session).
type World interface {
	// Lines describes each simulated machine in the simulator's words.
	Lines() []WorldLine
	// Skip moves the simulated clock ahead: to the world's next event
	// when by is 0, else by that much. It says what it skipped to ("" for
	// a plain jump) and how far the clock moved.
	Skip(by time.Duration) (what string, moved time.Duration, err error)
}

// WorldLine is one simulated machine's line. Key is the line without its
// countdown: plain mode prints a line again only when its Key changes.
type WorldLine struct {
	Key, Text string
}

// skip is the `skip [DURATION]` command of a rehearsal.
func (u *ui) skip(arg string) error {
	if u.world == nil {
		u.printf("Nothing to skip: this session runs on the wall clock (skip is for rehearsals).\n")
		return nil
	}
	var by time.Duration
	if arg != "" {
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			u.printf("! skip %s: give a duration such as 30s or 2m, or nothing to skip to the next simulated event\n", termtext.Line(arg))
			return nil
		}
		by = d
	}
	what, moved, err := u.world.Skip(by)
	if err != nil {
		u.printf("! %s\n", termtext.Line(err.Error()))
		return nil
	}
	if err := u.r.Engine().RecordSkip(moved, what); err != nil && !errors.Is(err, session.ErrEnded) {
		return err
	}
	line := "Skipped the wait: " + moved.Round(time.Second).String()
	if what != "" {
		line += " (" + what + ")"
	}
	u.printf("%s.\n", termtext.Line(line))
	u.r.Poke()
	return nil
}

// renderWorld prints each simulated machine whose state changed.
func (u *ui) renderWorld() {
	if u.world == nil {
		return
	}
	if u.shownWorld == nil {
		u.shownWorld = map[string]string{}
	}
	for _, l := range u.world.Lines() {
		host, _, _ := strings.Cut(l.Key, ":")
		if u.shownWorld[host] == l.Key {
			continue
		}
		u.shownWorld[host] = l.Key
		u.printf("WORLD %s\n", termtext.Line(l.Text))
	}
}

// statusWorld is the rehearsal's part of `status`: the simulated clock and
// every simulated machine.
func (u *ui) statusWorld() {
	e := u.r.Engine()
	if e.Simulated() {
		u.printf("Simulated time %s", e.Now().Local().Format("15:04:05"))
		if s := e.Speed(); s > 0 {
			u.printf(" (speed %s)", speedText(s))
		}
		u.printf("\n")
	}
	if u.world == nil {
		return
	}
	for _, l := range u.world.Lines() {
		u.printf("  %s\n", termtext.Line(l.Text))
	}
}

// statusPlan is the forecast's part of `status`.
func (u *ui) statusPlan() {
	p := u.r.Engine().Plan()
	if !p.Known {
		return
	}
	u.printf("%s\n", p.Line(u.r.Engine().Now()))
}

// renderWarnings prints each warning journaled since the last render.
func (u *ui) renderWarnings() {
	ws := u.r.Engine().Warnings()
	for ; u.shownWarnings < len(ws); u.shownWarnings++ {
		u.printf("WARNING: %s\n", termtext.Line(ws[u.shownWarnings].Text))
	}
}

func speedText(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprintf("x%d", int64(s))
	}
	return fmt.Sprintf("x%g", s)
}
