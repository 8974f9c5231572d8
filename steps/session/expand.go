package session

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// unit is one expanded step: a runbook step bound to the session's params
// (and to one item, inside a foreach).
type unit struct {
	Key       string // journal key: step id, or "id[item]"
	BaseID    string
	Section   string
	SectionID string
	Item      string
	Step      steps.Step               // bound: no ${…} left for known names
	Targets   map[string]checks.Target // bound targets, as this unit sees them
	SkipWhy   string                   // set when `when` or an empty foreach skips it
}

// unitKey is the journal key of a step (inside a foreach, one per item).
func unitKey(id, item string, foreach bool) string {
	if !foreach {
		return id
	}
	return id + "[" + item + "]"
}

// expand turns the runbook into the session's list of units: `when` is
// judged once, at session start, against the params; `foreach` yields one
// unit per list item; every ${name} is bound.
func expand(rb *steps.Runbook, params map[string]string) []unit {
	var out []unit
	for _, sec := range rb.Sections {
		for _, st := range sec.Steps {
			base := unit{BaseID: st.ID, Section: sec.Title, SectionID: sec.ID}
			if st.When != nil {
				if ok, why := conditionHolds(*st.When, params); !ok {
					u := base
					u.Key = st.ID
					u.Step = bindStep(st, params)
					u.Targets = bindTargets(rb.Targets, params)
					u.SkipWhy = why
					out = append(out, u)
					continue
				}
			}
			if st.Foreach == nil {
				u := base
				u.Key = st.ID
				u.Step = bindStep(st, params)
				u.Targets = bindTargets(rb.Targets, params)
				out = append(out, u)
				continue
			}
			items := splitList(params[st.Foreach.Param])
			if len(items) == 0 {
				u := base
				u.Key = st.ID
				u.Step = bindStep(st, params)
				u.Targets = bindTargets(rb.Targets, params)
				u.SkipWhy = fmt.Sprintf("foreach: param %s lists no items", st.Foreach.Param)
				out = append(out, u)
				continue
			}
			as := st.Foreach.As
			if as == "" {
				as = "item"
			}
			for _, item := range items {
				vars := make(map[string]string, len(params)+1)
				for k, v := range params {
					vars[k] = v
				}
				vars[as] = item
				u := base
				u.Key = unitKey(st.ID, item, true)
				u.Item = item
				u.Step = bindStep(st, vars)
				u.Targets = bindTargets(rb.Targets, vars)
				out = append(out, u)
			}
		}
	}
	return out
}

// conditionHolds judges a `when` and, when it does not hold, says why in
// words for step.skip.
func conditionHolds(c steps.Condition, params map[string]string) (bool, string) {
	v := params[c.Param]
	switch {
	case c.Equals != nil:
		if v == *c.Equals {
			return true, ""
		}
		return false, fmt.Sprintf("when: %s is %q, not %q", c.Param, v, *c.Equals)
	case c.NotEquals != nil:
		if v != *c.NotEquals {
			return true, ""
		}
		return false, fmt.Sprintf("when: %s is %q", c.Param, v)
	case len(c.In) > 0:
		if slices.Contains(c.In, v) {
			return true, ""
		}
		return false, fmt.Sprintf("when: %s is %q, not one of [%s]", c.Param, v, strings.Join(c.In, ", "))
	}
	return true, ""
}

// splitList splits a list param's comma-separated value.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var refRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// bind replaces every ${name} whose name is in vars. A reference to an
// unknown name stays as written (the loader rejects those in runbooks).
func bind(s string, vars map[string]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return refRE.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// bindAll binds each element on its own: in an argv a value is always one
// whole argument.
func bindAll(ss []string, vars map[string]string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = bind(s, vars)
	}
	return out
}

func bindStep(st steps.Step, vars map[string]string) steps.Step {
	b := st
	b.Title = bind(st.Title, vars)
	b.Body = bind(st.Body, vars)
	b.On = bind(st.On, vars)
	if st.Commands != nil {
		b.Commands = make([]steps.Command, len(st.Commands))
		for i, c := range st.Commands {
			b.Commands[i] = steps.Command{On: bind(c.On, vars), Run: bind(c.Run, vars)}
		}
	}
	if st.Action != nil {
		a := *st.Action
		a.Target = bind(a.Target, vars)
		a.SQL = bind(a.SQL, vars)
		a.Admin = bind(a.Admin, vars)
		a.Shell = bind(a.Shell, vars)
		a.Argv = bindAll(a.Argv, vars)
		b.Action = &a
	}
	if st.Checks != nil {
		b.Checks = make([]checks.Check, len(st.Checks))
		for i, c := range st.Checks {
			c.Target = bind(c.Target, vars)
			c.Title = bind(c.Title, vars)
			c.Why = bind(c.Why, vars)
			c.Channel = bind(c.Channel, vars)
			c.Query = bind(c.Query, vars)
			c.Admin = bind(c.Admin, vars)
			c.Argv = bindAll(c.Argv, vars)
			c.Shell = bind(c.Shell, vars)
			c.Path = bind(c.Path, vars)
			c.Attest = bind(c.Attest, vars)
			if c.Expect != nil {
				ex := make(checks.Expectations, len(c.Expect))
				for j, fe := range c.Expect {
					ex[j] = checks.FieldExpect{Field: fe.Field, Expect: bindExpect(fe.Expect, vars)}
				}
				c.Expect = ex
			}
			b.Checks[i] = c
		}
	}
	if st.OnFail != nil {
		of := *st.OnFail
		of.Say = bind(of.Say, vars)
		b.OnFail = &of
	}
	return b
}

func bindExpect(e checks.Expect, vars map[string]string) checks.Expect {
	if e.Equals != nil {
		v := bind(*e.Equals, vars)
		e.Equals = &v
	}
	if e.Ne != nil {
		v := bind(*e.Ne, vars)
		e.Ne = &v
	}
	e.In = bindAll(e.In, vars)
	e.Match = bind(e.Match, vars)
	return e
}

func bindTargets(ts map[string]checks.Target, vars map[string]string) map[string]checks.Target {
	out := make(map[string]checks.Target, len(ts))
	for name, t := range ts {
		t.Name = name
		t.Host = bind(t.Host, vars)
		t.SSHUser = bind(t.SSHUser, vars)
		t.URL = bind(t.URL, vars)
		t.Database = bind(t.Database, vars)
		t.User = bind(t.User, vars)
		t.Description = bind(t.Description, vars)
		out[name] = t
	}
	return out
}
