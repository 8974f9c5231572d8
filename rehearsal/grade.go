package rehearsal

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// PassMark is the lowest score of a passed rehearsal by default
// (docs/rehearsal.md); a site policy's readiness.min_score raises it
// (SetPassMark, GradeFile, Rehearsals).
const PassMark = 70

// Grade is a rehearsal's graded debrief, as data: the console renders it
// (glamour), Markdown and HTML renderers write it beside the journal, and
// readiness reads its score. The rule that computes Score is in
// docs/rehearsal.md and in score below.
type Grade struct {
	Session, Operator          string
	Runbook, RunbookTitle, SHA string
	Scenario, ScenarioTitle    string
	Mode                       string
	// End is completed, halted, quit, or "" (still running or cut off).
	End string
	// Started and Ended are wall-clock times; Took is the simulated time
	// spent on the steps (every step entered, the one it stopped on
	// included), TookWall the wall-clock time (breaks excluded).
	Started, Ended time.Time
	Took, TookWall time.Duration
	// Done counts the steps done (left by their gate, a tick, an override
	// or a goto: not the step a halt stopped on, nor the one still open),
	// of Total in the runbook (0 without it). DoneTook is the simulated
	// time on the steps done that have a reference time, Reference the
	// scenario's reference for those same steps: the time comparison (and
	// its deduction) counts only the steps done, never the whole runbook
	// nor a step left unfinished.
	Done, Total           int
	DoneTook, Reference   time.Duration
	Speed                 float64
	Skipped               time.Duration
	Steps                 []StepGrade
	Overrides             []OverrideGrade
	Faults                []FaultGrade
	OnFails, Gotos, Halts []string
	Notes                 []string
	// Graded is false for a session quit for later or cut off: it has no
	// score.
	Graded     bool
	Score      int
	Deductions []Deduction
	// PassMark is the score a pass needs: the site policy's, never below
	// the package's PassMark.
	PassMark int
	Passed   bool
	// HaltedAt is the step a halt stopped the session on ("" when it did
	// not end halted). NotPassed says why a graded rehearsal did not pass
	// whatever its score: it halted where no fault that struck asks for
	// the manual's stop ("" otherwise).
	HaltedAt  string
	NotPassed string
}

// StepGrade is one step of the session.
type StepGrade struct {
	Key, Title string
	// Number is the step's number in the runbook (0 without the runbook).
	Number int
	Visits int
	// Took is the simulated time spent on it (every visit), TookWall the
	// wall-clock time; Reference the scenario's.
	Took, TookWall, Reference time.Duration
	// Via is how it was left: gate, manual, override, goto, halted (""
	// while current or never left).
	Via string
	// Checks counts its polled checks; FirstTime those that passed on the
	// first visit without ever failing.
	Checks, FirstTime int
}

// OverrideGrade is one override (or a continue past a halt) judged
// against the manual.
type OverrideGrade struct {
	Step             string
	Checks           []string
	Category, Reason string
	// Forbidden: the manual says to stop here (the step's on_fail halts).
	// Against: the manual says to do something else here (an on_fail
	// goto).
	Forbidden, Against bool
	// Verdict is the one line the debrief says, derived from the runbook:
	// the step's on_fail, its source step and the checks' why.
	Verdict string
	// Why is why the overridden checks matter (the runbook's `why`).
	Why []string
}

// Fault outcomes.
const (
	FaultFound      = "found"      // met and handled as the manual says
	FaultMissed     = "missed"     // gone past with an override or a continue
	FaultUnresolved = "unresolved" // met, and the session stopped there
	FaultNotMet     = "not met"    // the session never reached its step
	// FaultNotTriggered: the session reached its step, but the fault
	// never struck: what sets it off (the step's action, as a rule) was
	// not done, so the trainee never met it.
	FaultNotTriggered = "not triggered"
)

// FaultGrade is one injected fault and what became of it.
type FaultGrade struct {
	ID, Kind, Step, Say string
	Outcome             string
	// How says what the trainee did at its step.
	How string
}

// Deduction is points taken off the score, and why.
type Deduction struct {
	Points int
	Why    string
}

// grader builds a Grade from a journal read record by record.
type grader struct {
	rb *steps.Runbook
	sc *Scenario
	g  Grade

	steps      map[string]*StepGrade
	cur        string    // the step being worked on
	curAt      time.Time // since when (simulated)
	curWall    time.Time
	paused     string // the step a session.end interrupted
	firstVisit map[string]bool
	passed     map[string]map[string]bool // step -> checks passed on the first visit
	failed     map[string]map[string]bool // step -> checks failed on the first visit
	failedAny  map[string]bool            // base step ids with a failed check (any visit)
	entered    map[string]bool            // base step ids entered
	how        map[string][]string        // base step id -> what happened there
	left       map[string]string          // base step id -> how it was last left
	passedBy   map[string]bool            // base step id -> an override or continue went past it
	started    bool
	haltStep   string // the step of the last session.halt
	lastSim    time.Time
	lastWall   time.Time
	// world is the scenario's world rebuilt from the journal's inputs
	// (record.go), to tell which faults struck; nil without a runbook and
	// a scenario, or when the world cannot be built (worldErr).
	world    *Driver
	worldErr error
	passMark int
}

// NewGrader starts grading a rehearsal of rb (nil: the override verdicts
// cannot cite the manual) against scenario sc (nil: no faults, no
// reference times). Feed it the journal with Add, then call Grade.
func NewGrader(rb *steps.Runbook, sc *Scenario) *grader {
	return &grader{rb: rb, sc: sc, passMark: PassMark, steps: map[string]*StepGrade{}, firstVisit: map[string]bool{},
		passed: map[string]map[string]bool{}, failed: map[string]map[string]bool{}, failedAny: map[string]bool{},
		entered: map[string]bool{}, how: map[string][]string{}, left: map[string]string{}, passedBy: map[string]bool{}}
}

// SetPassMark sets the score a pass needs: the site policy's
// readiness.min_score (policy.Site.Readiness.MinScore). A mark below
// PassMark leaves PassMark.
func (gr *grader) SetPassMark(mark int) { gr.passMark = max(mark, PassMark) }

// GradeRecords grades a whole journal held in memory, at the default pass
// mark.
func GradeRecords(rb *steps.Runbook, sc *Scenario, recs []journal.Record) Grade {
	gr := NewGrader(rb, sc)
	for _, r := range recs {
		gr.Add(r)
	}
	return gr.Grade()
}

func (gr *grader) step(key string) *StepGrade {
	s := gr.steps[key]
	if s == nil {
		s = &StepGrade{Key: key}
		if gr.rb != nil {
			s.Number = gr.rb.Number(key)
		}
		gr.steps[key] = s
		gr.g.Steps = append(gr.g.Steps, StepGrade{Key: key, Number: s.Number}) // order; filled in Grade
	}
	return s
}

func (gr *grader) note(step, what string) {
	b := baseID(step)
	gr.how[b] = append(gr.how[b], what)
}

// runbookStep is the runbook's step by base id.
func (gr *grader) runbookStep(key string) (steps.Step, bool) {
	if gr.rb == nil {
		return steps.Step{}, false
	}
	id := baseID(key)
	for _, s := range gr.rb.AllSteps() {
		if s.ID == id {
			return s, true
		}
	}
	return steps.Step{}, false
}

// Add takes one journal record.
func (gr *grader) Add(r journal.Record) {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Data, &m) != nil {
		return
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return s
	}
	sim := session.RecordTime(r)
	gr.lastSim, gr.lastWall = sim, r.Time
	stepKey := str("step")
	leave := func() string {
		if gr.cur == "" {
			return ""
		}
		s := gr.step(gr.cur)
		s.Took += sim.Sub(gr.curAt)
		s.TookWall += r.Time.Sub(gr.curWall)
		left := gr.cur
		gr.cur = ""
		return left
	}
	switch r.Type {
	case session.EvStepEnter, session.EvStepDone, session.EvGoto, session.EvSessionHalt:
		leave()
	case session.EvOverride:
		var d session.OverrideData
		if r.Decode(&d) == nil && !d.OpensGate {
			leave() // an override of an older journal ended its step
		}
	case session.EvSessionEnd:
		gr.paused = leave()
	}
	switch r.Type {
	case session.EvSessionStart:
		var d session.StartData
		_ = json.Unmarshal(r.Data, &d)
		if !gr.started && gr.rb != nil && gr.sc != nil {
			// The world on a clock held at the session's start, as a
			// resume rebuilds it.
			gr.world, gr.worldErr = New(gr.rb, gr.sc, NewManualClock(sim))
		}
		gr.started = true
		gr.g.Session, gr.g.Mode, gr.g.Scenario, gr.g.Started = d.Session, d.Mode, d.Scenario, r.Time
		gr.g.Runbook, gr.g.RunbookTitle, gr.g.SHA, gr.g.Speed = d.Runbook.ID, d.Runbook.Title, d.Runbook.SHA256, d.Speed
		gr.g.Operator = d.Operator.Name
		if gr.g.Operator == "" {
			gr.g.Operator = d.Operator.User
		}
	case session.EvSessionResume:
		var d session.ResumeData
		_ = json.Unmarshal(r.Data, &d)
		if d.Speed > 0 {
			gr.g.Speed = d.Speed
		}
		gr.g.End = ""
		if gr.paused != "" {
			gr.cur, gr.curAt, gr.curWall, gr.paused = gr.paused, sim, r.Time, ""
		}
	case session.EvStepEnter:
		s := gr.step(stepKey)
		s.Title = str("title")
		s.Visits++
		gr.cur, gr.curAt, gr.curWall = stepKey, sim, r.Time
		gr.firstVisit[stepKey] = s.Visits == 1
		gr.entered[baseID(stepKey)] = true
	case session.EvCheckStatus:
		st := checks.ParseStatus(str("status"))
		check := str("check")
		if st == checks.StatusFail {
			gr.failedAny[baseID(stepKey)] = true
		}
		if !gr.firstVisit[stepKey] {
			break
		}
		mark := func(set map[string]map[string]bool) {
			if set[stepKey] == nil {
				set[stepKey] = map[string]bool{}
			}
			set[stepKey][check] = true
		}
		switch st {
		case checks.StatusFail:
			mark(gr.failed)
		case checks.StatusPass:
			mark(gr.passed)
		case checks.StatusPending, checks.StatusHolding, checks.StatusWaiting, checks.StatusUnreachable:
			// not an outcome: still on the way
		}
	case session.EvStepDone:
		via := str("via")
		gr.step(stepKey).Via = via
		gr.left[baseID(stepKey)] = via
	case session.EvOverride:
		var d session.OverrideData
		_ = json.Unmarshal(r.Data, &d)
		gr.step(d.Step).Via = session.ViaOverride
		gr.left[baseID(d.Step)] = session.ViaOverride
		gr.passedBy[baseID(d.Step)] = true
		gr.g.Overrides = append(gr.g.Overrides, gr.judgeOverride(d.Step, d.Checks, d.Category, d.Reason, false))
		gr.note(d.Step, fmt.Sprintf("you overrode %s (%s)", strings.Join(d.Checks, ", "), d.Category))
	case session.EvSessionContinue:
		var d session.ContinueData
		_ = json.Unmarshal(r.Data, &d)
		if !d.ChecksPass {
			gr.passedBy[baseID(d.Step)] = true
			gr.g.Overrides = append(gr.g.Overrides, gr.judgeOverride(d.Step, nil, "continue", d.Reason, true))
			gr.note(d.Step, "you continued past the halt with checks failing")
		} else {
			gr.note(d.Step, "you continued once its checks passed")
		}
	case session.EvOnFail:
		gr.g.OnFails = append(gr.g.OnFails, fmt.Sprintf("%s: %s", stepKey, str("say")))
		gr.note(stepKey, "a check failed and on_fail said: "+str("say"))
	case session.EvGoto:
		from := str("from")
		gr.g.Gotos = append(gr.g.Gotos, fmt.Sprintf("%s → %s", from, str("to")))
		gr.step(from).Via = "goto"
		gr.left[baseID(from)] = "goto"
		gr.note(from, "you followed on_fail to "+str("to"))
	case session.EvSessionHalt:
		gr.g.Halts = append(gr.g.Halts, fmt.Sprintf("%s: %s", stepKey, str("reason")))
		gr.haltStep = stepKey
		gr.step(stepKey).Via = "halted"
		gr.left[baseID(stepKey)] = "halted"
		gr.note(stepKey, "the session halted, as the runbook says")
	case session.EvNote:
		gr.g.Notes = append(gr.g.Notes, fmt.Sprintf("%s: %s", stepKey, str("text")))
	case session.EvActionEnd:
		var res struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(m["result"], &res)
		if res.Error != "" {
			gr.note(stepKey, "its action failed: "+res.Error)
		}
	case session.EvSimSkip:
		var d session.SimSkipData
		_ = json.Unmarshal(r.Data, &d)
		gr.g.Skipped += d.SkippedNS
	case session.EvSessionEnd:
		gr.g.End, gr.g.Ended = str("state"), r.Time
	}
	if gr.world != nil {
		gr.world.Restore(r)
	}
}

// judgeOverride says in one line whether the manual forbids going on at
// step, from the runbook: the step's on_fail (halt, goto, advice), its
// source step and the overridden checks' why.
func (gr *grader) judgeOverride(stepKey string, ids []string, category, reason string, cont bool) OverrideGrade {
	o := OverrideGrade{Step: stepKey, Checks: ids, Category: category, Reason: reason}
	st, ok := gr.runbookStep(stepKey)
	what := "you overrode it"
	if len(ids) > 0 {
		what = "you overrode " + strings.Join(ids, ", ")
	}
	if cont {
		what = "you continued with its checks failing"
	}
	if !ok {
		o.Verdict = fmt.Sprintf("Step %s is not in the runbook as loaded now: %s.", stepKey, what)
		return o
	}
	src := ""
	if len(st.SourceStep) > 0 {
		src = " (source step " + strings.Join(st.SourceStep, ", ") + ")"
	}
	for _, c := range st.Checks {
		if c.Why != "" && (len(ids) == 0 || slices.Contains(ids, c.ID) || slices.ContainsFunc(ids, func(id string) bool { return baseID(id) == c.ID })) {
			o.Why = append(o.Why, c.ID+": "+c.Why)
		}
	}
	of := st.OnFail
	switch {
	case of != nil && of.Halt:
		o.Forbidden = true
		o.Verdict = fmt.Sprintf("Forbidden: the manual says to stop here%s: %q: %s.", src, oneLine(of.Say), what)
	case of != nil && of.Goto != "":
		o.Against = true
		o.Verdict = fmt.Sprintf("Against the manual: it says to go to step %s here%s: %q: %s instead.", of.Goto, src, oneLine(of.Say), what)
	case of != nil && of.Say != "":
		o.Verdict = fmt.Sprintf("The manual's advice here%s is %q: %s.", src, oneLine(of.Say), what)
	default:
		o.Verdict = fmt.Sprintf("The manual says nothing against going on here%s: %s.", src, what)
	}
	return o
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Grade finishes the debrief: the steps in the order first entered, the
// faults' outcomes, and the score.
func (gr *grader) Grade() Grade {
	g := gr.g
	final := gr.cur // the step the session stands on at its last record
	if final == "" {
		final = gr.paused
	}
	if gr.cur != "" {
		gr.step(gr.cur) // listed, with the time so far
	}
	if gr.sc != nil {
		g.ScenarioTitle = gr.sc.Title
	}
	out := make([]StepGrade, 0, len(gr.steps))
	for _, s0 := range gr.g.Steps {
		s := *gr.steps[s0.Key]
		if s.Key == gr.cur { // still on it: count the time so far
			s.Took += gr.lastSim.Sub(gr.curAt)
			s.TookWall += gr.lastWall.Sub(gr.curWall)
		}
		s.Reference = gr.sc.Reference(baseID(s.Key))
		if st, ok := gr.runbookStep(s.Key); ok {
			for _, c := range st.Checks {
				if c.Kind != checks.KindManual {
					s.Checks++
				}
			}
		}
		for c := range gr.passed[s.Key] {
			if !gr.failed[s.Key][c] {
				s.FirstTime++
			}
		}
		s.FirstTime = min(s.FirstTime, s.Checks)
		g.Took += s.Took
		g.TookWall += s.TookWall
		if s.Done() {
			g.Done++
			if s.Reference > 0 {
				g.DoneTook += s.Took
				g.Reference += s.Reference
			}
		}
		out = append(out, s)
	}
	g.Steps = out
	if gr.rb != nil {
		g.Total = len(gr.rb.AllSteps())
	}
	if gr.sc != nil {
		var hits map[string]int // nil: unknown
		if gr.world != nil {
			hits = gr.world.FaultHits()
		}
		for _, f := range gr.sc.Faults {
			g.Faults = append(g.Faults, gr.fault(f, g.End, final, hits))
		}
	}
	g.Graded = gr.started && (g.End == session.EndCompleted || g.End == session.EndHalted)
	g.PassMark = gr.passMark
	if g.End == session.EndHalted {
		g.HaltedAt = gr.haltStep
	}
	if g.Graded {
		g.Score, g.Deductions = gr.score(g)
		forbidden := slices.ContainsFunc(g.Overrides, func(o OverrideGrade) bool { return o.Forbidden })
		g.NotPassed = gr.notPassed(g)
		g.Passed = g.NotPassed == "" && g.Score >= g.PassMark && !forbidden
	}
	return g
}

// Done says the step was done: left by its gate, a tick, an override or a
// goto; not the step a halt stopped on, nor the one still open.
func (s StepGrade) Done() bool { return s.Via != "" && s.Via != "halted" }

// notPassed says why a graded rehearsal does not pass whatever its score
// ("" when the score decides): only a rehearsal that completed passes, or
// one that halted at the step of a fault that struck and was found there
// (the manual's own stop: the halt is the right answer to that fault). A
// halt with no such fault (a check's deadline ran out, an action never
// run) stopped the drill short of the runbook.
func (gr *grader) notPassed(g Grade) string {
	if g.End != session.EndHalted {
		return ""
	}
	b := baseID(g.HaltedAt)
	for _, f := range g.Faults {
		if f.Step != "" && f.Step == b && f.Outcome == FaultFound {
			return ""
		}
	}
	where := "the session halted"
	if s := gr.steps[g.HaltedAt]; s != nil && s.Number > 0 && g.Total > 0 {
		where += fmt.Sprintf(" at step %d of %d (%s)", s.Number, g.Total, s.Key)
	} else if g.HaltedAt != "" {
		where += " at step " + g.HaltedAt
	}
	return where + " with no fault there that asks for the manual's stop: a rehearsal passes only when it completes, or halts where a fault that struck makes the manual stop"
}

// fault grades one fault; hits says how often each fault struck in the
// world rebuilt from the journal (nil: unknown, the world could not be
// rebuilt).
func (gr *grader) fault(f Fault, end, final string, hits map[string]int) FaultGrade {
	fg := FaultGrade{ID: f.ID, Kind: f.Kind, Step: f.Step, Say: f.Say}
	never := hits != nil && hits[f.ID] == 0
	switch {
	case f.Step == "" && never:
		fg.Outcome, fg.How = FaultNotTriggered, "it never struck"
	case f.Step == "":
		fg.Outcome, fg.How = FaultFound, "injected; it shows at no particular step"
	case !gr.entered[f.Step]:
		fg.Outcome, fg.How = FaultNotMet, "the session never reached step "+f.Step
	case never:
		fg.Outcome = FaultNotTriggered
		fg.How = "it never struck: what sets it off at step " + f.Step + " (its action, as a rule) was not done"
		if how := gr.how[f.Step]; len(how) > 0 {
			fg.How += "; " + strings.Join(how, "; ")
		}
	case gr.passedBy[f.Step]:
		fg.Outcome = FaultMissed
	case gr.left[f.Step] == "" || (final != "" && baseID(final) == f.Step && end != session.EndHalted):
		fg.Outcome = FaultUnresolved
	default:
		fg.Outcome = FaultFound
	}
	if fg.How == "" {
		fg.How = strings.Join(gr.how[f.Step], "; ")
		if fg.How == "" {
			fg.How = "its step's checks held until the fault cleared, and the gate opened on them"
		}
	}
	return fg
}

// score applies the rule of docs/rehearsal.md.
func (gr *grader) score(g Grade) (int, []Deduction) {
	var ds []Deduction
	take := func(p int, why string) { ds = append(ds, Deduction{Points: p, Why: why}) }
	for _, o := range g.Overrides {
		switch {
		case o.Forbidden:
			take(40, "an override the manual forbids, at "+o.Step)
		case o.Against:
			take(20, "an override against the manual's on_fail path, at "+o.Step)
		default:
			take(10, "an override, at "+o.Step)
		}
	}
	for _, f := range g.Faults {
		switch f.Outcome {
		case FaultMissed:
			take(30, "fault "+f.ID+" missed")
		case FaultUnresolved:
			take(15, "fault "+f.ID+" met and left unresolved")
		case FaultNotTriggered:
			if f.Step != "" {
				take(30, "fault "+f.ID+" never struck at step "+f.Step+": it was not practised")
			}
		}
	}
	// A fault that struck is to blame for its step's failed checks; one
	// that never did is not.
	faultSteps := map[string]bool{}
	for _, f := range g.Faults {
		if f.Outcome != FaultNotTriggered {
			faultSteps[f.Step] = true
		}
	}
	failedSteps := 0
	for b := range gr.failedAny {
		if !faultSteps[b] {
			failedSteps++
		}
	}
	if failedSteps > 0 {
		take(min(5*failedSteps, 15), fmt.Sprintf("%d step(s) where a check failed with no fault to blame", failedSteps))
	}
	if g.Reference > 0 && g.DoneTook > g.Reference {
		over := int((g.DoneTook - g.Reference) * 10 / g.Reference) // full tenths over the reference
		if p := min(over, 15); p > 0 {
			take(p, fmt.Sprintf("%s over the reference time %s of the steps done", fmtDur(g.DoneTook-g.Reference), fmtDur(g.Reference)))
		}
	}
	score := 100
	for _, d := range ds {
		score -= d.Points
	}
	return max(score, 0), ds
}

// fmtDur rounds to the second: "1m5s", "0s".
func fmtDur(d time.Duration) string {
	return d.Round(time.Second).String()
}

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + fmtDur(d)
	}
	return "−" + fmtDur(-d)
}

// GradeFile grades the rehearsal journal at path, streaming it; passMark
// is the site policy's (readiness.min_score), PassMark when lower.
func GradeFile(rb *steps.Runbook, sc *Scenario, path string, passMark int) (Grade, error) {
	gr := NewGrader(rb, sc)
	gr.SetPassMark(passMark)
	res, err := journal.ScanFile(path, func(r journal.Record) error {
		gr.Add(r)
		return nil
	})
	if err != nil {
		return Grade{}, err
	}
	if !res.OK && !res.Torn {
		return Grade{}, fmt.Errorf("journal %s does not verify at line %d: %s (`handrail verify` says more)", path, res.BadLine, res.Problem)
	}
	return gr.Grade(), nil
}

// Label names the step as every view does: its number in the runbook, then
// its key ("3 · stop-replica").
func (s StepGrade) Label() string {
	if s.Number <= 0 {
		return s.Key
	}
	return fmt.Sprintf("%d · %s", s.Number, s.Key)
}
