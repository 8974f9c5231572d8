package rehearsal

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/mysql"
)

// MySQLSpec is one simulated MySQL/MariaDB server.
type MySQLSpec struct {
	// Target is the runbook target name this server answers for. A server
	// no check talks to (a ThinMan master the runbook never queries) has
	// only a Name and a Host.
	Target string `yaml:"target,omitempty"`
	Name   string `yaml:"name,omitempty"`
	Host   string `yaml:"host,omitempty"`
	Port   int    `yaml:"port,omitempty"`
	// Version is what SELECT @@version answers ("10.11.6-MariaDB-log",
	// "8.4.0"): it decides the server's vocabulary (MariaDB and MySQL
	// before 8.0.22 say Slave_/Master_, MySQL 8.0.22+ Replica_/Source_)
	// and which of STOP/START SLAVE and STOP/START REPLICA it accepts.
	Version  string `yaml:"version,omitempty"`
	ServerID int    `yaml:"server_id,omitempty"`
	ReadOnly bool   `yaml:"read_only,omitempty"`
	Down     bool   `yaml:"down,omitempty"`
	// ReplicaOf names the master's target: this server replicates from it.
	ReplicaOf string `yaml:"replica_of,omitempty"`
	// Stopped: the replica threads start stopped.
	Stopped bool `yaml:"stopped,omitempty"`
	// StopDelay: STOP SLAVE returns at once; the threads stop this much
	// later (default 1s). StartDelay: the IO thread is "Connecting" this
	// long after START SLAVE (default 1s).
	StopDelay  Dur `yaml:"stop_delay,omitempty"`
	StartDelay Dur `yaml:"start_delay,omitempty"`
	// Catchup is how many seconds of the master's writes the SQL thread
	// applies per second while behind (default 10).
	Catchup float64 `yaml:"catchup,omitempty"`
	// WriteRate is the master's binlog growth in bytes per second
	// (default 2048).
	WriteRate int64 `yaml:"write_rate,omitempty"`
	// User and Password are the account the session logs in with. When
	// Password is set, the server takes a login only with it: a
	// credentials.wrong fault makes the session start with another, and
	// re-entering this one (credentials TARGET) lets it in. Without it,
	// any login is taken. (A rehearsal's own password, never a real one.)
	User     string `yaml:"user,omitempty"`
	Password string `yaml:"password,omitempty"`
}

const (
	binlogFile  = "mysql-bin.000042"
	relayFile   = "relay-bin.000007"
	binlogStart = 4_000_000
)

// mysqlServer is one server's state. Replication is modelled in master
// time: `received` is how far the IO thread has read the master's binlog,
// `applied` how far the SQL thread has executed it.
type mysqlServer struct {
	spec   MySQLSpec
	host   string
	port   int
	up     bool
	ro     bool
	master *mysqlServer
	epoch  time.Time // master: when its binlog position was binlogStart

	io, sql       string // Yes, No, Connecting
	ioErrno       int
	ioError       string
	ioErrTime     time.Time
	sqlErrno      int
	sqlError      string
	received      time.Time
	applied       time.Time
	since         time.Time // when received/applied were last materialised
	ioGen, sqlGen int       // bumped on every START/STOP so stale events are ignored
}

func (w *world) addMySQL(specs []MySQLSpec) error {
	for i, s := range specs {
		var t checks.Target
		if s.Target != "" {
			var err error
			if t, err = w.target(s.Target); err != nil {
				return fmt.Errorf("world.mysql[%d]: %w", i, err)
			}
			if t.Kind != checks.TargetMySQL {
				return fmt.Errorf("world.mysql[%d]: target %s is a %s target, not mysql", i, s.Target, t.Kind)
			}
		}
		if s.Name == "" {
			s.Name = s.Target
		}
		if s.Name == "" {
			return fmt.Errorf("world.mysql[%d]: give a `target` (the runbook's) or a `name`", i)
		}
		if s.Host != "" {
			t.Host = s.Host
		}
		if s.Port != 0 {
			t.Port = s.Port
		}
		if s.Version == "" {
			s.Version = "10.11.6-MariaDB-log"
		}
		m := &mysqlServer{spec: s, host: t.Host, port: t.Port, up: !s.Down, ro: s.ReadOnly, epoch: w.now.Add(-time.Hour),
			io: "No", sql: "No", received: w.now, applied: w.now, since: w.now}
		if m.port == 0 {
			m.port = 3306
		}
		w.mysql[s.Name] = m
	}
	for _, m := range w.mysql {
		if m.spec.ReplicaOf == "" {
			continue
		}
		master, ok := w.mysql[m.spec.ReplicaOf]
		if !ok {
			return fmt.Errorf("world.mysql %s: replica_of %q is not a simulated mysql server", m.spec.Name, m.spec.ReplicaOf)
		}
		m.master = master
		if !m.spec.Stopped {
			m.io, m.sql = "Yes", "Yes"
		}
	}
	return nil
}

func (m *mysqlServer) rate() float64 {
	if m.spec.Catchup > 0 {
		return m.spec.Catchup
	}
	return 10
}

// progress is where the IO and SQL threads are at now.
func (m *mysqlServer) progress(now time.Time) (received, applied time.Time) {
	received, applied = m.received, m.applied
	if m.io == "Yes" {
		received = now
	}
	if m.sql == "Yes" {
		el := now.Sub(m.since)
		applied = applied.Add(time.Duration(float64(el) * m.rate()))
		if applied.After(received) {
			applied = received
		}
	}
	return received, applied
}

// materialise fixes progress at now before a thread changes state.
func (m *mysqlServer) materialise(now time.Time) {
	m.received, m.applied = m.progress(now)
	m.since = now
}

func (m *mysqlServer) binlogPos(at time.Time) int64 {
	rate := int64(2048)
	if m.spec.WriteRate > 0 {
		rate = m.spec.WriteRate
	}
	return binlogStart + int64(at.Sub(m.epoch).Seconds())*rate
}

// stopSlave: STOP SLAVE returns at once; the threads stop a beat later.
func (w *world) stopSlave(m *mysqlServer) {
	m.ioGen++
	m.sqlGen++
	io, sq := m.ioGen, m.sqlGen
	w.after(or(m.spec.StopDelay, time.Second), m.host, "replica threads stopping", func() {
		if m.ioGen != io || m.sqlGen != sq {
			return
		}
		m.materialise(w.now)
		m.io, m.sql = "No", "No"
	})
}

// startSlave: the IO thread connects (and may hit the scenario's error),
// the SQL thread starts at once; START SLAVE clears the last errors.
func (w *world) startSlave(m *mysqlServer) {
	m.materialise(w.now)
	m.ioGen++
	m.sqlGen++
	io := m.ioGen
	m.ioErrno, m.ioError, m.ioErrTime = 0, "", time.Time{}
	m.sqlErrno, m.sqlError = 0, ""
	m.sql = "Yes"
	if m.io != "Yes" {
		m.io = "Connecting"
	}
	w.after(or(m.spec.StartDelay, time.Second), m.host, "replica IO thread connecting", func() {
		if m.ioGen != io {
			return
		}
		m.materialise(w.now)
		if m.master == nil || !m.master.up {
			m.io = "Connecting"
			m.ioErrno = 2003
			m.ioError = fmt.Sprintf("error connecting to master 'repl@%s:%d' - retry-time: 60  maximum-retries: 100000  message: Can't connect to server on '%s' (111 \"Connection refused\")", m.master.host, m.master.port, m.master.host)
			m.ioErrTime = w.now
			return
		}
		if f := w.strike(FaultMySQLIOError, m.spec.Target, m.host); f != nil {
			m.io = "No"
			m.ioErrno = f.Errno
			if m.ioErrno == 0 {
				m.ioErrno = 1236
			}
			m.ioError = f.Message
			if m.ioError == "" {
				m.ioError = "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'"
			}
			m.ioErrTime = w.now
			return
		}
		m.io = "Yes"
	})
}

// server is what the simulated server says it is.
func (m *mysqlServer) server() mysql.Server {
	srv, err := mysql.ParseVersion(m.spec.Version, m.versionComment())
	if err != nil {
		return mysql.Server{Flavor: mysql.FlavorMariaDB, Major: 10, Minor: 11, Version: m.spec.Version}
	}
	return srv
}

func (m *mysqlServer) versionComment() string {
	if strings.Contains(strings.ToLower(m.spec.Version), "mariadb") {
		return "Debian 12"
	}
	return "MySQL Community Server - GPL"
}

// accepts reports whether the server's grammar has the replica-control
// statement "VERB SLAVE" or "VERB REPLICA": MySQL 8.4 removed the SLAVE
// words, servers before MySQL 8.0.22 / MariaDB 10.5.1 lack the REPLICA ones.
func (m *mysqlServer) accepts(word string) bool {
	srv := m.server()
	if word == "REPLICA" {
		return srv.UsesReplicaWords()
	}
	removed := srv.Major > 8 || srv.Major == 8 && srv.Minor >= 4
	return srv.Flavor == mysql.FlavorMariaDB || !removed
}

// serverError is an error worded as the MySQL client driver words a
// server's error ("Error 1064 (42000): ...").
type serverError string

func (e serverError) Error() string { return string(e) }

func syntaxError(stmt string) error {
	return serverError(fmt.Sprintf("Error 1064 (42000): You have an error in your SQL syntax; check the manual that corresponds to your server version for the right syntax to use near '%s' at line 1", stmt))
}

// mysqlExec runs an action's statement. A replica-control statement is sent
// in the words the server takes, as the live mysql.exec action does, and the
// result names the statement that ran.
func (w *world) mysqlExec(m *mysqlServer, sql string) (checks.ActionResult, error) {
	if !m.up {
		return checks.ActionResult{}, m.refused()
	}
	ran := ""
	if verb, rest, ok := checks.ReplicaControl(sql); ok {
		srv := m.server()
		sql = srv.ReplicaControlStatement(verb) + rest
		ran = sql + " (" + srv.String() + "): "
	}
	var out []string
	for _, stmt := range strings.Split(sql, ";") {
		s := strings.Join(strings.Fields(strings.ToUpper(stmt)), " ")
		switch s {
		case "":
		case "STOP SLAVE", "STOP REPLICA", "STOP ALL SLAVES":
			if word := strings.Fields(s)[1]; word != "ALL" && !m.accepts(word) {
				return checks.ActionResult{}, syntaxError(strings.TrimSpace(stmt))
			}
			if m.master != nil {
				w.stopSlave(m)
			}
			out = append(out, "Query OK, 0 rows affected")
		case "START SLAVE", "START REPLICA", "START ALL SLAVES":
			if word := strings.Fields(s)[1]; word != "ALL" && !m.accepts(word) {
				return checks.ActionResult{}, syntaxError(strings.TrimSpace(stmt))
			}
			if m.master == nil {
				return checks.ActionResult{}, fmt.Errorf("ERROR 1200 (HY000): Misconfigured slave: MASTER_HOST was not set; Fix in config file or with CHANGE MASTER TO")
			}
			w.startSlave(m)
			out = append(out, "Query OK, 0 rows affected")
		case "SLAVE STOP", "SLAVE START":
			// The manual's words: no current server's grammar has them.
			return checks.ActionResult{}, syntaxError(strings.TrimSpace(stmt))
		case "SET GLOBAL READ_ONLY = ON", "SET GLOBAL READ_ONLY=ON", "SET GLOBAL READ_ONLY = 1", "SET GLOBAL READ_ONLY=1":
			m.ro = true
			out = append(out, "Query OK, 0 rows affected")
		case "SET GLOBAL READ_ONLY = OFF", "SET GLOBAL READ_ONLY=OFF", "SET GLOBAL READ_ONLY = 0", "SET GLOBAL READ_ONLY=0":
			m.ro = false
			out = append(out, "Query OK, 0 rows affected")
		default:
			return checks.ActionResult{}, fmt.Errorf("simulator: the statement %q is not modelled (it knows STOP/START SLAVE|REPLICA and SET GLOBAL read_only)", strings.TrimSpace(stmt))
		}
	}
	return checks.ActionResult{Output: ran + strings.Join(out, "\n")}, nil
}

func (m *mysqlServer) refused() error {
	return unreachedError{fmt.Sprintf("dial tcp %s:%d: connect: connection refused", m.host, m.port)}
}

func null() checks.Field { return checks.Field{Null: true} }

// slaveStatus is the server's replication status as its version prints it:
// SHOW SLAVE STATUS with every MariaDB 10.11 column in its order, or SHOW
// REPLICA STATUS with the MySQL 8.4 columns (Replica_/Source_ names, the
// reference manual's order). Columns are named for the check the way the
// live probe names them (mysql.ColumnNames): a check that says
// Slave_IO_Running finds MySQL 8's Replica_IO_Running.
func (w *world) slaveStatus(m *mysqlServer, c checks.Check) checks.Observation {
	if !m.up {
		return errObservation(m.refused())
	}
	if m.master == nil {
		return checks.Observation{State: checks.StateNotReplica}
	}
	now := w.now
	rec, app := m.progress(now)
	readPos, execPos := m.master.binlogPos(rec), m.master.binlogPos(app)
	ioState := ""
	switch m.io {
	case "Yes":
		ioState = "Waiting for master to send event"
	case "Connecting":
		ioState = "Connecting to master"
	}
	sqlState := ""
	behind := null()
	if m.sql == "Yes" {
		sqlState = "Slave has read all relay log; waiting for more updates"
		lag := rec.Sub(app)
		if lag > 0 {
			sqlState = "Reading event from the relay log"
		}
		// NULL when the SQL thread is not running, or when it has
		// consumed the whole relay log and the IO thread is not running
		// (the MySQL reference manual's rule).
		if m.io == "Yes" || lag > 0 {
			behind = checks.Field{Value: strconv.Itoa(int(now.Sub(app) / time.Second))}
		}
	}
	f := func(name, v string) checks.Field { return checks.Field{Name: name, Value: v} }
	groups := strconv.FormatInt((execPos-binlogStart)/512, 10)
	fields := []checks.Field{
		f("Slave_IO_State", ioState),
		f("Master_Host", m.master.host),
		f("Master_User", "repl"),
		f("Master_Port", strconv.Itoa(m.master.port)),
		f("Connect_Retry", "60"),
		f("Master_Log_File", binlogFile),
		f("Read_Master_Log_Pos", strconv.FormatInt(readPos, 10)),
		f("Relay_Log_File", relayFile),
		f("Relay_Log_Pos", strconv.FormatInt(execPos-binlogStart+555, 10)),
		f("Relay_Master_Log_File", binlogFile),
		f("Slave_IO_Running", m.io),
		f("Slave_SQL_Running", m.sql),
		f("Replicate_Do_DB", ""),
		f("Replicate_Ignore_DB", ""),
		f("Replicate_Do_Table", ""),
		f("Replicate_Ignore_Table", ""),
		f("Replicate_Wild_Do_Table", ""),
		f("Replicate_Wild_Ignore_Table", ""),
		f("Last_Errno", strconv.Itoa(m.sqlErrno)),
		f("Last_Error", m.sqlError),
		f("Skip_Counter", "0"),
		f("Exec_Master_Log_Pos", strconv.FormatInt(execPos, 10)),
		f("Relay_Log_Space", strconv.FormatInt(readPos-execPos+1069, 10)),
		f("Until_Condition", "None"),
		f("Until_Log_File", ""),
		f("Until_Log_Pos", "0"),
		f("Master_SSL_Allowed", "No"),
		f("Master_SSL_CA_File", ""),
		f("Master_SSL_CA_Path", ""),
		f("Master_SSL_Cert", ""),
		f("Master_SSL_Cipher", ""),
		f("Master_SSL_Key", ""),
		named("Seconds_Behind_Master", behind),
		f("Master_SSL_Verify_Server_Cert", "No"),
		f("Last_IO_Errno", strconv.Itoa(m.ioErrno)),
		f("Last_IO_Error", m.ioError),
		f("Last_SQL_Errno", strconv.Itoa(m.sqlErrno)),
		f("Last_SQL_Error", m.sqlError),
		f("Replicate_Ignore_Server_Ids", ""),
		f("Master_Server_Id", strconv.Itoa(max(m.master.spec.ServerID, 1))),
		f("Master_SSL_Crl", ""),
		f("Master_SSL_Crlpath", ""),
		f("Using_Gtid", "No"),
		f("Gtid_IO_Pos", ""),
		f("Replicate_Do_Domain_Ids", ""),
		f("Replicate_Ignore_Domain_Ids", ""),
		f("Parallel_Mode", "optimistic"),
		f("SQL_Delay", "0"),
		named("SQL_Remaining_Delay", null()),
		f("Slave_SQL_Running_State", sqlState),
		f("Slave_DDL_Groups", "0"),
		f("Slave_Non_Transactional_Groups", "0"),
		f("Slave_Transactional_Groups", groups),
		f("Replicate_Rewrite_DB", ""),
	}
	if srv := m.server(); srv.Flavor == mysql.FlavorMySQL && srv.UsesReplicaWords() {
		fields = mysql84Columns(fields)
	}
	expect := make([]string, len(c.Expect))
	for i, fe := range c.Expect {
		expect[i] = fe.Field
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	for i, n := range mysql.ColumnNames(cols, expect) {
		fields[i].Name = n
	}
	return checks.Observation{Rows: []checks.Row{{Fields: fields}}}
}

// mysql84Columns turns the MariaDB row into MySQL 8.4's SHOW REPLICA STATUS
// row: its columns in the order of the MySQL 8.4 Reference Manual's
// example and column list, renamed to Replica_/Source_, with the MySQL-only
// columns and without the MariaDB-only ones.
func mysql84Columns(maria []checks.Field) []checks.Field {
	get := func(name string) checks.Field {
		for _, f := range maria {
			if f.Name == name {
				return f
			}
		}
		return checks.Field{Name: name}
	}
	order := []string{
		"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry", "Master_Log_File",
		"Read_Master_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Master_Log_File", "Slave_IO_Running",
		"Slave_SQL_Running", "Replicate_Do_DB", "Replicate_Ignore_DB", "Replicate_Do_Table", "Replicate_Ignore_Table",
		"Replicate_Wild_Do_Table", "Replicate_Wild_Ignore_Table", "Last_Errno", "Last_Error", "Skip_Counter",
		"Exec_Master_Log_Pos", "Relay_Log_Space", "Until_Condition", "Until_Log_File", "Until_Log_Pos",
		"Master_SSL_Allowed", "Master_SSL_CA_File", "Master_SSL_CA_Path", "Master_SSL_Cert", "Master_SSL_Cipher",
		"Master_SSL_Key", "Seconds_Behind_Master", "Master_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error",
		"Last_SQL_Errno", "Last_SQL_Error", "Replicate_Ignore_Server_Ids", "Master_Server_Id",
	}
	var out []checks.Field
	for _, n := range order {
		f := get(n)
		if alt, ok := mysql.AltName(n); ok {
			f.Name = alt
		}
		out = append(out, f)
	}
	v := func(name, val string) checks.Field { return checks.Field{Name: name, Value: val} }
	state := get("Slave_SQL_Running_State")
	state.Value = strings.ReplaceAll(state.Value, "Slave has", "Replica has")
	out = append(out,
		v("Source_UUID", "73f86016-978b-11ee-ade5-8d2a2a562feb"),
		v("Source_Info_File", "mysql.slave_master_info"),
		get("SQL_Delay"), get("SQL_Remaining_Delay"),
		named("Replica_SQL_Running_State", state),
		v("Source_Retry_Count", "10"), v("Source_Bind", ""),
		v("Last_IO_Error_Timestamp", ""), v("Last_SQL_Error_Timestamp", ""),
		v("Source_SSL_Crl", ""), v("Source_SSL_Crlpath", ""),
		v("Retrieved_Gtid_Set", ""), v("Executed_Gtid_Set", ""), v("Auto_Position", "0"),
		v("Replicate_Rewrite_DB", ""), v("Channel_Name", ""), v("Source_TLS_Version", ""),
		v("Source_public_key_path", ""), v("Get_Source_public_key", "0"), v("Network_Namespace", ""),
	)
	for i := range out {
		if strings.HasPrefix(out[i].Value, "Waiting for master") {
			out[i].Value = "Waiting for source to send event"
		}
		if out[i].Value == "Connecting to master" {
			out[i].Value = "Connecting to source"
		}
	}
	return out
}

func named(name string, f checks.Field) checks.Field { f.Name = name; return f }

// mysqlQuery answers the read-only queries runbooks ask: SELECT of server
// variables and literals, one row, columns named as MariaDB names them (the
// expression text, or its alias).
func (w *world) mysqlQuery(m *mysqlServer, q string) checks.Observation {
	if !m.up {
		return errObservation(m.refused())
	}
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(q), ";"))
	if len(s) < 7 || !strings.EqualFold(s[:7], "select ") {
		return checks.Observation{Error: fmt.Sprintf("simulator: the query %q is not modelled (it answers SELECT of @@variables and literals)", q)}
	}
	var fields []checks.Field
	for _, item := range strings.Split(s[7:], ",") {
		item = strings.TrimSpace(item)
		expr, alias := item, item
		if i := strings.Index(strings.ToLower(item), " as "); i >= 0 {
			expr, alias = strings.TrimSpace(item[:i]), strings.Trim(strings.TrimSpace(item[i+4:]), "`\"")
		}
		v, ok := m.variable(expr)
		if !ok {
			return checks.Observation{Error: fmt.Sprintf("simulator: the expression %q in %q is not modelled", expr, q)}
		}
		fields = append(fields, checks.Field{Name: alias, Value: v})
	}
	fields = append(fields, checks.Field{Name: "row_count", Value: "1"})
	return checks.Observation{Rows: []checks.Row{{Fields: fields}}}
}

func (m *mysqlServer) variable(expr string) (string, bool) {
	e := strings.ToLower(strings.TrimSpace(expr))
	e = strings.TrimPrefix(strings.TrimPrefix(e, "@@global."), "@@")
	switch e {
	case "read_only":
		if m.ro {
			return "1", true
		}
		return "0", true
	case "version":
		return m.spec.Version, true
	case "version_comment":
		return m.versionComment(), true
	case "server_id":
		return strconv.Itoa(max(m.spec.ServerID, 1)), true
	case "hostname":
		return m.host, true
	case "port":
		return strconv.Itoa(m.port), true
	}
	if _, err := strconv.ParseFloat(e, 64); err == nil {
		return e, true
	}
	if len(e) >= 2 && (e[0] == '\'' && e[len(e)-1] == '\'') {
		return strings.TrimSpace(expr)[1 : len(expr)-1], true
	}
	return "", false
}
