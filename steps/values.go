package steps

import (
	"fmt"
	"strings"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// valueUse says where a param's value (each item of a list param) ends up,
// for the rules ValidateParams holds it to before anything runs.
type valueUse struct {
	// argStart: it begins an argv element or a word of a shell line, an
	// argument of its own, where a leading '-' reads as an option.
	argStart bool
	// sql: it is quoted into a SQL statement.
	sql bool
	// admin: it is part of an ADMIN COMMAND's quoted text.
	admin bool
	// sshHost, sshUser: it names the host ssh connects to, or the login.
	sshHost, sshUser bool
	// inLoop: it is used inside a foreach, whose items are substituted
	// after the params: a "${" in it would read as a reference then.
	inLoop bool
}

// valueUses maps each param to where its value is used. A foreach item (or
// a `with` name) counts for the list param it walks.
func (rb *Runbook) valueUses() map[string]*valueUse {
	uses := map[string]*valueUse{}
	mark := func(name string, loop map[string]string, f func(*valueUse)) {
		if p, ok := loop[name]; ok {
			name = p
		}
		u := uses[name]
		if u == nil {
			u = &valueUse{}
			uses[name] = u
		}
		u.inLoop = u.inLoop || loop != nil
		f(u)
	}
	target := func(name string, loop map[string]string) {
		t, ok := rb.Targets[name]
		if !ok || t.Kind != checks.TargetHost {
			return
		}
		names, _ := scanRefs(t.Host)
		for _, n := range names {
			mark(n, loop, func(u *valueUse) { u.sshHost = true })
		}
		names, _ = scanRefs(t.SSHUser)
		for _, n := range names {
			mark(n, loop, func(u *valueUse) { u.sshUser = true })
		}
	}
	argv := func(args []string, loop map[string]string) {
		for _, a := range args {
			if name, _, ok := refAt(a, 0); ok {
				mark(name, loop, func(u *valueUse) { u.argStart = true })
			}
		}
	}
	placed := func(s string, lex func(string) ([]placedRef, error), loop map[string]string, f func(*valueUse, placedRef)) {
		if !strings.Contains(s, "${") {
			return
		}
		refs, _ := lex(s) // the loader refused what it cannot place
		for _, r := range refs {
			mark(r.name, loop, func(u *valueUse) { f(u, r) })
		}
	}
	wordStart := func(u *valueUse, r placedRef) { u.argStart = u.argStart || r.wordStart }
	inSQL := func(u *valueUse, _ placedRef) { u.sql = true }
	step := func(st *Step, loop map[string]string) {
		if st.Foreach != nil {
			loop = loopParams(st.Foreach)
		}
		if loop != nil {
			// Every string of the step is bound again per item.
			for _, str := range stepStrings(st) {
				names, _ := scanRefs(str)
				for _, n := range names {
					mark(n, loop, func(*valueUse) {})
				}
			}
		}
		target(st.On, loop)
		for _, c := range st.Commands {
			target(c.On, loop)
		}
		if a := st.Action; a != nil {
			target(a.Target, loop)
			argv(a.Argv, loop)
			placed(a.Shell, shellRefs, loop, wordStart)
			placed(a.SQL, sqlRefs, loop, inSQL)
			names, _ := scanRefs(a.Admin)
			for _, n := range names {
				mark(n, loop, func(u *valueUse) { u.admin = true })
			}
		}
		for i := range st.Checks {
			c := &st.Checks[i]
			target(c.Target, loop)
			argv(c.Argv, loop)
			placed(c.Shell, shellRefs, loop, wordStart)
			placed(c.Query, sqlRefs, loop, inSQL)
			names, _ := scanRefs(c.Admin)
			for _, n := range names {
				mark(n, loop, func(u *valueUse) { u.admin = true })
			}
		}
	}
	for n := range rb.Targets {
		target(n, nil)
	}
	for i := range rb.Sections {
		var loop map[string]string
		if f := rb.Sections[i].Foreach; f != nil {
			loop = loopParams(f)
		}
		for j := range rb.Sections[i].Steps {
			step(&rb.Sections[i].Steps[j], loop)
		}
	}
	for i := range rb.Steps {
		step(&rb.Steps[i], nil)
	}
	return uses
}

// stepStrings are the strings of a step that binding substitutes into.
func stepStrings(st *Step) []string {
	out := []string{st.Title, st.Body}
	for _, c := range st.Commands {
		out = append(out, c.Run)
	}
	if a := st.Action; a != nil {
		out = append(append(out, a.SQL, a.Admin, a.Shell), a.Argv...)
	}
	for _, c := range st.Checks {
		out = append(append(out, c.Title, c.Why, c.Channel, c.Query, c.Admin, c.Shell, c.Path, c.Attest), c.Argv...)
		for _, fe := range c.Expect {
			out = append(append(out, fe.Field, fe.Expect.Match), fe.Expect.In...)
			for _, p := range []*string{fe.Expect.Equals, fe.Expect.Ne} {
				if p != nil {
					out = append(out, *p)
				}
			}
		}
	}
	if st.OnFail != nil {
		out = append(out, st.OnFail.Say)
	}
	return out
}

// loopParams maps the names a foreach sets to the list params they walk.
func loopParams(f *Foreach) map[string]string {
	m := map[string]string{f.ItemName(): f.Param}
	for n, p := range f.With {
		m[n] = p
	}
	return m
}

// valueRules are the errors of one value (one item) of p where u says it
// is used; shown is how an error names the value.
func valueRules(p *Param, u *valueUse, v, shown string) []error {
	if u == nil {
		return nil
	}
	var errs []error
	if u.argStart && strings.HasPrefix(v, "-") && !p.AllowLeadingDash {
		errs = append(errs, fmt.Errorf("param %q: %s starts with '-': it begins a command's argument, where the program would read it as an option; "+
			"give the value without the leading '-' (a runbook that means it says allow_leading_dash: true for the param)", p.Name, shown))
	}
	for _, w := range []struct {
		on   bool
		what string
	}{{u.sshHost, "the host ssh connects to"}, {u.sshUser, "the login ssh uses"}} {
		switch {
		case !w.on:
		case strings.HasPrefix(v, "-"):
			errs = append(errs, fmt.Errorf("param %q: %s starts with '-': it is %s, which ssh would read as an option", p.Name, shown, w.what))
		case strings.ContainsAny(v, " \t\r\n") || !termtext.IsSafe(v):
			errs = append(errs, fmt.Errorf("param %q: %s holds a space or a control character: it is %s", p.Name, shown, w.what))
		}
	}
	if u.sql && strings.ContainsAny(v, "\\\x00") {
		errs = append(errs, fmt.Errorf("param %q: %s holds a backslash or a NUL byte: the value is quoted into SQL, where MySQL reads a backslash differently under different sql_modes; give it without one", p.Name, shown))
	}
	if u.inLoop && strings.Contains(v, "${") {
		errs = append(errs, fmt.Errorf("param %q: %s holds \"${\", which inside a foreach would read as a reference to its item; give it without", p.Name, shown))
	}
	if u.admin && strings.ContainsAny(v, "'\";\r\n\x00") {
		errs = append(errs, fmt.Errorf("param %q: %s holds a quote, a semicolon or a line break, which an ADMIN COMMAND's text cannot hold", p.Name, shown))
	}
	return errs
}
