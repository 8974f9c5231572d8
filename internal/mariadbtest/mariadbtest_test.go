package mariadbtest

import (
	"context"
	"database/sql"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

var pair *Pair

func TestMain(m *testing.M) { os.Exit(RunMain(m, &pair)) }

func slaveStatus(t *testing.T) map[string]sql.NullString {
	t.Helper()
	st, err := pair.SlaveStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPairReplicates(t *testing.T) {
	st := slaveStatus(t)
	if st["Slave_IO_Running"].String != "Yes" || st["Slave_SQL_Running"].String != "Yes" {
		t.Fatalf("threads: IO=%v SQL=%v", st["Slave_IO_Running"], st["Slave_SQL_Running"])
	}
	if got := st["Master_Port"].String; got != strconv.Itoa(pair.Primary.Port) {
		t.Fatalf("Master_Port = %s, want %d", got, pair.Primary.Port)
	}
	if err := pair.WaitReplicating(context.Background(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestRootIsNotReachableOverTCP(t *testing.T) {
	for _, s := range []*Server{pair.Primary, pair.Replica} {
		cfg := pair.AdminConfig(s)
		cfg.User, cfg.Passwd = "root", ""
		db := openCfg(t, cfg.FormatDSN())
		err := db.Ping()
		_ = db.Close() // only the ping's answer is under test
		if err == nil || !strings.Contains(err.Error(), "1045") {
			t.Fatalf("%s: root without password over TCP: err = %v, want 1045", s.Name, err)
		}
	}
}

func openCfg(t *testing.T, dsn string) *sql.DB {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStopAndStartPrimary(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(pair.Primary.Port))
	if err := pair.StopPrimary(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = c.Close() // the test fails either way
		t.Fatal("primary port still open after StopPrimary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pair.StartPrimary(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pair.WaitReplicating(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestStopAndStartReplica: the replica's server stops (its port closes)
// and starts again on the same port and data; its replication threads
// start again with START SLAVE and catch up.
func TestStopAndStartReplica(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(pair.Replica.Port))
	port := pair.Replica.Port
	if err := pair.StopReplica(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = c.Close()
		t.Fatal("replica port still open after StopReplica")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pair.StartReplica(ctx); err != nil {
		t.Fatal(err)
	}
	if pair.Replica.Port != port {
		t.Fatalf("the replica came back on port %d, not %d", pair.Replica.Port, port)
	}
	db := pair.AdminDB(pair.Replica)
	defer db.Close()
	if _, err := db.ExecContext(ctx, "START SLAVE"); err != nil {
		t.Fatal(err)
	}
	if err := pair.WaitReplicating(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestMissingBinaryMessage(t *testing.T) {
	old := MariadbdPath
	MariadbdPath = "/nonexistent/mariadbd"
	t.Setenv("PATH", t.TempDir())
	defer func() { MariadbdPath = old }()
	_, err := Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y mariadb-server") {
		t.Fatalf("err = %v", err)
	}
}

func TestCloseLeavesNoProcessOrFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{p.Primary.cmd.Process.Pid, p.Replica.cmd.Process.Pid}
	dir := p.dir
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil { // idempotent
		t.Fatalf("second Close: %v", err)
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("mariadbd pid %d still exists after Close", pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Close (err=%v)", dir, err)
	}
}
