package steps

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/mysql"
	"github.com/handrail/handrail/checks/soliddb"
)

// Name formats, shared with docs/runbook.schema.json.
var (
	idRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	paramRE  = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	targetRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)
)

// Impacts a step may declare.
var impacts = []string{ImpactDowntime, ImpactDegraded}

// Output parsers a command check may name.
var parsers = []string{"text", "kv", "table", "json", "server-stat", "gslist", "ttstatus"}

// targetKindKeys says which target keys apply to which target kinds; the
// rest (kind, host, port, description) apply to all.
var targetKindKeys = map[string][]string{
	"ssh_user":      {checks.TargetHost},
	"url":           {checks.TargetHTTP},
	"database":      {checks.TargetMySQL},
	"user":          {checks.TargetMySQL, checks.TargetSolid},
	"user_env":      {checks.TargetMySQL, checks.TargetSolid},
	"password_env":  {checks.TargetMySQL, checks.TargetSolid},
	"password_file": {checks.TargetMySQL, checks.TargetSolid},
	"dsn_env":       {checks.TargetMySQL},
	"client":        {checks.TargetSolid},
}

// checkKindKeys says which kind-specific check keys apply to which check
// kinds.
var checkKindKeys = map[string][]string{
	"channel": {checks.KindMySQLReplica},
	"query":   {checks.KindMySQLQuery},
	"admin":   {checks.KindSolid},
	"argv":    {checks.KindCommand},
	"shell":   {checks.KindCommand},
	"parse":   {checks.KindCommand},
	"path":    {checks.KindHTTP},
	"port":    {checks.KindTCP},
	"attest":  {checks.KindManual},
}

var actionKindKeys = map[string][]string{
	"sql":   {checks.ActionMySQLExec},
	"admin": {checks.ActionSolid},
	"argv":  {checks.ActionCommand},
	"shell": {checks.ActionCommand},
}

// validator checks a decoded runbook's meaning: names, references between
// its parts, and what each kind of check and action needs.
type validator struct {
	*decoder
	dec    *decoded
	rb     *Runbook
	params map[string]*Param
	// stepAt and checkAt remember the first definition of each id.
	stepAt  map[string]pos
	checkAt map[string]pos
	// itemTargets are targets whose strings use a foreach variable; value is
	// the variable names used.
	itemTargets map[string][]string
	// loopVars are the names foreach steps give their items.
	loopVars map[string]bool
}

// stepRef is a step with the path it was written at.
type stepRef struct {
	step *Step
	path string
	// loopVar is the item variable of the step's section when the section
	// has a foreach ("" otherwise).
	loopVar string
	// section names that section, for messages.
	section string
}

func (d *decoder) validate(dec *decoded) {
	v := &validator{decoder: d, dec: dec, rb: dec.rb, params: map[string]*Param{},
		stepAt: map[string]pos{}, checkAt: map[string]pos{}, itemTargets: map[string][]string{}}
	rb := dec.rb
	v.required("", "runbook", "id", "title")
	if rb.ID != "" && !idRE.MatchString(rb.ID) {
		v.errf(v.pathPos(".id"), "runbook: id %q: use lower-case letters, digits and dashes (%s)", rb.ID, idRE)
	}
	v.validateParams()
	v.loopVars = map[string]bool{"item": true}
	addLoop := func(f *Foreach) {
		if f == nil {
			return
		}
		v.loopVars[f.ItemName()] = true
		for name := range f.With {
			v.loopVars[name] = true
		}
	}
	for _, s := range append(rb.AllSteps(), rb.Steps...) {
		addLoop(s.Foreach)
	}
	for _, sec := range rb.Sections {
		addLoop(sec.Foreach)
	}
	v.validateTargets()

	var all []stepRef
	switch {
	case rb.Sections != nil && rb.Steps != nil:
		v.errf(v.pathPos(".steps"), "runbook: give either \"sections\" or \"steps\", not both")
	case len(rb.Sections) == 0 && len(rb.Steps) == 0 && !v.bad[""] && !v.bad[".sections"] && !v.bad[".steps"]:
		p := v.pathPos(".sections")
		if _, ok := v.at[".steps"]; ok {
			p = v.pathPos(".steps")
		}
		v.errf(p, "runbook: no steps: add \"steps\" (or \"sections\" with steps)")
	}
	secAt := map[string]pos{}
	for i := range rb.Sections {
		sec := &rb.Sections[i]
		path := fmt.Sprintf("sections[%d]", i)
		ctx := fmt.Sprintf("section %d", i+1)
		if sec.ID != "" {
			ctx = fmt.Sprintf("section %q", sec.ID)
			if !idRE.MatchString(sec.ID) {
				v.errf(v.pathPos("."+path+".id"), "%s: id: use lower-case letters, digits and dashes (%s)", ctx, idRE)
			} else if first, dup := secAt[sec.ID]; dup {
				v.errf(v.pathPos("."+path+".id"), "%s: duplicate section id (first at %d:%d)", ctx, first.Line, first.Col)
			} else {
				secAt[sec.ID] = v.pathPos("." + path + ".id")
			}
		}
		v.required("."+path, ctx, "title")
		if len(sec.Steps) == 0 {
			p := v.pathPos("." + path)
			if q, ok := v.at["."+path+".steps"]; ok {
				p = q
			}
			v.errf(p, "%s: no steps", ctx)
		}
		loopVar := ""
		if sec.Foreach != nil {
			loopVar = v.validateForeach(sec.Foreach, "."+path+".foreach", ctx)
		}
		for j := range sec.Steps {
			all = append(all, stepRef{step: &sec.Steps[j], path: fmt.Sprintf(".%s.steps[%d]", path, j), loopVar: loopVar, section: ctx})
		}
	}
	for j := range rb.Steps {
		all = append(all, stepRef{step: &rb.Steps[j], path: fmt.Sprintf(".steps[%d]", j)})
	}
	// Ids first, so a goto may name a step written after it.
	for _, s := range all {
		v.stepID(s)
	}
	for _, s := range all {
		v.validateStep(s)
	}
}

// at returns the position of a value by its path (paths start with ".").
func (v *validator) pos(path string) pos { return v.pathPos(path) }

func (v *validator) validateParams() {
	seen := map[string]pos{}
	for i := range v.rb.Params {
		p := &v.rb.Params[i]
		path := fmt.Sprintf(".params[%d]", i)
		ctx := fmt.Sprintf("param %q", p.Name)
		switch {
		case p.Name == "":
			v.errf(v.pos(path), "param %d: missing required key \"name\"", i+1)
			continue
		case !paramRE.MatchString(p.Name):
			v.errf(v.pos(path+".name"), "%s: name: use lower-case letters, digits and underscores, starting with a letter (%s)", ctx, paramRE)
		}
		if first, dup := seen[p.Name]; dup {
			v.errf(v.pos(path+".name"), "%s: duplicate param (first at %d:%d)", ctx, first.Line, first.Col)
			continue
		}
		seen[p.Name] = v.pos(path + ".name")
		v.params[p.Name] = p
		var re *regexp.Regexp
		if p.Pattern != "" {
			var err error
			if re, err = regexp.Compile(p.Pattern); err != nil {
				v.errf(v.pos(path+".pattern"), "%s: pattern: invalid regex: %v", ctx, regexErr(err))
			}
		}
		if v.has(path + ".enum") {
			if len(p.Enum) == 0 {
				v.errf(v.pos(path+".enum"), "%s: enum: give at least one value", ctx)
			}
		}
		if p.Secret && p.Default != "" {
			v.errf(v.pos(path+".default"), "%s: a secret param cannot have a default: it would be in the runbook for anyone to read", ctx)
			continue
		}
		if p.Default != "" {
			for _, val := range splitValue(p, p.Default) {
				if len(p.Enum) > 0 && !slices.Contains(p.Enum, val) {
					v.errf(v.pos(path+".default"), "%s: default %q is not one of its enum values [%s]", ctx, val, strings.Join(p.Enum, ", "))
				}
				if re != nil && !re.MatchString(val) {
					v.errf(v.pos(path+".default"), "%s: default %q does not match its pattern %s", ctx, val, p.Pattern)
				}
			}
		}
	}
}

func regexErr(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "error parsing regexp: ")
}

func (v *validator) validateTargets() {
	names := make([]string, 0, len(v.rb.Targets))
	for n := range v.rb.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := v.rb.Targets[n]
		path := ".targets." + n
		ctx := fmt.Sprintf("target %q", n)
		if !targetRE.MatchString(n) {
			v.errf(v.pos("targets."+n+"!key"), "%s: name: use letters, digits, dashes and underscores (%s)", ctx, targetRE)
		}
		kinds := []string{checks.TargetMySQL, checks.TargetSolid, checks.TargetHost, checks.TargetHTTP}
		switch {
		case t.Kind == "":
			v.errf(v.pos(path), "%s: missing required key \"kind\" (one of %s)", ctx, strings.Join(kinds, ", "))
		case !slices.Contains(kinds, t.Kind):
			v.errf(v.pos(path+".kind"), "%s: unknown kind %q (one of %s)%s", ctx, t.Kind, strings.Join(kinds, ", "), suggest(t.Kind, kinds))
		default:
			set := map[string]bool{"ssh_user": t.SSHUser != "", "url": t.URL != "", "database": t.Database != "",
				"user": t.User != "", "user_env": t.UserEnv != "", "password_env": t.PasswordEnv != "",
				"password_file": t.PasswordFile != "", "dsn_env": t.DSNEnv != "", "client": t.Client != ""}
			for _, key := range sortedKeys(set) {
				if set[key] && !slices.Contains(targetKindKeys[key], t.Kind) {
					v.errf(v.pos(path+"."+key), "%s: key %q does not apply to %s %s target", ctx, key, article(t.Kind), t.Kind)
				}
			}
			switch t.Kind {
			case checks.TargetHTTP:
				if t.URL == "" {
					v.errf(v.pos(path), "%s: an http target needs \"url\"", ctx)
				}
			case checks.TargetMySQL:
				if t.Host == "" && t.DSNEnv == "" {
					v.errf(v.pos(path), "%s: a mysql target needs \"host\" (or \"dsn_env\")", ctx)
				}
			case checks.TargetSolid:
				if t.Host == "" {
					v.errf(v.pos(path), "%s: a soliddb target needs \"host\"", ctx)
				}
			}
		}
		if t.User != "" && t.UserEnv != "" {
			v.errf(v.pos(path+".user_env"), "%s: give \"user\" or \"user_env\", not both", ctx)
		}
		if t.PasswordEnv != "" && t.PasswordFile != "" {
			v.errf(v.pos(path+".password_file"), "%s: give \"password_env\" or \"password_file\", not both", ctx)
		}
		if v.has(path+".port") && !v.bad[path+".port"] && t.PortRef == "" && (t.Port < 1 || t.Port > 65535) {
			v.errf(v.pos(path+".port"), "%s: port %d is not between 1 and 65535", ctx, t.Port)
		}
		strs := map[string]string{"host": t.Host, "ssh_user": t.SSHUser, "url": t.URL, "database": t.Database,
			"user": t.User, "user_env": t.UserEnv, "password_env": t.PasswordEnv, "password_file": t.PasswordFile,
			"dsn_env": t.DSNEnv, "client": t.Client, "description": t.Description, "port": t.PortRef}
		for _, key := range sortedKeys(strs) {
			for _, r := range v.refs(path+"."+key, ctx, key, strs[key]) {
				p, isParam := v.params[r.name]
				switch {
				case isParam && p.Secret:
					v.errf(v.pos(path+"."+key), "%s: %s: ${%s} is a secret param: it cannot be substituted; use password_env or password_file", ctx, key, r.name)
				case isParam:
				case v.loopVars[r.name]:
					// A foreach variable: checked where the target is used.
					if !slices.Contains(v.itemTargets[n], r.name) {
						v.itemTargets[n] = append(v.itemTargets[n], r.name)
					}
				default:
					v.errf(v.pos(path+"."+key), "%s: %s: ${%s} names no param%s", ctx, key, r.name, suggest(r.name, v.paramNames()))
				}
			}
		}
	}
}

// article is "an" before a kind read with a vowel sound ("an http
// target"), else "a".
func article(kind string) string {
	if strings.HasPrefix(kind, "http") {
		return "an"
	}
	return "a"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (v *validator) stepID(s stepRef) {
	id := s.step.ID
	switch {
	case id == "":
		return
	case !idRE.MatchString(id):
		v.errf(v.pos(s.path+".id"), "step %q: id: use lower-case letters, digits and dashes (%s)", id, idRE)
	}
	if first, dup := v.stepAt[id]; dup {
		v.errf(v.pos(s.path+".id"), "step %q: duplicate step id (first at %d:%d)", id, first.Line, first.Col)
		return
	}
	v.stepAt[id] = v.pos(s.path + ".id")
}

func (v *validator) validateStep(s stepRef) {
	st, path := s.step, s.path
	ctx := fmt.Sprintf("step %q", st.ID)
	if st.ID == "" {
		ctx = "step at " + strings.TrimPrefix(path, ".")
	}
	v.required(path, ctx, "id", "title")

	// The foreach variable, if any (the step's or its section's), is what
	// ${...} may name besides params.
	loopVar := s.loopVar
	if f := st.Foreach; f != nil {
		if s.loopVar != "" {
			v.errf(v.pos(path+".foreach"), "%s: foreach: %s already repeats per item; a step in it cannot repeat again", ctx, s.section)
		} else {
			loopVar = v.validateForeach(f, path+".foreach", ctx)
		}
	}
	str := func(key, val string) { v.checkRefs(path+"."+key, ctx, key, val, loopVar) }
	str("title", st.Title)
	str("body", st.Body)

	if st.On != "" {
		v.targetRef(path+".on", ctx, "on", st.On, loopVar)
	}
	for i, c := range st.Commands {
		cp := fmt.Sprintf("%s.commands[%d]", path, i)
		cctx := fmt.Sprintf("%s: commands[%d]", ctx, i)
		if c.Run == "" {
			v.errf(v.pos(cp), "%s: missing required key \"run\"", cctx)
		}
		if c.On != "" {
			v.targetRef(cp+".on", cctx, "on", c.On, loopVar)
		}
		v.checkRefs(cp+".run", cctx, "run", c.Run, loopVar)
	}
	if st.Action != nil {
		v.validateAction(st.Action, path+".action", ctx+": action", loopVar)
		if st.Action.FailsStep && st.OnFail == nil {
			v.errf(v.pos(path+".action.fails_step"), "%s: action: fails_step needs the step's on_fail: say what to do when the action fails", ctx)
		}
	}
	for i := range st.Checks {
		v.validateCheck(&st.Checks[i], fmt.Sprintf("%s.checks[%d]", path, i), loopVar)
	}
	if st.When != nil {
		v.validateWhen(st.When, path+".when", ctx+": when")
	}
	if st.Impact != "" && !slices.Contains(impacts, st.Impact) {
		v.errf(v.pos(path+".impact"), "%s: impact %q: want one of %s%s", ctx, st.Impact, strings.Join(impacts, ", "), suggest(st.Impact, impacts))
	}
	if f := st.OnFail; f != nil {
		fp := path + ".on_fail"
		if f.Say == "" && f.Goto == "" && !f.Halt {
			v.errf(v.pos(fp), "%s: on_fail is empty: give \"say\", \"goto\" or \"halt\"", ctx)
		}
		if f.Goto != "" {
			if _, ok := v.stepAt[f.Goto]; !ok {
				v.errf(v.pos(fp+".goto"), "%s: on_fail: goto %q names no step%s", ctx, f.Goto, suggest(f.Goto, sortedKeys(v.stepAt)))
			}
		}
		if f.Goto != "" && f.Halt {
			v.errf(v.pos(fp+".halt"), "%s: on_fail: give \"goto\" or \"halt\", not both", ctx)
		}
		v.checkRefs(fp+".say", ctx+": on_fail", "say", f.Say, loopVar)
	}
}

func (v *validator) paramNames() []string { return sortedKeys(v.params) }

// targetRef checks that name is a declared target, and that a target whose
// strings use a foreach variable is only used inside that foreach.
func (v *validator) targetRef(path, ctx, key, name, loopVar string) (checks.Target, bool) {
	t, ok := v.rb.Targets[name]
	if !ok {
		v.errf(v.pos(path), "%s: %s: target %q is not declared in \"targets\"%s", ctx, key, name, suggest(name, sortedKeys(v.rb.Targets)))
		return t, false
	}
	for _, iv := range v.itemTargets[name] {
		switch {
		case loopVar == "":
			v.errf(v.pos(path), "%s: %s: target %q uses ${%s}, which is only set inside a foreach step", ctx, key, name, iv)
		case !inLoop(loopVar, iv):
			v.errf(v.pos(path), "%s: %s: target %q uses ${%s}, but this step's foreach names its item ${%s}", ctx, key, name, iv, strings.Split(loopVar, ",")[0])
		}
	}
	return t, true
}

func (v *validator) validateAction(a *checks.Action, path, ctx, loopVar string) {
	kinds := sortedKeys(checks.ActionKinds)
	var t checks.Target
	haveTarget := false
	if a.Target == "" {
		v.errf(v.pos(path), "%s: missing required key \"target\"", ctx)
	} else {
		t, haveTarget = v.targetRef(path+".target", ctx, "target", a.Target, loopVar)
	}
	allowed, known := checks.ActionKinds[a.Kind]
	switch {
	case a.Kind == "":
		v.errf(v.pos(path), "%s: missing required key \"kind\" (one of %s)", ctx, strings.Join(kinds, ", "))
	case !known:
		v.errf(v.pos(path+".kind"), "%s: unknown kind %q (one of %s)%s", ctx, a.Kind, strings.Join(kinds, ", "), suggest(a.Kind, kinds))
	default:
		if haveTarget && t.Kind != "" && !slices.Contains(allowed, t.Kind) {
			v.errf(v.pos(path+".target"), "%s: a %s action cannot run against target %q, a %s target (needs %s)", ctx, a.Kind, a.Target, t.Kind, strings.Join(allowed, " or "))
		}
		set := map[string]bool{"sql": a.SQL != "", "admin": a.Admin != "", "argv": a.Argv != nil, "shell": a.Shell != ""}
		for _, key := range sortedKeys(set) {
			if set[key] && !slices.Contains(actionKindKeys[key], a.Kind) {
				v.errf(v.pos(path+"."+key), "%s: key %q does not apply to a %s action", ctx, key, a.Kind)
			}
		}
		switch a.Kind {
		case checks.ActionMySQLExec:
			if a.SQL == "" {
				v.errf(v.pos(path), "%s: a mysql.exec action needs \"sql\"", ctx)
			}
		case checks.ActionSolid:
			if a.Admin == "" {
				v.errf(v.pos(path), "%s: a soliddb action needs \"admin\"", ctx)
			} else if err := soliddb.ValidateAdmin(a.Admin); err != nil {
				v.errf(v.pos(path+".admin"), "%s: admin: %v", ctx, err)
			}
		case checks.ActionCommand:
			v.argvOrShell(path, ctx, a.Argv, a.Shell)
		}
	}
	v.checkRefs(path+".sql", ctx, "sql", a.SQL, loopVar)
	v.checkRefs(path+".admin", ctx, "admin", a.Admin, loopVar)
	v.checkRefs(path+".shell", ctx, "shell", a.Shell, loopVar)
	v.quotedRefs(path+".sql", ctx, "sql", a.SQL, sqlRefs)
	v.quotedRefs(path+".shell", ctx, "shell", a.Shell, shellRefs)
	for i, arg := range a.Argv {
		v.checkRefs(fmt.Sprintf("%s.argv[%d]", path, i), ctx, "argv", arg, loopVar)
	}
	v.argvRefs(path, ctx, a.Argv)
}

func (v *validator) argvOrShell(path, ctx string, argv []string, shell string) {
	switch {
	case argv != nil && shell != "":
		v.errf(v.pos(path+".shell"), "%s: give \"argv\" or \"shell\", not both", ctx)
	case len(argv) == 0 && shell == "":
		v.errf(v.pos(path), "%s: a command needs \"argv\" (a list) or \"shell\"", ctx)
	}
	if len(argv) > 0 && argv[0] == "" {
		v.errf(v.pos(path+".argv[0]"), "%s: argv: the program name is empty", ctx)
	}
}

func (v *validator) validateCheck(c *checks.Check, path, loopVar string) {
	ctx := fmt.Sprintf("check %q", c.ID)
	if c.ID == "" {
		ctx = "check at " + strings.TrimPrefix(path, ".")
	}
	v.required(path, ctx, "id")
	switch {
	case c.ID == "":
	case !idRE.MatchString(c.ID):
		v.errf(v.pos(path+".id"), "%s: id: use lower-case letters, digits and dashes (%s)", ctx, idRE)
	}
	if c.ID != "" {
		if first, dup := v.checkAt[c.ID]; dup {
			v.errf(v.pos(path+".id"), "%s: duplicate check id (first at %d:%d); check ids are unique across the runbook", ctx, first.Line, first.Col)
		} else {
			v.checkAt[c.ID] = v.pos(path + ".id")
		}
	}
	kinds := sortedKeys(checks.CheckKinds)
	allowed, known := checks.CheckKinds[c.Kind]
	switch {
	case c.Kind == "":
		v.errf(v.pos(path), "%s: missing required key \"kind\" (one of %s)", ctx, strings.Join(kinds, ", "))
	case !known:
		v.errf(v.pos(path+".kind"), "%s: unknown kind %q (one of %s)%s", ctx, c.Kind, strings.Join(kinds, ", "), suggest(c.Kind, kinds))
	}
	var t checks.Target
	haveTarget := false
	switch {
	case c.Kind == checks.KindManual:
		if c.Target != "" {
			v.errf(v.pos(path+".target"), "%s: a manual check has no target: the operator attests it", ctx)
		}
	case c.Target == "":
		if known {
			v.errf(v.pos(path), "%s: missing required key \"target\"", ctx)
		}
	default:
		t, haveTarget = v.targetRef(path+".target", ctx, "target", c.Target, loopVar)
		if known && haveTarget && t.Kind != "" && !slices.Contains(allowed, t.Kind) {
			v.errf(v.pos(path+".target"), "%s: a %s check cannot run against target %q, a %s target (needs %s)", ctx, c.Kind, c.Target, t.Kind, strings.Join(allowed, " or "))
		}
	}
	if known {
		set := map[string]bool{"channel": c.Channel != "", "query": c.Query != "", "admin": c.Admin != "",
			"argv": c.Argv != nil, "shell": c.Shell != "", "parse": c.Parse != "", "path": c.Path != "",
			"port": v.has(path + ".port"), "attest": c.Attest != ""}
		for _, key := range sortedKeys(set) {
			if set[key] && !slices.Contains(checkKindKeys[key], c.Kind) {
				v.errf(v.pos(path+"."+key), "%s: key %q does not apply to a %s check", ctx, key, c.Kind)
			}
		}
		switch c.Kind {
		case checks.KindMySQLQuery:
			if c.Query == "" {
				v.errf(v.pos(path), "%s: a mysql.query check needs \"query\"", ctx)
			} else if err := mysql.CheckReadOnly(c.Query); err != nil {
				// The probe refuses it too; say so before the maintenance window.
				v.errf(v.pos(path+".query"), "%s: query: %v", ctx, err)
			}
		case checks.KindSolid:
			if c.Admin != "" {
				if err := soliddb.ValidateAdmin(c.Admin); err != nil {
					v.errf(v.pos(path+".admin"), "%s: admin: %v", ctx, err)
				}
			}
			if c.Admin == "" {
				v.errf(v.pos(path), "%s: a soliddb check needs \"admin\" (the ADMIN COMMAND text)", ctx)
			}
		case checks.KindCommand:
			v.argvOrShell(path, ctx, c.Argv, c.Shell)
			if c.Parse != "" && !slices.Contains(parsers, c.Parse) {
				v.errf(v.pos(path+".parse"), "%s: parse %q: want one of %s%s", ctx, c.Parse, strings.Join(parsers, ", "), suggest(c.Parse, parsers))
			}
		case checks.KindHTTP:
			if c.Path == "" {
				v.errf(v.pos(path), "%s: an http check needs \"path\" (\"/\" for the base URL)", ctx)
			}
		case checks.KindTCP:
			if !v.has(path+".port") && haveTarget && t.Port == 0 && t.PortRef == "" {
				v.errf(v.pos(path), "%s: a tcp check needs \"port\" (its target %q has none)", ctx, c.Target)
			}
		case checks.KindManual:
			if c.Attest == "" {
				v.errf(v.pos(path), "%s: a manual check needs \"attest\": the statement the operator ticks", ctx)
			}
		}
		if c.Kind != checks.KindManual && len(c.Expect) == 0 {
			p := v.pos(path)
			if v.has(path + ".expect") {
				p = v.pos(path + ".expect")
			}
			v.errf(p, "%s: no expectations: add \"expect\" with the fields that must hold", ctx)
		}
	}
	if v.has(path+".port") && !v.bad[path+".port"] && (c.Port < 1 || c.Port > 65535) {
		v.errf(v.pos(path+".port"), "%s: port %d is not between 1 and 65535", ctx, c.Port)
	}
	for _, fe := range c.Expect {
		v.validateExpect(fe, path+".expect."+fe.Field, ctx, loopVar)
	}
	v.validateFailWhen(c, path, ctx, loopVar)
	for _, kv := range [][2]string{{"title", c.Title}, {"why", c.Why}, {"channel", c.Channel}, {"query", c.Query},
		{"admin", c.Admin}, {"shell", c.Shell}, {"path", c.Path}, {"attest", c.Attest}} {
		v.checkRefs(path+"."+kv[0], ctx, kv[0], kv[1], loopVar)
	}
	for i, arg := range c.Argv {
		v.checkRefs(fmt.Sprintf("%s.argv[%d]", path, i), ctx, "argv", arg, loopVar)
	}
	v.quotedRefs(path+".query", ctx, "query", c.Query, sqlRefs)
	v.quotedRefs(path+".shell", ctx, "shell", c.Shell, shellRefs)
	v.argvRefs(path, ctx, c.Argv)
}

// quotedRefs reports a ${...} in a shell line or a statement that stands
// where its value cannot be quoted safely (quote.go): a parameter must
// never become code.
func (v *validator) quotedRefs(path, ctx, key, s string, lex func(string) ([]placedRef, error)) {
	if !strings.Contains(s, "${") {
		return
	}
	refs, err := lex(s)
	if err == nil {
		if names, _ := scanRefs(s); len(names) != len(refs) {
			err = fmt.Errorf("a reference stands where handrail cannot tell how the %s reads it", key)
		}
	}
	if err != nil {
		v.errf(v.pos(path), "%s: %s: %v; a value must never become code (see \"Substitution\" in docs/runbook-format.md)", ctx, key, err)
	}
}

// required reports each key that is not written in the mapping at path.
// A key written with an empty or mistyped value is reported elsewhere.
func (v *validator) required(path, ctx string, keys ...string) {
	if v.bad[path] {
		return
	}
	for _, k := range keys {
		if !v.has(path + "." + k) {
			v.errf(v.pos(path), "%s: missing required key %q", ctx, k)
		}
	}
}

func (v *validator) has(path string) bool { _, ok := v.at[path]; return ok }

func (v *validator) validateExpect(fe checks.FieldExpect, path, ctx, loopVar string) {
	v.validateCondition(fe, path, ctx, "expect", loopVar)
}

// validateCondition checks one field's conditions, under key ("expect" or
// "fail_when").
func (v *validator) validateCondition(fe checks.FieldExpect, path, ctx, key, loopVar string) {
	x := fe.Expect
	fctx := fmt.Sprintf("%s: %s %q", ctx, key, fe.Field)
	if fe.Field == "" {
		v.errf(v.pos(path), "%s: %s: a field name is empty", ctx, key)
	}
	// A field name may use ${item} (Terracotta's `host.role` keys); it must
	// resolve like any other string.
	v.checkRefs(path, fctx, "field", fe.Field, loopVar)
	if x.Equals == nil && x.Ne == nil && x.In == nil && x.Match == "" && x.Lt == nil && x.Le == nil &&
		x.Gt == nil && x.Ge == nil && !x.Null && !x.NotNull && !x.Empty {
		// A wrong value or key inside was reported already by the decoder.
		if !v.badUnder(path) {
			v.errf(v.pos(path), "%s: no condition: give a value, or one of %s", fctx, strings.Join(expectKeys, ", "))
		}
		return
	}
	if x.In != nil && len(x.In) == 0 {
		v.errf(v.pos(path+".in"), "%s: in: give at least one value", fctx)
	}
	if x.Match != "" {
		if _, err := regexp.Compile(x.Match); err != nil {
			v.errf(v.pos(path+".match"), "%s: match: invalid regex: %v", fctx, regexErr(err))
		}
	}
	if x.Null && x.NotNull {
		v.errf(v.pos(path+".not_null"), "%s: \"null\" and \"not_null\" cannot both hold", fctx)
	}
	if x.Equals != nil {
		p := path + ".equals"
		if !v.has(p) {
			p = path // the `Field: value` shorthand
		}
		v.checkRefs(p, fctx, "equals", *x.Equals, loopVar)
	}
	if x.Ne != nil {
		v.checkRefs(path+".ne", fctx, "ne", *x.Ne, loopVar)
	}
	for i, s := range x.In {
		v.checkRefs(fmt.Sprintf("%s.in[%d]", path, i), fctx, "in", s, loopVar)
	}
}

// validateFailWhen checks a check's fail_when: each condition like an
// expectation; a manual check cannot have one (the operator attests it).
func (v *validator) validateFailWhen(c *checks.Check, path, ctx, loopVar string) {
	if !v.has(path + ".fail_when") {
		return
	}
	if c.Kind == checks.KindManual {
		v.errf(v.pos(path+".fail_when"), "%s: a manual check has no fail_when: the operator attests it", ctx)
		return
	}
	if len(c.FailWhen) == 0 && !v.badUnder(path+".fail_when") {
		v.errf(v.pos(path+".fail_when"), "%s: fail_when is empty: name the fields whose values mean failure, or remove it", ctx)
	}
	for _, fe := range c.FailWhen {
		v.validateCondition(fe, path+".fail_when."+fe.Field, ctx, "fail_when", loopVar)
	}
}

// badUnder reports whether the decoder already reported the value at path
// or something inside it.
func (v *validator) badUnder(path string) bool {
	for p := range v.bad {
		if p == path || strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}

func (v *validator) validateWhen(c *Condition, path, ctx string) {
	p, ok := v.params[c.Param]
	switch {
	case c.Param == "":
		v.errf(v.pos(path), "%s: missing required key \"param\"", ctx)
	case !ok:
		v.errf(v.pos(path+".param"), "%s: param %q is not declared%s", ctx, c.Param, suggest(c.Param, v.paramNames()))
	case p.Secret:
		v.errf(v.pos(path+".param"), "%s: param %q is secret: a step cannot depend on it (its value would show in why the step was skipped)", ctx, c.Param)
	}
	n := 0
	for _, k := range []string{"equals", "not_equals", "in"} {
		if v.has(path + "." + k) {
			n++
		}
	}
	if n != 1 {
		v.errf(v.pos(path), "%s: give exactly one of \"equals\", \"not_equals\" or \"in\" (got %d)", ctx, n)
	}
	if v.has(path+".in") && len(c.In) == 0 {
		v.errf(v.pos(path+".in"), "%s: in: give at least one value", ctx)
	}
	if !ok || len(p.Enum) == 0 {
		return
	}
	check := func(key, val string) {
		if !slices.Contains(p.Enum, val) {
			v.errf(v.pos(path+"."+key), "%s: %q is not a value of param %q (one of %s)%s", ctx, val, c.Param, strings.Join(p.Enum, ", "), suggest(val, p.Enum))
		}
	}
	if c.Equals != nil {
		check("equals", *c.Equals)
	}
	if c.NotEquals != nil {
		check("not_equals", *c.NotEquals)
	}
	for i, val := range c.In {
		check(fmt.Sprintf("in[%d]", i), val)
	}
}

// checkRefs reports ${...} references in s that name no param (or the
// foreach variable, inside a foreach step).
func (v *validator) checkRefs(path, ctx, key, s, loopVar string) {
	for _, r := range v.refs(path, ctx, key, s) {
		if p, ok := v.params[r.name]; ok {
			if p.Secret {
				v.errf(v.pos(path), "%s: %s: ${%s} is a secret param: it cannot be substituted where it would be shown or put on a command line; pass it through the target's password_env or password_file", ctx, key, r.name)
			}
			continue
		}
		switch {
		case inLoop(loopVar, r.name):
		case loopVar == "" && v.loopVars[r.name]:
			v.errf(v.pos(path), "%s: %s: ${%s} is only set inside a foreach step", ctx, key, r.name)
		default:
			cands := v.paramNames()
			if loopVar != "" {
				cands = append(cands, strings.Split(loopVar, ",")...)
			}
			v.errf(v.pos(path), "%s: %s: ${%s} names no param%s", ctx, key, r.name, suggest(r.name, cands))
		}
	}
}

type ref struct{ name string }

// refs returns the well-formed references in s and reports malformed ones.
func (v *validator) refs(path, ctx, key, s string) []ref {
	names, bad := scanRefs(s)
	for _, b := range bad {
		v.errf(v.pos(path), "%s: %s: malformed reference %q: write ${name} with a param name (%s)", ctx, key, b, paramRE)
	}
	out := make([]ref, len(names))
	for i, n := range names {
		out[i] = ref{n}
	}
	return out
}

// scanRefs finds `${name}` references; bad holds `${...` fragments that are
// not a well-formed name.
func scanRefs(s string) (names, bad []string) {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names, bad
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			frag := s
			if len(frag) > 20 {
				frag = frag[:20] + "…"
			}
			return names, append(bad, "${"+frag)
		}
		n := s[:j]
		if paramRE.MatchString(n) {
			names = append(names, n)
		} else {
			bad = append(bad, "${"+n+"}")
		}
		s = s[j+1:]
	}
}

// splitValue is a param value as items: a list param's comma-separated
// items, trimmed and without empties, or the value itself.
func splitValue(p *Param, val string) []string {
	if !p.List {
		return []string{val}
	}
	return SplitList(val)
}

// SplitList splits a list param's value on commas, trimming spaces and
// dropping empty items.
func SplitList(val string) []string {
	var out []string
	for _, it := range strings.Split(val, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// validateForeach checks a step's or a section's foreach and returns the
// names its loop sets, comma-joined, the item's first ("item,mirror").
func (v *validator) validateForeach(f *Foreach, fp, ctx string) string {
	loopVar := f.ItemName()
	if f.As != "" {
		if !paramRE.MatchString(f.As) {
			v.errf(v.pos(fp+".as"), "%s: foreach: as %q: use lower-case letters, digits and underscores (%s)", ctx, f.As, paramRE)
		} else if _, clash := v.params[f.As]; clash {
			v.errf(v.pos(fp+".as"), "%s: foreach: as %q is already a param's name", ctx, f.As)
		}
	}
	listParam := func(name, at, what string) {
		switch p, ok := v.params[name]; {
		case name == "":
			v.errf(v.pos(fp), "%s: foreach: missing required key \"param\"", ctx)
		case !ok:
			v.errf(v.pos(at), "%s: foreach: %s %q is not declared%s", ctx, what, name, suggest(name, v.paramNames()))
		case !p.List:
			v.errf(v.pos(at), "%s: foreach: %s %q is not a list (add `list: true` to it)", ctx, what, name)
		}
	}
	listParam(f.Param, fp+".param", "param")
	for _, name := range sortedKeys(f.With) {
		at := fp + ".with." + name
		switch _, clash := v.params[name]; {
		case !paramRE.MatchString(name):
			v.errf(v.pos(at), "%s: foreach: with %q: use lower-case letters, digits and underscores (%s)", ctx, name, paramRE)
		case clash:
			v.errf(v.pos(at), "%s: foreach: with %q is already a param's name", ctx, name)
		case name == f.ItemName():
			v.errf(v.pos(at), "%s: foreach: with %q is already the item's name", ctx, name)
		}
		listParam(f.With[name], at, "with "+name+": param")
		loopVar += "," + name
	}
	return loopVar
}

// inLoop reports whether name is one of the comma-joined names a foreach
// sets (validateForeach).
func inLoop(loopVar, name string) bool {
	return loopVar != "" && slices.Contains(strings.Split(loopVar, ","), name)
}
