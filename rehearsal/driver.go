package rehearsal

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/command"
	"github.com/handrail/handrail/checks/netprobe"
	"github.com/handrail/handrail/checks/soliddb"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/session"
)

// StepHook is implemented by drivers that model the operator's hands: the
// simulator needs to know when a manual step is entered, ticked and done, so
// that "run the installer" changes the world as it would on real machines.
// Whoever drives a session (plain mode, the TUI, a test) calls it when the
// driver implements it; WrapJournal does it from the journal alone.
type StepHook interface {
	// StepEntered: the operator is now on step (item: the foreach item,
	// "" when none).
	StepEntered(step, item string)
	// CheckTicked: a manual check of step was ticked or unticked.
	CheckTicked(step, check string, ticked bool)
	// StepDone: the operator left step as done (gate, override or manual).
	StepDone(step string)
}

// simLatency is the latency every simulated probe reports: constant, so
// journals of a rehearsal are reproducible.
const simLatency = 3 * time.Millisecond

// Driver answers checks and runs actions against the simulated world. It is
// safe for concurrent use (the poller probes from several goroutines).
type Driver struct {
	// ends tells which records leave a step (hear; callers hold mu).
	ends   session.StepEnds
	w      *world
	rb     *steps.Runbook
	sc     *Scenario
	params map[string]string
	item   string
	// actions are the bound actions by step key, for a restore.
	actions map[string]checks.Action
	// talksTo lists the targets each step (by key) names in its checks
	// and its action.
	talksTo map[string][]string
	// loginsHeard counts, by target, the credentials.reentered records
	// with a verdict heard while running, whose SetCredentials is still
	// to come (guarded by w.mu).
	loginsHeard map[string]int
	// actionAt is the simulated instant of the last action.start heard:
	// the next Run takes effect then (guarded by w.mu).
	actionAt time.Time
	// restoredAt is the simulated instant of the last record restored.
	restoredAt time.Time
}

var _ checks.Driver = (*Driver)(nil)
var _ StepHook = (*Driver)(nil)

// New builds the world of scenario sc for runbook rb, on clock (the real
// clock when nil). Targets are bound with the scenario's params (over the
// runbook's defaults): a rehearsal uses exactly those.
func New(rb *steps.Runbook, sc *Scenario, clock Clock) (*Driver, error) {
	if rb == nil || sc == nil {
		return nil, fmt.Errorf("simulator: a runbook and a scenario are required")
	}
	if sc.Runbook != rb.ID {
		return nil, fmt.Errorf("simulator: scenario %s is for runbook %s, not %s", sc.Name, sc.Runbook, rb.ID)
	}
	if clock == nil {
		clock = RealClock{}
	}
	declared := map[string]bool{}
	for _, p := range rb.Params {
		declared[p.Name] = true
	}
	var unknown []string
	for k := range sc.Params {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("scenario %s (%s): params %s are not declared by runbook %s", sc.Name, sc.Path, strings.Join(unknown, ", "), rb.ID)
	}
	params := Params(rb, sc)
	w := &world{
		clock: clock, now: clock.Now(),
		targets: map[string]checks.Target{},
		mysql:   map[string]*mysqlServer{},
		solid:   map[string]*solidServer{},
		hosts:   map[string]*hostModel{},
		ticked:  map[string]bool{},
		down:    map[string]time.Time{}, badLogin: map[string]bool{},
	}
	// Targets are bound by the same code as the session's, per foreach
	// item too ("server@tc-m1"), so a check names the same target here.
	plan, err := steps.Expand(rb, params)
	if err != nil {
		return nil, fmt.Errorf("simulator: scenario %s (%s): %w", sc.Name, sc.Path, err)
	}
	for name, t := range plan.Targets {
		t.Name = name
		w.targets[name] = t
	}
	for name, t := range rb.Targets {
		if _, ok := w.targets[name]; !ok {
			// A foreach target's original: reachable only through
			// the current item (see effectTarget).
			t.Name = name
			w.targets[name] = t
		}
	}
	for _, f := range sc.Faults {
		f.Target = bindParams(f.Target, params)
		w.faults = append(w.faults, &faultState{Fault: f})
	}
	spec := sc.World
	steps := []func() error{
		func() error { return w.addMySQL(spec.MySQL) },
		func() error { return w.addSolid(spec.SolidDB) },
		func() error { return w.addHosts(spec.Hosts, params) },
		func() error { return w.addTerracotta(spec.Terracotta, params) },
		func() error { return w.addTimesTen(spec.TimesTen, params) },
		func() error { return w.addGemStone(spec.GemStone, params) },
	}
	for _, add := range steps {
		if err := add(); err != nil {
			return nil, fmt.Errorf("scenario %s (%s): %w", sc.Name, sc.Path, err)
		}
	}
	if err := w.armLogins(); err != nil {
		return nil, fmt.Errorf("scenario %s (%s): %w", sc.Name, sc.Path, err)
	}
	for id := range sc.Steps {
		if !hasStep(rb, id) {
			return nil, fmt.Errorf("scenario %s (%s): steps.%s: the runbook has no such step", sc.Name, sc.Path, id)
		}
	}
	d := &Driver{w: w, rb: rb, sc: sc, params: params, actions: map[string]checks.Action{}, talksTo: map[string][]string{},
		loginsHeard: map[string]int{}}
	for _, bs := range plan.Steps {
		if bs.Action != nil {
			d.actions[bs.ID] = *bs.Action
			d.talksTo[bs.ID] = append(d.talksTo[bs.ID], bs.Action.Target)
		}
		for _, c := range bs.Checks {
			if c.Target != "" {
				d.talksTo[bs.ID] = append(d.talksTo[bs.ID], c.Target)
			}
		}
	}
	return d, nil
}

func hasStep(rb *steps.Runbook, id string) bool {
	for _, s := range rb.AllSteps() {
		if s.ID == id {
			return true
		}
	}
	return false
}

// Params are the session parameters of a rehearsal: the runbook's defaults,
// overlaid with the scenario's values.
func Params(rb *steps.Runbook, sc *Scenario) map[string]string {
	out := map[string]string{}
	for _, p := range rb.Params {
		if p.Default != "" {
			out[p.Name] = p.Default
		}
	}
	for k, v := range sc.Params {
		out[k] = v
	}
	return out
}

// Params returns a copy of the parameters the world was bound with.
func (d *Driver) Params() map[string]string {
	out := make(map[string]string, len(d.params))
	for k, v := range d.params {
		out[k] = v
	}
	return out
}

// Scenario is the scenario the world follows.
func (d *Driver) Scenario() *Scenario { return d.sc }

// Happenings lists what happened in the world that the debrief tells: faults
// striking, copies finishing, failovers.
func (d *Driver) Happenings() []Happening {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.w.settle()
	return append([]Happening(nil), d.w.happens...)
}

// Close ends the world; there is nothing to release.
func (d *Driver) Close() error { return nil }

// Observe answers one probe from the world's state at the clock's now.
func (d *Driver) Observe(ctx context.Context, c checks.Check) checks.Observation {
	if err := ctx.Err(); err != nil {
		return checks.Observation{Error: "probe cancelled: " + err.Error(), At: d.w.clock.Now()}
	}
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle()
	obs := d.observe(c)
	obs.At = w.now
	obs.Latency = simLatency
	return obs
}

func (d *Driver) observe(c checks.Check) checks.Observation {
	w := d.w
	errObs := errObservation
	if c.Kind == checks.KindManual {
		return checks.ManualObservation(w.ticked[w.stepKey+"/"+c.ID], w.now)
	}
	t, err := w.target(c.Target)
	if err != nil {
		return errObs(err)
	}
	if err := w.unreachable(t); err != nil {
		return errObs(err)
	}
	switch c.Kind {
	case checks.KindMySQLReplica, checks.KindMySQLQuery:
		m := w.mysql[c.Target]
		if m == nil {
			return errObs(fmt.Errorf("simulator: scenario %s has no mysql server for target %s", d.sc.Name, c.Target))
		}
		if err := w.login(c.Target, m); err != nil {
			return errObs(err)
		}
		if c.Kind == checks.KindMySQLReplica {
			return w.slaveStatus(m, c)
		}
		return w.mysqlQuery(m, c.Query)
	case checks.KindSolid:
		s := w.solid[c.Target]
		if s == nil {
			return errObs(fmt.Errorf("simulator: scenario %s has no solidDB server for target %s", d.sc.Name, c.Target))
		}
		rs, err := w.solidAdminRows(s, c.Admin)
		if err != nil {
			return errObs(err)
		}
		out := solsqlOutput(rs)
		rows, errLine := soliddb.ParseOutput(out)
		return checks.Observation{Raw: out, Rows: rows, Error: errLine}
	case checks.KindTCP:
		port := c.Port
		if port == 0 {
			port = t.Port
		}
		state := netprobe.StateClosed
		if w.portOpen(t, port) {
			state = netprobe.StateOpen
		}
		return checks.Observation{Raw: state, Rows: []checks.Row{{Fields: []checks.Field{{Name: netprobe.FieldState, Value: state}}}}}
	case checks.KindCommand:
		h, err := w.host(t)
		if err != nil {
			return errObs(err)
		}
		out := w.exec(h, c.Argv, c.Shell)
		return commandObservation(c.Parse, out)
	}
	return errObs(fmt.Errorf("simulator: %s checks are not modelled (check %s)", c.Kind, c.ID))
}

// commandObservation shapes a command's output the way checks/command does:
// exit_code, stdout, stderr, then the parser's fields.
func commandObservation(parser string, out cmdOut) checks.Observation {
	obs := checks.Observation{Raw: out.stdout}
	if out.stderr != "" {
		if obs.Raw != "" && !strings.HasSuffix(obs.Raw, "\n") {
			obs.Raw += "\n"
		}
		obs.Raw += "[stderr]\n" + out.stderr
	}
	if out.noAnswer != "" {
		// Nothing there answers: the probe got no data, and says why in
		// the simulator's words (shown on the check's line).
		obs.Error, obs.State = out.noAnswer, checks.StateUnreachable
		return obs
	}
	rows, err := command.ParseOutput(parser, out.stdout, out.stderr, out.exit)
	if err != nil {
		obs.Error = err.Error()
	}
	obs.Rows = rows
	return obs
}

// Run executes an action in the world.
func (d *Driver) Run(ctx context.Context, a checks.Action) checks.ActionResult {
	if err := ctx.Err(); err != nil {
		return checks.ActionResult{Error: "action cancelled: " + err.Error(), ExitCode: -1}
	}
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	// The action takes effect at its action.start record's instant (when
	// the journal told the world), so a restore replays it exactly.
	at := d.actionAt
	d.actionAt = time.Time{}
	defer w.inputAt(at)()
	// The session's own connection: an outage or a refused login stops
	// it before anything runs. (The simulated operator's hands, in
	// effect, work on the machine itself.)
	if err := d.reach(a.Target); err != nil {
		res := errResult(err)
		res.Duration = simLatency
		return res
	}
	res := d.run(a.Kind, a.Target, a.SQL, a.Admin, a.Argv, a.Shell)
	res.Duration = simLatency
	return res
}

// run is shared by actions and the simulated operator's effects.
func (d *Driver) run(kind, target, sql, admin string, argv []string, shell string) checks.ActionResult {
	w := d.w
	fail := errResult
	t, err := w.target(target)
	if err != nil {
		return fail(err)
	}
	switch kind {
	case checks.ActionMySQLExec:
		m := w.mysql[target]
		if m == nil {
			return fail(fmt.Errorf("simulator: scenario %s has no mysql server for target %s", d.sc.Name, target))
		}
		res, err := w.mysqlExec(m, sql)
		if err != nil {
			return fail(err)
		}
		return res
	case checks.ActionSolid:
		s := w.solid[target]
		if s == nil {
			return fail(fmt.Errorf("simulator: scenario %s has no solidDB server for target %s", d.sc.Name, target))
		}
		r, err := w.solidAdmin(s, admin)
		if err != nil {
			return fail(err)
		}
		res := checks.ActionResult{Output: fmt.Sprintf("RC %d: %s", r.rc, r.text), ExitCode: r.rc}
		if r.rc != 0 {
			res.Error = fmt.Sprintf("ADMIN COMMAND '%s' on %s returned RC %d: %s", admin, target, r.rc, r.text)
			// As the live action: a state-setting command on a server
			// already in that state has met its aim.
			if want, ok := soliddb.TargetState(admin); ok {
				st, err := w.solidAdmin(s, "hsb state")
				errText := ""
				if err != nil {
					errText = err.Error()
				}
				rows, _ := soliddb.ParseOutput(solsqlOutput([]rcText{st}))
				if text, ok := soliddb.AlreadyIn(rows, errText, want); ok {
					res.Output += "\n" + text
					res.Error, res.ExitCode = "", 0
				}
			}
		}
		return res
	case checks.ActionCommand:
		h, err := w.host(t)
		if err != nil {
			return fail(err)
		}
		out := w.exec(h, argv, shell)
		res := checks.ActionResult{Output: strings.TrimRight(out.stdout+out.stderr, "\n"), ExitCode: out.exit}
		if out.exit != 0 {
			desc := shell
			if desc == "" {
				desc = strings.Join(argv, " ")
			}
			res.Error = fmt.Sprintf("%s on %s exited with status %d: %s", desc, t.Address(), out.exit, lastLine(out.stderr))
		}
		return res
	}
	return fail(fmt.Errorf("simulator: %s actions are not modelled", kind))
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return "(no output)"
	}
	return s
}

// foreachVars are the names a foreach binds for item on step: the item
// (also under its `as` name) and, for `with`, the element of each other list
// at the item's position, so the simulated operator's effects can name them
// as the runbook does ("${group}").
func (d *Driver) foreachVars(step, item string) map[string]string {
	vars := map[string]string{"item": item}
	if item == "" {
		return vars
	}
	var f *steps.Foreach
	for _, sec := range d.rb.Sections {
		for _, st := range sec.Steps {
			if st.ID != step {
				continue
			}
			f = st.Foreach
			if f == nil {
				f = sec.Foreach
			}
		}
	}
	if f == nil {
		return vars
	}
	vars[f.ItemName()] = item
	pos := -1
	for i, it := range steps.SplitList(d.params[f.Param]) {
		if it == item {
			pos = i
			break
		}
	}
	for name, list := range f.With {
		if items := steps.SplitList(d.params[list]); pos >= 0 && pos < len(items) {
			vars[name] = items[pos]
		}
	}
	return vars
}

// StepEntered implements StepHook.
func (d *Driver) StepEntered(step, item string) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.stepEntered(time.Time{}, step, item)
}

// stepEntered: the operator entered step at the instant at (zero: now).
// Callers hold mu.
func (d *Driver) stepEntered(at time.Time, step, item string) {
	key := step
	step = baseID(step)
	w := d.w
	defer w.inputAt(at)()
	w.step, w.stepKey, d.item = step, key, item
	w.itemVars = d.foreachVars(step, item)
	for k := range w.ticked {
		if strings.HasPrefix(k, key+"/") {
			delete(w.ticked, k)
		}
	}
	d.trigger(step, OnEnter, "")
	w.strikeOnEnter(step)
	d.strikeLogins(key)
}

// CheckTicked implements StepHook.
func (d *Driver) CheckTicked(step, check string, ticked bool) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.checkTicked(time.Time{}, step, check, ticked)
}

// checkTicked: a manual check was ticked at the instant at. Callers hold
// mu.
func (d *Driver) checkTicked(at time.Time, step, check string, ticked bool) {
	key := step
	step = baseID(step)
	w := d.w
	defer w.inputAt(at)()
	was := w.ticked[key+"/"+check]
	w.ticked[key+"/"+check] = ticked
	if ticked && !was {
		d.trigger(step, OnTick, baseID(check))
	}
}

// StepDone implements StepHook.
func (d *Driver) StepDone(step string) {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	d.stepDone(time.Time{}, step)
}

// stepDone: the operator left step as done at the instant at. Callers
// hold mu.
func (d *Driver) stepDone(at time.Time, step string) {
	defer d.w.inputAt(at)()
	d.trigger(baseID(step), OnDone, "")
}

// trigger schedules the scenario's effects for step on event when. Callers
// hold mu.
func (d *Driver) trigger(step, when, check string) {
	for _, e := range d.sc.Steps[step].Do {
		ew := e.When
		if ew == "" {
			ew = OnEnter
		}
		if ew != when || (when == OnTick && e.Check != "" && e.Check != check) {
			continue
		}
		vars := d.Params()
		for k, v := range d.w.itemVars {
			vars[k] = v
		}
		run := bindParams(e.Run, vars)
		on := e.On
		items := d.w.itemVars
		d.w.after(time.Duration(e.After), d.effectHost(on, items), "the simulated operator is about to run `"+checks.Truncate(run, 60)+"`", func() {
			// The effect runs on the machines of the step that
			// triggered it, even if the operator has moved on.
			saved := d.w.itemVars
			d.w.itemVars = items
			defer func() { d.w.itemVars = saved }()
			d.effect(step, on, run)
		})
	}
}

// effectHost is the machine an effect's target names (for the world's
// status lines), with the foreach item of the step that triggered it.
func (d *Driver) effectHost(on string, items map[string]string) string {
	w := d.w
	if it := items["item"]; it != "" {
		if _, ok := w.targets[on+"@"+it]; ok {
			on += "@" + it
		}
	}
	t, ok := w.targets[on]
	if !ok {
		return on
	}
	if h := bindParams(t.Host, items); h != "" && !strings.Contains(h, "${") {
		return h
	}
	return on
}

// effect runs what the simulated operator types, in the target's dialect.
func (d *Driver) effect(step, on, run string) {
	w := d.w
	if it := w.itemVars["item"]; it != "" {
		if _, ok := w.targets[on+"@"+it]; ok {
			on += "@" + it
		}
	}
	t, err := w.target(on)
	if err != nil {
		w.happen("step %s: %v", step, err)
		return
	}
	var res checks.ActionResult
	switch t.Kind {
	case checks.TargetMySQL:
		res = d.run(checks.ActionMySQLExec, on, run, "", nil, "")
	case checks.TargetSolid:
		if f := strings.Fields(run); len(f) > 0 && f[0] == "solid" {
			s := w.solid[on]
			if s == nil {
				w.happen("step %s: no solidDB server for %s", step, on)
				return
			}
			out := w.solidStart(s, f[1:])
			res = checks.ActionResult{ExitCode: out.exit, Output: out.stdout + out.stderr}
			break
		}
		res = d.run(checks.ActionSolid, on, "", run, nil, "")
	default:
		res = d.run(checks.ActionCommand, on, "", "", nil, run)
	}
	if !res.OK() {
		w.happen("step %s: the simulated operator ran %q on %s: %s", step, run, on, strings.TrimSpace(res.Error+" "+res.Output))
	}
}

// describeWorld is a compact dump of the world for test failures.
func (d *Driver) describeWorld() string {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle()
	var lines []string
	for n, m := range w.mysql {
		lines = append(lines, fmt.Sprintf("mysql %s up=%v io=%s sql=%s errno=%d", n, m.up, m.io, m.sql, m.ioErrno))
	}
	for n, s := range w.solid {
		lines = append(lines, fmt.Sprintf("solid %s up=%v state=%q v=%s db=%s stale=%v copying=%v copied=%v catchup=%v", n, s.up, s.state, s.version, s.dbLevel, s.stale, s.copying, s.copied, s.catchup))
	}
	lines = append(lines, w.describeOthers()...)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
