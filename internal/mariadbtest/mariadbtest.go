// Package mariadbtest starts a real MariaDB primary and replica on loopback
// for tests: temporary data directories, free ports, real users with
// passwords, binary logging and replication configured with CHANGE MASTER TO
// and START SLAVE. Tests must not skip when MariaDB is missing: the test
// script installs it, so Start fails with a message saying how.
//
// Use it from a package's TestMain:
//
//	var pair *mariadbtest.Pair
//
//	func TestMain(m *testing.M) { os.Exit(mariadbtest.RunMain(m, &pair)) }
//
// Every mariadbd is started with Pdeathsig=SIGKILL, so a test binary that
// dies (timeout panic, kill -9) takes its servers with it; RunMain also
// closes the pair on SIGINT/SIGTERM.
package mariadbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Users created on both servers.
const (
	AdminUser = "handrail_admin"
	ReplUser  = "handrail_repl"
)

// Options tune Start. The zero value is fine.
type Options struct {
	// AdminPassword is the admin user's password; random when empty. The
	// canary tests plant a known value here.
	AdminPassword string
}

// Server is one running mariadbd.
type Server struct {
	Name   string // "primary" or "replica"
	Dir    string // its private directory (datadir, socket, error log)
	Port   int
	Socket string
	ID     int // server_id

	mu  sync.Mutex
	cmd *exec.Cmd
	// exited is closed when the process has been reaped.
	exited chan struct{}
}

// Pair is a primary replicating to a replica.
type Pair struct {
	Primary, Replica *Server
	AdminPassword    string
	ReplPassword     string
	dir              string
	closeOnce        sync.Once
}

// Binary paths, overridable for tests of this package's error messages.
var (
	MariadbdPath  = "/usr/sbin/mariadbd"
	InstallDBPath = "/usr/bin/mariadb-install-db"
)

// Start starts a primary and a replica and waits until the replica
// replicates. ctx bounds the whole start-up.
func Start(ctx context.Context) (*Pair, error) { return StartWith(ctx, Options{}) }

// StartWith is Start with options.
func StartWith(ctx context.Context, o Options) (*Pair, error) {
	mariadbd, installDB, err := findBinaries()
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", "mariadbtest-")
	if err != nil {
		return nil, fmt.Errorf("mariadbtest: temp dir: %w", err)
	}
	// Marks the directory as ours, so a later run can clean it up if this
	// process is SIGKILLed (its servers die with it through Pdeathsig).
	_ = os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600)
	p := &Pair{
		AdminPassword: o.AdminPassword,
		ReplPassword:  randomHex(12),
		dir:           dir,
		Primary:       &Server{Name: "primary", Dir: filepath.Join(dir, "primary"), ID: 1},
		Replica:       &Server{Name: "replica", Dir: filepath.Join(dir, "replica"), ID: 2},
	}
	if p.AdminPassword == "" {
		p.AdminPassword = randomHex(12)
	}
	register(p)
	fail := func(err error) (*Pair, error) {
		_ = p.Close() // always nil: it kills the servers and deletes the dir
		return nil, err
	}

	// Both servers install and boot in parallel: it halves start-up time.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*Server{p.Primary, p.Replica} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.boot(ctx, mariadbd, installDB, p.AdminPassword)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fail(err)
	}
	if err := p.configureReplication(ctx); err != nil {
		return fail(err)
	}
	return p, nil
}

const ownerFile = "owner.pid"

// sweepStale removes data directories left by test binaries that were
// killed before they could clean up.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "mariadbtest-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue // not ours, or being created right now
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

func findBinaries() (string, string, error) {
	find := func(path, name string) (string, error) {
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path, nil
		}
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		return "", fmt.Errorf("mariadbtest: %s not found (looked at %s and on PATH): install it with "+
			"'apt-get install -y mariadb-server' (scripts/test.sh does this on a fresh machine)", name, path)
	}
	d, err := find(MariadbdPath, "mariadbd")
	if err != nil {
		return "", "", err
	}
	i, err := find(InstallDBPath, "mariadb-install-db")
	if err != nil {
		return "", "", err
	}
	return d, i, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serverArgs are the flags for a small, fast, loopback-only server.
func (s *Server) serverArgs(mariadbd string) []string {
	return []string{
		"--no-defaults",
		"--user=root",
		"--datadir=" + filepath.Join(s.Dir, "data"),
		"--socket=" + s.Socket,
		"--port=" + strconv.Itoa(s.Port),
		"--bind-address=127.0.0.1",
		"--pid-file=" + filepath.Join(s.Dir, "mariadbd.pid"),
		"--log-error=" + filepath.Join(s.Dir, "error.log"),
		"--tmpdir=" + s.Dir,
		"--server-id=" + strconv.Itoa(s.ID),
		"--log-bin=" + filepath.Join(s.Dir, "data", "mysql-bin"),
		"--relay-log=" + filepath.Join(s.Dir, "data", "relay-bin"),
		"--skip-name-resolve",
		"--skip-slave-start",
		"--performance-schema=OFF",
		"--innodb-buffer-pool-size=8M",
		"--innodb-log-file-size=4M",
		"--innodb-flush-log-at-trx-commit=2",
		"--sync-binlog=0",
		"--max-connections=40",
		// Keep a dead primary noticed quickly and retried often, so tests of
		// "primary down" do not wait for the defaults (60s).
		"--slave-net-timeout=5",
	}
}

func (s *Server) boot(ctx context.Context, mariadbd, installDB, adminPassword string) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mariadbtest %s: %w", s.Name, err)
	}
	s.Socket = filepath.Join(s.Dir, "mysql.sock")
	// Bootstrap temp tables go to our own dir, never the shared /tmp where
	// another test's bootstrap or a cleaner could touch them. One retry:
	// a loaded machine has been seen to fail a bootstrap once.
	var err error
	for attempt := range 2 {
		datadir := filepath.Join(s.Dir, "data")
		_ = os.RemoveAll(datadir)
		install := exec.CommandContext(ctx, installDB,
			"--no-defaults", "--user=root",
			"--datadir="+datadir,
			"--tmpdir="+s.Dir,
			"--auth-root-authentication-method=normal",
			"--skip-test-db", "--skip-name-resolve",
			"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=8M")
		var out bytes.Buffer
		install.Stdout, install.Stderr = &out, &out
		if err = install.Run(); err == nil {
			break
		}
		// The cause is at the top; the tail is boilerplate advice.
		err = fmt.Errorf("mariadbtest %s: mariadb-install-db (attempt %d): %w\n%s", s.Name, attempt+1, err, head(out.String(), 2500))
	}
	if err != nil {
		return err
	}
	// A free port can be taken between our probe and mariadbd's bind by
	// another test binary: retry with a fresh port.
	for range 3 {
		if s.Port, err = freePort(ctx); err != nil {
			return err
		}
		if err = s.start(ctx, mariadbd); err == nil {
			break
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			return err
		}
	}
	if err != nil {
		return err
	}
	return s.createUsers(ctx, adminPassword)
}

func freePort(ctx context.Context) (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("mariadbtest: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	// The port must be free again before mariadbd binds it.
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("mariadbtest: release probe port %d: %w", port, err)
	}
	return port, nil
}

// start launches mariadbd and waits until it answers on its socket.
func (s *Server) start(ctx context.Context, mariadbd string) error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return fmt.Errorf("mariadbtest %s: already running", s.Name)
	}
	logPath := filepath.Join(s.Dir, "error.log")
	_ = os.Remove(logPath)
	// The server outlives the start-up context: its lifetime is Stop/kill's
	// business, so the command gets a context that is never cancelled.
	cmd := exec.CommandContext(context.WithoutCancel(ctx), mariadbd, s.serverArgs(mariadbd)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("mariadbtest %s: start mariadbd: %w", s.Name, err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("mariadbtest %s: mariadbd exited during start-up; %s:\n%s",
				s.Name, logPath, tail(readFile(logPath), 3000))
		case <-ctx.Done():
			_ = s.Stop()
			return fmt.Errorf("mariadbtest %s: start-up: %w", s.Name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if db, err := s.rootDB(); err == nil {
			err = db.PingContext(ctx)
			// A one-connection probe pool: the ping's error is the answer.
			_ = db.Close()
			// After createUsers root has a password we threw away: "access
			// denied" proves the server is up and answering just as well.
			var me *mysql.MySQLError
			if err == nil || errors.As(err, &me) && me.Number == 1045 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return fmt.Errorf("mariadbtest %s: not ready after 30s; %s:\n%s",
				s.Name, logPath, tail(readFile(logPath), 3000))
		}
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// rootDB connects as root over the unix socket. Root has no password until
// createUsers gives it one, and only exists as root@localhost afterwards, so
// it is reachable only from this machine's socket.
func (s *Server) rootDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = s.Socket
	cfg.Timeout = 2 * time.Second
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

// AdminDB opens a pool as the admin user over TCP, like the live driver.
func (p *Pair) AdminDB(s *Server) *sql.DB {
	c, err := mysql.NewConnector(p.AdminConfig(s))
	if err != nil {
		panic(err) // a Config we built ourselves is always valid
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(2)
	return db
}

// AdminConfig is a driver config for the admin user over TCP.
func (p *Pair) AdminConfig(s *Server) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User = AdminUser
	cfg.Passwd = p.AdminPassword
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	cfg.Timeout = 5 * time.Second
	cfg.ReadTimeout = 30 * time.Second
	cfg.WriteTimeout = 30 * time.Second
	return cfg
}

// DSN is the admin DSN for s (it contains the password: tests only).
func (p *Pair) DSN(s *Server) string { return p.AdminConfig(s).FormatDSN() }

// PrimaryDSN is the admin DSN of the primary.
func (p *Pair) PrimaryDSN() string { return p.DSN(p.Primary) }

// ReplicaDSN is the admin DSN of the replica.
func (p *Pair) ReplicaDSN() string { return p.DSN(p.Replica) }

func sqlQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// createUsers creates the admin and replication users (without writing them
// to the binary log: each server gets its own), removes root's TCP accounts
// and gives root@localhost a random password.
func (s *Server) createUsers(ctx context.Context, adminPassword string) error {
	db, err := s.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mariadbtest %s: connect as root: %w", s.Name, err)
	}
	defer conn.Close()
	stmts := []string{
		"SET SESSION sql_log_bin = 0",
		"CREATE USER " + AdminUser + "@'127.0.0.1' IDENTIFIED BY " + sqlQuote(adminPassword),
		"GRANT ALL PRIVILEGES ON *.* TO " + AdminUser + "@'127.0.0.1' WITH GRANT OPTION",
	}
	rows, err := conn.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'")
	if err != nil {
		return fmt.Errorf("mariadbtest %s: list root accounts: %w", s.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return fmt.Errorf("mariadbtest %s: list root accounts: %w", s.Name, err)
		}
		stmts = append(stmts, "DROP USER 'root'@"+sqlQuote(h))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mariadbtest %s: list root accounts: %w", s.Name, err)
	}
	// Free the connection for the statements below.
	if err := rows.Close(); err != nil {
		return fmt.Errorf("mariadbtest %s: list root accounts: %w", s.Name, err)
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mariadbtest %s: %s: %w", s.Name, redactStmt(q), err)
		}
	}
	// Last: after this, root needs a password we throw away.
	if _, err := conn.ExecContext(ctx, "ALTER USER 'root'@'localhost' IDENTIFIED BY "+sqlQuote(randomHex(12))); err != nil {
		return fmt.Errorf("mariadbtest %s: secure root: %w", s.Name, err)
	}
	return nil
}

func redactStmt(q string) string {
	if i := strings.Index(q, "IDENTIFIED BY"); i >= 0 {
		return q[:i] + "IDENTIFIED BY [secret]"
	}
	return q
}

// configureReplication creates the replication user on the primary and
// points the replica at it.
func (p *Pair) configureReplication(ctx context.Context) error {
	prim := p.AdminDB(p.Primary)
	defer prim.Close()
	for _, q := range []string{
		"CREATE USER " + ReplUser + "@'127.0.0.1' IDENTIFIED BY " + sqlQuote(p.ReplPassword),
		"GRANT REPLICATION SLAVE ON *.* TO " + ReplUser + "@'127.0.0.1'",
		"CREATE DATABASE handrail_test",
		"CREATE TABLE handrail_test.t (id INT PRIMARY KEY, v VARCHAR(40))",
	} {
		if _, err := prim.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mariadbtest primary: %s: %w", redactStmt(q), err)
		}
	}
	if err := p.ChangeMaster(ctx, p.ReplPassword); err != nil {
		return err
	}
	return p.WaitReplicating(ctx, 30*time.Second)
}

// ChangeMaster stops the replica's threads, points it at the primary with
// the given replication password (a wrong one provokes error 1045) and
// starts them again.
func (p *Pair) ChangeMaster(ctx context.Context, replPassword string) error {
	rep := p.AdminDB(p.Replica)
	defer rep.Close()
	for _, q := range []string{
		"STOP SLAVE",
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='%s', "+
			"MASTER_PASSWORD=%s, MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos",
			p.Primary.Port, ReplUser, sqlQuote(replPassword)),
		"START SLAVE",
	} {
		if _, err := rep.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mariadbtest replica: %s: %w", strings.SplitN(q, ",", 2)[0], err)
		}
	}
	return nil
}

// WaitReplicating waits until both replica threads run and a row written
// on the primary has arrived on the replica.
func (p *Pair) WaitReplicating(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	prim, rep := p.AdminDB(p.Primary), p.AdminDB(p.Replica)
	defer prim.Close()
	defer rep.Close()
	marker := randomHex(8)
	if _, err := prim.ExecContext(ctx, "REPLACE INTO handrail_test.t VALUES (1, ?)", marker); err != nil {
		return fmt.Errorf("mariadbtest: write marker on primary: %w", err)
	}
	var last string
	for {
		var v string
		err := rep.QueryRowContext(ctx, "SELECT v FROM handrail_test.t WHERE id = 1").Scan(&v)
		if err == nil && v == marker {
			return nil
		}
		if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			st := p.replicaState(context.Background())
			return fmt.Errorf("mariadbtest: replica not replicating after %s (last: %s; %s)", d, last, st)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SlaveStatus reads the replica's SHOW SLAVE STATUS row, column by name (NULL
// kept as an invalid NullString). No row is an error: replication is not
// configured.
func (p *Pair) SlaveStatus(ctx context.Context) (map[string]sql.NullString, error) {
	rep := p.AdminDB(p.Replica)
	defer rep.Close()
	rows, err := rep.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, fmt.Errorf("SHOW SLAVE STATUS: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("SHOW SLAVE STATUS: %w", err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("SHOW SLAVE STATUS: %w", err)
		}
		return nil, errors.New("SHOW SLAVE STATUS: no row (replication not configured)")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("SHOW SLAVE STATUS: %w", err)
	}
	m := make(map[string]sql.NullString, len(cols))
	for i, c := range cols {
		m[c] = vals[i]
	}
	return m, rows.Err()
}

// replicaState says in one line how replication stands, for error messages.
func (p *Pair) replicaState(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := p.SlaveStatus(ctx)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("Slave_IO_Running=%s Slave_SQL_Running=%s Last_IO_Error=%q",
		st["Slave_IO_Running"].String, st["Slave_SQL_Running"].String, st["Last_IO_Error"].String)
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 20s) and waits.
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return nil
}

// Running reports whether the server process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// StopPrimary shuts the primary down cleanly; its port is then closed.
func (p *Pair) StopPrimary() error { return p.Primary.Stop() }

// StartPrimary starts the primary again on the same port and data.
func (p *Pair) StartPrimary(ctx context.Context) error {
	mariadbd, _, err := findBinaries()
	if err != nil {
		return err
	}
	return p.Primary.start(ctx, mariadbd)
}

// StopReplica shuts the replica's server down cleanly (the server, not
// its replication threads: for those, send STOP SLAVE); its port is then
// closed.
func (p *Pair) StopReplica() error { return p.Replica.Stop() }

// StartReplica starts the replica's server again on the same port and
// data. Its replication threads stay stopped (--skip-slave-start) until
// START SLAVE: a test that stopped the server while they ran starts them
// again itself.
func (p *Pair) StartReplica(ctx context.Context) error {
	mariadbd, _, err := findBinaries()
	if err != nil {
		return err
	}
	return p.Replica.start(ctx, mariadbd)
}

// Close stops both servers and removes every file. It is safe to call more
// than once.
func (p *Pair) Close() error {
	p.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, s := range []*Server{p.Primary, p.Replica} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Tests are done with the data: no need for a clean shutdown.
				s.kill()
			}()
		}
		wg.Wait()
		_ = os.RemoveAll(p.dir)
		unregister(p)
	})
	return nil
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}
