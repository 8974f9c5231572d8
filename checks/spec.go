// Package checks holds what a check is (its spec, as written in a runbook),
// what a probe observed, how an expectation judges it, the probes against
// real systems and the poller. It never imports Bubble Tea.
package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/termtext"
)

// Check kinds a runbook may name.
const (
	KindMySQLReplica = "mysql.replica"
	KindMySQLQuery   = "mysql.query"
	KindSolid        = "soliddb"
	KindCommand      = "command"
	KindHTTP         = "http"
	KindTCP          = "tcp"
	KindManual       = "manual"
)

// Action kinds a runbook may name.
const (
	ActionMySQLExec = "mysql.exec"
	ActionSolid     = "soliddb"
	ActionCommand   = "command"
)

// Target kinds a runbook may declare.
const (
	TargetMySQL = "mysql"
	TargetSolid = "soliddb"
	TargetHost  = "host"
	TargetHTTP  = "http"
)

// CheckKinds lists, for each check kind, the target kinds it may run against.
// A manual check needs no target.
var CheckKinds = map[string][]string{
	KindMySQLReplica: {TargetMySQL},
	KindMySQLQuery:   {TargetMySQL},
	KindSolid:        {TargetSolid},
	KindCommand:      {TargetHost},
	KindHTTP:         {TargetHTTP},
	KindTCP:          {TargetMySQL, TargetSolid, TargetHost, TargetHTTP},
	KindManual:       nil,
}

// ActionKinds lists, for each action kind, the target kinds it may run against.
var ActionKinds = map[string][]string{
	ActionMySQLExec: {TargetMySQL},
	ActionSolid:     {TargetSolid},
	ActionCommand:   {TargetHost},
}

// Target is a system that checks and actions talk to, as declared in a
// runbook's `targets:` map. String fields may hold ${param} references until
// the session binds them.
type Target struct {
	Name string `yaml:"-" json:"name"`
	Kind string `yaml:"kind" json:"kind"`
	// Host and Port locate the system. For a host target, Host is where
	// commands run over `ssh -o BatchMode=yes` ("" or "local": this machine).
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	Port int    `yaml:"port,omitempty" json:"port,omitempty"`
	// PortRef holds a port written as a reference (`port: "${db_port}"`)
	// until the session binds it into Port.
	PortRef string `yaml:"-" json:"port_ref,omitempty"`
	// SSHUser is the login for a host target reached over ssh.
	SSHUser string `yaml:"ssh_user,omitempty" json:"ssh_user,omitempty"`
	// URL is the base address of an http target.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Database is the schema a mysql target opens (optional).
	Database string `yaml:"database,omitempty" json:"database,omitempty"`
	// Credentials: a literal user, or the name of an environment variable
	// holding it; the password (or a whole DSN) only ever from the
	// environment, a file, or a masked prompt at session start.
	User         string `yaml:"user,omitempty" json:"user,omitempty"`
	UserEnv      string `yaml:"user_env,omitempty" json:"user_env,omitempty"`
	PasswordEnv  string `yaml:"password_env,omitempty" json:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty" json:"password_file,omitempty"`
	DSNEnv       string `yaml:"dsn_env,omitempty" json:"dsn_env,omitempty"`
	// Client is the vendor client a soliddb target is reached through
	// (default "solsql" on PATH).
	Client      string `yaml:"client,omitempty" json:"client,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Address is host:port, or the URL, for display.
func (t Target) Address() string {
	switch {
	case t.URL != "":
		return t.URL
	case t.Port != 0:
		return fmt.Sprintf("%s:%d", t.Host, t.Port)
	case t.Host == "":
		return "local"
	default:
		return t.Host
	}
}

// Check is one live check of a step, as written in a runbook.
type Check struct {
	ID     string `yaml:"id" json:"id"`
	Kind   string `yaml:"kind" json:"kind"`
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	Title  string `yaml:"title,omitempty" json:"title,omitempty"`
	// Why says, for a rehearsal, why this check matters.
	Why string `yaml:"why,omitempty" json:"why,omitempty"`

	// mysql.replica: which replication channel (connection name); "" means
	// every row must satisfy the expectations.
	Channel string `yaml:"channel,omitempty" json:"channel,omitempty"`
	// mysql.query: a read-only statement; fields of the first row, and
	// `row_count`.
	Query string `yaml:"query,omitempty" json:"query,omitempty"`
	// soliddb: the ADMIN COMMAND text, e.g. "hsb state".
	Admin string `yaml:"admin,omitempty" json:"admin,omitempty"`
	// command: an argv (params substitute as whole elements), or a shell
	// line when Shell is set; Parse names the output parser:
	// text (default), kv, table, json.
	Argv  []string `yaml:"argv,omitempty" json:"argv,omitempty"`
	Shell string   `yaml:"shell,omitempty" json:"shell,omitempty"`
	Parse string   `yaml:"parse,omitempty" json:"parse,omitempty"`
	// http: path appended to the target URL.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// tcp: the port to probe, when not the target's.
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
	// manual: the statement the operator attests by ticking it.
	Attest string `yaml:"attest,omitempty" json:"attest,omitempty"`

	// Expect maps a field name to what it must be, in the runbook's order.
	Expect Expectations `yaml:"expect,omitempty" json:"expect,omitempty"`
	// FailWhen maps a field name to the values that mean failure at once
	// (`Last_IO_Errno: {ne: "0"}`): the first observation where one holds
	// fails the check, with no `within` deadline to wait out.
	FailWhen Expectations `yaml:"fail_when,omitempty" json:"fail_when,omitempty"`

	// Within: keep polling until the expectations hold or this passes.
	Within Duration `yaml:"within,omitempty" json:"within,omitempty"`
	// StableFor: the expectations must hold continuously this long.
	StableFor Duration `yaml:"stable_for,omitempty" json:"stable_for,omitempty"`
	// Interval between polls (default 1s); Timeout per attempt (default 5s).
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`
	Timeout  Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Optional checks are shown but do not hold the gate.
	Optional bool `yaml:"optional,omitempty" json:"optional,omitempty"`
}

// Named reports whether c's expectations (expect or fail_when) name field,
// or it is the exit code a command check judges unless told otherwise: the
// fields a cap always keeps.
func (c Check) Named(field string) bool {
	if c.Kind == KindCommand && field == "exit_code" {
		return true
	}
	for _, fe := range c.Expect {
		if fe.Field == field {
			return true
		}
	}
	for _, fe := range c.FailWhen {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// Defaults applied when a runbook leaves them out.
const (
	DefaultInterval = time.Second
	DefaultTimeout  = 5 * time.Second
)

// PollInterval is the check's interval, or the default.
func (c Check) PollInterval() time.Duration {
	if c.Interval > 0 {
		return time.Duration(c.Interval)
	}
	return DefaultInterval
}

// AttemptTimeout is the check's per-attempt deadline, or the default.
func (c Check) AttemptTimeout() time.Duration {
	if c.Timeout > 0 {
		return time.Duration(c.Timeout)
	}
	return DefaultTimeout
}

// Action is something handrail can run for a step, after the operator
// confirms it.
type Action struct {
	Kind   string `yaml:"kind" json:"kind"`
	Target string `yaml:"target" json:"target"`
	// mysql.exec
	SQL string `yaml:"sql,omitempty" json:"sql,omitempty"`
	// soliddb
	Admin string `yaml:"admin,omitempty" json:"admin,omitempty"`
	// command
	Argv  []string `yaml:"argv,omitempty" json:"argv,omitempty"`
	Shell string   `yaml:"shell,omitempty" json:"shell,omitempty"`

	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// FailsStep: when the action fails, the step has failed at once and
	// its on_fail applies (the manual's "if this step fails, …"), with no
	// check deadline to wait out.
	FailsStep bool `yaml:"fails_step,omitempty" json:"fails_step,omitempty"`
}

// Describe is the exact thing the action runs, as raw text, for the
// journal. A screen shows Shown instead.
func (a Action) Describe() string {
	switch {
	case a.SQL != "":
		return a.SQL
	case a.Admin != "":
		return fmt.Sprintf("ADMIN COMMAND '%s'", a.Admin)
	case a.Shell != "":
		return a.Shell
	default:
		return quoteArgv(a.Argv)
	}
}

// Shown is the exact argv or statement the action runs on its target, as
// one line that is safe on a terminal: what a confirmation shows before the
// operator types yes (the dialog says where it runs). An argv, and a shell
// line as the `sh -c LINE` it runs as, is written the way a POSIX shell
// reads it back: an element holding a byte a terminal cannot show plainly
// is written $'…' with internal/termtext's escapes (\x1b, \n, \u202e), an
// element a shell would split or expand in '…'. A statement (sql, the
// ADMIN COMMAND) is passed through termtext.Line.
func (a Action) Shown() string {
	switch {
	case a.SQL != "":
		return termtext.Line(a.SQL)
	case a.Admin != "":
		return termtext.Line("ADMIN COMMAND '" + strings.TrimSpace(a.Admin) + "'")
	case a.Shell != "":
		return ShownArgv([]string{"sh", "-c", a.Shell})
	default:
		return ShownArgv(a.Argv)
	}
}
