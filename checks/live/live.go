// Package live is the Driver that talks to real systems: one connection
// pool per mysql target, created on first use and reused across polls; the
// soliddb, command, http and tcp probes for the other kinds. Every error and
// every text it hands back has passed through the session's Redactor and is
// capped (checks.Observation.Cap). Every child process it starts (solsql,
// ssh, a command) gets a scrubbed environment: no variable that holds a
// secret (checks.Redactor.ChildEnv).
package live

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/command"
	"github.com/handrail/handrail/checks/mysql"
	"github.com/handrail/handrail/checks/netprobe"
	"github.com/handrail/handrail/checks/soliddb"
)

// DefaultActionTimeout bounds an action that sets no timeout of its own:
// STOP SLAVE waits for the SQL thread to finish its event, which can take
// longer than a poll's 5s.
const DefaultActionTimeout = 60 * time.Second

// Options tune the driver. The zero value is fine.
type Options struct {
	// Redactor scrubs secrets from everything returned; one is made from
	// the credentials when nil. The driver teaches it every credential.
	Redactor *checks.Redactor
	// Logf receives the MySQL driver's own log lines (already redacted).
	// They are dropped when nil: a stray line on stderr would tear a TUI.
	Logf func(format string, args ...any)
	// MaxOpenConns per mysql target (default 2: a poll and an action).
	MaxOpenConns int
	// ConnMaxLifetime recycles connections (default 5m), so a server
	// restarted by the procedure is reconnected to cleanly.
	ConnMaxLifetime time.Duration
	// DialTimeout for a new mysql connection (default 5s); each attempt's
	// context deadline applies as well.
	DialTimeout time.Duration
}

// Driver implements checks.Driver against real systems.
type Driver struct {
	targets map[string]checks.Target
	creds   map[string]checks.Credentials
	opts    Options
	red     *checks.Redactor

	mu     sync.Mutex
	pools  map[string]*pool
	closed bool
}

type pool struct {
	db     *sql.DB
	prober *mysql.Prober
}

var _ checks.Driver = (*Driver)(nil)

// New returns a driver for these targets (by name) and their resolved
// credentials. Nothing connects until the first check runs.
func New(targets map[string]checks.Target, creds map[string]checks.Credentials, opts Options) *Driver {
	if opts.Redactor == nil {
		opts.Redactor = checks.NewRedactor()
	}
	for _, c := range creds {
		opts.Redactor.AddCredentials(c)
	}
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 2
	}
	if opts.ConnMaxLifetime <= 0 {
		opts.ConnMaxLifetime = 5 * time.Minute
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	return &Driver{targets: targets, creds: creds, opts: opts, red: opts.Redactor, pools: map[string]*pool{}}
}

// Redactor is the driver's redactor, for callers that print text of their
// own (the UI's error lines).
func (d *Driver) Redactor() *checks.Redactor { return d.red }

func (d *Driver) target(name string) (checks.Target, error) {
	t, ok := d.targets[name]
	if !ok {
		return t, fmt.Errorf("unknown target %q", name)
	}
	if t.Name == "" {
		t.Name = name
	}
	return t, nil
}

// Observe runs one probe attempt. Without a deadline on ctx, the check's
// own timeout applies.
func (d *Driver) Observe(ctx context.Context, c checks.Check) checks.Observation {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.AttemptTimeout())
		defer cancel()
	}
	obs := d.observe(ctx, c)
	if obs.At.IsZero() {
		obs.At = time.Now()
	}
	d.redactObs(&obs)
	// Capped after redaction, so a secret is never cut in two before it
	// is scrubbed.
	obs.Cap(c.Named)
	return obs
}

// childEnv is the environment every child process gets: this process's,
// without any variable that holds a secret (by its name, as a target's
// password_env or dsn_env, or by a value the redactor knows).
func (d *Driver) childEnv() []string {
	var names []string
	for _, t := range d.targets {
		names = append(names, t.PasswordEnv, t.DSNEnv)
	}
	env := d.red.ChildEnv(os.Environ(), names...)
	if env == nil {
		env = []string{}
	}
	return env
}

func (d *Driver) observe(ctx context.Context, c checks.Check) checks.Observation {
	if c.Kind == checks.KindManual {
		return checks.Observation{Error: "manual checks are ticked by the operator, not probed"}
	}
	t, err := d.target(c.Target)
	if err != nil {
		return checks.Observation{Error: fmt.Sprintf("check %s: %v", c.ID, err)}
	}
	switch c.Kind {
	case checks.KindMySQLReplica, checks.KindMySQLQuery:
		p, err := d.pool(t)
		if err != nil {
			return checks.Observation{Error: err.Error()}
		}
		if c.Kind == checks.KindMySQLReplica {
			return p.prober.Replica(ctx, c)
		}
		return p.prober.Query(ctx, c)
	case checks.KindSolid:
		return soliddb.Runner{Env: d.childEnv()}.Observe(ctx, t, d.cred(t.Name), c)
	case checks.KindCommand:
		return command.Runner{Env: d.childEnv()}.Observe(ctx, t, c)
	case checks.KindHTTP:
		return netprobe.ObserveHTTP(ctx, t, c)
	case checks.KindTCP:
		return netprobe.ObserveTCP(ctx, t, c)
	default:
		return checks.Observation{Error: fmt.Sprintf("check %s: unknown kind %q", c.ID, c.Kind)}
	}
}

// Run executes an action. Without a deadline on ctx, the action's timeout
// (or DefaultActionTimeout) applies.
func (d *Driver) Run(ctx context.Context, a checks.Action) checks.ActionResult {
	if _, ok := ctx.Deadline(); !ok {
		to := time.Duration(a.Timeout)
		if to <= 0 {
			to = DefaultActionTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, to)
		defer cancel()
	}
	r := d.run(ctx, a)
	r.Output, r.Error = d.red.Redact(r.Output), d.red.Redact(r.Error)
	r.Output, r.Error = checks.Truncate(r.Output, checks.MaxRawBytes), checks.Truncate(r.Error, checks.MaxValueBytes)
	return r
}

func (d *Driver) run(ctx context.Context, a checks.Action) checks.ActionResult {
	t, err := d.target(a.Target)
	if err != nil {
		return checks.ActionResult{Error: "action: " + err.Error(), ExitCode: -1}
	}
	switch a.Kind {
	case checks.ActionMySQLExec:
		p, err := d.pool(t)
		if err != nil {
			return checks.ActionResult{Error: err.Error(), ExitCode: -1}
		}
		return p.prober.Exec(ctx, a)
	case checks.ActionSolid:
		return soliddb.Runner{Env: d.childEnv()}.Run(ctx, t, d.cred(t.Name), a)
	case checks.ActionCommand:
		return command.Runner{Env: d.childEnv()}.Run(ctx, t, a)
	default:
		return checks.ActionResult{Error: fmt.Sprintf("unknown action kind %q", a.Kind), ExitCode: -1}
	}
}

func (d *Driver) redactObs(o *checks.Observation) {
	o.Error = d.red.Redact(o.Error)
	o.State = d.red.Redact(o.State)
	o.Raw = d.red.Redact(o.Raw)
	for i := range o.Rows {
		o.Rows[i].Key = d.red.Redact(o.Rows[i].Key)
		for j := range o.Rows[i].Fields {
			o.Rows[i].Fields[j].Value = d.red.Redact(o.Rows[i].Fields[j].Value)
		}
	}
}

// pool returns the target's pool, opening it on first use. sql.OpenDB does
// not connect: a target that is down costs nothing until polled.
func (d *Driver) pool(t checks.Target) (*pool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, fmt.Errorf("target %s: driver closed", t.Name)
	}
	if p, ok := d.pools[t.Name]; ok {
		return p, nil
	}
	if t.Kind != checks.TargetMySQL {
		return nil, fmt.Errorf("target %s is %s, not mysql", t.Name, t.Kind)
	}
	cfg, err := d.config(t)
	if err != nil {
		return nil, err
	}
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", t.Name, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(d.opts.MaxOpenConns)
	db.SetMaxIdleConns(d.opts.MaxOpenConns)
	db.SetConnMaxLifetime(d.opts.ConnMaxLifetime)
	p := &pool{db: db, prober: mysql.NewProber(db)}
	d.pools[t.Name] = p
	return p, nil
}

// config builds the driver config without ever formatting the password
// into a DSN string.
func (d *Driver) config(t checks.Target) (*gomysql.Config, error) {
	cred := d.creds[t.Name]
	var cfg *gomysql.Config
	if !cred.DSN.IsZero() {
		var err error
		if cfg, err = gomysql.ParseDSN(cred.DSN.Reveal()); err != nil {
			// The parser's message may quote the DSN: Observe redacts it,
			// and the DSN's own value is known to the redactor.
			return nil, fmt.Errorf("target %s: the DSN in %s is not valid: %w", t.Name, cred.Source, err)
		}
	} else {
		if t.Host == "" {
			return nil, fmt.Errorf("target %s: no host: set host in the runbook's targets", t.Name)
		}
		port := t.Port
		if port == 0 {
			port = 3306
		}
		cfg = gomysql.NewConfig()
		cfg.User = cred.User
		cfg.Passwd = cred.Password.Reveal()
		cfg.Net = "tcp"
		cfg.Addr = net.JoinHostPort(t.Host, strconv.Itoa(port))
		cfg.DBName = t.Database
	}
	cfg.Timeout = d.opts.DialTimeout
	// Backstops only: every query runs under its attempt's deadline, which
	// the driver enforces by closing the connection.
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 2 * DefaultActionTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 2 * DefaultActionTimeout
	}
	cfg.MultiStatements = false
	cfg.Logger = logger{d}
	return cfg, nil
}

// logger routes the MySQL driver's log lines ("unexpected EOF", "closing
// bad idle connection") through the redactor to Options.Logf.
type logger struct{ d *Driver }

func (l logger) Print(v ...any) {
	if l.d.opts.Logf != nil {
		l.d.opts.Logf("%s", l.d.red.Redact(fmt.Sprint(v...)))
	}
}

// Close closes every pool. Observe and Run after Close report an error.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	var first error
	for name, p := range d.pools {
		if err := p.db.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", name, err)
		}
		delete(d.pools, name)
	}
	return first
}
