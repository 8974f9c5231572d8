package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/netprobe"
	"github.com/handrail/handrail/internal/mariadbtest"
)

var (
	pair *mariadbtest.Pair
	// canary is the admin password of this package's pair. It must never
	// show up in an observation, an error, a result or a log line.
	canary string
)

const pwEnv = "HANDRAIL_LIVE_TEST_ADMIN_PASSWORD"

func TestMain(m *testing.M) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	canary = "canary-" + hex.EncodeToString(b)
	if err := os.Setenv(pwEnv, canary); err != nil {
		fmt.Fprintln(os.Stderr, "set", pwEnv+":", err)
		os.Exit(1)
	}
	os.Exit(mariadbtest.RunMainWith(m, &pair, mariadbtest.Options{AdminPassword: canary}))
}

// logSink collects what the driver logs.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.buf, format+"\n", args...)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func mysqlTarget(port int) checks.Target {
	return checks.Target{Kind: checks.TargetMySQL, Host: "127.0.0.1", Port: port, User: mariadbtest.AdminUser, PasswordEnv: pwEnv}
}

// newDriver resolves credentials the way a session does (from the
// environment) for the pair's two servers plus extra targets.
func newDriver(t testing.TB, extra map[string]checks.Target) (*Driver, *logSink) {
	t.Helper()
	targets := map[string]checks.Target{
		"primary": mysqlTarget(pair.Primary.Port),
		"replica": mysqlTarget(pair.Replica.Port),
	}
	for k, v := range extra {
		targets[k] = v
	}
	red := checks.NewRedactor()
	creds, err := checks.ResolveAllCredentials(targets, os.Getenv, os.ReadFile, nil, red)
	if err != nil {
		t.Fatal(err)
	}
	sink := &logSink{}
	d := New(targets, creds, Options{Redactor: red, Logf: sink.Logf})
	t.Cleanup(func() { d.Close() })
	return d, sink
}

func eq(s string) checks.Expect { return checks.Expect{Equals: &s} }

// pollUntil polls c through a real Poller until it passes or fails, and
// returns the last result.
func pollUntil(t *testing.T, d checks.Driver, c checks.Check) checks.Result {
	t.Helper()
	p := checks.NewPoller(d, nil)
	defer p.Close()
	p.Start(context.Background(), "test-step", []checks.Check{c})
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.Within)+10*time.Second)
	defer cancel()
	for {
		r, ok := p.Next(ctx)
		if !ok {
			t.Fatalf("%s: no final result", c.ID)
		}
		if r.Status == checks.StatusPass || r.Status == checks.StatusFail {
			return r
		}
	}
}

func replicaCheck(id string, within time.Duration, exp checks.Expectations) checks.Check {
	return checks.Check{ID: id, Kind: checks.KindMySQLReplica, Target: "replica", Expect: exp,
		Within: checks.Duration(within), Interval: checks.Duration(200 * time.Millisecond), Timeout: checks.Duration(3 * time.Second)}
}

func mustRun(t *testing.T, d *Driver, target, sql string) checks.ActionResult {
	t.Helper()
	r := d.Run(context.Background(), checks.Action{Kind: checks.ActionMySQLExec, Target: target, SQL: sql})
	if !r.OK() {
		t.Fatalf("%s: %+v", sql, r)
	}
	return r
}

func restoreReplication(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if !pair.Primary.Running() {
		if err := pair.StartPrimary(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := pair.ChangeMaster(ctx, pair.ReplPassword); err != nil {
		t.Fatal(err)
	}
	if err := pair.WaitReplicating(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestStopAndStartSlave(t *testing.T) {
	d, _ := newDriver(t, nil)
	defer restoreReplication(t)

	mustRun(t, d, "replica", "STOP SLAVE")
	stopped := replicaCheck("replica-stopped", 20*time.Second, checks.Expectations{
		{Field: "Slave_IO_Running", Expect: eq("No")},
		{Field: "Slave_SQL_Running", Expect: eq("No")},
		{Field: "Last_IO_Errno", Expect: eq("0")},
		{Field: "Last_IO_Error", Expect: checks.Expect{Empty: true}},
		{Field: "Seconds_Behind_Master", Expect: checks.Expect{Null: true}},
	})
	if r := pollUntil(t, d, stopped); r.Status != checks.StatusPass {
		t.Fatalf("after STOP SLAVE: %v %+v", r.Status, r.Verdict)
	}

	mustRun(t, d, "replica", "START SLAVE")
	running := replicaCheck("replica-running", 20*time.Second, checks.Expectations{
		{Field: "Replica_IO_Running", Expect: eq("Yes")}, // MySQL 8 spelling, MariaDB server
		{Field: "Slave_SQL_Running", Expect: eq("Yes")},
	})
	running.StableFor = checks.Duration(500 * time.Millisecond)
	if r := pollUntil(t, d, running); r.Status != checks.StatusPass || r.Held < 500*time.Millisecond {
		t.Fatalf("after START SLAVE: %v held %v %+v", r.Status, r.Held, r.Verdict)
	}
}

func TestWrongReplicationPasswordSurfaces1045(t *testing.T) {
	d, _ := newDriver(t, nil)
	defer restoreReplication(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pair.ChangeMaster(ctx, "wrong"); err != nil {
		t.Fatal(err)
	}
	c := replicaCheck("io-error", 20*time.Second, checks.Expectations{
		{Field: "Last_IO_Errno", Expect: eq("1045")},
		{Field: "Last_IO_Error", Expect: checks.Expect{Match: "Access denied for user '" + mariadbtest.ReplUser + "'"}},
		{Field: "Slave_SQL_Running", Expect: eq("Yes")},
	})
	r := pollUntil(t, d, c)
	if r.Status != checks.StatusPass {
		t.Fatalf("wrong password not surfaced: %v %+v", r.Status, r.Verdict)
	}
	// And a check expecting a healthy replica says why it fails.
	healthy := replicaCheck("healthy", time.Second, checks.Expectations{{Field: "Last_IO_Errno", Expect: eq("0")}})
	r = pollUntil(t, d, healthy)
	if r.Status != checks.StatusFail || !strings.Contains(r.Verdict.Reason, `"1045"`) {
		t.Fatalf("healthy check: %v %q", r.Status, r.Verdict.Reason)
	}
}

func TestPrimaryDown(t *testing.T) {
	d, _ := newDriver(t, nil)
	defer restoreReplication(t)
	if err := pair.StopPrimary(); err != nil {
		t.Fatal(err)
	}
	io := replicaCheck("io-lost", 30*time.Second, checks.Expectations{
		{Field: "Slave_IO_Running", Expect: checks.Expect{In: []string{"Connecting", "No"}}},
		{Field: "Slave_SQL_Running", Expect: eq("Yes")},
		// 2003: can't connect; 2013: lost connection mid-query.
		{Field: "Last_IO_Errno", Expect: checks.Expect{In: []string{"2003", "2013"}}},
		{Field: "Last_IO_Error", Expect: checks.Expect{Match: "Connection refused|Lost connection"}},
	})
	r := pollUntil(t, d, io)
	if r.Status != checks.StatusPass {
		t.Fatalf("replica did not notice: %v %+v", r.Status, r.Verdict)
	}
	for _, f := range []string{"Slave_IO_Running", "Last_IO_Errno", "Last_IO_Error"} {
		v, _ := r.Obs.Rows[0].Get(f)
		t.Logf("primary down: %s = %q", f, v.Value)
	}
	down := checks.Check{ID: "primary-down", Kind: checks.KindTCP, Target: "primary",
		Expect: checks.Expectations{{Field: netprobe.FieldState, Expect: eq(netprobe.StateClosed)}}, Within: checks.Duration(5 * time.Second)}
	if r := pollUntil(t, d, down); r.Status != checks.StatusPass {
		t.Fatalf("tcp closed: %v %+v", r.Status, r.Verdict)
	}
	// The primary's own probe says unreachable, quickly, and redacted.
	obs := d.Observe(context.Background(), checks.Check{ID: "p", Kind: checks.KindMySQLReplica, Target: "primary", Timeout: checks.Duration(2 * time.Second)})
	if obs.State != checks.StateUnreachable || !strings.Contains(obs.Error, "refused") {
		t.Fatalf("primary probe: %+v", obs)
	}
}

// silentListener accepts and never answers.
func silentListener(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close() // cleanup of a listener that never answers
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().(*net.TCPAddr).Port
}

func TestSilentTargetIsUnreachableWithinTimeout(t *testing.T) {
	d, _ := newDriver(t, map[string]checks.Target{"silent": mysqlTarget(silentListener(t))})
	const timeout = 700 * time.Millisecond
	c := checks.Check{ID: "s", Kind: checks.KindMySQLReplica, Target: "silent", Timeout: checks.Duration(timeout),
		Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("Yes")}}}
	for range 2 { // the second attempt reuses the pool
		start := time.Now()
		obs := d.Observe(context.Background(), c)
		if took := time.Since(start); took > timeout+500*time.Millisecond {
			t.Fatalf("took %v with timeout %v", took, timeout)
		}
		if obs.State != checks.StateUnreachable || !strings.Contains(obs.Error, "no answer within") {
			t.Fatalf("obs %+v", obs)
		}
	}
	// Through the poller, past `within`, it stays unreachable: no data is
	// never a failure.
	c.Within = checks.Duration(time.Second)
	p := checks.NewPoller(d, nil)
	defer p.Close()
	p.Start(context.Background(), "test-step", []checks.Check{c})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	for time.Since(start) < 2*time.Duration(c.Within) {
		r, ok := p.Next(ctx)
		if !ok {
			t.Fatal("no result")
		}
		if r.Status != checks.StatusUnreachable || r.Since.IsZero() {
			t.Fatalf("poller, %v after the start: %v %+v", time.Since(start), r.Status, r.Verdict)
		}
	}
}

func TestNotAReplicaAndPoolReuse(t *testing.T) {
	d, _ := newDriver(t, nil)
	c := checks.Check{ID: "p", Kind: checks.KindMySQLReplica, Target: "primary",
		Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("Yes")}}}
	for range 5 {
		obs := d.Observe(context.Background(), c)
		if obs.State != checks.StateNotReplica {
			t.Fatalf("obs %+v", obs)
		}
	}
	d.mu.Lock()
	p := d.pools["primary"]
	d.mu.Unlock()
	if st := p.db.Stats(); st.OpenConnections != 1 || len(d.pools) != 1 {
		t.Fatalf("5 polls opened %d connections in %d pools", st.OpenConnections, len(d.pools))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if obs := d.Observe(context.Background(), c); !strings.Contains(obs.Error, "closed") {
		t.Fatalf("after Close: %+v", obs)
	}
}

func TestUnknownTargetAndKind(t *testing.T) {
	d, _ := newDriver(t, nil)
	if obs := d.Observe(context.Background(), checks.Check{ID: "x", Kind: checks.KindMySQLReplica, Target: "nope"}); !strings.Contains(obs.Error, `unknown target "nope"`) {
		t.Errorf("%+v", obs)
	}
	if obs := d.Observe(context.Background(), checks.Check{ID: "x", Kind: "weird", Target: "replica"}); !strings.Contains(obs.Error, `unknown kind "weird"`) {
		t.Errorf("%+v", obs)
	}
	if r := d.Run(context.Background(), checks.Action{Kind: checks.ActionMySQLExec, Target: "nope"}); r.OK() {
		t.Errorf("%+v", r)
	}
}

// TestCanaryNeverLeaks provokes every kind of failure with the admin
// password planted as a canary and looks for it everywhere.
func TestCanaryNeverLeaks(t *testing.T) {
	var stdLog bytes.Buffer
	log.SetOutput(&stdLog)
	defer log.SetOutput(os.Stderr)

	closed := func() int {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}()
	t.Setenv("HANDRAIL_LIVE_TEST_DSN", mariadbtest.AdminUser+":"+canary+"@tcp(127.0.0.1:"+fmt.Sprint(silentListener(t))+")/")
	wrongUser := mysqlTarget(pair.Replica.Port)
	wrongUser.User = "nobody"
	badHost := mysqlTarget(closed)
	d, sink := newDriver(t, map[string]checks.Target{
		"wrong-user": wrongUser,
		"bad-host":   badHost,
		"silent-dsn": {Kind: checks.TargetMySQL, DSNEnv: "HANDRAIL_LIVE_TEST_DSN"},
	})
	var out []any
	var texts []string
	for _, target := range []string{"wrong-user", "bad-host", "silent-dsn", "replica"} {
		for _, kind := range []string{checks.KindMySQLReplica, checks.KindMySQLQuery, checks.KindTCP} {
			c := checks.Check{ID: target + "-" + kind, Kind: kind, Target: target, Query: "SELECT CONCAT('pw=', " + "'" + canary + "') AS leak",
				Timeout: checks.Duration(500 * time.Millisecond), Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("Yes")}}}
			obs := d.Observe(context.Background(), c)
			out = append(out, obs, checks.Evaluate(c, obs))
			texts = append(texts, obs.Error)
		}
		r := d.Run(context.Background(), checks.Action{Kind: checks.ActionMySQLExec, Target: target, SQL: "DROP TABLE `" + canary + "`.t",
			Timeout: checks.Duration(500 * time.Millisecond)})
		out = append(out, r)
		texts = append(texts, r.Error)
	}
	// The failures are real and readable.
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"1045", "refused", "no answer within", "Unknown table '[secret].t'"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no error says %q:\n%s", want, joined)
		}
	}
	j, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"value":"pw=[secret]"`) {
		t.Errorf("the query's field was not redacted: %s", j)
	}
	all := string(j) + joined + sink.String() + stdLog.String() + fmt.Sprintf("%+v %#v", d, d.creds)
	if strings.Contains(all, canary) {
		i := strings.Index(all, canary)
		t.Fatalf("canary leaked: …%s…", all[max(0, i-200):min(len(all), i+100)])
	}
}

// BenchmarkDriverReplicaPoll is one mysql.replica poll through the live
// driver (pool reuse, redaction of every field) against the real replica.
func BenchmarkDriverReplicaPoll(b *testing.B) {
	d, _ := newDriver(b, nil)
	c := replicaCheck("b", 0, checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("Yes")}})
	ctx := context.Background()
	// The server counts every connection ever opened to it: the difference
	// over the run is how many connections the polls cost (the target is
	// one connection, reused across polls).
	admin := pair.AdminDB(pair.Replica)
	defer admin.Close()
	connections := func() float64 {
		var name string
		var n float64
		if err := admin.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Connections'").Scan(&name, &n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	if obs := d.Observe(ctx, c); obs.Error != "" { // open the pool first
		b.Fatal(obs.Error)
	}
	before := connections()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if obs := d.Observe(ctx, c); obs.Error != "" {
			b.Fatal(obs.Error)
		}
	}
	b.StopTimer()
	// connections() itself opens none: admin's pool is already open.
	b.ReportMetric((connections()-before)/float64(b.N), "conns/poll")
}
