package rehearsal

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// WorldSpec is a scenario's initial state of the simulated systems. Each
// component is optional: a runbook's scenario declares only what its
// procedure touches.
type WorldSpec struct {
	MySQL      []MySQLSpec     `yaml:"mysql,omitempty"`
	SolidDB    *SolidSpec      `yaml:"soliddb,omitempty"`
	Hosts      []HostSpec      `yaml:"hosts,omitempty"`
	Terracotta *TerracottaSpec `yaml:"terracotta,omitempty"`
	TimesTen   *TimesTenSpec   `yaml:"timesten,omitempty"`
	GemStone   *GemStoneSpec   `yaml:"gemstone,omitempty"`
}

// overlay returns base with every component child sets replaced.
func (base WorldSpec) overlay(child WorldSpec) WorldSpec {
	out := base
	if child.MySQL != nil {
		out.MySQL = child.MySQL
	}
	if child.SolidDB != nil {
		out.SolidDB = child.SolidDB
	}
	if child.Hosts != nil {
		out.Hosts = child.Hosts
	}
	if child.Terracotta != nil {
		out.Terracotta = child.Terracotta
	}
	if child.TimesTen != nil {
		out.TimesTen = child.TimesTen
	}
	if child.GemStone != nil {
		out.GemStone = child.GemStone
	}
	return out
}

// Happening is one thing that happened in the world worth telling the
// trainee about afterwards (a fault striking, a failover).
type Happening struct {
	At   time.Time
	Step string // the step the operator was on
	What string
}

// world is the whole simulated estate. Every method that reads or changes it
// first settles it: scheduled events whose time has come are applied in time
// order, each at its own instant, so a chain of delays composes exactly
// whatever the polling rhythm.
type world struct {
	mu    sync.Mutex
	clock Clock
	now   time.Time
	queue eventQueue
	seq   int

	targets map[string]checks.Target // bound with the scenario's params

	mysql map[string]*mysqlServer // by name (the target name when it has one)
	solid map[string]*solidServer // by target name
	hosts map[string]*hostModel   // by target name and by host name
	tc    *terracotta
	tt    *timesten
	gs    *gemstone

	faults   []*faultState
	down     map[string]time.Time // network.outage: target name or host -> until
	badLogin map[string]bool      // credentials.wrong: mysql targets that refuse the session's login
	step     string               // the step the operator is on (from the StepHook), its id
	stepKey  string               // and its journal key ("mirror-start@tc-m1")
	itemVars map[string]string    // ${item} (and foreach `as` names) of that step
	ticked   map[string]bool
	happens  []Happening
}

type event struct {
	at  time.Time
	seq int
	fn  func()
	// host is the simulated machine the event concerns, doing what it is
	// busy with until then ("installer running"): the world's status lines
	// and the skip say it in these words.
	host, doing string
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// after schedules fn d after the world's current instant; host is busy
// doing that until then. Callers hold mu.
func (w *world) after(d time.Duration, host, doing string, fn func()) {
	w.seq++
	heap.Push(&w.queue, event{at: w.now.Add(d), seq: w.seq, fn: fn, host: host, doing: doing})
}

// settle applies every event due by the clock's now. Callers hold mu.
func (w *world) settle() { w.settleTo(w.clock.Now()) }

// settleTo applies every event due by now, each at its own instant.
// Callers hold mu.
func (w *world) settleTo(now time.Time) {
	for w.queue.Len() > 0 && !w.queue[0].at.After(now) {
		e := heap.Pop(&w.queue).(event)
		if e.at.After(w.now) {
			w.now = e.at
		}
		e.fn()
	}
	if now.After(w.now) {
		w.now = now
	}
}

// inputAt makes the world ready to take an input (a step entered, a tick,
// an action) at the instant at: the simulated time of the journal record
// that brought it, so that a resumed world, rebuilt from the journal,
// takes every input at the very instant the first one did. With no
// instant (a hook called directly, a record without simulated time) the
// input happens at the clock's now. The returned func ends the input: the
// world's time never goes back. Callers hold mu.
func (w *world) inputAt(at time.Time) func() {
	if at.IsZero() {
		w.settle()
		return func() {}
	}
	w.settleTo(at)
	saved := w.now
	// A probe may have settled the world a little past the record's
	// instant (the record is stamped before the input reaches the world):
	// the input is dated to its record all the same.
	w.now = at
	return func() {
		if saved.After(w.now) {
			w.now = saved
		}
	}
}

// happen records a happening for the debrief. Callers hold mu.
func (w *world) happen(format string, args ...any) {
	w.happens = append(w.happens, Happening{At: w.now, Step: w.step, What: fmt.Sprintf(format, args...)})
}

// faultState is a scenario fault with its remaining strikes.
type faultState struct {
	Fault
	// struck counts the strikes consumed (a scheduled fault consumes its
	// strike when armed), hits those that took effect in the world: a
	// fault with no hit never struck, whatever the trainee did (the
	// debrief grades it "not triggered").
	struck, hits int
}

// hit records that f took effect now. Callers hold mu.
func (w *world) hit(f *faultState) {
	f.hits++
	w.happen("fault %s struck (%s)", f.ID, f.Kind)
}

// FaultHits says, by fault id, how often each of the scenario's faults
// took effect in the world so far (0: never).
func (d *Driver) FaultHits() map[string]int {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	out := make(map[string]int, len(d.w.faults))
	for _, f := range d.w.faults {
		out[f.ID] += f.hits
	}
	return out
}

// strike returns the armed fault of kind on target (matched on the target
// name or host), consuming one strike, or nil. Callers hold mu.
func (w *world) strike(kind string, names ...string) *faultState {
	for _, f := range w.faults {
		if f.Kind != kind || !contains(names, f.Target) {
			continue
		}
		if f.Times > 0 && f.struck >= f.Times {
			continue
		}
		f.struck++
		w.hit(f)
		return f
	}
	return nil
}

// target returns the bound target, or an error naming the known ones.
func (w *world) target(name string) (checks.Target, error) {
	t, ok := w.targets[name]
	if !ok {
		known := make([]string, 0, len(w.targets))
		for k := range w.targets {
			known = append(known, k)
		}
		sort.Strings(known)
		return t, fmt.Errorf("simulator: the runbook has no target %q (targets: %s)", name, strings.Join(known, ", "))
	}
	return t, nil
}

// bindParams replaces ${name} in s with params[name]; unknown names stay.
func bindParams(s string, params map[string]string) string { return steps.Substitute(s, params) }
