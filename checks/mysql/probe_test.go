package mysql

import (
	"context"
	"database/sql"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/mariadbtest"
)

var pair *mariadbtest.Pair

func TestMain(m *testing.M) { os.Exit(mariadbtest.RunMain(m, &pair)) }

func probers(t testing.TB) (primary, replica *Prober) {
	t.Helper()
	pdb, rdb := pair.AdminDB(pair.Primary), pair.AdminDB(pair.Replica)
	t.Cleanup(func() { pdb.Close(); rdb.Close() })
	return NewProber(pdb), NewProber(rdb)
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func eq(s string) checks.Expect { return checks.Expect{Equals: &s} }

func TestServerDetectsMariaDB(t *testing.T) {
	_, rep := probers(t)
	s, err := rep.Server(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s.Flavor != FlavorMariaDB || s.Major < 10 || s.ReplicaStatusStatement() != "SHOW ALL REPLICAS STATUS" {
		t.Fatalf("server %+v -> %s", s, s.ReplicaStatusStatement())
	}
}

func TestReplicaRunning(t *testing.T) {
	_, rep := probers(t)
	c := checks.Check{ID: "r", Kind: checks.KindMySQLReplica, Expect: checks.Expectations{
		{Field: "Slave_IO_Running", Expect: eq("Yes")},
		{Field: "Slave_SQL_Running", Expect: eq("Yes")},
		{Field: "Last_IO_Errno", Expect: eq("0")},
		{Field: "Seconds_Behind_Master", Expect: checks.Expect{NotNull: true}},
	}}
	obs := rep.Replica(ctxT(t, 5*time.Second), c)
	if obs.Error != "" || obs.State != "" || len(obs.Rows) != 1 {
		t.Fatalf("obs %+v", obs)
	}
	r := obs.Rows[0]
	if r.Key != "" {
		t.Errorf("default connection key = %q", r.Key)
	}
	if f, ok := r.Get("Connection_name"); !ok || f.Null {
		t.Errorf("Connection_name: %+v %v (ALL form expected)", f, ok)
	}
	// An empty column is "", not NULL.
	if f, ok := r.Get("Last_IO_Error"); !ok || f.Null || f.Value != "" {
		t.Errorf("Last_IO_Error = %+v", f)
	}
	if v := checks.Evaluate(c, obs); !v.Pass {
		t.Fatalf("verdict %+v", v)
	}
	if obs.Latency <= 0 || obs.At.IsZero() {
		t.Errorf("latency %v at %v", obs.Latency, obs.At)
	}
}

// A runbook written for MySQL 8.0.22+ runs unchanged against MariaDB,
// which still says Slave_/Master_.
func TestReplicaVocabularyOnRealServer(t *testing.T) {
	_, rep := probers(t)
	c := checks.Check{ID: "r", Kind: checks.KindMySQLReplica, Expect: checks.Expectations{
		{Field: "Replica_IO_Running", Expect: eq("Yes")},
		{Field: "Replica_SQL_Running", Expect: eq("Yes")},
		{Field: "Seconds_Behind_Source", Expect: checks.Expect{NotNull: true}},
		{Field: "Source_Port", Expect: checks.Expect{Gt: new(float64(0))}},
	}}
	obs := rep.Replica(ctxT(t, 5*time.Second), c)
	if v := checks.Evaluate(c, obs); !v.Pass {
		t.Fatalf("verdict %+v", v)
	}
	if _, ok := obs.Rows[0].Get("Slave_IO_Running"); ok {
		t.Error("Slave_IO_Running still present beside Replica_IO_Running")
	}
	if _, ok := obs.Rows[0].Get("Master_Host"); !ok {
		t.Error("columns the check does not name keep the server's name")
	}
}

func TestPrimaryIsNotAReplica(t *testing.T) {
	prim, _ := probers(t)
	c := checks.Check{ID: "r", Kind: checks.KindMySQLReplica, Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("No")}}}
	obs := prim.Replica(ctxT(t, 5*time.Second), c)
	if obs.State != checks.StateNotReplica || obs.Error != "" || len(obs.Rows) != 0 {
		t.Fatalf("obs %+v", obs)
	}
	if v := checks.Evaluate(c, obs); v.Pass || v.Reason != checks.StateNotReplica {
		t.Fatalf("verdict %+v", v)
	}
}

func TestReplicaChannelFilter(t *testing.T) {
	_, rep := probers(t)
	c := checks.Check{ID: "r", Kind: checks.KindMySQLReplica, Channel: "east", Expect: checks.Expectations{{Field: "Slave_IO_Running", Expect: eq("Yes")}}}
	obs := rep.Replica(ctxT(t, 5*time.Second), c)
	if !strings.Contains(obs.State, `no replication channel "east"`) || !strings.Contains(obs.State, `""`) {
		t.Fatalf("state %q", obs.State)
	}
	if v := checks.Evaluate(c, obs); v.Pass {
		t.Fatal("passed without the channel")
	}
}

func TestQuery(t *testing.T) {
	_, rep := probers(t)
	ctx := ctxT(t, 5*time.Second)
	obs := rep.Query(ctx, checks.Check{Query: "SELECT NULL AS n, '' AS e, 1000000e0 AS d, 42 AS i, @@read_only AS ro, 'No' AS txt"})
	if obs.Error != "" || len(obs.Rows) != 1 {
		t.Fatalf("obs %+v", obs)
	}
	want := map[string]checks.Field{
		"n": {Name: "n", Null: true}, "e": {Name: "e"}, "d": {Name: "d", Value: "1000000"},
		"i": {Name: "i", Value: "42"}, "ro": {Name: "ro", Value: "0"}, "txt": {Name: "txt", Value: "No"},
		FieldRowCount: {Name: FieldRowCount, Value: "1"},
	}
	for name, w := range want {
		if f, ok := obs.Rows[0].Get(name); !ok || f != w {
			t.Errorf("%s = %+v (%v), want %+v", name, f, ok, w)
		}
	}
	obs = rep.Query(ctx, checks.Check{Query: "SELECT user FROM mysql.user WHERE user = 'nobody-here'"})
	if f, _ := obs.Rows[0].Get(FieldRowCount); f.Value != "0" || len(obs.Rows[0].Fields) != 1 {
		t.Errorf("empty result: %+v", obs.Rows)
	}
	obs = rep.Query(ctx, checks.Check{Query: "SHOW DATABASES"})
	if f, _ := obs.Rows[0].Get(FieldRowCount); f.Value < "3" {
		t.Errorf("SHOW DATABASES row_count %+v", f)
	}
	obs = rep.Query(ctx, checks.Check{Query: "DELETE FROM handrail_test.t"})
	if !strings.Contains(obs.Error, "read-only") {
		t.Errorf("DELETE allowed: %+v", obs)
	}
	obs = rep.Query(ctx, checks.Check{Query: "SELECT * FROM no_such_db.t"})
	if !strings.Contains(obs.Error, "1049") && !strings.Contains(obs.Error, "1146") {
		t.Errorf("bad table: %+v", obs)
	}
}

func TestQueryRunsReadOnly(t *testing.T) {
	// A SELECT whose function writes is stopped by the READ ONLY
	// transaction even though it passes the keyword check.
	prim, _ := probers(t)
	ctx := ctxT(t, 5*time.Second)
	db := pair.AdminDB(pair.Primary)
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE FUNCTION IF NOT EXISTS handrail_test.sneaky() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
		BEGIN INSERT INTO handrail_test.t VALUES (99, 'sneaky'); RETURN 1; END`); err != nil {
		t.Fatal(err)
	}
	obs := prim.Query(ctx, checks.Check{Query: "SELECT handrail_test.sneaky() AS s"})
	if obs.Error == "" {
		t.Fatalf("write through a function was allowed: %+v", obs)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM handrail_test.t WHERE id = 99").Scan(&n); err != nil || n != 0 {
		t.Fatalf("row written: n=%d err=%v", n, err)
	}
}

func TestExec(t *testing.T) {
	prim, _ := probers(t)
	ctx := ctxT(t, 5*time.Second)
	r := prim.Exec(ctx, checks.Action{SQL: "INSERT INTO handrail_test.t VALUES (10, 'a'), (11, 'b')"})
	if !r.OK() || r.RowsAffected != 2 || !strings.HasPrefix(r.Output, "Query OK, 2 rows affected") {
		t.Fatalf("insert: %+v", r)
	}
	r = prim.Exec(ctx, checks.Action{SQL: "DELETE FROM handrail_test.t WHERE id IN (10, 11)"})
	if !r.OK() || r.RowsAffected != 2 {
		t.Fatalf("delete: %+v", r)
	}
	r = prim.Exec(ctx, checks.Action{SQL: "STOP SLAVE 'nope'"})
	if r.OK() || !strings.Contains(r.Error, "1617") && !strings.Contains(r.Error, "nope") {
		t.Fatalf("bad exec: %+v", r)
	}
}

// silentListener accepts connections and never says a word: the worst
// kind of unreachable, where only a deadline helps.
func silentListener(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					_ = c.Close() // cleanup of a listener that never answers
				}
				close(done)
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

func TestSilentServerFailsWithinDeadline(t *testing.T) {
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "u", "p", "tcp", silentListener(t)
	cfg.Timeout, cfg.ReadTimeout = 30*time.Second, 30*time.Second // only ctx may save us
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	p := NewProber(db)
	const timeout = 300 * time.Millisecond
	for _, probe := range []func(context.Context) checks.Observation{
		func(ctx context.Context) checks.Observation { return p.Replica(ctx, checks.Check{}) },
		func(ctx context.Context) checks.Observation { return p.Query(ctx, checks.Check{Query: "SELECT 1"}) },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		start := time.Now()
		obs := probe(ctx)
		took := time.Since(start)
		cancel()
		if took > timeout+500*time.Millisecond {
			t.Errorf("took %v with a %v deadline", took, timeout)
		}
		if obs.State != checks.StateUnreachable || !strings.Contains(obs.Error, "no answer within") {
			t.Errorf("obs %+v", obs)
		}
	}
}

func TestClosedPortIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.Timeout = "u", "tcp", addr, time.Second
	conn, _ := gomysql.NewConnector(cfg)
	db := sql.OpenDB(conn)
	defer db.Close()
	obs := NewProber(db).Replica(ctxT(t, 2*time.Second), checks.Check{})
	if obs.State != checks.StateUnreachable || !strings.Contains(obs.Error, "refused") {
		t.Fatalf("obs %+v", obs)
	}
}

// BenchmarkReplicaPoll is one mysql.replica poll over a reused connection
// against the real replica: the statement, 60-odd columns, field naming.
func BenchmarkReplicaPoll(b *testing.B) {
	_, rep := probers(b)
	c := checks.Check{ID: "r", Kind: checks.KindMySQLReplica, Expect: checks.Expectations{
		{Field: "Replica_IO_Running", Expect: eq("Yes")}, {Field: "Slave_SQL_Running", Expect: eq("Yes")}}}
	ctx := context.Background()
	if obs := rep.Replica(ctx, c); obs.Error != "" {
		b.Fatal(obs.Error)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if obs := rep.Replica(ctx, c); obs.Error != "" || len(obs.Rows) != 1 {
			b.Fatal(obs.Error)
		}
	}
}
