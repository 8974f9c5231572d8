package tui

import (
	"reflect"
	"time"

	"github.com/handrail/handrail/checks"
)

// panelCache keeps each check panel's framed lines between frames, so a
// frame costs what changed on screen, not what the step holds: a panel is
// built again only when something it shows changed. It lives behind a
// pointer shared by every copy of the Model and is used from View, which
// Bubble Tea calls on one goroutine.
type panelCache struct {
	entries map[panelSlot]*panelEntry
	// builds counts the panels built (cache misses), for tests.
	builds int
	// built names the last panels built, for tests: which checks a frame
	// had to lay out.
	built []string
}

// panelSlot is where a panel appears: the check of a step, live or as its
// specification, at a width.
type panelSlot struct {
	step  string // stepKey of the step shown
	check string
	live  bool
	width int
}

// panelInput is everything buildPanel reads. Two equal inputs give the same
// lines, so the cache compares inputs whole (reflect.DeepEqual): a field
// added to checks.Result or checks.Check later is part of the key without
// anyone remembering to add it. The only values left out are the ones the
// status line draws on every frame (see liveOnly).
type panelInput struct {
	view      CheckView
	focused   bool
	dark      bool
	ascii     bool
	rehearsal bool
	target    checks.Target
}

type panelEntry struct {
	in panelInput
	p  panelLines
}

// maxPanelEntries bounds the cache; browsing many steps at many widths
// starts it afresh.
const maxPanelEntries = 512

func newPanelCache() *panelCache {
	return &panelCache{entries: map[panelSlot]*panelEntry{}}
}

// liveOnly clears what changes with every poll and is shown only by the
// status line, which is drawn on every frame: the time of the answer (the
// age of the data), its latency, the poller's generation, how long the
// expectations have held and the time left. A poll that changes nothing
// else then reuses the panel. Anything shown in the framed lines must never
// be cleared here (TestPanelCacheKeyCoversResult guards it).
func liveOnly(c CheckView) CheckView {
	c.Polling = false
	c.Result.Gen = 0
	c.Result.Obs.At = time.Time{}
	c.Result.Obs.Latency = 0
	c.Result.Held = 0
	c.Result.Left = 0
	return c
}

// panelFor returns the check's panel from the cache, building it when
// anything it shows changed.
func (m Model) panelFor(step string, c CheckView, live, focused bool, width int) panelLines {
	in := panelInput{view: liveOnly(c), focused: focused, dark: m.styles.Dark, ascii: m.opts.ASCII, rehearsal: m.snap.Rehearsal}
	if c.Check.Target != "" {
		in.target = m.snap.Targets[c.Check.Target]
	}
	slot := panelSlot{step: step, check: c.Check.ID, live: live, width: width}
	pc := m.panels
	if e, ok := pc.entries[slot]; ok && reflect.DeepEqual(&e.in, &in) {
		return e.p
	}
	p := m.buildPanel(c, live, focused, width)
	if len(pc.entries) >= maxPanelEntries {
		pc.entries = map[panelSlot]*panelEntry{}
	}
	pc.entries[slot] = &panelEntry{in: in, p: p}
	pc.builds++
	pc.built = append(pc.built, c.Check.ID)
	if len(pc.built) > 64 {
		pc.built = pc.built[len(pc.built)-64:]
	}
	return p
}
