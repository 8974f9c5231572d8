package recording

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/internal/termtext"
)

// Key is a player command, read from the keyboard.
type Key int

// Player keys.
const (
	KeyPause  Key = iota + 1 // space: pause, play
	KeyNext                  // n, →: the next marker
	KeyPrev                  // p, ←: the previous marker
	KeyFaster                // +: twice as fast
	KeySlower                // -: half as fast
	KeyQuit                  // q, ctrl-c
)

// KeyOf maps the bytes a key sends to a player key (0 when none).
func KeyOf(b []byte) Key {
	switch string(b) {
	case " ", "k":
		return KeyPause
	case "n", "l", "\x1b[C", "\x1bOC", ".":
		return KeyNext
	case "p", "h", "\x1b[D", "\x1bOD", ",":
		return KeyPrev
	case "+", "=":
		return KeyFaster
	case "-", "_":
		return KeySlower
	case "q", "Q", "\x03", "\x1b":
		return KeyQuit
	}
	return 0
}

// Stop is a moment the player pauses at (an override), with why.
type Stop struct {
	At    float64 // playback time
	Label string
}

// Player plays a joined recording on a terminal, through a Filter.
type Player struct {
	J     *asciicast.Joined
	Out   io.Writer  // the terminal
	Keys  <-chan Key // nil: no keyboard (no pauses either)
	Speed float64    // 1 is real time (with the joined recording's idle limit)
	Stops []Stop     // pause here, when there is a keyboard
	// Rows and Cols are the terminal's size, for the status line (Rows 0:
	// no status line).
	Rows, Cols int
	// After is the timer (nil: time.After); tests make time pass at once.
	After func(time.Duration) <-chan time.Time

	f       *Filter
	i       int     // the next event to play
	at      float64 // the playback time reached
	stopped int     // stops already paused at
	markers []int   // indexes of marker events
}

// Dropped is how many sequences the filter left out.
func (p *Player) Dropped() int {
	if p.f == nil {
		return 0
	}
	return p.f.Dropped
}

// Run plays from playback time from to the end, or until q or ctx ends.
func (p *Player) Run(ctx context.Context, from float64) error {
	if p.Speed <= 0 {
		p.Speed = 1
	}
	if p.After == nil {
		p.After = time.After
	}
	p.f = NewFilter(p.Out)
	for i, e := range p.J.Events {
		if e.Code == asciicast.Marker {
			p.markers = append(p.markers, i)
		}
	}
	sort.Slice(p.Stops, func(a, b int) bool { return p.Stops[a].At < p.Stops[b].At })
	if err := p.seek(from); err != nil {
		return err
	}
	for p.i < len(p.J.Events) {
		e := p.J.Events[p.i]
		// Pause at an override before playing past it.
		if p.Keys != nil && p.stopped < len(p.Stops) && p.Stops[p.stopped].At <= e.Time {
			s := p.Stops[p.stopped]
			p.stopped++
			if err := p.playUntil(s.At); err != nil {
				return err
			}
			quit, err := p.pause("paused at " + s.Label + " · space: play on")
			if quit || err != nil {
				return err
			}
			continue
		}
		wait := time.Duration((e.Time - p.at) / p.Speed * float64(time.Second))
		if wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-p.After(wait):
			case k := <-p.Keys:
				quit, err := p.key(k)
				if quit || err != nil {
					return err
				}
				continue
			}
		}
		if err := p.play(e); err != nil {
			return err
		}
	}
	p.f.Flush()
	return nil
}

// key handles a key while playing.
func (p *Player) key(k Key) (quit bool, err error) {
	switch k {
	case KeyQuit:
		return true, nil
	case KeyPause:
		return p.pause("paused · space: play · n/p: next/previous marker · q: quit")
	case KeyNext:
		if t, ok := p.nextMarker(); ok {
			return false, p.seek(t)
		}
	case KeyPrev:
		if t, ok := p.prevMarker(); ok {
			return false, p.seek(t)
		}
	case KeyFaster:
		p.Speed = min(p.Speed*2, 256)
	case KeySlower:
		p.Speed = max(p.Speed/2, 1.0/16)
	}
	return false, nil
}

// pause shows a status line and waits for a key. The screen is redrawn
// from the recording when play resumes (the status line covered a row).
func (p *Player) pause(msg string) (quit bool, err error) {
	p.status(msg)
	for k := range p.Keys {
		switch k {
		case KeyQuit:
			return true, nil
		case KeyPause:
			return false, p.seek(p.at)
		case KeyNext:
			if t, ok := p.nextMarker(); ok {
				if err := p.seek(t); err != nil {
					return false, err
				}
				p.status(msg)
			}
		case KeyPrev:
			if t, ok := p.prevMarker(); ok {
				if err := p.seek(t); err != nil {
					return false, err
				}
				p.status(msg)
			}
		case KeyFaster, KeySlower:
			_, _ = p.key(k) // speed keys never fail
			p.status(msg)
		}
	}
	return true, nil
}

// status draws one line at the bottom of the screen: where the player is
// and msg. It is handrail's own text, and the marker labels in it went
// through termtext.Line when they were recorded and again here.
func (p *Player) status(msg string) {
	if p.Rows <= 0 {
		return
	}
	label := ""
	if i := p.lastMarker(); i >= 0 {
		label = " · " + p.J.Events[i].Data
	}
	line := termtext.Line(fmt.Sprintf(" %s · %s / %s · x%s%s ", msg, clock(p.at), clock(p.J.Duration()), speed(p.Speed), label))
	if p.Cols > 0 {
		line = ansi.Truncate(line, p.Cols, "…")
	}
	_, _ = fmt.Fprintf(p.Out, "\x1b7\x1b[%d;1H\x1b[0;7m\x1b[2K%s\x1b[0m\x1b8", p.Rows, line)
}

// seek redraws the screen as it was at playback time t: it clears the
// screen and writes, without waiting, everything from the start of the
// console run that t falls in (each run draws its whole screen afresh).
func (p *Player) seek(t float64) error {
	target := sort.Search(len(p.J.Events), func(k int) bool { return p.J.Events[k].Time > t })
	// The first event of the run that holds the target.
	part := 0
	if target > 0 {
		part = p.J.Part[target-1]
	}
	start := sort.Search(len(p.J.Part), func(k int) bool { return p.J.Part[k] >= part })
	if _, err := io.WriteString(p.Out, "\x1b[0m\x1b[?1049h\x1b[H\x1b[2J"); err != nil {
		return err
	}
	p.f = &Filter{w: p.Out, p: p.f.p, Dropped: p.f.Dropped}
	for k := start; k < target; k++ {
		if err := p.apply(p.J.Events[k]); err != nil {
			return err
		}
	}
	p.i, p.at = target, t
	// Stops before t are behind us.
	p.stopped = sort.Search(len(p.Stops), func(k int) bool { return p.Stops[k].At > t })
	return nil
}

// playUntil plays, without waiting, the events up to playback time t.
func (p *Player) playUntil(t float64) error {
	for p.i < len(p.J.Events) && p.J.Events[p.i].Time <= t {
		if err := p.play(p.J.Events[p.i]); err != nil {
			return err
		}
	}
	p.at = t
	return nil
}

func (p *Player) play(e asciicast.Event) error {
	p.i++
	p.at = e.Time
	return p.apply(e)
}

func (p *Player) apply(e asciicast.Event) error {
	if e.Code != asciicast.Output {
		return nil
	}
	_, err := p.f.Write([]byte(e.Data))
	return err
}

// nextMarker is the time of the first marker after the playback time.
func (p *Player) nextMarker() (float64, bool) {
	for _, i := range p.markers {
		if t := p.J.Events[i].Time; t > p.at+1e-6 {
			return t, true
		}
	}
	return 0, false
}

// prevMarker is the time of the marker before the last one reached (so
// that pressing p twice goes back two markers, not to the same one).
func (p *Player) prevMarker() (float64, bool) {
	var ts []float64
	for _, i := range p.markers {
		if t := p.J.Events[i].Time; t < p.at-0.5 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return 0, len(p.markers) > 0 && p.at > 0 // back to the start
	}
	return ts[len(ts)-1], true
}

// lastMarker is the index of the last marker reached, or -1.
func (p *Player) lastMarker() int {
	last := -1
	for _, i := range p.markers {
		if i < p.i {
			last = i
		}
	}
	return last
}

func clock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%02d:%02d", m, sec)
}

func speed(s float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", s), "0"), ".")
}
