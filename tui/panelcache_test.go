package tui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
)

// sized is a console over snap at w x h, its first frame drawn.
func sized(t testing.TB, snap Snapshot, now time.Time, w, h int) Model {
	t.Helper()
	m := New(&staticRuntime{snap: snap}, Options{Dark: true, Now: now})
	m = step(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	_ = m.Render()
	return m
}

// next is snap as the runtime would send it after change: a higher Seq and
// a copy of the checks.
func next(snap Snapshot, change func(cs []CheckView)) Snapshot {
	snap.Seq++
	snap.Checks = append([]CheckView(nil), snap.Checks...)
	for i := range snap.Checks {
		r := &snap.Checks[i].Result
		r.Verdict.Fields = append([]checks.FieldVerdict(nil), r.Verdict.Fields...)
	}
	change(snap.Checks)
	return snap
}

// TestPanelShowsEveryChangeOfItsResult: a cached panel is never stale. A
// changed value, status or error shows on the next frame; a poll that only
// refreshes the time of the answer reuses the panel, and its age still
// moves.
func TestPanelShowsEveryChangeOfItsResult(t *testing.T) {
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	snap := manyChecksSnapshot(1, now)
	m := sized(t, snap, now, 100, 30)
	if s := plain(m); !strings.Contains(s, "Slave_IO_Running:  Yes") || !strings.Contains(s, "waiting") {
		t.Fatalf("first frame lacks the answer:\n%s", s)
	}
	steps := []struct {
		name    string
		change  func(cs []CheckView)
		want    string
		rebuild bool
	}{
		{"a value changes", func(cs []CheckView) {
			cs[0].Result.Verdict.Fields[0].Actual, cs[0].Result.Verdict.Fields[0].Pass = "No", true
		}, "Slave_IO_Running:  No ", true},
		{"the status changes", func(cs []CheckView) { cs[0].Result.Status = checks.StatusPass }, "✔ pass", true},
		{"an error appears", func(cs []CheckView) { cs[0].Result.Obs.Error = "connection refused" }, "error: connection refused", true},
		{"only the time of the answer moves", func(cs []CheckView) { cs[0].Result.Obs.At = now.Add(-5 * time.Second) }, "data 5s old", false},
		{"only held and left move", func(cs []CheckView) { cs[0].Result.Held = time.Second }, "data 5s old", false},
		{"the expectation changes", func(cs []CheckView) { cs[0].Result.Verdict.Fields[1].Expected = "in [No, Connecting]" }, "in [No, Connecting]", true},
	}
	for _, st := range steps {
		before := m.panels.builds
		snap = next(snap, st.change)
		m = step(t, m, eventMsg{ev: Event{Snap: snap}, n: 1})
		s := plain(m)
		if !strings.Contains(s, st.want) {
			t.Fatalf("%s: the frame does not show %q:\n%s", st.name, st.want, s)
		}
		if built := m.panels.builds - before; (built > 0) != st.rebuild {
			t.Errorf("%s: %d panels built, want rebuilt=%v", st.name, built, st.rebuild)
		}
	}
}

// TestPanelCacheKeyCoversResult: every field of a check result, including
// ones added later, is part of the cache's key, except the few the status
// line draws on every frame. A field left out would leave a stale panel on
// screen.
func TestPanelCacheKeyCoversResult(t *testing.T) {
	drawnEveryFrame := map[string]bool{"Gen": true, "Held": true, "Left": true, "Obs.At": true, "Obs.Latency": true}
	base := manyChecksSnapshot(1, time.Now()).Checks[0]
	var walk func(prefix string, v reflect.Value)
	seen := 0
	walk = func(prefix string, v reflect.Value) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name := prefix + f.Name
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}) {
				walk(name+".", v.Field(i))
				continue
			}
			seen++
			changed := base
			fv := fieldByPath(reflect.ValueOf(&changed.Result).Elem(), name)
			setOther(t, fv, name)
			same := reflect.DeepEqual(liveOnly(base), liveOnly(changed))
			if same != drawnEveryFrame[name] {
				t.Errorf("Result.%s: key unchanged=%v, want %v (only what the status line draws may be left out)", name, same, drawnEveryFrame[name])
			}
		}
	}
	walk("", reflect.ValueOf(base.Result))
	if seen < 10 {
		t.Fatalf("walked only %d fields", seen)
	}
}

func fieldByPath(v reflect.Value, path string) reflect.Value {
	for _, p := range strings.Split(path, ".") {
		v = v.FieldByName(p)
	}
	return v
}

// setOther gives v a value different from the one it has.
func setOther(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.Zero(v.Type().Key()), reflect.Zero(v.Type().Elem()))
		v.Set(m)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	default:
		t.Fatalf("Result.%s: kind %s: teach setOther to change it", name, v.Kind())
	}
}

// TestOffScreenPanelsAreNotBuilt: with 40 checks only the panels on screen
// are laid out; the others are built when scrolling reaches them.
func TestOffScreenPanelsAreNotBuilt(t *testing.T) {
	now := time.Now()
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := sized(t, manyChecksSnapshot(40, now), now, size[0], size[1])
			frame := plain(m)
			built := m.panels.built
			if len(built) == 0 || len(built) > 8 {
				t.Fatalf("%d panels built for one screen: %v", len(built), built)
			}
			last := built[len(built)-1]
			for _, id := range built[:len(built)-1] {
				if !strings.Contains(frame, id) {
					t.Errorf("panel %s was built but is not on screen:\n%s", id, frame)
				}
			}
			if !strings.Contains(frame, "more below") {
				t.Errorf("the frame does not say more follows:\n%s", frame)
			}
			// Scrolling builds the panels it reaches, and only those.
			for range 3 {
				m = step(t, m, tea.KeyPressMsg{Code: 'f', Text: "f"})
			}
			_ = m.Render()
			if !strings.Contains(plain(m), last) && m.panels.builds == len(built) {
				t.Fatal("scrolling down built nothing new")
			}
			if m.panels.builds >= 40 {
				t.Errorf("%d panels built after three pages", m.panels.builds)
			}
		})
	}
}

// TestBigOutputKeepsThePanelsLayout: 5 MB of output with tabs, escape
// sequences and many lines, in a field, an error and a summary value: every
// frame line is exactly the terminal's width, no byte of the output reaches
// the terminal as control, and the frame keeps its height.
func TestBigOutputKeepsThePanelsLayout(t *testing.T) {
	now := time.Now()
	snap := bigOutputSnapshot(5<<20, now)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		m := sized(t, snap, now, size[0], size[1])
		frame := m.Render()
		lines := strings.Split(frame, "\n")
		if len(lines) != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d columns: %q", size[0], size[1], i, w, ansi.Strip(l))
			}
		}
		if strings.Contains(frame, "\x1b[31mred") || strings.Contains(frame, "\x1b[2J") || strings.ContainsAny(frame, "\t\r") {
			t.Errorf("%dx%d: a control sequence of the output reached the terminal", size[0], size[1])
		}
		text := ansi.Strip(frame)
		if !strings.Contains(text, `value \x1b[31mred`) {
			t.Errorf("%dx%d: the output is not shown escaped:\n%s", size[0], size[1], text)
		}
		if size[1] >= 40 && !strings.Contains(text, "Slave_IO_Running") {
			t.Errorf("%dx%d: the panel after the big one is gone:\n%s", size[0], size[1], text)
		}
		if h := panelHeight(text, "server-stat.sh"); h < 0 || h > 14 {
			t.Errorf("%dx%d: the 5 MiB check's panel is %d lines high:\n%s", size[0], size[1], h, text)
		}
	}
}

// panelHeight is how many lines the panel holding text spans on screen,
// borders included (-1: not found, or not whole on screen).
func panelHeight(screen, text string) int {
	var lines [][]rune
	for _, l := range strings.Split(screen, "\n") {
		lines = append(lines, []rune(l))
	}
	at, col := -1, -1
	for i, l := range lines {
		if j := strings.Index(string(l), text); j >= 0 {
			at = i
			// The panel's left border: the nearest │ before the text.
			for c := len([]rune(string(l)[:j])) - 1; c >= 0; c-- {
				if l[c] == '│' {
					col = c
					break
				}
			}
			break
		}
	}
	if at < 0 || col < 0 {
		return -1
	}
	is := func(i int, r rune) bool { return col < len(lines[i]) && lines[i][col] == r }
	top, bottom := -1, -1
	for i := at; i >= 0 && top < 0; i-- {
		if is(i, '╭') {
			top = i
		}
	}
	for i := at; i < len(lines) && bottom < 0; i++ {
		if is(i, '╰') {
			bottom = i
		}
	}
	if top < 0 || bottom < 0 {
		return -1
	}
	return bottom - top + 1
}

// queueRuntime answers Wait from a queue, then reports end: the next Wait
// after the queue is empty returns end (nil: block until ctx is done).
type queueRuntime struct {
	staticRuntime
	q   chan Event
	end error
}

func (r *queueRuntime) Wait(ctx context.Context) (Event, error) {
	select {
	case ev := <-r.q:
		return ev, nil
	default:
	}
	if r.end != nil {
		return Event{}, r.end
	}
	select {
	case ev := <-r.q:
		return ev, nil
	case <-ctx.Done():
		return Event{}, ErrClosed
	}
}

// TestResultsWithinAFrameAreDrawnOnce: a burst of results becomes one
// message carrying the newest snapshot; nothing is lost when the runtime
// closes or fails after the burst.
func TestResultsWithinAFrameAreDrawnOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		end      error
		wantN    int
		wantNext tea.Msg
	}{
		{"burst", nil, 20, nil},
		{"closed after the burst", ErrClosed, 20, runtimeClosedMsg{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &queueRuntime{q: make(chan Event, 32), end: tc.end}
			for i := range 20 {
				rt.q <- Event{Snap: Snapshot{Seq: uint64(i + 1)}}
			}
			msg := waitEvent(context.Background(), rt)()
			ev, ok := msg.(eventMsg)
			if !ok {
				t.Fatalf("got %#v, want one eventMsg", msg)
			}
			if ev.n != tc.wantN || ev.ev.Snap.Seq != 20 {
				t.Fatalf("eventMsg of %d events at seq %d, want %d at seq 20", ev.n, ev.ev.Snap.Seq, tc.wantN)
			}
			if tc.wantNext != nil {
				if got := waitEvent(context.Background(), rt)(); got != tc.wantNext {
					t.Fatalf("after the burst: %#v, want %#v", got, tc.wantNext)
				}
			}
		})
	}
	// A runtime error inside the frame is reported, not swallowed.
	boom := errors.New("journal write failed")
	rt := &queueRuntime{q: make(chan Event, 2), end: boom}
	rt.q <- Event{Snap: Snapshot{Seq: 1}}
	if got, want := waitEvent(context.Background(), rt)(), (runtimeClosedMsg{err: boom}); got != want {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// TestKeyHelpFollowsTheTerminalsSize: the key help drawn before the
// terminal said its size is not reused once it has: the help model's own
// width is part of what the memo compares.
func TestKeyHelpFollowsTheTerminalsSize(t *testing.T) {
	now := time.Now()
	m := New(&staticRuntime{snap: manyChecksSnapshot(1, now)}, Options{Dark: true, Now: now})
	_ = m.Render() // Bubble Tea draws once before the first WindowSizeMsg
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	lines := strings.Split(plain(m), "\n")
	want := ansi.Strip(drawFooter(m.styles, m.footerKeys(), m.footerTail(), 80))
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("key help\n got %q\nwant %q", got, want)
	}
}

// TestMemoisedPartsShowEveryChange: the step list, the step's text and the
// key help are drawn again when what they show changes, and only then.
func TestMemoisedPartsShowEveryChange(t *testing.T) {
	now := time.Now()
	snap := manyChecksSnapshot(2, now)
	m := sized(t, snap, now, 100, 30)
	draws := func() [3]int { return [3]int{m.memo.list.draws, m.memo.text.draws, m.memo.help.draws} }
	before := draws()
	// A result that changes nothing they show: none is drawn again.
	snap = next(snap, func(cs []CheckView) { cs[0].Result.Obs.At = now.Add(time.Second) })
	m = step(t, m, eventMsg{ev: Event{Snap: snap}, n: 1})
	_ = m.Render()
	if d := draws(); d != before {
		t.Errorf("a new answer redrew the list, text or help: %v -> %v", before, d)
	}
	for _, ch := range []struct {
		name   string
		change func(s *Snapshot)
		want   string
	}{
		{"a step's state", func(s *Snapshot) { s.Steps[1].State = StepSkipped }, "↷ 2 After"},
		{"a step's title", func(s *Snapshot) { s.Steps[1].Step.Title = "Afterwards" }, "Afterwards"},
		{"the notice", func(s *Snapshot) { s.Notice = "the action is running" }, "the action is running"},
		{"a target's address", func(s *Snapshot) {
			s.Targets = map[string]checks.Target{"db": {Name: "db", Kind: checks.TargetMySQL, Host: "db9", Port: 3307}}
		}, "db9:3307"},
	} {
		snap = next(snap, func([]CheckView) {})
		snap.Steps = append([]StepView(nil), snap.Steps...)
		ch.change(&snap)
		m = step(t, m, eventMsg{ev: Event{Snap: snap}, n: 1})
		if s := plain(m); !strings.Contains(s, ch.want) {
			t.Errorf("%s: the frame does not show %q:\n%s", ch.name, ch.want, s)
		}
	}
}

// TestLiveGathersAFramesResults: asked with a deadline, Live feeds every
// result until it and copies the session out once, with the newest result.
func TestLiveGathersAFramesResults(t *testing.T) {
	ts := newTestSession(t)
	toStopReplica(t, ts) // one replica check, polled every 200 ms
	polls := func() int {
		ts.drv.mu.Lock()
		defer ts.drv.mu.Unlock()
		return ts.drv.polls
	}
	seq0 := ts.live.Snapshot().Seq
	p0 := polls()
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	defer cancel()
	ev, err := ts.live.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := polls() - p0; n < 2 {
		t.Fatalf("only %d polls in the window: nothing to gather", n)
	}
	if ev.Snap.Seq != seq0+1 {
		t.Errorf("%d snapshots built for one window, want 1", ev.Snap.Seq-seq0)
	}
	if ev.Result == nil || time.Since(ev.Result.Obs.At) > 400*time.Millisecond {
		t.Errorf("the event does not carry the newest result: %+v", ev.Result)
	}
}
