package mysql

import (
	"bufio"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestReplicaControlStatementByVersion(t *testing.T) {
	tests := []struct {
		version, comment string
		stop, start      string
	}{
		{"5.7.44-log", "MySQL Community Server (GPL)", "STOP SLAVE", "START SLAVE"},
		{"8.0.21", "MySQL Community Server - GPL", "STOP SLAVE", "START SLAVE"},
		{"8.0.22", "MySQL Community Server - GPL", "STOP REPLICA", "START REPLICA"},
		{"8.0.36-28", "Percona Server (GPL)", "STOP REPLICA", "START REPLICA"},
		{"8.4.0", "MySQL Community Server - GPL", "STOP REPLICA", "START REPLICA"},
		{"9.1.0", "MySQL Community Server - GPL", "STOP REPLICA", "START REPLICA"},
		{"10.4.34-MariaDB", "mariadb.org binary distribution", "STOP SLAVE", "START SLAVE"},
		{"10.5.0-MariaDB", "", "STOP SLAVE", "START SLAVE"},
		{"10.5.1-MariaDB", "", "STOP REPLICA", "START REPLICA"},
		{"10.11.6-MariaDB-log", "Debian 12", "STOP REPLICA", "START REPLICA"},
		{"11.4.2-MariaDB", "", "STOP REPLICA", "START REPLICA"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s, err := ParseVersion(tt.version, tt.comment)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.ReplicaControlStatement("stop"); got != tt.stop {
				t.Errorf("stop: %q, want %q", got, tt.stop)
			}
			if got := s.ReplicaControlStatement("START"); got != tt.start {
				t.Errorf("start: %q, want %q", got, tt.start)
			}
		})
	}
}

// TestExecReplicaWordsOnRealMariaDB: the action sends the words the server
// takes. MariaDB 10.11 takes both, so both are run against it for real: the
// REPLICA words as the detected server's choice, the SLAVE words by making
// the prober believe it talks to MariaDB 10.4. Each result names the
// statement that ran, and replication really stops and starts.
func TestExecReplicaWordsOnRealMariaDB(t *testing.T) {
	_, rep := probers(t)
	ctx := ctxT(t, 30*time.Second)
	running := func() string {
		o := rep.Replica(ctx, checks.Check{Kind: checks.KindMySQLReplica})
		if o.Error != "" || len(o.Rows) == 0 {
			t.Fatalf("replica status: %+v", o)
		}
		io, _ := o.Rows[0].Get("Slave_IO_Running")
		sql, _ := o.Rows[0].Get("Slave_SQL_Running")
		return io.Value + "/" + sql.Value
	}
	waitFor := func(want string) {
		deadline := time.Now().Add(20 * time.Second)
		for running() != want {
			if time.Now().After(deadline) {
				t.Fatalf("replica threads %s, want %s", running(), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Cleanup(func() {
		_, _ = rep.db.ExecContext(context.Background(), "START SLAVE") // leave the pair replicating
	})
	tests := []struct {
		name   string
		server *Server // nil: ask the real server
		sql    string
		ran    string
		want   string
	}{
		{"detected 10.11: STOP REPLICA", nil, "STOP SLAVE", "STOP REPLICA", "No/No"},
		{"detected 10.11: START REPLICA", nil, "START SLAVE", "START REPLICA", "Yes/Yes"},
		{"as 10.4: STOP SLAVE", &Server{Flavor: FlavorMariaDB, Major: 10, Minor: 4, Patch: 34}, "STOP REPLICA", "STOP SLAVE", "No/No"},
		{"as 10.4: START SLAVE", &Server{Flavor: FlavorMariaDB, Major: 10, Minor: 4, Patch: 34}, "START REPLICA", "START SLAVE", "Yes/Yes"},
	}
	for _, tt := range tests {
		rep.mu.Lock()
		rep.server = tt.server
		rep.mu.Unlock()
		r := rep.Exec(ctx, checks.Action{SQL: tt.sql})
		if !r.OK() || !strings.HasPrefix(r.Output, tt.ran+" (MariaDB 10.") {
			t.Fatalf("%s: %+v, want it to say %s ran", tt.name, r, tt.ran)
		}
		waitFor(tt.want)
	}
}

// TestShowReplicaStatusCaptureMapping: the MySQL reference manual's
// SHOW REPLICA STATUS\G example (a MySQL 8.4 replica) read the way the probe
// names columns for a runbook written in the old words: every column the
// check names in the SLAVE/MASTER vocabulary is found under that name.
// The mapped names are a golden file.
func TestShowReplicaStatusCaptureMapping(t *testing.T) {
	cols, vals := readVerticalCapture(t, "../../runbooks/testdata/vendor/mysql-show-replica-status-8.4.txt")
	expect := []string{"Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Errno", "Last_IO_Error",
		"Last_SQL_Errno", "Last_SQL_Error", "Seconds_Behind_Master", "Master_Host"}
	names := ColumnNames(cols, expect)
	var b strings.Builder
	for i, n := range names {
		b.WriteString(cols[i] + " -> " + n + " = " + vals[i] + "\n")
	}
	golden := "testdata/show-replica-status-8.4-mapping.golden"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./checks/mysql -run TestShowReplicaStatusCaptureMapping -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("mapping differs from %s:\n%s", golden, b.String())
	}
	found := map[string]string{}
	for i, n := range names {
		found[n] = vals[i]
	}
	for _, e := range expect {
		if _, ok := found[e]; !ok {
			t.Errorf("%s: not found in the 8.4 capture under the check's spelling", e)
		}
	}
	if found["Slave_IO_Running"] != "Yes" || found["Seconds_Behind_Master"] != "0" || found["Master_Host"] != "127.0.0.1" {
		t.Errorf("values: %v", found)
	}
}

// readVerticalCapture reads a `\G` capture fixture (after its "--- stdout"
// line) into column names and values.
func readVerticalCapture(t *testing.T, path string) (cols, vals []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "--- stdout":
			in = true
			continue
		case strings.HasPrefix(line, "--- "):
			in = false
			continue
		case !in || strings.HasPrefix(line, "****"):
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: not a column line: %q", path, line)
		}
		cols = append(cols, strings.TrimSpace(name))
		vals = append(vals, strings.TrimSpace(val))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, vals
}
