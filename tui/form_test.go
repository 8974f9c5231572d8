package tui

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/steps"
)

// formRunbook has one param of each kind the form handles: a pattern, an
// enum, a list, a secret and a defaulted port; one target whose login the
// environment holds (password_env) and one that is asked for at a prompt.
const formRunbook = `
id: form-test
title: Form test procedure
source: 000_2a14902bc82cd9e4.txt
params:
  - name: db_host
    prompt: Host of the database
    pattern: '^[a-z0-9][a-z0-9.-]*$'
  - name: upgrade_kind
    prompt: What kind of upgrade
    enum: [version-level, fix-pack]
  - name: nodes
    prompt: Nodes to drain
    list: true
  - name: admin_pw
    prompt: Admin password
    secret: true
    pattern: '^\S+$'
  - name: db_port
    prompt: Database port
    default: "3306"
    pattern: '^[0-9]{1,5}$'
targets:
  db:
    kind: mysql
    host: "${db_host}"
    port: "${db_port}"
    user: repl
    password_env: FORM_TEST_DB_PASSWORD
  backup:
    kind: mysql
    host: "backup.${db_host}"
    port: 3306
    user: ops
steps:
  - id: check
    title: Check the database
    checks:
      - id: db-up
        kind: manual
        attest: The database is up.
`

const (
	secretCanary = "Canary-Form-Pw-4417"
	credCanary   = "Canary-Cred-Pw-9023"
)

func loadFormRunbook(t *testing.T) *steps.Runbook {
	t.Helper()
	path := filepath.Join(t.TempDir(), "form-test.yaml")
	if err := os.WriteFile(path, []byte(formRunbook), 0o600); err != nil {
		t.Fatal(err)
	}
	rb, err := steps.Load(path)
	if err != nil {
		t.Fatalf("load form runbook: %v", err)
	}
	return rb
}

// envWith is an environment holding only vars.
func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// formProgram runs the form in teatest with the ASCII colour profile, and
// records every byte it draws so a test can search the whole output.
type formProgram struct {
	tm  *teatest.TestModel
	all *bytes.Buffer
}

func startForm(t *testing.T, cfg FormConfig, w, h int) *formProgram {
	t.Helper()
	if cfg.Runbook == nil {
		cfg.Runbook = loadFormRunbook(t)
	}
	tm := teatest.NewTestModel(t, NewForm(cfg),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() { _ = tm.Quit() })
	return &formProgram{tm: tm, all: &bytes.Buffer{}}
}

// wait waits until the output drawn since the last wait holds every text.
func (p *formProgram) wait(t *testing.T, texts ...string) {
	t.Helper()
	var seen bytes.Buffer
	teatest.WaitFor(t, io.TeeReader(p.tm.Output(), p.all), func(b []byte) bool {
		seen.Write(b)
		s := ansi.Strip(seen.String())
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(15*time.Millisecond))
}

// final waits for the program to end and returns the form as it ended.
func (p *formProgram) final(t *testing.T) Form {
	t.Helper()
	fm := p.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	out, _ := io.ReadAll(p.tm.FinalOutput(t))
	p.all.Write(out)
	f, ok := fm.(Form)
	if !ok {
		t.Fatalf("final model is %T", fm)
	}
	return f
}

// fillValid types a valid value into every field, starting on db_host. Keys
// are handled in order, so the credential fields that appear once the
// params are valid take the keys after them.
func fillValid(p *formProgram, t *testing.T) {
	t.Helper()
	p.wait(t, "Host of the database")
	formKeys(p.tm, "db2.example.com", "tab", "right", "tab", "n1, n2", "tab", secretCanary, "tab", "tab", credCanary)
}

// screen is the form's last frame as plain text.
func screen(f Form) string { return ansi.Strip(f.Render()) }

func TestFormInvalidValueBlocksSubmit(t *testing.T) {
	env := envWith(map[string]string{"FORM_TEST_DB_PASSWORD": "from-env"})
	given := map[string]string{"upgrade_kind": "fix-pack", "nodes": "n1", "admin_pw": secretCanary}
	p := startForm(t, FormConfig{Getenv: env, Values: given}, 100, 40)
	p.wait(t, "Host of the database")
	// shift+tab from the first field reaches the Start button; enter there
	// submits, and is refused.
	formKeys(p.tm, "DB 2", "shift+tab", "enter", "esc")
	f := p.final(t)
	if _, ok := f.Result(); ok {
		t.Fatal("an invalid value was submitted")
	}
	out := screen(f)
	for _, want := range []string{
		`"DB 2" does not match ^[a-z0-9][a-z0-9.-]*$`, // under the field
		"cannot start: Host of the database:",         // why the submit was refused
		"db      mysql  —",                            // no address while invalid
	} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if f.focus != 0 {
		t.Errorf("focus on field %d after the refused submit; want the invalid db_host (0)", f.focus)
	}
}

func TestFormFixAfterRefusal(t *testing.T) {
	env := envWith(map[string]string{"FORM_TEST_DB_PASSWORD": "from-env"})
	given := map[string]string{"upgrade_kind": "fix-pack", "nodes": "n1", "admin_pw": secretCanary}
	p := startForm(t, FormConfig{Getenv: env, Values: given}, 100, 40)
	p.wait(t, "Host of the database")
	formKeys(p.tm, "DB 2", "shift+tab", "enter")
	// The refusal focused the invalid field: what is typed now goes there.
	formKeys(p.tm, "ctrl+u", "db2", "esc")
	out := screen(p.final(t))
	for _, want := range []string{"db2:3306", "backup.db2:3306"} {
		if !strings.Contains(out, want) {
			t.Errorf("target preview lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "does not match") {
		t.Errorf("the fixed value still shows an error:\n%s", out)
	}
}

func TestFormEnumCycles(t *testing.T) {
	cases := []struct {
		keys []string
		want string
	}{
		{nil, ""},
		{[]string{"right"}, "version-level"},
		{[]string{"right", "right"}, "fix-pack"},
		{[]string{"right", "right", "right"}, "version-level"},
		{[]string{"left"}, "fix-pack"},
		{[]string{"right", "left"}, "fix-pack"},
		{[]string{"space"}, "version-level"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.keys, ","), func(t *testing.T) {
			p := startForm(t, FormConfig{Values: map[string]string{"db_host": "db2"}}, 100, 40)
			// The focus starts on the first field to fill: the enum.
			p.wait(t, "What kind of upgrade")
			formKeys(p.tm, append(c.keys, "esc")...)
			f := p.final(t)
			if got := f.values()["upgrade_kind"]; got != c.want {
				t.Fatalf("upgrade_kind = %q, want %q", got, c.want)
			}
			out := screen(f)
			for _, e := range []string{"version-level", "fix-pack"} {
				if shown := strings.Contains(out, "["+e+"]"); shown != (e == c.want) {
					t.Errorf("[%s] shown = %v with %q chosen:\n%s", e, shown, c.want, out)
				}
			}
		})
	}
}

func TestFormSecretNeverShown(t *testing.T) {
	p := startForm(t, FormConfig{Getenv: envWith(nil)}, 100, 40)
	fillValid(p, t)
	formKeys(p.tm, "tab", "cred-typed-in-form", "shift+tab", "shift+tab", "shift+tab", "x y")
	// The secret param now holds a space its pattern refuses: the error
	// under it must not echo it.
	formKeys(p.tm, "esc")
	f := p.final(t)
	if !strings.Contains(screen(f), `the value does not match ^\S+$`) {
		t.Errorf("the secret's error is not shown:\n%s", screen(f))
	}
	out := p.all.String() + f.Render()
	for _, canary := range []string{secretCanary, credCanary, "cred-typed-in-form"} {
		if strings.Contains(out, canary) {
			t.Errorf("the output shows the typed secret %q", canary)
		}
	}
	if !strings.Contains(ansi.Strip(out), strings.Repeat("*", len(secretCanary))) {
		t.Errorf("the secret field shows no mask")
	}
	if !strings.Contains(screen(f), "Password for db") {
		t.Errorf("the unset password_env is not asked for:\n%s", screen(f))
	}
}

func TestFormValidSubmitReturnsValues(t *testing.T) {
	env := envWith(map[string]string{"FORM_TEST_DB_PASSWORD": "from-env"})
	p := startForm(t, FormConfig{Getenv: env, Values: map[string]string{"db_port": "3307"}}, 100, 40)
	fillValid(p, t)
	formKeys(p.tm, "enter")
	f := p.final(t)
	res, ok := f.Result()
	if !ok {
		t.Fatalf("a valid submit returned no result:\n%s", screen(f))
	}
	want := map[string]string{"db_host": "db2.example.com", "upgrade_kind": "version-level", "nodes": "n1, n2",
		"admin_pw": secretCanary, "db_port": "3307"}
	for k, v := range want {
		if res.Params[k] != v {
			t.Errorf("param %s = %q, want %q", k, res.Params[k], v)
		}
	}
	if len(res.Params) != len(want) {
		t.Errorf("params = %v, want exactly %v", keys(res.Params), keys(want))
	}
	if len(res.Env) != 0 {
		t.Errorf("the environment held the db password, yet the form returned env answers %v", keys(res.Env))
	}
	// The answer is keyed by the label checks.ResolveCredentials asks with.
	label := "Password for backup (ops@backup.db2.example.com:3306)"
	if res.Prompts[label] != credCanary || len(res.Prompts) != 1 {
		t.Errorf("prompts = %v, want only %q", keys(res.Prompts), label)
	}
	if strings.Contains(p.all.String(), credCanary) {
		t.Error("the output shows the typed password")
	}
}

func TestFormUnsetPasswordEnvIsAsked(t *testing.T) {
	p := startForm(t, FormConfig{Getenv: envWith(nil), Values: map[string]string{"db_host": "db2",
		"upgrade_kind": "fix-pack", "nodes": "n1", "admin_pw": secretCanary}}, 100, 40)
	p.wait(t, "Password for db", "FORM_TEST_DB_PASSWORD is not set")
	// The focus starts on the first empty field: the backup's password
	// (targets come in name order, as ResolveAllCredentials asks).
	formKeys(p.tm, "pw-for-backup", "tab", "pw-for-db", "enter")
	f := p.final(t)
	res, ok := f.Result()
	if !ok {
		t.Fatalf("no result:\n%s", screen(f))
	}
	if res.Env["FORM_TEST_DB_PASSWORD"] != "pw-for-db" || len(res.Env) != 1 {
		t.Errorf("env answers = %v, want FORM_TEST_DB_PASSWORD", keys(res.Env))
	}
	if res.Prompts["Password for backup (ops@backup.db2:3306)"] != "pw-for-backup" {
		t.Errorf("prompt answers = %v", keys(res.Prompts))
	}
}

func TestFormCancel(t *testing.T) {
	for _, k := range []string{"esc", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			p := startForm(t, FormConfig{}, 80, 24)
			p.wait(t, "Host of the database")
			formKeys(p.tm, "db2")
			formKeys(p.tm, k)
			f := p.final(t)
			if _, ok := f.Result(); ok || !f.Cancelled() {
				t.Fatalf("%s: result ok=%v cancelled=%v; want cancelled", k, ok, f.Cancelled())
			}
		})
	}
}

func TestFormNeeded(t *testing.T) {
	rb := loadFormRunbook(t)
	full := map[string]string{"db_host": "db2", "upgrade_kind": "fix-pack", "nodes": "n1", "admin_pw": "x"}
	env := envWith(map[string]string{"FORM_TEST_DB_PASSWORD": "p"})
	cases := []struct {
		name   string
		values map[string]string
		getenv func(string) string
		want   bool
	}{
		{"missing params", map[string]string{"db_host": "db2"}, env, true},
		{"invalid value", map[string]string{"db_host": "DB 2", "upgrade_kind": "fix-pack", "nodes": "n1", "admin_pw": "x"}, env, true},
		{"a prompt password is always asked", full, env, true},
		{"undeclared names are the caller's to report", map[string]string{"bogus": "1"}, env, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := FormNeeded(FormConfig{Runbook: rb, Values: c.values, Getenv: c.getenv}); got != c.want {
				t.Errorf("FormNeeded = %v, want %v", got, c.want)
			}
		})
	}
}

// TestFormFitsSmallScreens renders the form at the console's sizes: every
// line fits and the Start button and key help stay in sight.
func TestFormFitsSmallScreens(t *testing.T) {
	rb := loadFormRunbook(t)
	for _, sz := range [][2]int{{60, 18}, {80, 24}, {200, 50}} {
		m, _ := NewForm(FormConfig{Runbook: rb}).Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		out := ansi.Strip(m.(Form).Render())
		lines := strings.Split(out, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", sz[0], sz[1], i, w, l)
			}
		}
		for _, want := range []string{"[ Start session ]", "esc cancel", "Host of the database"} {
			if !strings.Contains(out, want) {
				t.Errorf("%dx%d: %q not shown:\n%s", sz[0], sz[1], want, out)
			}
		}
	}
}

// formKeys is press (flow_test.go) plus the keys only the form uses.
func formKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "left":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyLeft})
		case "ctrl+u":
			tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
		case "ctrl+c":
			tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
		default:
			press(tm, k)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
