package asciicast

import "sort"

// Part is one recording of a session with its place in it.
type Part struct {
	Cast *Cast
	Name string // the file name, for people
}

// Joined is a session's parts laid end to end for playback: the gap between
// two parts and every pause within one longer than the idle limit are cut
// to that limit, so an operator's hour away or a night between quit and
// resume plays as a moment. Times in Events are playback times.
type Joined struct {
	Width, Height int
	Events        []Event
	// Part is, for each event, the index of the part it came from.
	Part []int

	idle   float64
	starts []float64 // the playback time at which each part starts
	// per part: the original time and the playback time of each event
	orig [][]float64
	play [][]float64
}

// Join lays parts end to end. idle is the longest pause kept, in seconds
// (0 keeps every pause; a part still starts idle seconds after the last
// event of the one before, or 1 second when idle is 0). Each part after the
// first begins with a resize event to its own size.
func Join(parts []Part, idle float64) *Joined {
	j := &Joined{idle: idle}
	gap := idle
	if gap <= 0 {
		gap = 1
	}
	now := 0.0
	for pi, p := range parts {
		h := p.Cast.Header
		if pi == 0 {
			j.Width, j.Height = h.Width, h.Height
		} else {
			now += gap
			j.Events = append(j.Events, Event{Time: now, Code: Resize, Data: Size(h.Width, h.Height)})
			j.Part = append(j.Part, pi)
		}
		j.starts = append(j.starts, now)
		orig := make([]float64, len(p.Cast.Events))
		play := make([]float64, len(p.Cast.Events))
		prev := 0.0
		for i, e := range p.Cast.Events {
			now += j.cap(e.Time - prev)
			prev = e.Time
			orig[i], play[i] = e.Time, now
			j.Events = append(j.Events, Event{Time: now, Code: e.Code, Data: e.Data})
			j.Part = append(j.Part, pi)
		}
		j.orig = append(j.orig, orig)
		j.play = append(j.play, play)
	}
	return j
}

func (j *Joined) cap(d float64) float64 {
	if d < 0 {
		return 0
	}
	if j.idle > 0 && d > j.idle {
		return j.idle
	}
	return d
}

// At maps a time in part (seconds since that part's start) to the playback
// time. A time between two events maps between them, its pause capped like
// every other.
func (j *Joined) At(part int, t float64) float64 {
	if part < 0 || part >= len(j.starts) {
		return 0
	}
	orig, play := j.orig[part], j.play[part]
	// The last event at or before t.
	i := sort.Search(len(orig), func(k int) bool { return orig[k] > t }) - 1
	if i < 0 {
		return j.starts[part] + j.cap(t)
	}
	return play[i] + j.cap(t-orig[i])
}

// Duration is the playback time of the last event.
func (j *Joined) Duration() float64 {
	if len(j.Events) == 0 {
		return 0
	}
	return j.Events[len(j.Events)-1].Time
}

// Cast is the joined recording as one asciicast v2 stream (for a player
// that takes one file).
func (j *Joined) Cast(title string) []byte {
	b, _ := AppendHeader(nil, Header{Width: j.Width, Height: j.Height, Title: title}) // a header of ints and a string always marshals
	for _, e := range j.Events {
		b = AppendEvent(b, e)
	}
	return b
}

// Markers are the joined recording's "m" events.
func (j *Joined) Markers() []Event {
	var out []Event
	for _, e := range j.Events {
		if e.Code == Marker {
			out = append(out, e)
		}
	}
	return out
}
