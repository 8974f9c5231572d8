package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"

	gomysql "github.com/go-sql-driver/mysql"
)

// Redacted is what a secret prints as, everywhere.
const Redacted = "[secret]"

// Secret holds a password or a DSN. Every way of printing it (fmt verbs,
// %#v, JSON, text marshalling, slog) shows "[secret]"; only Reveal gives the
// value, and only the code that hands it to a driver should call it.
//
// The value sits behind a pointer on purpose: fmt cannot call String on a
// Secret inside an unexported struct field and prints such fields by
// reflection, but below the top level it prints a pointer as an address,
// never what it points to.
type Secret struct{ p *string }

// NewSecret wraps a value.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{p: &v}
}

// Reveal returns the value.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil }

// String never shows the value.
func (s Secret) String() string { return Redacted }

// GoString never shows the value (%#v).
func (s Secret) GoString() string { return "checks.Secret(" + Redacted + ")" }

// Format covers every fmt verb, including %x and %q, which would otherwise
// bypass String for a struct.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// MarshalJSON never shows the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText never shows the value (YAML, encoding.TextMarshaler users).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue never shows the value (log/slog).
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Credentials are what a target logs in with, resolved at session start.
type Credentials struct {
	User     string `json:"user,omitempty"`
	Password Secret `json:"password"`
	// DSN is a whole driver DSN from dsn_env; when set it wins over User and
	// Password, which then hold the DSN's own user and password (so that
	// the password is redacted on its own as well).
	DSN Secret `json:"dsn"`
	// Source says where the password came from, for display: "env
	// S1_PASSWORD", "file /etc/x", "prompt", "dsn_env SLAVE_DSN".
	Source string `json:"source,omitempty"`
}

// Redactor scrubs secrets out of text: every value it was told about, and
// the password part of anything shaped like a DSN (user:pass@tcp(...)) or a
// password=... parameter, even when it was never told about it. The zero
// value and a nil *Redactor are usable (DSN shapes only).
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret inside another is not half-replaced
}

// NewRedactor returns a redactor that knows these values.
func NewRedactor(values ...string) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// Add teaches the redactor more values. Empty values are ignored.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// AddCredentials teaches the redactor a target's password and DSN.
func (r *Redactor) AddCredentials(c Credentials) {
	r.Add(c.Password.Reveal(), c.DSN.Reveal())
}

var (
	// user:password@tcp( as in a go-sql-driver DSN, where the password may
	// itself hold '@' or '/'.
	goDSNPassword = regexp.MustCompile(`([^\s:/@'"(]+):(\S*?)@(tcp|tcp4|tcp6|unix)\(`)
	// user:password@ as in a URL's userinfo.
	dsnPassword = regexp.MustCompile(`([^\s:/@'"(]+):([^\s@'"/][^\s@'"]*)@`)
	// password=..., pwd=..., passwd=... in DSN parameters and key/value text.
	kvPassword = regexp.MustCompile(`(?i)\b(password|passwd|pwd)=([^\s&;,]+)`)
)

// MinSubstringSecret is the length from which a secret is scrubbed wherever
// it appears inside a text. A shorter one (a password of a few characters)
// would also match inside ordinary words and ids and garble them, so it is
// scrubbed only where a whole value equals it.
const MinSubstringSecret = 4

// ScrubSecret returns s with secret replaced by "[secret]": everywhere in s
// when the secret is at least MinSubstringSecret long, else only when s is
// exactly the secret.
func ScrubSecret(s, secret string) string {
	switch {
	case secret == "" || s == "":
		return s
	case s == secret:
		return Redacted
	case len(secret) < MinSubstringSecret:
		return s
	default:
		return strings.ReplaceAll(s, secret, Redacted)
	}
}

// IdentifierKey reports whether a JSON key holds an identifier: a step,
// check or target id, a field or row name. These come from the runbook and
// from the server's column names, never from a secret, and rewriting them
// would break the record, so redaction leaves them alone.
func IdentifierKey(key string) bool {
	switch key {
	case "step", "check", "checks", "from", "to", "goto", "session", "id", "kind", "target", "field", "name", "key", "row", "type", "blocking":
		return true
	}
	return false
}

// Redact returns s with every known secret and every DSN-shaped password
// replaced by "[secret]".
func (r *Redactor) Redact(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.mu.RLock()
		for _, v := range r.secrets {
			s = ScrubSecret(s, v)
		}
		r.mu.RUnlock()
	}
	if strings.Contains(s, "@") {
		s = goDSNPassword.ReplaceAllString(s, "$1:"+Redacted+"@$3(")
		s = dsnPassword.ReplaceAllString(s, "$1:"+Redacted+"@")
	}
	if strings.Contains(s, "=") {
		s = kvPassword.ReplaceAllString(s, "$1="+Redacted)
	}
	return s
}

// Holds reports whether value holds a secret r knows: contains one of at
// least MinSubstringSecret bytes, or equals a shorter one.
func (r *Redactor) Holds(value string) bool {
	if r == nil || value == "" {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.secrets {
		if value == v || (len(v) >= MinSubstringSecret && strings.Contains(value, v)) {
			return true
		}
	}
	return false
}

// secretNameParts are words that, inside an environment variable's name,
// say it holds a secret.
var secretNameParts = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE_KEY", "API_KEY", "ACCESS_KEY", "DSN"}

// SecretEnvName reports whether an environment variable's name says that
// it holds a secret (MYSQL_PWD, *PASSWORD*, *SECRET*, *TOKEN*, *_KEY,
// *DSN*, ...), or it is a HANDRAIL_PARAM_ variable (a param handed to
// handrail through the environment).
func SecretEnvName(name string) bool {
	n := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(n, "HANDRAIL_PARAM_"), n == "MYSQL_PWD", strings.HasSuffix(n, "_PWD"), strings.HasSuffix(n, "_KEY"):
		return true
	}
	for _, p := range secretNameParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// ChildEnv is environ ("NAME=value" entries) without every variable that
// holds a secret: one whose name says so (SecretEnvName), one named in
// names (the targets' password_env and dsn_env), and one whose value holds
// a secret r knows. Every child process of a session (solsql, ssh, a
// command, an action) gets this environment, never the parent's own.
func (r *Redactor) ChildEnv(environ []string, names ...string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if SecretEnvName(name) || slices.Contains(names, name) || r.Holds(value) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Target kinds that log in with a user and a password.
func needsCredentials(kind string) bool { return kind == TargetMySQL || kind == TargetSolid }

// ResolveCredentials finds a target's credentials: the user literally or
// from user_env; the password from password_env, password_file, or else the
// prompt (a masked prompt the UI provides; nil when there is no terminal);
// or a whole DSN from dsn_env. Errors name the target and the variable or
// file, never a value. Targets that need no login get zero Credentials.
func ResolveCredentials(t Target, getenv func(string) string, readFile func(string) ([]byte, error),
	prompt func(label string) (string, error)) (Credentials, error) {
	var c Credentials
	if !needsCredentials(t.Kind) {
		return c, nil
	}
	name := t.Name
	if name == "" {
		name = t.Address()
	}
	if t.DSNEnv != "" {
		if t.Kind != TargetMySQL {
			return c, fmt.Errorf("target %s: dsn_env is only for mysql targets", name)
		}
		v := getenv(t.DSNEnv)
		if v == "" {
			return c, fmt.Errorf("target %s: dsn_env %s is empty or not set: export it, e.g. %s='user:password@tcp(host:3306)/'",
				name, t.DSNEnv, t.DSNEnv)
		}
		c.DSN = NewSecret(v)
		c.Source = "dsn_env " + t.DSNEnv
		// The password inside the DSN is a secret on its own: a server
		// that echoes it (SELECT 'pw') must show [secret] too. The
		// driver's own parser finds it, however the DSN is escaped. Its
		// error may quote the DSN, so it is not passed on.
		cfg, err := gomysql.ParseDSN(v)
		if err != nil {
			return Credentials{}, fmt.Errorf("target %s: dsn_env %s does not hold a DSN the MySQL driver can read: write it as user:password@tcp(host:3306)/database", name, t.DSNEnv)
		}
		c.User = cfg.User
		c.Password = NewSecret(cfg.Passwd)
		return c, nil
	}

	switch {
	case t.User != "":
		c.User = t.User
	case t.UserEnv != "":
		c.User = getenv(t.UserEnv)
		if c.User == "" {
			return c, fmt.Errorf("target %s: user_env %s is empty or not set: export it with the login name", name, t.UserEnv)
		}
	}

	switch {
	case t.PasswordEnv != "":
		v := getenv(t.PasswordEnv)
		if v == "" {
			return c, fmt.Errorf("target %s: password_env %s is empty or not set: export it, or name a password_file", name, t.PasswordEnv)
		}
		c.Password, c.Source = NewSecret(v), "env "+t.PasswordEnv
	case t.PasswordFile != "":
		b, err := readFile(t.PasswordFile)
		if err != nil {
			// The error from os.ReadFile names the path and the cause,
			// never the content.
			return c, fmt.Errorf("target %s: password_file: %w", name, err)
		}
		// A file written with echo ends in a newline that is not part of
		// the password.
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return c, fmt.Errorf("target %s: password_file %s is empty", name, t.PasswordFile)
		}
		c.Password, c.Source = NewSecret(v), "file "+t.PasswordFile
	default:
		if prompt == nil {
			return c, fmt.Errorf("target %s: no password_env, password_file or dsn_env, and no terminal to ask on: "+
				"set password_env in the runbook and export the variable", name)
		}
		label := "Password for " + name
		if c.User != "" {
			label += " (" + c.User + "@" + t.Address() + ")"
		} else {
			label += " (" + t.Address() + ")"
		}
		v, err := prompt(label)
		if err != nil {
			return c, fmt.Errorf("target %s: password prompt: %w", name, err)
		}
		c.Password, c.Source = NewSecret(v), "prompt"
	}
	return c, nil
}

// ResolveAllCredentials resolves every target's credentials in name order
// (so prompts come in a stable order) and teaches r each secret found. r may
// be nil.
func ResolveAllCredentials(targets map[string]Target, getenv func(string) string,
	readFile func(string) ([]byte, error), prompt func(label string) (string, error), r *Redactor) (map[string]Credentials, error) {
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make(map[string]Credentials, len(targets))
	for _, n := range names {
		t := targets[n]
		if t.Name == "" {
			t.Name = n
		}
		c, err := ResolveCredentials(t, getenv, readFile, prompt)
		if err != nil {
			return nil, err
		}
		if r != nil {
			r.AddCredentials(c)
		}
		out[n] = c
	}
	return out, nil
}

// RedactJSON returns the JSON document raw with Redact applied to every
// string value, except the values of identifier keys (IdentifierKey). It
// works on decoded strings, so a secret can neither break the JSON nor hide
// behind escaping. raw that is not JSON is returned redacted as text.
func (r *Redactor) RedactJSON(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []byte(r.Redact(string(raw)))
	}
	out, err := json.Marshal(redactJSONValue(v, "", r.Redact))
	if err != nil {
		return []byte(r.Redact(string(raw)))
	}
	return out
}

// RedactJSONValue applies scrub to every string in a decoded JSON value,
// leaving the values of identifier keys alone.
func RedactJSONValue(v any, scrub func(string) string) any { return redactJSONValue(v, "", scrub) }

func redactJSONValue(v any, key string, scrub func(string) string) any {
	switch x := v.(type) {
	case string:
		if IdentifierKey(key) {
			return x
		}
		return scrub(x)
	case []any:
		for i := range x {
			x[i] = redactJSONValue(x[i], key, scrub)
		}
		return x
	case map[string]any:
		for k, val := range x {
			x[k] = redactJSONValue(val, k, scrub)
		}
		return x
	default:
		return v
	}
}
