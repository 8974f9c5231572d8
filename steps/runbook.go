// Package steps holds the runbook model, its loader and validation, and (in
// sub-packages) the session engine, the journal and the report. It never
// imports Bubble Tea: the same engine drives the TUI, plain mode and tests.
package steps

import (
	"strings"

	"github.com/handrail/handrail/checks"
)

// Runbook is one documented procedure, loaded and validated.
type Runbook struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Source      string `yaml:"source" json:"source"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`

	Params  []Param                  `yaml:"params,omitempty" json:"params,omitempty"`
	Targets map[string]checks.Target `yaml:"targets,omitempty" json:"targets,omitempty"`

	// Sections group the steps. A runbook may instead list `steps:` at the
	// top level; the loader then puts them in one untitled section.
	Sections []Section `yaml:"sections,omitempty" json:"sections,omitempty"`
	Steps    []Step    `yaml:"steps,omitempty" json:"steps,omitempty"`

	// Approval marks what needs a second person's approval (approval.go).
	Approval *RunbookApproval `yaml:"approval,omitempty" json:"approval,omitempty"`

	// Filled by the loader.
	Path   string `yaml:"-" json:"path,omitempty"`
	SHA256 string `yaml:"-" json:"sha256,omitempty"`
}

// Param is a value the operator gives at session start.
type Param struct {
	Name        string   `yaml:"name" json:"name"`
	Prompt      string   `yaml:"prompt,omitempty" json:"prompt,omitempty"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Default     string   `yaml:"default,omitempty" json:"default,omitempty"`
	Enum        []string `yaml:"enum,omitempty" json:"enum,omitempty"`
	Pattern     string   `yaml:"pattern,omitempty" json:"pattern,omitempty"`
	// Secret values are masked when typed and never shown, journaled or
	// reported.
	Secret bool `yaml:"secret,omitempty" json:"secret,omitempty"`
	// List values are comma-separated; a `foreach` iterates over them.
	List bool `yaml:"list,omitempty" json:"list,omitempty"`
	// AllowLeadingDash lets a value that begins a command's argument (an
	// argv element, a word of a shell line) start with '-', where the
	// program reads it as an option. Without it such a value is refused.
	AllowLeadingDash bool `yaml:"allow_leading_dash,omitempty" json:"allow_leading_dash,omitempty"`
}

// Section is a titled group of steps. With Foreach, the whole section is
// done once per item of a list param, in order: every step for the first
// item, then every step for the next ("for each mirror server, do a to g").
type Section struct {
	ID      string   `yaml:"id" json:"id"`
	Title   string   `yaml:"title" json:"title"`
	Foreach *Foreach `yaml:"foreach,omitempty" json:"foreach,omitempty"`
	Steps   []Step   `yaml:"steps" json:"steps"`
}

// Impact values.
const (
	ImpactNone     = ""
	ImpactDegraded = "degraded"
	ImpactDowntime = "downtime"
)

// Step is one thing the operator does, with the checks that prove it took
// effect.
type Step struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// SourceStep cites the source procedure's step(s) this encodes ("14",
	// "2.1.e", "verify-stop"); a YAML scalar or a list.
	SourceStep SourceRefs `yaml:"source_step,omitempty" json:"source_step,omitempty"`
	// Body is Markdown shown to the operator.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
	// On names the target (host) the step is carried out on.
	On string `yaml:"on,omitempty" json:"on,omitempty"`
	// Commands are exactly what to type, and where.
	Commands []Command      `yaml:"commands,omitempty" json:"commands,omitempty"`
	Action   *checks.Action `yaml:"action,omitempty" json:"action,omitempty"`
	Checks   []checks.Check `yaml:"checks,omitempty" json:"checks,omitempty"`
	When     *Condition     `yaml:"when,omitempty" json:"when,omitempty"`
	Foreach  *Foreach       `yaml:"foreach,omitempty" json:"foreach,omitempty"`
	Impact   string         `yaml:"impact,omitempty" json:"impact,omitempty"`
	OnFail   *OnFail        `yaml:"on_fail,omitempty" json:"on_fail,omitempty"`
	// Approval and ActionApproval are `approval: required` on the step and
	// on its action (approval.go).
	Approval       string `yaml:"approval,omitempty" json:"approval,omitempty"`
	ActionApproval string `yaml:"-" json:"action_approval,omitempty"`
}

// SourceRefs is one or more citations of the source procedure.
type SourceRefs []string

// Command is a line the operator types, on a target's host.
type Command struct {
	On  string `yaml:"on,omitempty" json:"on,omitempty"`
	Run string `yaml:"run" json:"run"`
}

// Condition makes a step conditional on a parameter's value. Exactly one of
// Equals, NotEquals and In is set.
type Condition struct {
	Param     string   `yaml:"param" json:"param"`
	Equals    *string  `yaml:"equals,omitempty" json:"equals,omitempty"`
	NotEquals *string  `yaml:"not_equals,omitempty" json:"not_equals,omitempty"`
	In        []string `yaml:"in,omitempty" json:"in,omitempty"`
}

// Foreach repeats a step (or a section) once per item of a list parameter;
// ${As} (default ${item}) names the item inside. With walks further list
// params in step with it: for the n-th item, ${name} is the n-th item of
// With[name] ("each active server with its mirror"), and every list must be
// as long as Param's.
type Foreach struct {
	Param string            `yaml:"param" json:"param"`
	As    string            `yaml:"as,omitempty" json:"as,omitempty"`
	With  map[string]string `yaml:"with,omitempty" json:"with,omitempty"`
}

// ItemName is what ${...} calls the item: As, or "item".
func (f *Foreach) ItemName() string {
	if f.As != "" {
		return f.As
	}
	return "item"
}

// OnFail says what the source says to do when the step's checks fail.
type OnFail struct {
	Say  string `yaml:"say,omitempty" json:"say,omitempty"`
	Goto string `yaml:"goto,omitempty" json:"goto,omitempty"`
	Halt bool   `yaml:"halt,omitempty" json:"halt,omitempty"`
}

// Number is a step's number in the runbook: its position among every step,
// across sections, counting from 1, as `show` prints it and `list` counts
// the steps (a foreach step counts once, and its copies share its number).
// It is the one number every view gives a step: the console, plain mode,
// show, the report, the debrief and the scenarios. id is the step's id as
// written, or a foreach copy's `<id>@<item>`; 0 when no step has it.
func (rb *Runbook) Number(id string) int {
	if i := strings.IndexByte(id, '@'); i >= 0 {
		id = id[:i]
	}
	n := 0
	for _, s := range rb.Sections {
		for _, st := range s.Steps {
			n++
			if st.ID == id {
				return n
			}
		}
	}
	return 0
}

// StepCount is how many steps the runbook has (a foreach step counts once):
// the total beside every step number.
func (rb *Runbook) StepCount() int {
	n := 0
	for _, s := range rb.Sections {
		n += len(s.Steps)
	}
	return n
}

// AllSteps returns every step in order, across sections.
func (rb *Runbook) AllSteps() []Step {
	var out []Step
	for _, s := range rb.Sections {
		out = append(out, s.Steps...)
	}
	return out
}
