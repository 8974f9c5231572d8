package serve

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/rehearsal"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// RunbooksDir is where an operator's own runbooks live for serve:
// <state-dir>/runbooks/*.yaml (scenarios beside them, as for `rehearse`).
const RunbooksDir = "runbooks"

// RunbookChoice is a runbook an operator may start from serve.
type RunbookChoice struct {
	Runbook *steps.Runbook
	// From is "bundled" or the file it was loaded from.
	From      string
	Scenarios []string
}

// Runbooks lists the bundled runbooks and those in the state directory's
// runbooks/ folder, by id. A file with findings is left out and logged
// (`handrail lint` says what is wrong with it).
func (h *Hub) Runbooks() []RunbookChoice {
	var out []RunbookChoice
	bundled, err := steps.ListBundled(runbooks.FS)
	if err != nil {
		h.log.Error("bundled runbooks", "error", err)
	}
	for _, rb := range bundled {
		out = append(out, RunbookChoice{Runbook: rb, From: "bundled", Scenarios: rehearsal.Scenarios(runbooks.FS, rb.ID)})
	}
	dir := filepath.Join(h.cfg.StateDir, RunbooksDir)
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	for _, f := range append(files, more...) {
		rb, err := steps.Load(f)
		if err != nil {
			h.log.Warn("runbook left out of the picker", "file", f, "error", err)
			continue
		}
		out = append(out, RunbookChoice{Runbook: rb, From: f, Scenarios: rehearsal.Scenarios(scenarioFS(rb), rb.ID)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Runbook.ID < out[j].Runbook.ID })
	return out
}

// scenarioFS is where a runbook's scenarios live: beside a runbook file
// when it has some there, else the bundled ones.
func scenarioFS(rb *steps.Runbook) fs.FS {
	if rb.Path != "" && !strings.HasPrefix(rb.Path, "runbooks/") {
		dir := os.DirFS(filepath.Dir(rb.Path))
		if len(rehearsal.Scenarios(dir, rb.ID)) > 0 {
			return dir
		}
	}
	return runbooks.FS
}

// policy reads the site policy anew for every session started: a file
// with findings stops the start, never ignored.
func (h *Hub) policy() (policy.Site, error) {
	return policy.Load(h.cfg.StateDir)
}

// recordingFor is the recording of the operator's console under the site
// policy: rec has recorded the console (or its parameter form) since it
// opened, in memory; the policy may turn it off (recording.off), as for a
// local console. There is no --no-record in serve: a person drives a
// session, and the site decides.
func recordingFor(rec *recording.Recorder, site policy.Site) *recording.Run {
	return recording.NewRun(rec, site.Recording)
}

// closeRecorder drops a recording that never reached a session.
func closeRecorder(rec *recording.Recorder) {
	if rec != nil {
		_ = rec.Close()
	}
}

// StartRehearsal starts a rehearsal of rb's scenario driven by who, whose
// console rec records (nil: none).
func (h *Hub) StartRehearsal(rb *steps.Runbook, scenario string, who session.Operator, rec *recording.Recorder) (*Hosted, error) {
	site, err := h.policy()
	if err != nil {
		closeRecorder(rec)
		return nil, err
	}
	run := recordingFor(rec, site)
	sc, err := rehearsal.LoadScenario(scenarioFS(rb), rb.ID, scenario)
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	// A rehearsal runs on the simulator's clock, as a local one does (at
	// speed 1: the trainee over SSH waits as the manual says).
	clock, err := rehearsal.NewSimClock(time.Time{}, 1)
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	drv, err := rehearsal.New(rb, sc, clock)
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	id := journal.NewSessionID(time.Now())
	path := journal.SessionPath(h.cfg.StateDir, id)
	fj := &session.FileJournal{Path: path}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: drv.Params(), Operator: who,
		Mode: session.ModeRehearsal, Scenario: sc.Name, Version: h.cfg.Version, Approval: site.Approval,
		Journal:  run.Journal(rehearsal.HookJournal(fj, drv), path, "REHEARSAL · "+rb.Title+" · "+id, nil),
		SimClock: clock, Speed: 1, Place: journal.Place{StateDir: h.cfg.StateDir, Path: path}})
	if err != nil {
		// The recording's final checkpoint goes in before the journal closes.
		return nil, errors.Join(err, run.Finish(recording.EndClosed), fj.Close())
	}
	clock.Start()
	r := session.NewRunner(e, drv, nil)
	return h.host(id, path, who, rehearsalLive(r, rb, drv, sc, path, site.Readiness.MinScore), r, drv, fj, run)
}

// rehearsalLive is the runtime of a rehearsal's console: beside the
// session, its simulated world (the machines, skip) and, once it has
// ended, its graded debrief (at the site policy's pass mark), as a local
// rehearsal's console shows them.
func rehearsalLive(r *session.Runner, rb *steps.Runbook, w *rehearsal.Driver, sc *rehearsal.Scenario, path string, passMark int) *tui.Live {
	return tui.NewLive(r, nil).SetRehearsal(w, func() (string, error) {
		g, err := rehearsal.GradeFile(rb, sc, path, passMark)
		if err != nil {
			return "", err
		}
		return g.Markdown(), nil
	})
}

// StartLive starts a live session of rb with the parameter form's answers:
// its params, and the credentials the environment of serve lacks (held in
// memory only, never exported to a child's environment). rec has recorded
// the form, and records the console (nil: none).
func (h *Hub) StartLive(rb *steps.Runbook, res tui.FormResult, who session.Operator, rec *recording.Recorder) (*Hosted, error) {
	site, err := h.policy()
	if err != nil {
		closeRecorder(rec)
		return nil, err
	}
	run := recordingFor(rec, site)
	params := maps.Clone(res.Params)
	plan, err := steps.Expand(rb, params)
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	secrets := secretValues(rb, params)
	red := checks.NewRedactor(secrets...)
	drv, credSecrets, err := openLiveDriver(plan.Targets, res, red)
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	id := journal.NewSessionID(time.Now())
	path := journal.SessionPath(h.cfg.StateDir, id)
	fj := &session.FileJournal{Path: path, Opts: []journal.Option{journal.WithRedactor(red.RedactJSON)}}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: params, Redact: append(secrets, credSecrets...),
		Operator: who, Mode: session.ModeLive, Version: h.cfg.Version, Approval: site.Approval,
		Journal: run.Journal(fj, path, rb.Title+" · "+id, nil), Place: journal.Place{StateDir: h.cfg.StateDir, Path: path}})
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed), drv.Close(), fj.Close())
	}
	r := session.NewRunner(e, drv, nil)
	return h.host(id, path, who, tui.NewLive(r, nil), r, drv, fj, run)
}

// openLiveDriver resolves every target's credentials from serve's
// environment, the form's answers for unset variables, and the form's
// answers to masked prompts, and opens the live driver.
func openLiveDriver(targets map[string]checks.Target, res tui.FormResult, red *checks.Redactor) (checks.Driver, []string, error) {
	getenv := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return res.Env[k]
	}
	prompt := func(label string) (string, error) {
		if v, ok := res.Prompts[label]; ok {
			return v, nil
		}
		return "", fmt.Errorf("%s: not given in the form", label)
	}
	creds, err := checks.ResolveAllCredentials(targets, getenv, os.ReadFile, prompt, red)
	if err != nil {
		return nil, nil, err
	}
	var secrets []string
	for _, n := range slices.Sorted(maps.Keys(creds)) {
		c := creds[n]
		for _, s := range []string{c.Password.Reveal(), c.DSN.Reveal()} {
			if s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	return live.New(targets, creds, live.Options{Redactor: red}), secrets, nil
}

func secretValues(rb *steps.Runbook, params map[string]string) []string {
	var out []string
	for _, p := range rb.Params {
		if p.Secret && params[p.Name] != "" {
			out = append(out, params[p.Name])
		}
	}
	return out
}

// ResumePlan is what resuming a session needs to know first.
type ResumePlan struct {
	Path    string
	Start   session.StartData
	Runbook *steps.Runbook
	// NeedsForm: a live session asks again for its secret params and the
	// credentials serve's environment lacks.
	NeedsForm bool
}

// PlanResume reads a session's journal (without locking it) and its
// runbook.
func (h *Hub) PlanResume(id string) (ResumePlan, error) {
	path := journal.SessionPath(h.cfg.StateDir, id)
	recs, err := journal.Read(path)
	if err != nil {
		return ResumePlan{}, err
	}
	start, err := session.StartOf(recs)
	if err != nil {
		return ResumePlan{}, err
	}
	rb, err := sessionRunbook(start.Runbook)
	if err != nil {
		return ResumePlan{}, err
	}
	p := ResumePlan{Path: path, Start: start, Runbook: rb}
	if start.Mode != session.ModeRehearsal {
		p.NeedsForm = tui.FormNeeded(h.resumeForm(p))
	}
	return p, nil
}

// resumeForm asks only for what a resume needs: the secret params (the
// journal holds "[secret]") and the credentials.
func (h *Hub) resumeForm(p ResumePlan) tui.FormConfig {
	values := map[string]string{}
	for k, v := range p.Start.Params {
		if v != session.SecretMark {
			values[k] = v
		}
	}
	return tui.FormConfig{Runbook: p.Runbook, Values: values, Getenv: os.Getenv, Dark: true}
}

// Resume continues an interrupted or quit session, driven by who: the
// journal is locked (a session driven elsewhere is refused), its torn tail
// cut off and recorded, every check re-run, and a rehearsal's simulated
// world replayed. res holds a live session's secret params and credentials.
// rec records who's console (and the form that asked for res), as the
// session's next numbered part (nil: none).
func (h *Hub) Resume(p ResumePlan, res tui.FormResult, who session.Operator, rec *recording.Recorder) (hs *Hosted, err error) {
	site, err := h.policy()
	if err != nil {
		closeRecorder(rec)
		return nil, err
	}
	run := recordingFor(rec, site)
	red := checks.NewRedactor()
	w, recs, repair, err := journal.Open(p.Path, journal.WithRedactor(red.RedactJSON))
	if err != nil {
		return nil, errors.Join(err, run.Finish(recording.EndClosed))
	}
	fj := &session.FileJournal{Path: p.Path, W: w}
	var (
		drv    checks.Driver
		hosted bool // host has them all: it closes what it cannot host
	)
	defer func() {
		if err != nil && !hosted {
			// The recording's final checkpoint goes in before the journal
			// closes.
			err = errors.Join(err, run.Finish(recording.EndClosed))
			if drv != nil {
				err = errors.Join(err, drv.Close())
			}
			err = errors.Join(err, fj.Close())
		}
	}()
	params := map[string]string{}
	for _, n := range session.MissingSecrets(p.Start, params) {
		params[n] = res.Params[n]
	}
	all := maps.Clone(p.Start.Params)
	maps.Copy(all, params)
	plan, err := steps.Expand(p.Runbook, all)
	if err != nil {
		return nil, err
	}
	secrets := secretValues(p.Runbook, all)
	red.Add(secrets...)
	var (
		credSecrets []string
		sim         *rehearsal.Resumed
		simClock    checks.Clock // nil live: a live session runs on the wall clock
		speed       float64
		j           session.Journal = fj
	)
	if p.Start.Mode == session.ModeRehearsal {
		// The simulated world rebuilt exactly as it was when the session
		// stopped, as a local resume does (rehearsal.Resumed).
		sc, err := rehearsal.LoadScenario(scenarioFS(p.Runbook), p.Runbook.ID, p.Start.Scenario)
		if err != nil {
			return nil, err
		}
		if sim, err = rehearsal.NewResumed(p.Runbook, sc, p.Start, recs[0], 0); err != nil {
			return nil, err
		}
		for _, rec := range recs {
			sim.Add(rec)
		}
		if err := sim.Ready(); err != nil {
			return nil, err
		}
		drv, simClock, speed = sim.World, sim.Clock, sim.Speed
		j = rehearsal.HookJournal(fj, sim.World)
	} else if drv, credSecrets, err = openLiveDriver(plan.Targets, res, red); err != nil {
		return nil, err
	}
	// The recording's hook goes outside the simulator's, as for a local
	// resume: its markers and checkpoints follow each record on disk.
	j = run.Journal(j, p.Path, p.Runbook.Title+" · "+p.Start.Session, recs)
	opt := session.ResumeOptions{}
	if repair != nil {
		opt.Repair = &session.RepairData{DroppedBytes: int64(repair.DroppedBytes), Reason: repair.Reason}
	}
	e, err := session.Resume(session.Config{Runbook: p.Runbook, Params: params, Redact: append(secrets, credSecrets...),
		Operator: who, Version: h.cfg.Version, Approval: site.Approval, Journal: j, SimClock: simClock, Speed: speed,
		Place: journal.Place{StateDir: h.cfg.StateDir, Path: p.Path}}, recs, opt)
	if err != nil {
		return nil, err
	}
	if sim != nil {
		sim.Clock.Start()
	}
	r := session.NewRunner(e, drv, nil)
	hosted = true
	live := tui.NewLive(r, nil)
	if sim != nil {
		live = rehearsalLive(r, p.Runbook, sim.World, sim.Scenario, p.Path, site.Readiness.MinScore)
	}
	return h.host(e.SessionID(), p.Path, who, live, r, drv, fj, run)
}

// sessionRunbook loads the runbook a session started with: its file when
// it still exists, else the bundled runbook of that id.
func sessionRunbook(ref session.RunbookRef) (*steps.Runbook, error) {
	if ref.Path != "" {
		if st, err := os.Stat(ref.Path); err == nil && !st.IsDir() {
			return steps.Load(ref.Path)
		}
	}
	rb, err := steps.LoadBundled(runbooks.FS, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("the session's runbook %s (%s) is gone: %w", ref.ID, ref.Path, err)
	}
	return rb, nil
}
