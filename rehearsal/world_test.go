package rehearsal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// worldRunbook declares one target of every kind the world models.
const worldRunbook = `
id: world-test
title: World test
targets:
  slave: {kind: mysql, host: db2, port: 3306}
  s1: {kind: soliddb, host: sol1, port: 1964}
  s2: {kind: soliddb, host: sol2, port: 1964}
  s2host: {kind: host, host: sol2}
  tc1: {kind: host, host: tc1}
  tc2: {kind: host, host: tc2}
steps:
  - id: only
    title: Only step
`

func newWorld(t *testing.T, scenarioYAML string) (*Driver, *ManualClock) {
	t.Helper()
	rb, err := steps.Parse("world-test.yaml", []byte(worldRunbook))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario("world.yaml", []byte("runbook: world-test\ntitle: t\n"+scenarioYAML))
	if err != nil {
		t.Fatal(err)
	}
	sc.Name = "world"
	clock := NewManualClock(time.Time{})
	d, err := New(rb, sc, clock)
	if err != nil {
		t.Fatal(err)
	}
	return d, clock
}

func field(t *testing.T, o checks.Observation, name string) checks.Field {
	t.Helper()
	if o.Error != "" || len(o.Rows) == 0 {
		t.Fatalf("observation has no rows (error %q, state %q)", o.Error, o.State)
	}
	f, ok := o.Rows[0].Get(name)
	if !ok {
		t.Fatalf("field %s missing", name)
	}
	return f
}

func show(f checks.Field) string {
	if f.Null {
		return "NULL"
	}
	return f.Value
}

const mysqlWorld = `
world:
  mysql:
    - {name: master, host: db1, server_id: 1}
    - {target: slave, replica_of: master, server_id: 2, stop_delay: 1s, start_delay: 2s, catchup: 10}
`

func TestMySQLStopStartSlave(t *testing.T) {
	d, clock := newWorld(t, mysqlWorld)
	ctx := context.Background()
	status := checks.Check{ID: "st", Kind: checks.KindMySQLReplica, Target: "slave"}
	row := func() (io, sql, behind string) {
		o := d.Observe(ctx, status)
		return show(field(t, o, "Slave_IO_Running")), show(field(t, o, "Slave_SQL_Running")), show(field(t, o, "Seconds_Behind_Master"))
	}
	type want struct{ io, sql, behind string }
	check := func(at string, w want) {
		t.Helper()
		io, sql, behind := row()
		if io != w.io || sql != w.sql || behind != w.behind {
			t.Errorf("%s: IO=%s SQL=%s behind=%s, want IO=%s SQL=%s behind=%s", at, io, sql, behind, w.io, w.sql, w.behind)
		}
	}
	check("start", want{"Yes", "Yes", "0"})
	if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "STOP SLAVE"}); !r.OK() {
		t.Fatalf("STOP SLAVE: %+v", r)
	}
	check("just after STOP SLAVE (threads still running)", want{"Yes", "Yes", "0"})
	clock.Advance(time.Second)
	check("1s after STOP SLAVE", want{"No", "No", "NULL"})
	clock.Advance(99 * time.Second)
	check("stopped for 100s", want{"No", "No", "NULL"})
	// The manual's `slave start;` is in no current grammar.
	if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "slave start;"}); r.OK() || !strings.Contains(r.Error, "1064") {
		t.Fatalf("slave start;: %+v, want a syntax error", r)
	}
	if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "START SLAVE"}); !r.OK() || !strings.HasPrefix(r.Output, "START REPLICA (MariaDB 10.11.6): Query OK") {
		t.Fatalf("START SLAVE on MariaDB 10.11: %+v, want it sent as START REPLICA", r)
	}
	check("just after START SLAVE", want{"Connecting", "Yes", "NULL"})
	clock.Advance(2 * time.Second)
	// Stopped at +1s, connected at +102s: 101s behind, then the SQL thread
	// applies 10s of the master's writes per second (net 9s gained).
	check("connected", want{"Yes", "Yes", "101"})
	clock.Advance(10 * time.Second)
	check("catching up", want{"Yes", "Yes", "11"})
	clock.Advance(2 * time.Second)
	check("caught up", want{"Yes", "Yes", "0"})
}

func TestMySQLColumnsInMariaDBOrder(t *testing.T) {
	d, _ := newWorld(t, mysqlWorld)
	o := d.Observe(context.Background(), checks.Check{ID: "st", Kind: checks.KindMySQLReplica, Target: "slave"})
	var names []string
	for _, f := range o.Rows[0].Fields {
		names = append(names, f.Name)
	}
	// As MariaDB 10.11 prints SHOW SLAVE STATUS (captured from a real server).
	want := "Slave_IO_State Master_Host Master_User Master_Port Connect_Retry Master_Log_File Read_Master_Log_Pos Relay_Log_File Relay_Log_Pos Relay_Master_Log_File Slave_IO_Running Slave_SQL_Running Replicate_Do_DB Replicate_Ignore_DB Replicate_Do_Table Replicate_Ignore_Table Replicate_Wild_Do_Table Replicate_Wild_Ignore_Table Last_Errno Last_Error Skip_Counter Exec_Master_Log_Pos Relay_Log_Space Until_Condition Until_Log_File Until_Log_Pos Master_SSL_Allowed Master_SSL_CA_File Master_SSL_CA_Path Master_SSL_Cert Master_SSL_Cipher Master_SSL_Key Seconds_Behind_Master Master_SSL_Verify_Server_Cert Last_IO_Errno Last_IO_Error Last_SQL_Errno Last_SQL_Error Replicate_Ignore_Server_Ids Master_Server_Id Master_SSL_Crl Master_SSL_Crlpath Using_Gtid Gtid_IO_Pos Replicate_Do_Domain_Ids Replicate_Ignore_Domain_Ids Parallel_Mode SQL_Delay SQL_Remaining_Delay Slave_SQL_Running_State Slave_DDL_Groups Slave_Non_Transactional_Groups Slave_Transactional_Groups Replicate_Rewrite_DB"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("columns:\n got %s\nwant %s", got, want)
	}
}

func TestMySQLIOErrorFault(t *testing.T) {
	d, clock := newWorld(t, mysqlWorld+`
faults:
  - {id: purged, kind: mysql.io_error, target: slave, times: 1}
`)
	ctx := context.Background()
	status := checks.Check{ID: "st", Kind: checks.KindMySQLReplica, Target: "slave"}
	exec := func(sql string) {
		if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: sql}); !r.OK() {
			t.Fatalf("%s: %+v", sql, r)
		}
		clock.Advance(3 * time.Second)
	}
	exec("STOP SLAVE")
	exec("START SLAVE")
	o := d.Observe(ctx, status)
	for name, want := range map[string]string{
		"Slave_IO_Running": "No", "Slave_SQL_Running": "Yes", "Last_IO_Errno": "1236",
		"Last_IO_Error":         "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
		"Seconds_Behind_Master": "NULL",
	} {
		if got := show(field(t, o, name)); got != want {
			t.Errorf("after the fault: %s = %q, want %q", name, got, want)
		}
	}
	// STOP SLAVE keeps the last error (as MariaDB does); START SLAVE clears
	// it, and the fault struck only once.
	exec("STOP SLAVE")
	if got := show(field(t, d.Observe(ctx, status), "Last_IO_Errno")); got != "1236" {
		t.Errorf("after STOP SLAVE, Last_IO_Errno = %s, want 1236 kept", got)
	}
	exec("START SLAVE")
	o = d.Observe(ctx, status)
	if io, errno := show(field(t, o, "Slave_IO_Running")), show(field(t, o, "Last_IO_Errno")); io != "Yes" || errno != "0" {
		t.Errorf("second START SLAVE: IO=%s errno=%s, want Yes 0", io, errno)
	}
}

func TestMySQLQueryAndUnknown(t *testing.T) {
	d, _ := newWorld(t, mysqlWorld)
	ctx := context.Background()
	o := d.Observe(ctx, checks.Check{ID: "q", Kind: checks.KindMySQLQuery, Target: "slave", Query: "SELECT @@read_only, @@version AS v"})
	if got := show(field(t, o, "@@read_only")); got != "0" {
		t.Errorf("@@read_only = %s", got)
	}
	if got := show(field(t, o, "v")); !strings.Contains(got, "MariaDB") {
		t.Errorf("v = %s", got)
	}
	o = d.Observe(ctx, checks.Check{ID: "q", Kind: checks.KindMySQLQuery, Target: "slave", Query: "SELECT * FROM users"})
	if !strings.Contains(o.Error, "not modelled") {
		t.Errorf("unknown query: error %q, want a clear 'not modelled'", o.Error)
	}
	r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "DROP DATABASE x"})
	if r.OK() || !strings.Contains(r.Error, "not modelled") {
		t.Errorf("unknown statement: %+v", r)
	}
}

const solidWorld = `
world:
  soliddb:
    servers:
      - {target: s1, state: PRIMARY ACTIVE, version: 6.5.0.12}
      - {target: s2, state: SECONDARY ACTIVE, version: 6.5.0.12}
    netcopy: 40s
    catchup: 20s
    start: 10s
`

func TestSolidHotStandbyTransitions(t *testing.T) {
	d, clock := newWorld(t, solidWorld)
	ctx := context.Background()
	state := func(target string) string {
		o := d.Observe(ctx, checks.Check{ID: "st", Kind: checks.KindSolid, Target: target, Admin: "hsb state"})
		if o.Error != "" {
			return "error: " + o.Error
		}
		return show(field(t, o, "TEXT"))
	}
	status := func(target, what string) string {
		return show(field(t, d.Observe(ctx, checks.Check{ID: "st", Kind: checks.KindSolid, Target: target, Admin: "hsb status " + what}), "TEXT"))
	}
	admin := func(target, cmd string) checks.ActionResult {
		return d.Run(ctx, checks.Action{Kind: checks.ActionSolid, Target: target, Admin: cmd})
	}
	sh := func(line string) checks.ActionResult {
		return d.Run(ctx, checks.Action{Kind: checks.ActionCommand, Target: "s2host", Shell: line})
	}
	expect := func(at, s1, s2 string) {
		t.Helper()
		if g1, g2 := state("s1"), state("s2"); g1 != s1 || g2 != s2 {
			t.Errorf("%s: S1=%q S2=%q, want %q %q", at, g1, g2, s1, s2)
		}
	}
	expect("start", PrimaryActive, SecondaryActive)
	admin("s1", "hsb disconnect")
	expect("disconnect", PrimaryUncertain, SecondaryAlone)
	admin("s2", "shutdown force")
	clock.Advance(time.Second)
	if !strings.Contains(state("s2"), "error: SOLID Communication Error") {
		t.Errorf("a down server answers %q, want a connection error", state("s2"))
	}
	if r := admin("s1", "ADMIN COMMAND 'hsb set primary alone';"); !r.OK() {
		t.Fatalf("set primary alone: %+v", r)
	}
	expect("set primary alone", PrimaryAlone, "error: "+d.w.solid["s2"].refused())
	// New binaries on S2: a version-level upgrade needs -x autoconvert.
	if r := sh("upgrade soliddb 7.0.0.8"); !r.OK() {
		t.Fatalf("upgrade: %+v", r)
	}
	if r := sh("solid"); r.OK() || !strings.Contains(r.Error, "autoconvert") {
		t.Errorf("plain start after a version-level upgrade: %+v, want a refusal naming autoconvert", r)
	}
	sh("solid -x autoconvert")
	clock.Advance(10 * time.Second)
	expect("S2 started", PrimaryAlone, SecondaryAlone)
	// S2's database was converted to 7.0: it is no copy of S1's 6.5
	// database, so only a netcopy lets them connect.
	if r := admin("s1", "hsb connect"); r.OK() || !strings.Contains(r.Error, "netcopy") {
		t.Errorf("connect before netcopy: %+v, want a refusal naming netcopy", r)
	}
	expect("before netcopy", PrimaryAlone, SecondaryAlone)
	admin("s1", "hsb netcopy")
	if got := status("s1", "copy"); got != "ACTIVE" {
		t.Errorf("netcopy running: status copy %q, want ACTIVE", got)
	}
	clock.Advance(40 * time.Second)
	if got := status("s1", "copy"); got != "SUCCESS" {
		t.Errorf("netcopy done: status copy %q, want SUCCESS", got)
	}
	admin("s1", "hsb connect")
	if got := status("s1", "catchup"); got != "ACTIVE" {
		t.Errorf("after connect: catchup %q, want ACTIVE", got)
	}
	clock.Advance(20 * time.Second)
	if got := status("s1", "catchup"); got != "NOT ACTIVE" {
		t.Errorf("after catchup: %q, want NOT ACTIVE", got)
	}
	expect("connected", PrimaryActive, SecondaryActive)
	admin("s2", "' hsb switch primary'")
	clock.Advance(3 * time.Second)
	expect("switched", SecondaryActive, PrimaryActive)
}

func TestSolidConnectFault(t *testing.T) {
	d, clock := newWorld(t, solidWorld+`
faults:
  - {id: refused, kind: soliddb.connect_fails, target: s1, times: 1}
`)
	ctx := context.Background()
	admin := func(cmd string) checks.ActionResult {
		return d.Run(ctx, checks.Action{Kind: checks.ActionSolid, Target: "s1", Admin: cmd})
	}
	admin("hsb disconnect")
	admin("hsb set primary alone")
	r := admin("hsb connect")
	if r.OK() || r.ExitCode == 0 || !strings.Contains(r.Error, "netcopy") {
		t.Fatalf("faulty connect: %+v, want a non-zero RC telling to netcopy", r)
	}
	// Until a fresh netcopy the Secondary's copy stays unusable.
	if r := admin("hsb connect"); r.OK() {
		t.Fatalf("connect without netcopy after the fault succeeded: %+v", r)
	}
	admin("hsb netcopy")
	clock.Advance(40 * time.Second)
	if r := admin("hsb connect"); !r.OK() {
		t.Fatalf("connect after netcopy: %+v", r)
	}
}

const tcWorld = `
world:
  terracotta:
    servers:
      - {host: tc1, group: g1, role: active, version: 4.2.0}
      - {host: tc2, group: g1, role: mirror, version: 4.2.0}
    start: 10s
    sync: 30s
    failover: 5s
    stop: 3s
`

func TestTerracottaFailoverAndSync(t *testing.T) {
	d, clock := newWorld(t, tcWorld)
	ctx := context.Background()
	stat := func(host string) map[string]string {
		c := checks.Check{ID: "s", Kind: checks.KindCommand, Target: host, Argv: []string{"/opt/tc/server/bin/server-stat.sh", "-s", host + ":9540"}, Parse: "server-stat"}
		out := map[string]string{}
		o := d.Observe(ctx, c)
		out["key"] = o.Rows[0].Key
		for _, f := range o.Rows[0].Fields {
			out[f.Name] = f.Value
		}
		return out
	}
	run := func(host string, argv ...string) checks.ActionResult {
		return d.Run(ctx, checks.Action{Kind: checks.ActionCommand, Target: host, Argv: argv})
	}
	if s := stat("tc2"); s["key"] != "tc2:9510" || s["health"] != "OK" || s["role"] != "PASSIVE" || s["state"] != "PASSIVE-STANDBY" || s["group name"] != "g1" {
		t.Fatalf("mirror at start: %v", s)
	}
	run("tc1", "stop-tc-server.sh", "-f", "tc-config.xml")
	clock.Advance(3 * time.Second)
	// The REST-era tool: a block keyed by the -s host, every field
	// unknown, the error line, and exit 0.
	if s := stat("tc1"); s["key"] != "tc1" || s["health"] != "unknown" || s["exit_code"] != "0" ||
		s["error"] != "Connection refused to tc1:9540. Is the TSA running?" {
		t.Errorf("stopped active: %v", s)
	}
	if s := stat("tc2"); s["role"] != "PASSIVE" {
		t.Errorf("failover before its delay: %v", s)
	}
	clock.Advance(5 * time.Second)
	if s := stat("tc2"); s["role"] != "ACTIVE" || s["state"] != "ACTIVE-COORDINATOR" {
		t.Errorf("after failover: %v", s)
	}
	if r := run("tc1", "tar", "zxf", "terracotta-4.2.1.tar.gz"); !r.OK() {
		t.Fatalf("tar: %+v", r)
	}
	if r := run("tc1", "/opt/tc/server/bin/version.sh"); r.Output != "Terracotta Enterprise 4.2.1" {
		t.Errorf("version.sh: %q", r.Output)
	}
	run("tc1", "sh", "-c", "nohup /opt/tc/server/bin/start-tc-server.sh -f tc-config.xml &")
	clock.Advance(10 * time.Second)
	if s := stat("tc1"); s["role"] != "PASSIVE" || s["state"] != "PASSIVE-UNINITIALIZED" {
		t.Errorf("restarted server while syncing: %v", s)
	}
	clock.Advance(30 * time.Second)
	if s := stat("tc1"); s["state"] != "PASSIVE-STANDBY" {
		t.Errorf("restarted server after sync: %v", s)
	}
	if r := run("tc1", "frobnicate"); r.ExitCode != 127 || !strings.Contains(r.Error, "not found") {
		t.Errorf("unknown command: %+v", r)
	}
}

func TestTerracottaSyncStuck(t *testing.T) {
	d, clock := newWorld(t, tcWorld+`
faults:
  - {id: stuck, kind: terracotta.sync_stuck, target: tc2, times: 1}
`)
	ctx := context.Background()
	run := func(argv ...string) { d.Run(ctx, checks.Action{Kind: checks.ActionCommand, Target: "tc2", Argv: argv}) }
	state := func() string {
		o := d.Observe(ctx, checks.Check{ID: "s", Kind: checks.KindCommand, Target: "tc2", Argv: []string{"server-stat.sh", "-s", "tc2:9540"}, Parse: "server-stat"})
		return show(field(t, o, "state"))
	}
	run("stop-tc-server.sh")
	clock.Advance(5 * time.Second)
	run("start-tc-server.sh")
	clock.Advance(time.Hour)
	if got := state(); got != "PASSIVE-UNINITIALIZED" {
		t.Errorf("stuck mirror after an hour: %s", got)
	}
	// The fault strikes once: a restart syncs.
	run("stop-tc-server.sh")
	clock.Advance(5 * time.Second)
	run("start-tc-server.sh")
	clock.Advance(45 * time.Second)
	if got := state(); got != "PASSIVE-STANDBY" {
		t.Errorf("restarted mirror: %s", got)
	}
}

// TestTerracottaServerStatRevisions: each revision prints a stopped server
// as its source does, and the stripes fail over within themselves.
func TestTerracottaServerStatRevisions(t *testing.T) {
	tests := []struct {
		revision   string
		wantHealth string
		wantExit   string
		wantKey    string
	}{
		{ServerStatREST, "unknown", "0", "tc1"},
		{ServerStatJMX, "FAILED", "0", "tc1"},
		{ServerStatRetry, "", "1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.revision, func(t *testing.T) {
			d, clock := newWorld(t, `
world:
  terracotta:
    server_stat: `+tt.revision+`
    servers:
      - {host: tc1, group: g1, role: active, version: 4.2.0}
      - {host: tc2, group: g1, role: mirror, version: 4.2.0}
      - {host: tc3, group: g2, role: active, version: 4.2.0}
      - {host: tc4, group: g2, role: mirror, version: 4.2.0}
`)
			ctx := context.Background()
			d.Run(ctx, checks.Action{Kind: checks.ActionCommand, Target: "tc1", Argv: []string{"stop-tc-server.sh"}})
			clock.Advance(time.Minute)
			o := d.Observe(ctx, checks.Check{ID: "s", Kind: checks.KindCommand, Target: "tc1", Argv: []string{"server-stat.sh", "-s", "tc1:9540"}, Parse: "server-stat"})
			r := o.Rows[0]
			h, _ := r.Get("health")
			ex, _ := r.Get("exit_code")
			if h.Value != tt.wantHealth || ex.Value != tt.wantExit || r.Key != tt.wantKey {
				t.Errorf("stopped server: key %q health %q exit %s, want %q %q %s", r.Key, h.Value, ex.Value, tt.wantKey, tt.wantHealth, tt.wantExit)
			}
			// Stripe g1 failed over to tc2; stripe g2 kept its active.
			o = d.Observe(ctx, checks.Check{ID: "s", Kind: checks.KindCommand, Target: "tc1", Argv: []string{"server-stat.sh", "-s", "tc2:9540,tc4:9540"}, Parse: "server-stat"})
			var roles []string
			for _, r := range o.Rows {
				role, _ := r.Get("role")
				roles = append(roles, role.Value)
			}
			if strings.Join(roles, ",") != "ACTIVE,PASSIVE" {
				t.Errorf("roles of tc2, tc4 = %v, want ACTIVE,PASSIVE", roles)
			}
		})
	}
}

// TestMySQL84Vocabulary: a MySQL 8.4 replica answers in Replica_/Source_
// columns (found under the check's Slave_ spelling, as the live probe does),
// and its actions run the REPLICA words; a MySQL 5.7 replica runs the SLAVE
// words.
func TestMySQL84Vocabulary(t *testing.T) {
	tests := []struct {
		version, stop, start string
		column               string
	}{
		{"8.4.0", "STOP REPLICA (MySQL 8.4.0)", "START REPLICA (MySQL 8.4.0)", "Replica_IO_Running"},
		{"5.7.44-log", "STOP SLAVE (MySQL 5.7.44)", "START SLAVE (MySQL 5.7.44)", "Slave_IO_Running"},
		{"10.4.34-MariaDB", "STOP SLAVE (MariaDB 10.4.34)", "START SLAVE (MariaDB 10.4.34)", "Slave_IO_Running"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			d, clock := newWorld(t, `
world:
  mysql:
    - {name: master, host: db1, server_id: 1, version: "`+tt.version+`"}
    - {target: slave, replica_of: master, server_id: 2, version: "`+tt.version+`"}
`)
			ctx := context.Background()
			bare := d.Observe(ctx, checks.Check{ID: "st", Kind: checks.KindMySQLReplica, Target: "slave"})
			if _, ok := bare.Rows[0].Get(tt.column); !ok {
				t.Errorf("a check naming nothing sees the server's own column %s", tt.column)
			}
			c := checks.Check{ID: "st", Kind: checks.KindMySQLReplica, Target: "slave",
				Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: new("No")}}}}
			if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "STOP SLAVE"}); !r.OK() || !strings.HasPrefix(r.Output, tt.stop) {
				t.Fatalf("stop: %+v, want %s", r, tt.stop)
			}
			clock.Advance(2 * time.Second)
			if v := checks.Evaluate(c, d.Observe(ctx, c)); !v.Pass {
				t.Errorf("after stop: %s", v.Reason)
			}
			if r := d.Run(ctx, checks.Action{Kind: checks.ActionMySQLExec, Target: "slave", SQL: "START REPLICA"}); !r.OK() || !strings.HasPrefix(r.Output, tt.start) {
				t.Fatalf("start: %+v, want %s", r, tt.start)
			}
		})
	}
}
