package rehearsal

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// HostLine is one simulated machine's state in the simulator's own words,
// for the console and plain mode: "tm-secondary: installer running, 1m20s
// left"; "gs2: nothing answers".
type HostLine struct {
	Host string
	// State is what runs there now ("nothing answers" when nothing does).
	State string
	// Busy is what the machine is busy with until its next event ("" when
	// nothing is scheduled there), and Left how long until it.
	Busy string
	Left time.Duration
}

// String is the line as shown: "host: state; busy, 1m20s left".
func (l HostLine) String() string {
	s := l.Host + ": " + l.State
	if l.Busy != "" {
		s += "; " + l.Busy + ", " + fmtLeft(l.Left) + " left"
	}
	return s
}

// Key is the line without its countdown: a line whose Key changed has news
// (plain mode prints it), one whose countdown only ticked does not.
func (l HostLine) Key() string { return l.Host + ": " + l.State + "; " + l.Busy }

func fmtLeft(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	return d.Round(time.Second).String()
}

// Hosts describes every simulated machine, sorted by name: what runs on it,
// and what it is busy with until its next scheduled event.
func (d *Driver) Hosts() []HostLine {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle()
	parts := map[string][]string{}
	known := map[string]bool{} // every machine the world models
	add := func(host, s string) {
		if host != "" {
			parts[host] = append(parts[host], s)
			known[host] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(w.mysql)) {
		m := w.mysql[name]
		if !m.up {
			add(m.host, "MySQL "+name+" down")
			continue
		}
		s := "MySQL " + name + " up"
		if m.master != nil {
			s += fmt.Sprintf(", replica IO %s, SQL %s", m.io, m.sql)
			if m.ioErrno != 0 {
				s += fmt.Sprintf(" (IO error %d)", m.ioErrno)
			}
		}
		add(m.host, s)
	}
	for _, name := range slices.Sorted(maps.Keys(w.solid)) {
		s := w.solid[name]
		switch {
		case !s.up:
			add(s.host, "solidDB "+s.version+" down")
		default:
			add(s.host, "solidDB "+s.version+" "+s.state)
		}
	}
	if tc := w.tc; tc != nil {
		for _, s := range tc.servers {
			if s.up {
				add(s.host, fmt.Sprintf("Terracotta %s %s", s.version, s.state))
			} else {
				add(s.host, "Terracotta server stopped")
			}
		}
		for _, h := range slices.Sorted(maps.Keys(tc.orch)) {
			add(h, map[bool]string{true: "WAN Orchestrator running", false: "WAN Orchestrator stopped"}[tc.orch[h]])
		}
	}
	if tt := w.tt; tt != nil {
		for _, in := range []*ttInstall{tt.old, tt.new} {
			switch {
			case !in.Installed:
				add(tt.host, "TimesTen "+in.Version+" not installed")
			case in.Running:
				add(tt.host, "TimesTen "+in.Version+" server running")
			default:
				add(tt.host, "TimesTen "+in.Version+" server stopped")
			}
		}
		if !tt.repAt.IsZero() {
			if b := tt.backlog(w.now); b > 0 {
				add(tt.host, "subscriber "+fmtLeft(b)+" behind")
			} else {
				add(tt.host, "subscriber caught up")
			}
		}
	}
	if gs := w.gs; gs != nil {
		for _, host := range slices.Sorted(maps.Keys(gs.procs)) {
			known[host] = true
			procs := gs.procs[host]
			for _, n := range slices.Sorted(maps.Keys(procs)) {
				p := procs[n]
				add(host, fmt.Sprintf("GemStone %s %s (%s)", strings.ToLower(p.typ), p.name, p.version))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(w.hosts)) {
		h := w.hosts[name]
		if h.host != name {
			continue
		}
		if h.spec.Host != "" || len(h.spec.Ports) > 0 || len(h.products) > 0 {
			known[name] = true
		}
		var stopped, running []string
		for _, s := range slices.Sorted(maps.Keys(h.services)) {
			if h.services[s] == "running" {
				running = append(running, s)
			} else {
				stopped = append(stopped, s)
			}
		}
		if len(running) > 0 {
			add(name, "running: "+strings.Join(running, ", "))
		}
		if len(stopped) > 0 {
			add(name, "stopped: "+strings.Join(stopped, ", "))
		}
		if len(h.products) > 0 {
			var ps []string
			for _, k := range slices.Sorted(maps.Keys(h.products)) {
				ps = append(ps, k+" "+h.products[k])
			}
			add(name, "installed: "+strings.Join(ps, ", "))
		}
	}
	// A network outage: the machine is cut off from the session.
	for _, name := range slices.Sorted(maps.Keys(w.down)) {
		until := w.down[name]
		if !w.now.Before(until) {
			continue
		}
		host := name
		if t, err := w.target(name); err == nil && t.Host != "" {
			host = w.bindItem(t.Host)
		}
		add(host, "cut off from the network ("+fmtLeft(until.Sub(w.now))+" left)")
	}
	// What each machine waits for: its earliest scheduled event.
	busy := map[string]event{}
	for _, e := range w.queue {
		if e.host == "" {
			continue
		}
		if b, ok := busy[e.host]; !ok || e.at.Before(b.at) || (e.at.Equal(b.at) && e.seq < b.seq) {
			busy[e.host] = e
		}
	}
	hosts := known
	for h := range busy {
		hosts[h] = true
	}
	out := make([]HostLine, 0, len(hosts))
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		l := HostLine{Host: h, State: strings.Join(parts[h], "; ")}
		if l.State == "" {
			l.State = "nothing answers"
		}
		if e, ok := busy[h]; ok {
			l.Busy, l.Left = e.doing, e.at.Sub(w.now)
		}
		out = append(out, l)
	}
	return out
}

// ErrNothingScheduled says a skip found no simulated event to skip to.
var ErrNothingScheduled = errors.New("nothing is scheduled in the simulated world: the checks wait on no simulated event (skip DURATION moves the clock by that much)")

// Skipped is what a skip did: how far the simulated clock moved, to what.
type Skipped struct {
	By time.Duration
	// What is the event skipped to, "host: what it was busy with" ("" for
	// a plain jump).
	What string
}

// String is "skip the wait: 1m40s (tm2: installer running)".
func (s Skipped) String() string {
	out := "skip the wait: " + fmtLeft(s.By)
	if s.What != "" {
		out += " (" + s.What + ")"
	}
	return out
}

// Next is the world's next scheduled event and how long until it
// (ok=false when nothing is scheduled).
func (d *Driver) Next() (Skipped, bool) {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle()
	if w.queue.Len() == 0 {
		return Skipped{}, false
	}
	e := w.queue[0]
	what := e.doing
	if e.host != "" {
		what = e.host + ": " + e.doing
	}
	return Skipped{By: max(e.at.Sub(w.now), 0), What: what}, true
}

// Skip moves the simulated clock ahead: by d when d > 0, else to the
// world's next scheduled event. It needs a clock that can jump (the
// rehearsal's SimClock, a test's ManualClock).
func (d *Driver) Skip(by time.Duration) (Skipped, error) {
	j, ok := d.w.clock.(Jumper)
	if !ok {
		return Skipped{}, errors.New("skip: this rehearsal runs on the wall clock: it cannot skip")
	}
	s := Skipped{By: by}
	if by <= 0 {
		next, ok := d.Next()
		if !ok {
			return Skipped{}, ErrNothingScheduled
		}
		s = next
	}
	j.Jump(s.By)
	// Apply what came due, so the next probe sees it.
	d.w.mu.Lock()
	d.w.settle()
	d.w.mu.Unlock()
	return s, nil
}

// State is a complete, comparable description of the world at the clock's
// now: every model's fields, the scheduled events (instant and what they
// are), the faults' strikes, the operator's step and ticks, and the
// happenings. Two worlds with the same State behave the same from here on.
// (A bare machine a probe merely looked at is left out: it holds nothing.)
func (d *Driver) State() string {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle()
	var lines []string
	p := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	p("now %s step %s key %s item %s vars %v", ts(w.now), w.step, w.stepKey, d.item, sortedMap(w.itemVars))
	for _, k := range slices.Sorted(maps.Keys(w.ticked)) {
		p("ticked %s %v", k, w.ticked[k])
	}
	for _, n := range slices.Sorted(maps.Keys(w.mysql)) {
		m := w.mysql[n]
		recv, appl := m.progress(w.now)
		p("mysql %s up=%v ro=%v io=%s sql=%s errno=%d err=%q errAt=%s received=%s applied=%s gens=%d/%d epoch=%s",
			n, m.up, m.ro, m.io, m.sql, m.ioErrno, m.ioError, ts(m.ioErrTime), ts(recv), ts(appl), m.ioGen, m.sqlGen, ts(m.epoch))
	}
	for _, n := range slices.Sorted(maps.Keys(w.solid)) {
		s := w.solid[n]
		p("solid %s up=%v state=%q v=%s db=%s stale=%v copying=%v copied=%v catchup=%v switching=%v gen=%d",
			n, s.up, s.state, s.version, s.dbLevel, s.stale, s.copying, s.copied, s.catchup, s.switching, s.gen)
	}
	for _, n := range slices.Sorted(maps.Keys(w.hosts)) {
		h := w.hosts[n]
		if len(h.services) == 0 && len(h.products) == 0 && !h.busy && h.spec.Host == "" {
			continue // bare: a probe looked at it, nothing lives there
		}
		p("host %s as %s services=%v products=%v busy=%v", n, h.host, sortedMap(h.services), sortedMap(h.products), h.busy)
	}
	if tc := w.tc; tc != nil {
		for _, s := range tc.servers {
			p("tc %s %s group=%s up=%v role=%s state=%s v=%s gen=%d", s.host, s.name, s.group, s.up, s.role, s.state, s.version, s.gen)
		}
		p("tc orchestrators %v", sortedBools(tc.orch))
	}
	if tt := w.tt; tt != nil {
		for _, in := range []*ttInstall{tt.old, tt.new} {
			p("tt %s installed=%v running=%v gen=%d", in.Version, in.Installed, in.Running, in.gen)
		}
		p("tt rep=%s caughtUp=%s writing=%v lagFault=%s clients=%d", ts(tt.repAt), ts(tt.caughtUp), tt.writing, tt.lagFault, tt.clients)
	}
	if gs := w.gs; gs != nil {
		for _, h := range slices.Sorted(maps.Keys(gs.procs)) {
			for _, n := range slices.Sorted(maps.Keys(gs.procs[h])) {
				pr := gs.procs[h][n]
				p("gs %s %s %s v=%s pid=%d port=%d started=%s", h, n, pr.typ, pr.version, pr.pid, pr.port, ts(pr.started))
			}
			p("gs %s homes=%v", h, sortedBools(gs.homes[h]))
		}
		p("gs nextPid=%d failover=%s replayed=%s", gs.nextPid, ts(gs.failoverAt), ts(gs.replayedAt))
	}
	for _, f := range w.faults {
		p("fault %s struck %d hits %d", f.ID, f.struck, f.hits)
	}
	p("logins refused %s", sortedBools(w.badLogin))
	q := append(eventQueue(nil), w.queue...)
	sort.Sort(q)
	for _, e := range q {
		p("event %s %s: %s", ts(e.at), e.host, e.doing)
	}
	for _, h := range w.happens {
		p("happened %s [%s] %s", ts(h.At), h.Step, h.What)
	}
	return strings.Join(lines, "\n")
}

func sortedMap(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func sortedBools(m map[string]bool) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
