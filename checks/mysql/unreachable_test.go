package mysql

import (
	"database/sql"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/handrail/handrail/checks"
)

// TestExecUnreachable: an action whose connection is refused never reached
// the server (ActionResult.Unreachable, so a fails_step on_fail does not
// fire); one to a listener that accepts and never answers is not marked:
// the statement may have been sent.
func TestExecUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, addr, sql string
		want            bool
	}{
		{"refused", closed, "SET GLOBAL read_only = 1", true},
		{"refused, replica control", closed, "STOP REPLICA", true},
		{"accepted, silent", silentListener(t), "SET GLOBAL read_only = 1", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := gomysql.NewConfig()
			cfg.User, cfg.Net, cfg.Addr, cfg.Timeout = "u", "tcp", tt.addr, time.Second
			conn, err := gomysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(conn)
			defer db.Close()
			ar := NewProber(db).Exec(ctxT(t, 500*time.Millisecond), checks.Action{Kind: checks.ActionMySQLExec, SQL: tt.sql})
			if ar.OK() || ar.Unreachable != tt.want {
				t.Fatalf("Exec = %+v, want Unreachable %v", ar, tt.want)
			}
			if tt.want && !strings.Contains(ar.Error, "refused") {
				t.Errorf("error %q", ar.Error)
			}
		})
	}
}

// TestExecWithAWrongPasswordNeverRan: the real MariaDB refuses the login
// with 1045 before any statement: the action is marked as one that never
// reached its target (no on_fail for a password typo), and says why.
func TestExecWithAWrongPasswordNeverRan(t *testing.T) {
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", "not-the-password", "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(pair.Replica.Port))
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	for _, stmt := range []string{"SET GLOBAL read_only = 0", "STOP REPLICA"} {
		ar := NewProber(db).Exec(ctxT(t, 5*time.Second), checks.Action{Kind: checks.ActionMySQLExec, SQL: stmt})
		if ar.OK() || !ar.Unreachable || !strings.Contains(ar.Error, "1045") {
			t.Errorf("%s with a wrong password = %+v, want not run (Unreachable) with error 1045", stmt, ar)
		}
	}
}
