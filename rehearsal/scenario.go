package rehearsal

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/handrail/handrail/checks"
)

// ScenarioDir is where scenarios live inside the runbooks file system:
// scenarios/<runbook-id>/<name>.yaml.
const ScenarioDir = "scenarios"

// Scenario is one rehearsal of one runbook: the world it starts from, how
// long things take, the faults it injects, what the simulated operator's
// hands do on manual steps, and the reference time of each step for the
// debrief.
type Scenario struct {
	// Runbook is the id of the runbook this scenario rehearses.
	Runbook string `yaml:"runbook"`
	// Name is the file's base name ("happy"), filled by the loader.
	Name  string `yaml:"-"`
	Title string `yaml:"title"`
	// Description is Markdown shown before the rehearsal starts.
	Description string `yaml:"description,omitempty"`
	// Extends names another scenario of the same runbook whose world,
	// params and steps this one starts from.
	Extends string `yaml:"extends,omitempty"`
	// Params are the session parameters a rehearsal uses (no prompt).
	Params map[string]string `yaml:"params,omitempty"`
	// World is the initial state of every simulated system.
	World WorldSpec `yaml:"world,omitempty"`
	// Faults are what goes wrong, as the manual warns.
	Faults []Fault `yaml:"faults,omitempty"`
	// Steps maps a runbook step id to its reference time and to what the
	// simulated systems do when the operator carries out a manual step.
	Steps map[string]StepScript `yaml:"steps,omitempty"`

	// Path is where the scenario was loaded from.
	Path string `yaml:"-"`
}

// StepScript is the scenario's knowledge of one runbook step.
type StepScript struct {
	// Reference is how long the step takes when done well, for the debrief.
	Reference Dur `yaml:"reference,omitempty"`
	// Do lists what happens in the world when the operator carries out the
	// step by hand (an installer, a server start): commands the simulated
	// operator types, after a delay.
	Do []Effect `yaml:"do,omitempty"`
}

// Effect triggers.
const (
	OnEnter = "enter" // the step is entered (default)
	OnTick  = "tick"  // a manual check of the step is ticked
	OnDone  = "done"  // the step is marked done
)

// Effect is one thing the simulated operator does on a manual step: Run is
// typed on target On, After the trigger. Run is read in the target's
// dialect: SQL for a mysql target, ADMIN COMMAND text for a soliddb target,
// a shell line for a host target.
type Effect struct {
	When  string `yaml:"when,omitempty"`
	Check string `yaml:"check,omitempty"` // for when: tick, the manual check id ("" any)
	After Dur    `yaml:"after,omitempty"`
	On    string `yaml:"on"`
	Run   string `yaml:"run"`
}

// Fault kinds.
const (
	// FaultMySQLIOError: START SLAVE on Target brings the IO thread up
	// and then down with Errno/Message (1236 by default).
	FaultMySQLIOError = "mysql.io_error"
	// FaultSolidConnect: `hsb connect` issued on Target fails; the
	// servers stay apart and the Secondary's copy is unusable until a
	// fresh netcopy.
	FaultSolidConnect = "soliddb.connect_fails"
	// FaultTCSyncStuck: the Terracotta server on Target (host or
	// host:port) stays PASSIVE-UNINITIALIZED after it starts.
	FaultTCSyncStuck = "terracotta.sync_stuck"
	// FaultGemSlowReplay: the failover record takes Delay to replay.
	FaultGemSlowReplay = "gemstone.slow_replay"
	// FaultTTBehind: the subscriber drains its backlog Delay late.
	FaultTTBehind = "timesten.subscriber_behind"
	// FaultOutage: Target (a target's name or host) cannot be reached for
	// For, starting After the operator enters Step: every probe and every
	// action on it gets no answer (a connect timeout, as a VPN drop or a
	// pulled cable gives), then it answers again as before. Nothing in the
	// world changes meanwhile.
	FaultOutage = "network.outage"
	// FaultWrongPassword: the session logs in to Target (a mysql target
	// whose world server has a `password`) with a wrong password, as if it
	// was mistyped at the start: the server refuses every login (MySQL
	// error 1045) until the right one is re-entered in the session.
	FaultWrongPassword = "credentials.wrong"
	// FaultMySQLSQLError: After the operator enters Step, the replica's
	// SQL thread on Target stops on an event with Errno/Message (1062, a
	// duplicate key, by default). It stays stopped: only the DBA repairs
	// it.
	FaultMySQLSQLError = "mysql.sql_error"
)

var faultKinds = []string{FaultMySQLIOError, FaultSolidConnect, FaultTCSyncStuck, FaultGemSlowReplay, FaultTTBehind,
	FaultOutage, FaultWrongPassword, FaultMySQLSQLError}

// Fault is one failure injected into the world.
type Fault struct {
	ID     string `yaml:"id"`
	Kind   string `yaml:"kind"`
	Target string `yaml:"target,omitempty"`
	// Times is how often it strikes before the world behaves again
	// (0: every time).
	Times int `yaml:"times,omitempty"`
	// Step is the runbook step at which the manual says it shows, for
	// the debrief and the tests.
	Step string `yaml:"step,omitempty"`
	// Errno and Message, for mysql.io_error and soliddb.connect_fails.
	Errno   int    `yaml:"errno,omitempty"`
	Message string `yaml:"message,omitempty"`
	// Delay, for slow faults.
	Delay Dur `yaml:"delay,omitempty"`
	// After is how long after the operator enters Step the fault strikes,
	// and For how long it lasts (network.outage, mysql.sql_error).
	After Dur `yaml:"after,omitempty"`
	For   Dur `yaml:"for,omitempty"`
	// Say is what the manual tells the operator to do, for the debrief.
	Say string `yaml:"say,omitempty"`
}

// Dur is a duration written as Go duration text ("90s", "2m30s"), decoded
// like a runbook's durations.
type Dur = checks.Duration

// or returns d, or def when d is zero.
func or(d Dur, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Scenarios lists the scenario names of a runbook, "happy" first, then
// alphabetical.
func Scenarios(fsys fs.FS, runbookID string) []string {
	entries, err := fs.ReadDir(fsys, path.Join(ScenarioDir, runbookID))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".yaml") {
			continue
		}
		names = append(names, strings.TrimSuffix(n, ".yaml"))
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "happy") != (names[j] == "happy") {
			return names[i] == "happy"
		}
		return names[i] < names[j]
	})
	return names
}

// ErrNoScenario is returned (wrapped) when a runbook has no such scenario.
var ErrNoScenario = errors.New("no such scenario")

// LoadScenario reads scenarios/<runbookID>/<name>.yaml from fsys strictly:
// an unknown key or a bad value is an error naming file:line:col. A scenario
// that `extends` another starts from it.
func LoadScenario(fsys fs.FS, runbookID, name string) (*Scenario, error) {
	return loadScenario(fsys, runbookID, name, nil)
}

func loadScenario(fsys fs.FS, runbookID, name string, seen []string) (*Scenario, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("scenario name %q: use lower-case letters, digits and dashes", name)
	}
	for _, s := range seen {
		if s == name {
			return nil, fmt.Errorf("scenario %s: `extends` loops through %s", seen[0], strings.Join(append(seen, name), " -> "))
		}
	}
	p := path.Join(ScenarioDir, runbookID, name+".yaml")
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			have := Scenarios(fsys, runbookID)
			if len(have) == 0 {
				return nil, fmt.Errorf("runbook %s: %w %q (it has no scenarios)", runbookID, ErrNoScenario, name)
			}
			return nil, fmt.Errorf("runbook %s: %w %q (have: %s)", runbookID, ErrNoScenario, name, strings.Join(have, ", "))
		}
		return nil, fmt.Errorf("read scenario %s: %w", p, err)
	}
	sc, err := ParseScenario(p, data)
	if err != nil {
		return nil, err
	}
	sc.Name = name
	if sc.Runbook != runbookID {
		return nil, fmt.Errorf("%s: runbook is %q, but the file lives under %s", p, sc.Runbook, runbookID)
	}
	if sc.Extends != "" {
		base, err := loadScenario(fsys, runbookID, sc.Extends, append(seen, name))
		if err != nil {
			return nil, fmt.Errorf("%s: extends %s: %w", p, sc.Extends, err)
		}
		sc = merge(base, sc)
	}
	return sc, nil
}

// ParseScenario decodes one scenario file strictly; name is used in error
// positions.
func ParseScenario(name string, data []byte) (*Scenario, error) {
	var sc Scenario
	if err := yaml.UnmarshalWithOptions(data, &sc, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s:%s", name, yamlErr(err))
	}
	sc.Path = name
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &sc, nil
}

// yamlErr turns goccy's "[3:5] message\n  source..." into "3:5: message".
func yamlErr(err error) string {
	msg := yaml.FormatError(err, false, false)
	line, _, _ := strings.Cut(msg, "\n")
	if strings.HasPrefix(line, "[") {
		if pos, rest, ok := strings.Cut(line[1:], "] "); ok {
			return pos + ": " + rest
		}
	}
	return " " + line
}

func (sc *Scenario) validate() error {
	if sc.Runbook == "" {
		return errors.New("`runbook` is required: the id of the runbook this scenario rehearses")
	}
	if sc.Title == "" && sc.Extends == "" {
		return errors.New("`title` is required")
	}
	for i, f := range sc.Faults {
		where := fmt.Sprintf("faults[%d]", i)
		if f.ID == "" {
			return fmt.Errorf("%s: `id` is required", where)
		}
		if !contains(faultKinds, f.Kind) {
			return fmt.Errorf("%s (%s): kind %q is not one of %s", where, f.ID, f.Kind, strings.Join(faultKinds, ", "))
		}
		if f.Target == "" {
			return fmt.Errorf("%s (%s): `target` is required", where, f.ID)
		}
		if f.Times < 0 {
			return fmt.Errorf("%s (%s): `times` must be 0 (always) or more", where, f.ID)
		}
		switch f.Kind {
		case FaultOutage:
			if f.Step == "" || f.For <= 0 {
				return fmt.Errorf("%s (%s): a network.outage needs `step` (it strikes when the step is entered) and `for` (how long it lasts)", where, f.ID)
			}
		case FaultMySQLSQLError:
			if f.Step == "" {
				return fmt.Errorf("%s (%s): a mysql.sql_error needs `step` (it strikes when the step is entered)", where, f.ID)
			}
		}
	}
	for id, st := range sc.Steps {
		for i, e := range st.Do {
			where := fmt.Sprintf("steps.%s.do[%d]", id, i)
			switch e.When {
			case "", OnEnter, OnTick, OnDone:
			default:
				return fmt.Errorf("%s: when %q is not one of enter, tick, done", where, e.When)
			}
			if e.On == "" || e.Run == "" {
				return fmt.Errorf("%s: `on` (a target) and `run` (what is typed) are required", where)
			}
		}
	}
	return nil
}

// merge lays child over base: child's params and steps win per key, its
// world components replace the base's when given, its faults are its own.
func merge(base, child *Scenario) *Scenario {
	out := *child
	out.Params = map[string]string{}
	for k, v := range base.Params {
		out.Params[k] = v
	}
	for k, v := range child.Params {
		out.Params[k] = v
	}
	out.Steps = map[string]StepScript{}
	for k, v := range base.Steps {
		out.Steps[k] = v
	}
	for k, v := range child.Steps {
		out.Steps[k] = v
	}
	out.World = base.World.overlay(child.World)
	if out.Title == "" {
		out.Title = base.Title
	}
	if out.Description == "" {
		out.Description = base.Description
	}
	return &out
}

// Reference is the scenario's reference time for a step (0 when unknown).
func (sc *Scenario) Reference(step string) time.Duration {
	if sc == nil {
		return 0
	}
	return time.Duration(sc.Steps[step].Reference)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
