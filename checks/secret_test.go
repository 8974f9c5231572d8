package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

const canary = "c4nary-Pw!x9"

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret(canary)
	c := Credentials{User: "u", Password: s, DSN: NewSecret("u:" + canary + "@tcp(h:1)/")}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(c), s.String(), s.GoString())
	// Inside unexported fields fmt cannot call String: it reflects.
	hidden := struct {
		creds map[string]Credentials
		list  []Secret
		ptr   *Credentials
	}{map[string]Credentials{"a": c}, []Secret{s}, &c}
	outs = append(outs, fmt.Sprintf("%+v", hidden), fmt.Sprintf("%#v", hidden), fmt.Sprintf("%v", &hidden))
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "cred", c, "pw", s)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "cred", c, "pw", s)
	outs = append(outs, logBuf.String())
	for _, o := range outs {
		if strings.Contains(o, canary) || strings.Contains(o, fmt.Sprintf("%x", canary)) {
			t.Errorf("secret leaked: %s", o)
		}
	}
	if !strings.Contains(string(j), Redacted) {
		t.Errorf("json = %s, want %s", j, Redacted)
	}
	if s.Reveal() != canary || s.IsZero() || !NewSecret("").IsZero() {
		t.Error("Reveal/IsZero")
	}
}

func TestRedact(t *testing.T) {
	r := NewRedactor("short", canary, "")
	tests := []struct{ in, want string }{
		{"", ""},
		{"dial: " + canary + " failed", "dial: [secret] failed"},
		{"x" + canary + "short", "x[secret][secret]"},
		{"admin:hunter2@tcp(127.0.0.1:3306)/db?timeout=5s", "admin:[secret]@tcp(127.0.0.1:3306)/db?timeout=5s"},
		{"mysql://admin:p%40ss@host:3306/x", "mysql://admin:[secret]@host:3306/x"},
		{"u:p@ss/w@tcp(h:1)/", "u:[secret]@tcp(h:1)/"},
		{"host=h password=hunter2 user=u", "host=h password=[secret] user=u"},
		{"a?pwd=hunter2&x=1", "a?pwd=[secret]&x=1"},
		// Server errors must stay readable.
		{"Error 1045 (28000): Access denied for user 'admin'@'127.0.0.1' (using password: YES)",
			"Error 1045 (28000): Access denied for user 'admin'@'127.0.0.1' (using password: YES)"},
		{"dial tcp 127.0.0.1:3306: connect: connection refused", "dial tcp 127.0.0.1:3306: connect: connection refused"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("u:pw@tcp(h)/"); got != "u:[secret]@tcp(h)/" {
		t.Errorf("nil redactor: %q", got)
	}
}

func TestResolveCredentials(t *testing.T) {
	env := map[string]string{"U": "admin", "PW": canary, "DSN": "admin:" + canary + "@tcp(h:3306)/", "BADDSN": "admin:" + canary + "@tcp(h:3306"}
	getenv := func(k string) string { return env[k] }
	files := map[string]string{"/pw": canary + "\n", "/empty": "\n"}
	readFile := func(p string) ([]byte, error) {
		if v, ok := files[p]; ok {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("open %s: %w", p, errors.New("no such file or directory"))
	}
	var promptLabel string
	prompt := func(label string) (string, error) { promptLabel = label; return canary, nil }
	base := Target{Name: "slave", Kind: TargetMySQL, Host: "db1", Port: 3306}
	with := func(f func(*Target)) Target { t := base; f(&t); return t }

	tests := []struct {
		name    string
		t       Target
		prompt  func(string) (string, error)
		user    string
		pw, dsn string
		source  string
		errHas  []string
	}{
		{name: "env", t: with(func(t *Target) { t.UserEnv, t.PasswordEnv = "U", "PW" }), user: "admin", pw: canary, source: "env PW"},
		{name: "literal user, file", t: with(func(t *Target) { t.User, t.PasswordFile = "root", "/pw" }), user: "root", pw: canary, source: "file /pw"},
		{name: "dsn", t: with(func(t *Target) { t.DSNEnv = "DSN" }), user: "admin", pw: canary, dsn: env["DSN"], source: "dsn_env DSN"},
		{name: "dsn not readable", t: with(func(t *Target) { t.DSNEnv = "BADDSN" }), errHas: []string{"slave", "dsn_env BADDSN", "user:password@tcp(host:3306)/database"}},
		{name: "prompt", t: with(func(t *Target) { t.User = "admin" }), prompt: prompt, user: "admin", pw: canary, source: "prompt"},
		{name: "missing user env", t: with(func(t *Target) { t.UserEnv, t.PasswordEnv = "NOPE", "PW" }), errHas: []string{"slave", "user_env NOPE"}},
		{name: "missing pw env", t: with(func(t *Target) { t.PasswordEnv = "NOPE" }), errHas: []string{"slave", "password_env NOPE"}},
		{name: "missing dsn env", t: with(func(t *Target) { t.DSNEnv = "NOPE" }), errHas: []string{"slave", "dsn_env NOPE"}},
		{name: "missing file", t: with(func(t *Target) { t.PasswordFile = "/nope" }), errHas: []string{"slave", "/nope"}},
		{name: "empty file", t: with(func(t *Target) { t.PasswordFile = "/empty" }), errHas: []string{"slave", "/empty", "empty"}},
		{name: "no terminal", t: base, errHas: []string{"slave", "no terminal"}},
		{name: "prompt error", t: base, prompt: func(string) (string, error) { return "", errors.New("cancelled") }, errHas: []string{"slave", "cancelled"}},
		{name: "host needs nothing", t: Target{Name: "h", Kind: TargetHost}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ResolveCredentials(tt.t, getenv, readFile, tt.prompt)
			if len(tt.errHas) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, h := range tt.errHas {
					if !strings.Contains(err.Error(), h) {
						t.Errorf("error %q lacks %q", err, h)
					}
				}
				if strings.Contains(err.Error(), canary) {
					t.Errorf("error leaks the secret: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.User != tt.user || c.Password.Reveal() != tt.pw || c.DSN.Reveal() != tt.dsn || c.Source != tt.source {
				t.Errorf("got user=%q pw=%q dsn=%q source=%q", c.User, c.Password.Reveal(), c.DSN.Reveal(), c.Source)
			}
		})
	}
	if !strings.Contains(promptLabel, "slave") || !strings.Contains(promptLabel, "admin@db1:3306") {
		t.Errorf("prompt label %q", promptLabel)
	}
}

func TestResolveAllTeachesRedactor(t *testing.T) {
	r := NewRedactor()
	targets := map[string]Target{
		"b": {Kind: TargetMySQL, User: "x", PasswordEnv: "PW"},
		"a": {Kind: TargetHost},
	}
	got, err := ResolveAllCredentials(targets, func(string) string { return canary }, nil, nil, r)
	if err != nil {
		t.Fatal(err)
	}
	if got["b"].Password.Reveal() != canary {
		t.Fatal("b not resolved")
	}
	if out := r.Redact("oops " + canary); strings.Contains(out, canary) {
		t.Errorf("redactor not taught: %q", out)
	}
}

func TestScrubSecretShortAndLong(t *testing.T) {
	cases := []struct{ s, secret, want string }{
		{"p", "p", Redacted},
		{"stop-replica", "p", "stop-replica"},
		{"password is p!", "p", "password is p!"},
		{"the pw is hunter2, really", "hunter2", "the pw is " + Redacted + ", really"},
		{"abcd", "abcd", Redacted},
		{"", "x", ""},
		{"text", "", "text"},
	}
	for _, c := range cases {
		if got := ScrubSecret(c.s, c.secret); got != c.want {
			t.Errorf("ScrubSecret(%q, %q) = %q, want %q", c.s, c.secret, got, c.want)
		}
	}
}

func TestRedactJSONLeavesIdentifiers(t *testing.T) {
	r := NewRedactor("stop", "p")
	in := `{"step":"stop-replica","check":"io","text":"please stop now","fields":[{"name":"Master_Password","value":"p"}],"n":3}`
	got := string(r.RedactJSON([]byte(in)))
	for _, want := range []string{`"step":"stop-replica"`, `"text":"please [secret] now"`, `"name":"Master_Password"`, `"value":"[secret]"`, `"n":3`} {
		if !strings.Contains(got, want) {
			t.Errorf("RedactJSON = %s, lacks %s", got, want)
		}
	}
	if got := string(r.RedactJSON([]byte("not json, stop"))); got != "not json, [secret]" {
		t.Errorf("non-JSON input: %q", got)
	}
}

func TestChildEnvDropsSecrets(t *testing.T) {
	r := NewRedactor("Canary-Pw-0815", "ab")
	env := []string{
		"PATH=/usr/bin", "HOME=/home/op", "LANG=C.UTF-8", "PWD=/srv", "OLDPWD=/", "SSH_AUTH_SOCK=/run/agent",
		"THINMAN_SLAVE_PASSWORD=whatever", "MYSQL_PWD=x", "DB_PWD=x", "GITHUB_TOKEN=x", "AWS_SECRET_ACCESS_KEY=x",
		"SLAVE_DSN=u:p@tcp(h)/", "HANDRAIL_PARAM_ADMIN_PW=x", "GPG_KEY=x",
		"ODDLY_NAMED=Canary-Pw-0815", "HAS_IT=prefix-Canary-Pw-0815-suffix", "SHORT=ab", "LONGER=abc",
		"MY_SECRET_VAR=x", "CUSTOM=holds nothing", "S1_CRED=x",
	}
	got := r.ChildEnv(env, "S1_CRED")
	want := []string{"PATH=/usr/bin", "HOME=/home/op", "LANG=C.UTF-8", "PWD=/srv", "OLDPWD=/", "SSH_AUTH_SOCK=/run/agent", "LONGER=abc", "CUSTOM=holds nothing"}
	if !slices.Equal(got, want) {
		t.Errorf("ChildEnv kept\n%q\nwant\n%q", got, want)
	}
	if (*Redactor)(nil).Holds("x") || !r.Holds("ab") || r.Holds("abc") {
		t.Error("Holds: a short secret counts only as the whole value")
	}
}
