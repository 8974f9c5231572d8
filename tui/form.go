package tui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps"
)

// The parameter form is what `handrail run` shows on a terminal before a
// session starts: one field per runbook param, then the credentials the
// targets need that the environment does not hold, and a live preview of the
// targets bound with the values typed so far. It validates with the
// runbook's own rules (steps.Runbook.ValidateParams and Expand), so the form
// can never accept what the session would refuse. Secret values are typed
// masked and never rendered, not even inside an error.

// FormConfig is what the form starts from.
type FormConfig struct {
	Runbook *steps.Runbook
	// Values prefill the fields (the --param values); they stay editable.
	Values map[string]string
	// Getenv tells which credentials the environment already holds (nil:
	// none). It is read while validating, never written.
	Getenv func(string) string
	// ASCII uses 7-bit symbols; Dark is the background guess until the
	// terminal answers.
	ASCII, Dark bool
}

// FormResult is what the operator submitted.
type FormResult struct {
	// Params holds every param with a value (trimmed), defaults included.
	Params map[string]string
	// Env holds values for environment variables the targets name
	// (user_env, password_env, dsn_env) that were not set: the caller serves
	// them to checks.ResolveCredentials in place of the environment, and
	// never exports them to child processes.
	Env map[string]string
	// Prompts answers checks.ResolveCredentials's masked password prompts,
	// by the exact label it asks with.
	Prompts map[string]string
}

// ErrFormCancelled is what a cancelled form means for the session.
var ErrFormCancelled = errors.New("cancelled: no session was started")

type fieldKind int

const (
	fieldText   fieldKind = iota // a param typed as text (a list: comma-separated)
	fieldChoice                  // an enum param: one of its values, cycled with ←/→
	fieldCred                    // a credential the environment does not hold
)

// credNeed is one credential the form asks for.
type credNeed struct {
	key    string // "env:NAME" or "prompt:TARGET": stable while params change
	env    string // the variable it stands in for; "" for a prompt
	target string // the (first) target that needs it
	what   string // "password", "login", "DSN"
	secret bool
}

type formField struct {
	kind    fieldKind
	key     string // the param's name, or the credential's key
	label   string
	help    string // one dim line: name, description, default, how to type it
	param   int    // index in Runbook.Params; -1 for a credential
	secret  bool
	in      textinput.Model
	enum    []string
	choice  int    // the chosen enum value; -1 for none
	raw     string // a prefilled value that is not one of the enum
	touched bool   // edited or left once: its error shows from now on
	cred    credNeed
}

func (f formField) value() string {
	switch f.kind {
	case fieldChoice:
		if f.choice >= 0 {
			return f.enum[f.choice]
		}
		return f.raw
	case fieldCred:
		return f.in.Value() // a password is taken exactly as typed
	case fieldText:
		// Typed text: blanks around it are never meant (trimmed below).
	}
	return strings.TrimSpace(f.in.Value())
}

// Form is the parameter form's tea.Model.
type Form struct {
	rb     *steps.Runbook
	getenv func(string) string
	ascii  bool
	styles Styles

	fields []formField
	focus  int // index into fields; len(fields) is the Start button

	extra   map[string]string // prefilled names the runbook does not declare
	errs    map[string]string // field key -> why its value is refused
	general []string          // errors no field owns
	plan    *steps.Plan       // the targets bound with the current values; nil while invalid
	planErr string
	tried   bool   // a submit was refused: every error shows
	problem string // why the last submit was refused

	width, height int

	done, cancelled bool
	// interrupted: cancelled with ctrl+c (the command exits 130).
	interrupted bool
	result      FormResult
}

// NewForm builds the form for cfg.Runbook.
func NewForm(cfg FormConfig) Form {
	f := Form{rb: cfg.Runbook, getenv: cfg.Getenv, ascii: cfg.ASCII, extra: map[string]string{}, width: 80, height: 24}
	if f.getenv == nil {
		f.getenv = func(string) string { return "" }
	}
	f.setStyles(cfg.Dark)
	declared := map[string]bool{}
	for i, p := range f.rb.Params {
		declared[p.Name] = true
		val, given := cfg.Values[p.Name]
		if !given || strings.TrimSpace(val) == "" {
			val = p.Default
		}
		f.fields = append(f.fields, f.paramField(i, p, val, given))
	}
	for n, v := range cfg.Values {
		if !declared[n] {
			f.extra[n] = v
		}
	}
	f.revalidate()
	if len(f.fields) > 0 {
		f.focus = f.firstToFill()
		f.fields[f.focus].in.Focus()
	}
	f.resize()
	return f
}

// firstToFill is the first field without a value, or the first invalid one,
// so the operator starts where work is needed.
func (f Form) firstToFill() int {
	for i, fd := range f.fields {
		if fd.value() == "" || f.errs[fd.key] != "" {
			return i
		}
	}
	return 0
}

func (f Form) paramField(i int, p steps.Param, val string, given bool) formField {
	fd := formField{key: p.Name, param: i, secret: p.Secret, choice: -1, label: p.Prompt}
	if fd.label == "" {
		fd.label = p.Name
	}
	hints := []string{p.Name}
	if p.Description != "" {
		hints = append(hints, strings.TrimSpace(p.Description))
	}
	if p.Default != "" && !p.Secret {
		hints = append(hints, "default "+p.Default)
	}
	fd.in = f.newInput(p.Secret)
	if len(p.Enum) > 0 && !p.List {
		fd.kind, fd.enum = fieldChoice, p.Enum
		fd.choice = slices.Index(p.Enum, strings.TrimSpace(val))
		if fd.choice < 0 {
			fd.raw = strings.TrimSpace(val)
		}
		hints = append(hints, "←/→ to choose")
	} else {
		fd.in.SetValue(val)
		if len(p.Enum) > 0 {
			hints = append(hints, "one or more of "+strings.Join(p.Enum, ", "))
		}
		if p.List {
			hints = append(hints, "comma-separated")
		}
	}
	if p.Secret {
		hints = append(hints, "masked")
	}
	fd.help = strings.Join(hints, " · ")
	// A value given on the command line is judged at once.
	fd.touched = given && strings.TrimSpace(val) != ""
	return fd
}

func (f Form) newInput(secret bool) textinput.Model {
	in := textinput.New()
	in.Prompt = "> "
	if secret {
		in.EchoMode = textinput.EchoPassword
	}
	in.SetStyles(textinput.DefaultStyles(f.styles.Dark))
	return in
}

func (f *Form) setStyles(dark bool) {
	f.styles = NewStyles(dark, UnicodeSymbols)
	if f.ascii {
		f.styles.Sym = ASCIISymbols
	}
	for i := range f.fields {
		f.fields[i].in.SetStyles(textinput.DefaultStyles(dark))
	}
}

// Result is the submitted values; ok is false when the form was cancelled
// or is still open.
func (f Form) Result() (FormResult, bool) { return f.result, f.done && !f.cancelled }

// Cancelled tells whether the operator cancelled the form.
func (f Form) Cancelled() bool { return f.cancelled }

// Interrupted tells whether the operator left the form with ctrl+c (which
// means "leave now" everywhere: exit 130), rather than esc.
func (f Form) Interrupted() bool { return f.interrupted }

// Init starts the cursor blinking and asks for the background colour.
func (f Form) Init() tea.Cmd { return tea.Batch(textinput.Blink, tea.RequestBackgroundColor) }

// Update handles keys by focus: the form's own keys first, the rest to the
// focused text input.
func (f Form) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		f.width, f.height = msg.Width, msg.Height
		f.resize()
		return f, nil
	case tea.BackgroundColorMsg:
		f.setStyles(msg.IsDark())
		return f, nil
	case tea.KeyPressMsg:
		return f.key(msg)
	}
	if f.focus < len(f.fields) {
		var cmd tea.Cmd
		f.fields[f.focus].in, cmd = f.fields[f.focus].in.Update(msg)
		return f, cmd
	}
	return f, nil
}

func (f Form) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc", "ctrl+c":
		f.cancelled, f.done = true, true
		f.interrupted = k.String() == "ctrl+c"
		return f, tea.Quit
	case "tab", "down":
		return f, f.move(1)
	case "shift+tab", "up":
		return f, f.move(-1)
	case "enter":
		if f.focus >= len(f.fields)-1 {
			return f.submit()
		}
		return f, f.move(1)
	}
	if f.focus >= len(f.fields) {
		return f, nil
	}
	fd := &f.fields[f.focus]
	if fd.kind == fieldChoice {
		switch k.String() {
		case "right", "space":
			fd.choice = (fd.choice + 1) % len(fd.enum)
		case "left":
			if fd.choice <= 0 {
				fd.choice = len(fd.enum) - 1
			} else {
				fd.choice--
			}
		default:
			return f, nil
		}
		fd.raw, fd.touched, f.problem = "", true, ""
		f.revalidate()
		return f, nil
	}
	before := fd.in.Value()
	var cmd tea.Cmd
	fd.in, cmd = fd.in.Update(k)
	if fd.in.Value() != before {
		fd.touched = true
		f.problem = ""
		f.revalidate()
	}
	return f, cmd
}

// move shifts the focus by d (wrapping through the Start button); leaving a
// field marks it touched, so a skipped required field says so.
func (f *Form) move(d int) tea.Cmd {
	n := len(f.fields) + 1
	return f.focusOn((f.focus + d + n) % n)
}

func (f *Form) focusOn(i int) tea.Cmd {
	if f.focus < len(f.fields) {
		f.fields[f.focus].touched = true
		f.fields[f.focus].in.Blur()
	}
	f.focus = i
	if i < len(f.fields) {
		return f.fields[i].in.Focus()
	}
	return nil
}

// submit starts the session only when everything is valid; otherwise it
// focuses the first invalid field and says why.
func (f Form) submit() (tea.Model, tea.Cmd) {
	f.revalidate()
	f.tried = true
	for i, fd := range f.fields {
		if msg := f.errs[fd.key]; msg != "" {
			f.problem = fmt.Sprintf("cannot start: %s: %s", fd.label, msg)
			return f, f.focusOn(i)
		}
	}
	switch {
	case len(f.general) > 0:
		f.problem = "cannot start: " + f.general[0]
		return f, nil
	case f.plan == nil:
		f.problem = "cannot start: " + f.planErr
		return f, nil
	}
	f.result = f.collect()
	f.done, f.problem = true, ""
	return f, tea.Quit
}

// values are the params as typed so far, plus undeclared prefilled names
// (so ValidateParams names them).
func (f Form) values() map[string]string {
	v := maps.Clone(f.extra)
	for _, fd := range f.fields {
		if fd.kind != fieldCred {
			v[fd.key] = fd.value()
		}
	}
	return v
}

// revalidate judges every value with the runbook's rules, binds the targets
// when the params are valid, and works out the credentials they need.
func (f *Form) revalidate() {
	f.errs, f.general, f.plan, f.planErr = map[string]string{}, nil, nil, ""
	vals := f.values()
	for _, err := range f.rb.ValidateParams(vals) {
		msg := f.redact(err.Error())
		if name, rest, ok := paramOfError(msg); ok && f.fieldIndex(name) >= 0 {
			if f.errs[name] == "" {
				f.errs[name] = rest
			}
			continue
		}
		f.general = append(f.general, msg)
	}
	if len(f.errs) == 0 && len(f.general) == 0 {
		plan, err := steps.Expand(f.rb, vals)
		if err != nil {
			f.planErr = f.redact(err.Error())
		} else {
			f.plan = plan
		}
	} else {
		f.planErr = "the params are not valid yet"
	}
	targets := f.rb.Targets
	if f.plan != nil {
		targets = f.plan.Targets
	}
	f.syncCreds(credNeeds(targets, f.getenv))
	for _, fd := range f.fields {
		if fd.kind == fieldCred && fd.in.Value() == "" {
			f.errs[fd.key] = "required: the environment does not hold it"
		}
	}
}

// paramOfError splits ValidateParams's `param "name": why` (or `param
// "name" is required…`) into the name and the why.
func paramOfError(msg string) (name, rest string, ok bool) {
	after, found := strings.CutPrefix(msg, `param "`)
	if !found {
		return "", "", false
	}
	name, rest, found = strings.Cut(after, `"`)
	if !found {
		return "", "", false
	}
	rest = strings.TrimPrefix(rest, ": ")
	if strings.HasPrefix(rest, " is required") {
		rest = "required"
	}
	return name, strings.TrimSpace(rest), true
}

func (f Form) fieldIndex(key string) int {
	return slices.IndexFunc(f.fields, func(fd formField) bool { return fd.key == key })
}

// redact keeps every secret typed so far out of a message.
func (f Form) redact(msg string) string {
	for _, fd := range f.fields {
		if v := fd.in.Value(); fd.secret && strings.TrimSpace(v) != "" {
			msg = strings.ReplaceAll(msg, strings.TrimSpace(v), checks.Redacted)
		}
	}
	return msg
}

// credNeeds mirrors checks.ResolveCredentials: which credentials the
// targets will ask for that the environment does not hold. A target whose
// credential settings still hold a ${param} is judged once bound.
func credNeeds(targets map[string]checks.Target, getenv func(string) string) []credNeed {
	var out []credNeed
	seen := map[string]bool{}
	add := func(c credNeed) {
		if !seen[c.key] {
			seen[c.key] = true
			out = append(out, c)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(targets)) {
		t := targets[n]
		if t.Kind != checks.TargetMySQL && t.Kind != checks.TargetSolid {
			continue
		}
		if strings.Contains(t.DSNEnv+t.UserEnv+t.PasswordEnv+t.PasswordFile, "${") {
			continue
		}
		if t.DSNEnv != "" {
			if getenv(t.DSNEnv) == "" {
				add(credNeed{key: "env:" + t.DSNEnv, env: t.DSNEnv, target: n, what: "DSN", secret: true})
			}
			continue
		}
		if t.User == "" && t.UserEnv != "" && getenv(t.UserEnv) == "" {
			add(credNeed{key: "env:" + t.UserEnv, env: t.UserEnv, target: n, what: "login"})
		}
		switch {
		case t.PasswordEnv != "":
			if getenv(t.PasswordEnv) == "" {
				add(credNeed{key: "env:" + t.PasswordEnv, env: t.PasswordEnv, target: n, what: "password", secret: true})
			}
		case t.PasswordFile != "":
		default:
			add(credNeed{key: "prompt:" + n, target: n, what: "password", secret: true})
		}
	}
	return out
}

// syncCreds makes the credential fields match needs, keeping what was
// already typed into a field that is still needed.
func (f *Form) syncCreds(needs []credNeed) {
	var focusKey string
	if f.focus < len(f.fields) {
		focusKey = f.fields[f.focus].key
	}
	onStart := f.focus >= len(f.fields)
	old := map[string]formField{}
	kept := f.fields[:0:0]
	for _, fd := range f.fields {
		if fd.kind == fieldCred {
			old[fd.key] = fd
		} else {
			kept = append(kept, fd)
		}
	}
	for _, c := range needs {
		fd, ok := old[c.key]
		if !ok {
			fd = formField{kind: fieldCred, key: c.key, param: -1, choice: -1, secret: c.secret, in: f.newInput(c.secret)}
		}
		fd.cred = c
		fd.label = fmt.Sprintf("%s for %s", capitalize(c.what), c.target)
		if c.env != "" {
			fd.help = fmt.Sprintf("%s is not set in the environment: type it here", c.env)
		} else {
			fd.help = "the runbook names no variable or file for it: type it here"
		}
		if c.secret {
			fd.help += " (masked, never shown or journaled)"
		}
		kept = append(kept, fd)
	}
	f.fields = kept
	switch {
	case onStart:
		f.focus = len(f.fields)
	case focusKey != "":
		if i := f.fieldIndex(focusKey); i >= 0 {
			f.focus = i
		} else {
			f.focus = min(f.focus, len(f.fields))
		}
	}
	f.resize()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// collect builds the result. Prompt answers are keyed by the exact label
// checks.ResolveCredentials will ask with, found by asking it here with the
// environment the session will see (its files are not read: a password
// file is never prompted for).
func (f Form) collect() FormResult {
	res := FormResult{Params: map[string]string{}, Env: map[string]string{}, Prompts: map[string]string{}}
	typed := map[string]string{}
	for _, fd := range f.fields {
		switch {
		case fd.kind == fieldCred && fd.cred.env != "":
			res.Env[fd.cred.env] = fd.value()
		case fd.kind == fieldCred:
			typed[fd.cred.target] = fd.value()
		case fd.value() != "":
			res.Params[fd.key] = fd.value()
		}
	}
	getenv := func(k string) string {
		if v := f.getenv(k); v != "" {
			return v
		}
		return res.Env[k]
	}
	noRead := func(string) ([]byte, error) { return []byte("-"), nil }
	for _, n := range slices.Sorted(maps.Keys(f.plan.Targets)) {
		t := f.plan.Targets[n]
		t.Name = n
		v, ok := typed[n]
		if !ok {
			continue
		}
		_, _ = checks.ResolveCredentials(t, getenv, noRead, func(label string) (string, error) {
			res.Prompts[label] = v
			return v, nil
		})
	}
	return res
}

// ---- layout ----

// wide is when the targets preview sits beside the fields.
func (f Form) wide() bool { return f.width >= 120 }

func (f Form) fieldsWidth() int {
	if f.wide() {
		return f.width * 3 / 5
	}
	return f.width
}

func (f *Form) resize() {
	w := max(10, min(64, f.fieldsWidth()-8))
	for i := range f.fields {
		f.fields[i].in.SetWidth(w)
	}
}

// View draws the form. It reads the model only.
func (f Form) View() tea.View {
	v := tea.NewView(f.Render())
	v.AltScreen = true
	v.WindowTitle = "handrail: parameters for " + termtext.Line(f.rb.ID)
	return v
}

// Render is the form as text, for tests and captures.
func (f Form) Render() string {
	s := f.styles
	w, h := max(20, f.width), max(8, f.height)
	header := []string{
		ansi.Truncate(s.Header.Render("handrail · "+f.rb.Title), w, "…"),
		ansi.Truncate(s.HeaderDim.Render("Session params for "+f.rb.ID+": nothing runs until you start"), w, "…"),
		"",
	}
	footer := f.footer(w)
	bodyH := max(1, h-len(header)-len(footer))

	fw := f.fieldsWidth()
	fieldLines, focusFrom, focusTo := f.fieldLines(fw)
	var body string
	if f.wide() {
		left := scrollTo(fieldLines, focusFrom, focusTo, bodyH)
		right := f.targetLines(w - fw - 3)
		sep := strings.TrimSuffix(strings.Repeat(lipgloss.NewStyle().Foreground(s.Border).Render("│")+"\n", bodyH), "\n")
		body = lipgloss.JoinHorizontal(lipgloss.Top, clip(strings.Join(left, "\n"), fw, bodyH), " ", sep, " ", clip(strings.Join(right, "\n"), w-fw-3, bodyH))
	} else if targets := f.targetLines(w); bodyH-len(targets) >= 9 {
		// Tall enough: the targets stay in sight below the fields while
		// the operator types the values they are bound with.
		fieldsH := bodyH - len(targets) - 1
		if f.focus >= len(f.fields) {
			focusFrom, focusTo = len(fieldLines), len(fieldLines)
		}
		left := clip(strings.Join(scrollTo(fieldLines, focusFrom, focusTo, fieldsH), "\n"), w, fieldsH)
		rule := lipgloss.NewStyle().Foreground(s.Border).Render(strings.Repeat("─", w))
		body = left + "\n" + rule + "\n" + clip(strings.Join(targets, "\n"), w, len(targets))
	} else {
		lines := append(fieldLines, targets...)
		if f.focus >= len(f.fields) {
			// On Start, show the targets the session will reach.
			focusFrom, focusTo = len(fieldLines), len(lines)
		}
		body = clip(strings.Join(scrollTo(lines, focusFrom, focusTo, bodyH), "\n"), w, bodyH)
	}
	return strings.Join(header, "\n") + "\n" + body + "\n" + strings.Join(footer, "\n")
}

// scrollTo returns the window of height h over lines that shows lines
// [from, to) (as much of it as fits, from its top).
func scrollTo(lines []string, from, to, h int) []string {
	if len(lines) <= h {
		return lines
	}
	top := 0
	if to > h {
		top = min(from, to-h)
	}
	top = max(0, min(top, len(lines)-h))
	return lines[top : top+h]
}

// fieldLines renders every field and says which lines the focused one
// covers.
func (f Form) fieldLines(w int) (lines []string, focusFrom, focusTo int) {
	s := f.styles
	cur := s.Sym.Current
	for i, fd := range f.fields {
		if i == len(f.rb.Params) && fd.kind == fieldCred {
			lines = append(lines, s.Section.Render("Credentials the environment does not hold"), "")
		}
		from := len(lines)
		focused := i == f.focus
		mark, label := "  ", s.Bold.Render(fd.label)
		if focused {
			mark, label = s.StepCurrent.Render(cur)+" ", s.StepCurrent.Render(fd.label)
		}
		for j, l := range strings.Split(ansi.Wrap(label, max(10, w-2), ""), "\n") {
			if j == 0 {
				lines = append(lines, mark+l)
			} else {
				lines = append(lines, "  "+l)
			}
		}
		for _, l := range strings.Split(ansi.Wrap(fd.help, max(10, w-4), ""), "\n") {
			lines = append(lines, "    "+s.Dim.Render(l))
		}
		lines = append(lines, "    "+f.inputView(fd, focused))
		if msg := f.errs[fd.key]; msg != "" && (fd.touched || f.tried) {
			for _, l := range strings.Split(ansi.Wrap(s.Sym.Fail+" "+msg, max(10, w-4), ""), "\n") {
				lines = append(lines, "    "+s.Fail.Render(l))
			}
		}
		if focused {
			focusFrom, focusTo = from, len(lines)
		}
		lines = append(lines, "")
	}
	for _, g := range f.general {
		lines = append(lines, s.Fail.Render(ansi.Truncate(s.Sym.Fail+" "+g, w, "…")))
	}
	return lines, focusFrom, focusTo
}

func (f Form) inputView(fd formField, focused bool) string {
	s := f.styles
	if fd.kind != fieldChoice {
		return fd.in.View()
	}
	var parts []string
	for i, e := range fd.enum {
		switch {
		case i == fd.choice && focused:
			parts = append(parts, s.ButtonOn.Render("["+e+"]"))
		case i == fd.choice:
			parts = append(parts, s.Bold.Render("["+e+"]"))
		default:
			parts = append(parts, " "+e+" ")
		}
	}
	out := strings.Join(parts, " ")
	if fd.choice < 0 && fd.raw != "" {
		out += s.Dim.Render("  (given: " + fd.raw + ")")
	}
	return out
}

// targetLines is the live preview: every target with the host:port the
// values typed so far bind it to ("—" while they are invalid) and where its
// credentials come from. Never a password.
func (f Form) targetLines(w int) []string {
	s := f.styles
	lines := []string{s.Section.Render("Targets")}
	targets := f.rb.Targets
	if f.plan != nil {
		targets = f.plan.Targets
	}
	names := slices.Sorted(maps.Keys(targets))
	nameW, kindW := 0, 0
	for _, n := range names {
		nameW, kindW = max(nameW, lipgloss.Width(n)), max(kindW, lipgloss.Width(targets[n].Kind))
	}
	for _, n := range names {
		t := targets[n]
		addr := "—"
		if f.plan != nil {
			addr = s.Host.Render(t.Address())
		}
		line := fmt.Sprintf("  %-*s  %-*s  %s", nameW, n, kindW, t.Kind, addr)
		if src := f.credSource(t); src != "" {
			line += s.Dim.Render(" · " + src)
		}
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	if len(names) == 0 {
		lines = append(lines, s.Dim.Render("  (this runbook names no targets)"))
	}
	if f.plan == nil {
		for _, l := range strings.Split(ansi.Wrap(f.planErr, max(10, w-4), ""), "\n") {
			lines = append(lines, "  "+s.Dim.Render(l))
		}
	}
	return lines
}

// credSource says in words where a target's login comes from.
func (f Form) credSource(t checks.Target) string {
	if t.Kind != checks.TargetMySQL && t.Kind != checks.TargetSolid {
		return ""
	}
	from := func(env string) string {
		if f.getenv(env) != "" {
			return "$" + env
		}
		return "the form"
	}
	switch {
	case t.DSNEnv != "":
		return "DSN from " + from(t.DSNEnv)
	case t.PasswordEnv != "":
		return "password from " + from(t.PasswordEnv)
	case t.PasswordFile != "":
		return "password from file " + t.PasswordFile
	}
	return "password from the form"
}

func (f Form) footer(w int) []string {
	s := f.styles
	btn := s.Button.Render("[ Start session ]")
	if f.focus >= len(f.fields) {
		btn = s.ButtonOn.Render("[ Start session ]")
	}
	status := ""
	switch {
	case f.problem != "":
		status = s.Fail.Render(f.problem)
	case f.valid():
		status = s.GateOpen.Render(s.Sym.Pass + " ready to start")
	}
	help := "tab/↑/↓ move · ←/→ choose · enter next/start · esc cancel"
	if f.ascii {
		help = "tab/up/down move · left/right choose · enter next/start · esc cancel"
	}
	return []string{
		ansi.Truncate(btn+"  "+status, w, "…"),
		ansi.Truncate(s.Dim.Render(help), w, "…"),
	}
}

// valid tells whether a submit would start the session.
func (f Form) valid() bool {
	return len(f.errs) == 0 && len(f.general) == 0 && f.plan != nil
}

// FormNeeded tells whether the form has work for the operator: a param
// without a value, a value the runbook refuses, or a credential the
// environment does not hold. Errors the form cannot fix (a --param name the
// runbook does not declare) are left for the caller to report.
func FormNeeded(cfg FormConfig) bool {
	f := NewForm(cfg)
	return len(f.general) == 0 && !f.valid()
}
