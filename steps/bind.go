package steps

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/handrail/handrail/checks"
)

// Binding a runbook turns the procedure as written into the procedure for
// one session:
//
//   - Bind replaces every ${param} with the param's value (or its default) in
//     every string of the targets, steps, commands, actions and checks. A
//     value substituted into an argv element stays inside that one element:
//     nothing is ever split on spaces or passed through a shell. In a
//     `shell:` line a value becomes one quoted word, and in `sql:` and
//     `query:` a quoted literal (or name), quoted for where it stands
//     (quote.go): a parameter never becomes code. A value substituted into
//     an expectation's `match` regex is quoted, so it matches literally.
//   - Expand also unrolls `foreach` steps and judges `when`. A foreach step
//     becomes one step per item of its list param, in the order given; each
//     copy's id is `<id>@<item>`, its checks' ids are `<check>@<item>`, and
//     ${item} (or the foreach's `as` name) is replaced by the item. A target
//     whose strings use the item is bound per item as `<target>@<item>`, and
//     the copy's checks, action and commands name that copy. A `goto` keeps
//     naming the step as written; Plan.Find resolves it to the first copy.
//     A step whose `when` does not hold is kept, marked Skip with a reason,
//     so the session can journal why it was skipped.

// ValidateParams checks the operator's values against the runbook's params:
// every name is declared, every param without a default has a value, and
// each value (each item, for a list) is one of the enum values, matches
// the pattern, and fits where it is used (values.go): no leading '-' where
// it begins a command's argument (unless the param allows it), a host and
// login ssh can take, no backslash in SQL, no quote in an ADMIN COMMAND. A
// secret's value never appears in an error.
func (rb *Runbook) ValidateParams(values map[string]string) []error {
	var errs []error
	uses := rb.valueUses()
	declared := map[string]bool{}
	for _, p := range rb.Params {
		declared[p.Name] = true
	}
	for _, n := range sortedKeys(values) {
		if !declared[n] {
			errs = append(errs, fmt.Errorf("param %q is not declared by runbook %s%s", n, rb.ID, suggest(n, slices.Sorted(maps.Keys(declared)))))
		}
	}
	for i := range rb.Params {
		p := &rb.Params[i]
		val := strings.TrimSpace(values[p.Name])
		if val == "" {
			val = p.Default
		}
		items := splitValue(p, val)
		if val == "" || len(items) == 0 {
			errs = append(errs, fmt.Errorf("param %q is required%s", p.Name, promptHint(p)))
			continue
		}
		var re *regexp.Regexp
		if p.Pattern != "" {
			re, _ = regexp.Compile(p.Pattern) // compiled at load
		}
		seen := map[string]bool{}
		for _, it := range items {
			shown := fmt.Sprintf("%q", it)
			if p.Secret {
				shown = "the value"
			}
			if len(p.Enum) > 0 && !slices.Contains(p.Enum, it) {
				errs = append(errs, fmt.Errorf("param %q: %s is not one of %s", p.Name, shown, strings.Join(p.Enum, ", ")))
			}
			if re != nil && !re.MatchString(it) {
				errs = append(errs, fmt.Errorf("param %q: %s does not match %s", p.Name, shown, p.Pattern))
			}
			if p.List && seen[it] {
				errs = append(errs, fmt.Errorf("param %q: item %s is given twice", p.Name, shown))
			}
			errs = append(errs, valueRules(p, uses[p.Name], it, shown)...)
			seen[it] = true
		}
	}
	return errs
}

func promptHint(p *Param) string {
	if p.Prompt != "" {
		return " (" + p.Prompt + ")"
	}
	return ""
}

// WithDefaults returns values with each param that has no value set to its
// default (values are trimmed; undeclared names are dropped).
func (rb *Runbook) WithDefaults(values map[string]string) map[string]string {
	out := make(map[string]string, len(rb.Params))
	for _, p := range rb.Params {
		v := strings.TrimSpace(values[p.Name])
		if v == "" {
			v = p.Default
		}
		out[p.Name] = v
	}
	return out
}

// Bind returns a copy of the runbook with every ${param} replaced by its
// value (or default). It fails, listing every problem, when the values do
// not satisfy ValidateParams. ${item} (and a foreach's `as` name) are left
// for Expand.
func (rb *Runbook) Bind(values map[string]string) (*Runbook, error) {
	if errs := rb.ValidateParams(values); len(errs) > 0 {
		return nil, fmt.Errorf("runbook %s: %w", rb.ID, errors.Join(errs...))
	}
	vars := rb.WithDefaults(values)
	b := &binder{vars: vars}
	out := *rb
	out.Params = slices.Clone(rb.Params)
	out.Targets = make(map[string]checks.Target, len(rb.Targets))
	for n, t := range rb.Targets {
		t.Name = n
		out.Targets[n] = b.target(t)
	}
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("runbook %s: %w", rb.ID, errors.Join(b.errs...))
	}
	out.Sections = make([]Section, len(rb.Sections))
	for i, sec := range rb.Sections {
		sec.Steps = bindSteps(b, sec.Steps)
		out.Sections[i] = sec
	}
	out.Steps = bindSteps(b, rb.Steps)
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("runbook %s: %w", rb.ID, errors.Join(b.errs...))
	}
	return &out, nil
}

func bindSteps(b *binder, in []Step) []Step {
	if in == nil {
		return nil
	}
	out := make([]Step, len(in))
	for i, s := range in {
		out[i] = b.step(s)
	}
	return out
}

// Substitute replaces every ${name} in s whose name is in vars, and leaves
// every other reference as written. It is the substitution Bind applies;
// the simulator uses it on its scenarios' strings.
func Substitute(s string, vars map[string]string) string { return (&binder{vars: vars}).s(s) }

// binder substitutes ${name} for the names in vars and leaves every other
// reference as written.
type binder struct {
	vars map[string]string
	// errs collects values that do not fit where they are substituted (a
	// port that is not a number).
	errs []error
}

func (b *binder) s(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var out strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			out.WriteString(s)
			return out.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			out.WriteString(s)
			return out.String()
		}
		name := s[i+2 : i+j]
		out.WriteString(s[:i])
		if v, ok := b.vars[name]; ok {
			out.WriteString(v)
		} else {
			out.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// placed substitutes into a shell line or a statement, each value quoted
// for where it stands (quote.go), so that it stays one word or one literal.
// The loader has refused every reference it could not place.
func (b *binder) placed(s string, lex func(string) ([]placedRef, error)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	refs, err := lex(s)
	if err != nil {
		b.errs = append(b.errs, err)
		return s
	}
	return substitutePlaced(s, refs, b.vars)
}

// re substitutes into a regex, quoting the values so they match literally.
func (b *binder) re(s string) string {
	q := &binder{vars: make(map[string]string, len(b.vars))}
	for k, v := range b.vars {
		q.vars[k] = regexp.QuoteMeta(v)
	}
	return q.s(s)
}

func (b *binder) list(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = b.s(s)
	}
	return out
}

func (b *binder) ptr(p *string) *string {
	if p == nil {
		return nil
	}
	s := b.s(*p)
	return &s
}

func (b *binder) target(t checks.Target) checks.Target {
	t.Host, t.SSHUser, t.URL, t.Database = b.s(t.Host), b.s(t.SSHUser), b.s(t.URL), b.s(t.Database)
	t.User, t.UserEnv, t.PasswordEnv, t.PasswordFile = b.s(t.User), b.s(t.UserEnv), b.s(t.PasswordEnv), b.s(t.PasswordFile)
	t.DSNEnv, t.Client, t.Description = b.s(t.DSNEnv), b.s(t.Client), b.s(t.Description)
	if t.PortRef != "" {
		ref := b.s(t.PortRef)
		if names, _ := scanRefs(ref); len(names) > 0 {
			t.PortRef = ref // a foreach item: resolved per item by Expand
			return t
		}
		n, err := strconv.Atoi(strings.TrimSpace(ref))
		if err != nil || n < 1 || n > 65535 {
			b.errs = append(b.errs, fmt.Errorf("target %s: port %s is %q, not a port number between 1 and 65535", t.Name, t.PortRef, ref))
		} else {
			t.Port, t.PortRef = n, ""
		}
	}
	return t
}

func (b *binder) step(s Step) Step {
	s.Title, s.Body = b.s(s.Title), b.s(s.Body)
	s.SourceStep = slices.Clone(s.SourceStep)
	if s.Commands != nil {
		cmds := make([]Command, len(s.Commands))
		for i, c := range s.Commands {
			cmds[i] = Command{On: c.On, Run: b.s(c.Run)}
		}
		s.Commands = cmds
	}
	if s.Action != nil {
		a := *s.Action
		a.SQL, a.Admin, a.Shell = b.placed(a.SQL, sqlRefs), b.s(a.Admin), b.placed(a.Shell, shellRefs)
		a.Argv = b.list(a.Argv)
		s.Action = &a
	}
	if s.Checks != nil {
		cs := make([]checks.Check, len(s.Checks))
		for i, c := range s.Checks {
			cs[i] = b.check(c)
		}
		s.Checks = cs
	}
	if s.When != nil {
		w := *s.When
		w.In = slices.Clone(w.In)
		s.When = &w
	}
	if s.Foreach != nil {
		f := *s.Foreach
		s.Foreach = &f
	}
	if s.OnFail != nil {
		f := *s.OnFail
		f.Say = b.s(f.Say)
		s.OnFail = &f
	}
	return s
}

func (b *binder) check(c checks.Check) checks.Check {
	c.Title, c.Why, c.Channel, c.Query, c.Admin = b.s(c.Title), b.s(c.Why), b.s(c.Channel), b.placed(c.Query, sqlRefs), b.s(c.Admin)
	c.Shell, c.Path, c.Attest = b.placed(c.Shell, shellRefs), b.s(c.Path), b.s(c.Attest)
	c.Argv = b.list(c.Argv)
	c.Expect = b.expectations(c.Expect)
	c.FailWhen = b.expectations(c.FailWhen)
	return c
}

// expectations binds field names and values (expect, fail_when).
func (b *binder) expectations(in checks.Expectations) checks.Expectations {
	if in == nil {
		return nil
	}
	ex := make(checks.Expectations, len(in))
	for i, fe := range in {
		x := fe.Expect
		x.Equals, x.Ne = b.ptr(x.Equals), b.ptr(x.Ne)
		x.In = b.list(x.In)
		x.Match = b.re(x.Match)
		ex[i] = checks.FieldExpect{Field: b.s(fe.Field), Expect: x}
	}
	return ex
}

// BoundStep is one step of a session, bound to the session's values.
type BoundStep struct {
	// Step is the bound step; for a foreach copy its ID is `<id>@<item>`
	// and its checks' ids are `<check>@<item>`.
	Step
	// BaseID is the step's id as written in the runbook.
	BaseID string `json:"base_id"`
	// Item is the foreach item ("" for a step without foreach).
	Item string `json:"item,omitempty"`
	// Section is the index of the step's section in Runbook.Sections.
	Section int `json:"section"`
	// Skip is set when the step's `when` does not hold; SkipReason says why.
	Skip       bool   `json:"skip,omitempty"`
	SkipReason string `json:"skip_reason,omitempty"`
}

// Plan is a runbook bound and expanded for one session.
type Plan struct {
	// Runbook is the bound runbook (foreach steps not yet unrolled).
	Runbook *Runbook
	// Values are the param values in force, defaults applied.
	Values map[string]string
	// Targets holds every target a step may name: the bound targets, and
	// per-item copies `<target>@<item>` of the targets that use a foreach
	// item (the un-itemised originals are left out: they cannot be
	// reached).
	Targets map[string]checks.Target
	// Steps are the session's steps in order.
	Steps []BoundStep
}

// Find returns the index of the step with this id, or of the first copy of
// the foreach step with this base id; -1 if none.
func (p *Plan) Find(id string) int {
	for i, s := range p.Steps {
		if s.ID == id {
			return i
		}
	}
	for i, s := range p.Steps {
		if s.BaseID == id {
			return i
		}
	}
	return -1
}

// Expand binds rb to values and unrolls it into the session's steps (see
// the package comment above Bind for the rules).
func Expand(rb *Runbook, values map[string]string) (*Plan, error) {
	bound, err := rb.Bind(values)
	if err != nil {
		return nil, err
	}
	vals := rb.WithDefaults(values)
	p := &Plan{Runbook: bound, Values: vals, Targets: map[string]checks.Target{}}

	// Targets that still hold a ${...} after Bind use a foreach item.
	perItem := map[string]bool{}
	for n, t := range bound.Targets {
		if targetHasRef(t) {
			perItem[n] = true
			continue
		}
		p.Targets[n] = t
	}
	params := map[string]*Param{}
	for i := range rb.Params {
		params[rb.Params[i].Name] = &rb.Params[i]
	}

	// perItemCopy binds a step to one item of a foreach (the step's own or
	// its section's) and names its per-item targets.
	perItemCopy := func(st Step, vars map[string]string, it string) (Step, error) {
		b := &binder{vars: vars}
		cp := b.step(st)
		cp.ID = st.ID + "@" + it
		rename := func(target string) string {
			if !perItem[target] {
				return target
			}
			name := target + "@" + it
			if _, done := p.Targets[name]; !done {
				t := b.target(bound.Targets[target])
				t.Name = name
				p.Targets[name] = t
			}
			return name
		}
		cp.On = rename(cp.On)
		for i := range cp.Commands {
			cp.Commands[i].On = rename(cp.Commands[i].On)
		}
		if cp.Action != nil {
			cp.Action.Target = rename(cp.Action.Target)
		}
		for i := range cp.Checks {
			cp.Checks[i].ID += "@" + it
			cp.Checks[i].Target = rename(cp.Checks[i].Target)
		}
		if len(b.errs) > 0 {
			return cp, fmt.Errorf("runbook %s: step %s: %w", rb.ID, cp.ID, errors.Join(b.errs...))
		}
		return cp, nil
	}
	// loop lists a foreach's items and, for each, the names it binds: the
	// item, and the same position of every `with` list.
	loop := func(f *Foreach, where string) ([]string, []map[string]string, error) {
		items := SplitList(vals[f.Param])
		vars := make([]map[string]string, len(items))
		for i, it := range items {
			vars[i] = map[string]string{f.ItemName(): it}
		}
		for _, name := range slices.Sorted(maps.Keys(f.With)) {
			other := SplitList(vals[f.With[name]])
			if len(other) != len(items) {
				return nil, nil, fmt.Errorf("runbook %s: %s: foreach walks %s (%d items) with %s (%d items): give both lists the same number of items, in matching order",
					rb.ID, where, f.Param, len(items), f.With[name], len(other))
			}
			for i := range items {
				vars[i][name] = other[i]
			}
		}
		return items, vars, nil
	}

	for si, sec := range bound.Sections {
		if sec.Foreach != nil {
			// The whole section once per item, in order: every step for the
			// first item, then every step for the next.
			items, vars, err := loop(sec.Foreach, "section "+sec.ID)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				for _, st := range sec.Steps {
					p.Steps = append(p.Steps, BoundStep{Step: st, BaseID: st.ID, Section: si, Skip: true,
						SkipReason: fmt.Sprintf("param %s lists no items", sec.Foreach.Param)})
				}
				continue
			}
			for i, it := range items {
				for _, st := range sec.Steps {
					skip, reason := judgeWhen(st.When, vals)
					cp, err := perItemCopy(st, vars[i], it)
					if err != nil {
						return nil, err
					}
					p.Steps = append(p.Steps, BoundStep{Step: cp, BaseID: st.ID, Item: it, Section: si, Skip: skip, SkipReason: reason})
				}
			}
			continue
		}
		for _, st := range sec.Steps {
			skip, reason := judgeWhen(st.When, vals)
			if st.Foreach == nil {
				p.Steps = append(p.Steps, BoundStep{Step: st, BaseID: st.ID, Section: si, Skip: skip, SkipReason: reason})
				continue
			}
			items, vars, err := loop(st.Foreach, "step "+st.ID)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				p.Steps = append(p.Steps, BoundStep{Step: st, BaseID: st.ID, Section: si, Skip: true,
					SkipReason: fmt.Sprintf("param %s lists no items", st.Foreach.Param)})
				continue
			}
			for i, it := range items {
				cp, err := perItemCopy(st, vars[i], it)
				if err != nil {
					return nil, err
				}
				p.Steps = append(p.Steps, BoundStep{Step: cp, BaseID: st.ID, Item: it, Section: si, Skip: skip, SkipReason: reason})
			}
		}
	}
	return p, nil
}

func targetHasRef(t checks.Target) bool {
	for _, s := range []string{t.PortRef, t.Host, t.SSHUser, t.URL, t.Database, t.User, t.UserEnv, t.PasswordEnv, t.PasswordFile, t.DSNEnv, t.Client, t.Description} {
		if names, _ := scanRefs(s); len(names) > 0 {
			return true
		}
	}
	return false
}

// judgeWhen reports whether a step is skipped, and why in words.
func judgeWhen(c *Condition, vals map[string]string) (skip bool, reason string) {
	if c == nil {
		return false, ""
	}
	v := vals[c.Param]
	switch {
	case c.Equals != nil && v != *c.Equals:
		return true, fmt.Sprintf("%s is %q, not %q", c.Param, v, *c.Equals)
	case c.NotEquals != nil && v == *c.NotEquals:
		return true, fmt.Sprintf("%s is %q", c.Param, v)
	case c.In != nil && !slices.Contains(c.In, v):
		return true, fmt.Sprintf("%s is %q, not one of %s", c.Param, v, strings.Join(c.In, ", "))
	}
	return false, ""
}
