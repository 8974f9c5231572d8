package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// Hub holds the sessions driven inside this serve process and who watches
// which session. One console drives a hosted session; every other console
// on it subscribes to the same runtime's snapshots, so an observer sees
// exactly the values the operator sees, as they change.
type Hub struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	hosted  map[string]*Hosted
	viewers map[string][]*Viewer
	closing bool
}

// NewHub makes an empty hub over cfg's state directory.
func NewHub(cfg Config, log *slog.Logger) *Hub {
	return &Hub{cfg: cfg, log: log, hosted: map[string]*Hosted{}, viewers: map[string][]*Viewer{}}
}

// Viewer is one console open on a session, other than its driver.
type Viewer struct {
	Who   session.Operator
	Role  string
	Since time.Time
}

// Hosted is a session driven inside this process: its engine (behind a
// tui.Live), the runner that polls its checks, the driver of its targets,
// its journal, and the consoles subscribed to it.
type Hosted struct {
	hub    *Hub
	ID     string
	Path   string
	Driver session.Operator

	live   *tui.Live
	runner *session.Runner
	drv    io.Closer
	fj     *session.FileJournal
	rec    *recording.Run // the operator's console's recording
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	pumped chan struct{}

	mu     sync.Mutex
	subs   map[*subscription]struct{}
	driver *subscription // the driving console's
	last   tui.Snapshot
	closed bool
	// toWatchers is the newest change the watchers have not heard yet;
	// fanOut delivers it.
	toWatchers *published
	wake       chan struct{}

	// watchMu orders the journal's watch records: the viewers that joined
	// and have not left, in join order; once Close has journaled their
	// leaves (watchDone), nothing more is journaled.
	watchMu   sync.Mutex
	watching  []*Viewer
	watchDone bool
}

// The watchers hear of a change after the driver, one after another: their
// consoles redraw after the operator's frame is out, and never all at once,
// so 20 watchers do not cost the operator a frame on a small machine
// (bench/serve).
const (
	fanOutDelay = 2 * time.Second / 60
	fanOutGap   = 2 * time.Millisecond
)

type published struct {
	ev  tui.Event
	err error
}

// subscription delivers the newest snapshot: a slow console skips the
// ones in between instead of slowing the session down.
type subscription struct{ ch chan published }

// host registers a started (or resumed) session and starts pumping its
// events to subscribers. When serve is stopping it closes them instead:
// the session is left interrupted.
func (h *Hub) host(id, path string, driver session.Operator, live *tui.Live, r *session.Runner, drv io.Closer, fj *session.FileJournal, rec *recording.Run) (*Hosted, error) {
	ctx, cancel := context.WithCancel(context.Background())
	hs := &Hosted{hub: h, ID: id, Path: path, Driver: driver, live: live, runner: r, drv: drv, fj: fj, rec: rec,
		ctx: ctx, cancel: cancel, done: make(chan struct{}), pumped: make(chan struct{}), subs: map[*subscription]struct{}{},
		wake: make(chan struct{}, 1)}
	hs.last = live.Snapshot()
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		cancel()
		r.Close()
		errs := []error{errors.New("handrail serve is stopping"), rec.Finish(recording.EndInterrupted)}
		if drv != nil {
			errs = append(errs, drv.Close())
		}
		return nil, errors.Join(append(errs, fj.Close())...)
	}
	h.hosted[id] = hs
	h.mu.Unlock()
	go hs.pump()
	go hs.fanOut()
	h.log.Info("session driven", "session", id, "operator", driver.Name, "key", driver.Key, "from", driver.SSHClient)
	return hs, nil
}

// Hosted returns the session id driven here, if it is.
func (h *Hub) Hosted(id string) (*Hosted, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs, ok := h.hosted[id]
	return hs, ok
}

// Watching lists who watches session id through this serve, by name.
func (h *Hub) Watching(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, v := range h.viewers[id] {
		out = append(out, v.Who.Name)
	}
	sort.Strings(out)
	return out
}

func (h *Hub) addViewer(id string, v *Viewer) {
	h.mu.Lock()
	h.viewers[id] = append(h.viewers[id], v)
	h.mu.Unlock()
	h.log.Info("watch join", "session", id, "who", v.Who.Name, "key", v.Who.Key, "from", v.Who.SSHClient, "role", v.Role)
}

func (h *Hub) removeViewer(id string, v *Viewer) {
	h.mu.Lock()
	vs := h.viewers[id]
	for i, x := range vs {
		if x == v {
			vs = append(vs[:i], vs[i+1:]...)
			break
		}
	}
	if len(vs) == 0 {
		delete(h.viewers, id)
	} else {
		h.viewers[id] = vs
	}
	h.mu.Unlock()
	h.log.Info("watch leave", "session", id, "who", v.Who.Name, "key", v.Who.Key, "from", v.Who.SSHClient,
		"watched", time.Since(v.Since).Round(time.Second).String())
}

// Shutdown closes every hosted session with note (their journals stay
// resumable: nothing ends them).
func (h *Hub) Shutdown(note string) {
	h.mu.Lock()
	h.closing = true
	all := make([]*Hosted, 0, len(h.hosted))
	for _, hs := range h.hosted {
		all = append(all, hs)
	}
	h.mu.Unlock()
	for _, hs := range all {
		hs.Close(note)
	}
}

func (h *Hub) stopping() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// pump feeds the runtime's events (check results, the gate going stale)
// to every subscriber until the session is closed or its journal fails.
func (hs *Hosted) pump() {
	defer close(hs.pumped)
	for {
		ev, err := hs.live.Wait(hs.ctx)
		if errors.Is(err, tui.ErrClosed) || hs.ctx.Err() != nil {
			return
		}
		hs.publish(ev, err, true)
		if err != nil {
			hs.hub.log.Error("session runtime stopped", "session", hs.ID, "error", err)
			return
		}
	}
}

// publish hands an event to the subscribers, replacing one they have not
// read yet: to the driver now when toDriver (a check result; the driver's
// own requests answer it directly), to the watchers fanOutDelay later (an
// error at once).
func (hs *Hosted) publish(ev tui.Event, err error, toDriver bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return
	}
	if ev.Snap.Seq >= hs.last.Seq {
		hs.last = ev.Snap
	}
	if toDriver && hs.driver != nil {
		hs.driver.offer(published{ev: ev, err: err})
	}
	if err != nil {
		for s := range hs.subs {
			if s != hs.driver {
				s.offer(published{ev: ev, err: err})
			}
		}
		return
	}
	hs.toWatchers = &published{ev: ev}
	select {
	case hs.wake <- struct{}{}:
	default:
	}
}

// fanOut delivers the newest change to the watchers, fanOutDelay after it
// happened and fanOutGap apart, until the session closes.
func (hs *Hosted) fanOut() {
	for {
		select {
		case <-hs.ctx.Done():
			return
		case <-hs.wake:
		}
		select {
		case <-hs.ctx.Done():
			return
		case <-time.After(fanOutDelay):
		}
		hs.mu.Lock()
		p := hs.toWatchers
		hs.toWatchers = nil
		var watchers []*subscription
		for s := range hs.subs {
			if s != hs.driver {
				watchers = append(watchers, s)
			}
		}
		hs.mu.Unlock()
		if p == nil {
			continue
		}
		for i, s := range watchers {
			if i > 0 {
				time.Sleep(fanOutGap)
			}
			hs.mu.Lock()
			if _, ok := hs.subs[s]; ok && !hs.closed {
				s.offer(*p)
			}
			hs.mu.Unlock()
		}
	}
}

func (s *subscription) offer(u published) {
	for {
		select {
		case s.ch <- u:
			return
		default:
		}
		select {
		case <-s.ch:
		default:
		}
	}
}

func (hs *Hosted) subscribe(driver bool) *subscription {
	s := &subscription{ch: make(chan published, 1)}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		close(s.ch)
		return s
	}
	hs.subs[s] = struct{}{}
	if driver {
		hs.driver = s
	}
	return s
}

func (hs *Hosted) unsubscribe(s *subscription) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if _, ok := hs.subs[s]; ok {
		delete(hs.subs, s)
		close(s.ch)
	}
	if hs.driver == s {
		hs.driver = nil
	}
}

// Latest is the newest snapshot published.
func (hs *Hosted) Latest() tui.Snapshot {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.last
}

// recorder is the Recorder of the operator's console (nil when it is not
// recorded: the site policy, or a file that could not be made).
func (hs *Hosted) recorder() *recording.Recorder {
	if !hs.rec.Recording() {
		return nil
	}
	return hs.rec.Recorder()
}

// Done is closed once the session is no longer driven here.
func (hs *Hosted) Done() <-chan struct{} { return hs.done }

// journalWatch appends watch.join or watch.leave. The journal's writer is
// safe for use beside the engine; the engine ignores these records.
func (hs *Hosted) journalWatch(typ string, v *Viewer) {
	if hs.fj.W == nil {
		return
	}
	if _, err := hs.fj.W.Append(typ, session.WatchData{Who: v.Who, Role: v.Role}); err != nil {
		hs.hub.log.Error("journal "+typ, "session", hs.ID, "error", err)
	}
}

// Join opens a watching console on the session: journaled (who, from
// where, when) and listed in the picker.
func (hs *Hosted) Join(v *Viewer) {
	hs.watchMu.Lock()
	if !hs.watchDone {
		hs.journalWatch(session.EvWatchJoin, v)
		hs.watching = append(hs.watching, v)
	}
	hs.watchMu.Unlock()
	hs.hub.addViewer(hs.ID, v)
}

// Leave closes a watching console: journaled too, unless Close journaled
// it already. An observer leaving changes nothing else.
func (hs *Hosted) Leave(v *Viewer) {
	hs.watchMu.Lock()
	if i := slices.Index(hs.watching, v); i >= 0 {
		hs.watching = slices.Delete(hs.watching, i, i+1)
		hs.journalWatch(session.EvWatchLeave, v)
	}
	hs.watchMu.Unlock()
	hs.hub.removeViewer(hs.ID, v)
}

// leaveAll journals the leave of every viewer still on the session, which
// stops being driven here: their visit ends now, not at the journal's end.
// Their consoles stay open on the last snapshot until they quit.
func (hs *Hosted) leaveAll() {
	hs.watchMu.Lock()
	defer hs.watchMu.Unlock()
	for _, v := range hs.watching {
		hs.journalWatch(session.EvWatchLeave, v)
	}
	hs.watching, hs.watchDone = nil, true
}

// Close stops driving the session here: the watchers hear note, polling
// stops, the operator's recording ends with its final checkpoint, the
// targets' connections and the journal close (its lock is released).
// Nothing else is journaled but a watch.leave for each watcher still on
// it: a session its operator did not end is interrupted and resumable,
// exactly as after a dropped terminal.
func (hs *Hosted) Close(note string) {
	snap := hs.live.Snapshot()
	if note != "" {
		snap.Notice = note
	}
	hs.mu.Lock()
	if hs.closed {
		hs.mu.Unlock()
		return
	}
	hs.last = snap
	for s := range hs.subs {
		s.offer(published{ev: tui.Event{Snap: snap}})
	}
	hs.closed = true
	for s := range hs.subs {
		close(s.ch)
		delete(hs.subs, s)
	}
	hs.mu.Unlock()

	hs.cancel()
	<-hs.pumped
	hs.runner.Close()
	hs.leaveAll()
	var errs []error
	// The recording's final checkpoint, before the journal closes.
	if err := hs.rec.Finish(hs.live.Snapshot().Ended); err != nil {
		errs = append(errs, fmt.Errorf("the recording of the operator's console is incomplete: %w", err))
	}
	if hs.drv != nil {
		if err := hs.drv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the connections to the checked systems: %w", err))
		}
	}
	if err := hs.fj.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close the journal (check it with `%s`): %w", journal.Place{StateDir: hs.hub.cfg.StateDir, Path: hs.fj.Path}.Command("verify", hs.ID), err))
	}
	hs.hub.mu.Lock()
	delete(hs.hub.hosted, hs.ID)
	hs.hub.mu.Unlock()
	close(hs.done)
	if err := errors.Join(errs...); err != nil {
		hs.hub.log.Error("session closed", "session", hs.ID, "error", err)
		return
	}
	hs.hub.log.Info("session closed", "session", hs.ID, "state", orState(snap.Ended), "note", note)
}

func orState(end string) string {
	if end == "" {
		return "interrupted"
	}
	return end
}
