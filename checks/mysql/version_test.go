package mysql

import (
	"strings"
	"testing"
)

func TestReplicaStatusStatement(t *testing.T) {
	tests := []struct {
		version, comment string
		flavor, stmt     string
	}{
		{"10.11.19-MariaDB-0+deb12u1-log", "Debian 12", FlavorMariaDB, "SHOW ALL REPLICAS STATUS"},
		{"10.5.1-MariaDB", "mariadb.org binary distribution", FlavorMariaDB, "SHOW ALL REPLICAS STATUS"},
		{"10.5.0-MariaDB", "", FlavorMariaDB, "SHOW ALL SLAVES STATUS"},
		{"10.4.32-MariaDB-log", "", FlavorMariaDB, "SHOW ALL SLAVES STATUS"},
		{"10.0.0-MariaDB", "", FlavorMariaDB, "SHOW ALL SLAVES STATUS"},
		{"5.5.68-MariaDB", "MariaDB Server", FlavorMariaDB, "SHOW SLAVE STATUS"},
		{"5.5.5-10.6.12-MariaDB", "", FlavorMariaDB, "SHOW ALL REPLICAS STATUS"},
		{"11.4.2-MariaDB", "", FlavorMariaDB, "SHOW ALL REPLICAS STATUS"},
		{"10.6.12", "mariadb.org binary distribution", FlavorMariaDB, "SHOW ALL REPLICAS STATUS"},
		{"8.0.22", "MySQL Community Server - GPL", FlavorMySQL, "SHOW REPLICA STATUS"},
		{"8.0.21", "MySQL Community Server - GPL", FlavorMySQL, "SHOW SLAVE STATUS"},
		{"8.0.36-0ubuntu0.22.04.1", "(Ubuntu)", FlavorMySQL, "SHOW REPLICA STATUS"},
		{"8.4.0", "", FlavorMySQL, "SHOW REPLICA STATUS"},
		{"9.1.0", "", FlavorMySQL, "SHOW REPLICA STATUS"},
		{"5.7.44-log", "MySQL Community Server (GPL)", FlavorMySQL, "SHOW SLAVE STATUS"},
		{"5.6.51", "", FlavorMySQL, "SHOW SLAVE STATUS"},
		{"8.0.35-27", "Percona Server (GPL), Release 27", FlavorMySQL, "SHOW REPLICA STATUS"},
		{"8.0", "", FlavorMySQL, "SHOW SLAVE STATUS"},
	}
	for _, tt := range tests {
		s, err := ParseVersion(tt.version, tt.comment)
		if err != nil {
			t.Errorf("%s: %v", tt.version, err)
			continue
		}
		if s.Flavor != tt.flavor || s.ReplicaStatusStatement() != tt.stmt {
			t.Errorf("%q/%q: flavor %s stmt %q, want %s %q", tt.version, tt.comment, s.Flavor, s.ReplicaStatusStatement(), tt.flavor, tt.stmt)
		}
	}
	for _, bad := range []string{"", "eight", "8", "x.y.z"} {
		if _, err := ParseVersion(bad, ""); err == nil || !strings.Contains(err.Error(), "unrecognised") {
			t.Errorf("ParseVersion(%q) err = %v", bad, err)
		}
	}
	if s, _ := ParseVersion("10.11.19-MariaDB", ""); s.String() != "MariaDB 10.11.19" {
		t.Errorf("String = %q", s.String())
	}
}

// Column sets of SHOW SLAVE STATUS (MySQL 5.7 / MariaDB) and SHOW REPLICA
// STATUS (MySQL 8.0.22+), in server order, as the manuals list them.
var (
	slaveColumns = []string{"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Connect_Retry",
		"Master_Log_File", "Read_Master_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Master_Log_File",
		"Slave_IO_Running", "Slave_SQL_Running", "Last_Errno", "Last_Error", "Exec_Master_Log_Pos",
		"Seconds_Behind_Master", "Master_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error",
		"Master_Server_Id", "Master_UUID", "Master_Info_File", "Slave_SQL_Running_State", "Master_Retry_Count",
		"Master_Bind", "Master_SSL_Crl", "Master_TLS_Version", "Master_public_key_path", "Get_master_public_key",
		"Channel_Name"}
	replicaColumns = []string{"Replica_IO_State", "Source_Host", "Source_User", "Source_Port", "Connect_Retry",
		"Source_Log_File", "Read_Source_Log_Pos", "Relay_Log_File", "Relay_Log_Pos", "Relay_Source_Log_File",
		"Replica_IO_Running", "Replica_SQL_Running", "Last_Errno", "Last_Error", "Exec_Source_Log_Pos",
		"Seconds_Behind_Source", "Source_SSL_Verify_Server_Cert", "Last_IO_Errno", "Last_IO_Error",
		"Source_Server_Id", "Source_UUID", "Source_Info_File", "Replica_SQL_Running_State", "Source_Retry_Count",
		"Source_Bind", "Source_SSL_Crl", "Source_TLS_Version", "Source_public_key_path", "Get_Source_public_key",
		"Channel_Name"}
)

func TestAltNameMapsTheTwoVocabularies(t *testing.T) {
	for i := range slaveColumns {
		old, neu := slaveColumns[i], replicaColumns[i]
		if old == neu {
			if alt, ok := AltName(old); ok {
				t.Errorf("AltName(%s) = %s, want none", old, alt)
			}
			continue
		}
		if alt, ok := AltName(old); !ok || alt != neu {
			t.Errorf("AltName(%s) = %s,%v want %s", old, alt, ok, neu)
		}
		if alt, ok := AltName(neu); !ok || alt != old {
			t.Errorf("AltName(%s) = %s,%v want %s", neu, alt, ok, old)
		}
	}
	// MariaDB-only columns follow the same rule.
	for in, want := range map[string]string{"Gtid_Slave_Pos": "Gtid_Replica_Pos", "Slave_received_heartbeats": "Replica_received_heartbeats"} {
		if alt, _ := AltName(in); alt != want {
			t.Errorf("AltName(%s) = %s, want %s", in, alt, want)
		}
	}
}

func TestFieldNamerUsesTheCheckSpelling(t *testing.T) {
	tests := []struct {
		name    string
		expect  []string
		columns []string
		want    map[string]bool // names that must be present
		absent  []string
	}{
		{"old check, new server", []string{"Slave_IO_Running", "Seconds_Behind_Master", "Last_IO_Errno"}, replicaColumns,
			map[string]bool{"Slave_IO_Running": true, "Seconds_Behind_Master": true, "Last_IO_Errno": true, "Replica_SQL_Running": true},
			[]string{"Replica_IO_Running", "Seconds_Behind_Source"}},
		{"new check, old server", []string{"Replica_IO_Running", "Source_Host"}, slaveColumns,
			map[string]bool{"Replica_IO_Running": true, "Source_Host": true, "Slave_SQL_Running": true},
			[]string{"Slave_IO_Running", "Master_Host"}},
		{"same vocabulary", []string{"Slave_IO_Running"}, slaveColumns, map[string]bool{"Slave_IO_Running": true}, nil},
		{"no expectations", nil, replicaColumns, map[string]bool{"Replica_IO_Running": true}, []string{"Slave_IO_Running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newFieldNamer(tt.expect)
			got := map[string]bool{}
			for i, c := range tt.columns {
				name := n.name(c)
				got[name] = true
				if i == 0 && name == "" {
					t.Fatal("empty name")
				}
			}
			if len(got) != len(tt.columns) {
				t.Errorf("%d distinct names for %d columns", len(got), len(tt.columns))
			}
			for w := range tt.want {
				if !got[w] {
					t.Errorf("missing %s", w)
				}
			}
			for _, a := range tt.absent {
				if got[a] {
					t.Errorf("%s should have been renamed", a)
				}
			}
		})
	}
}

func TestCheckReadOnly(t *testing.T) {
	ok := []string{"SELECT 1", "  select @@read_only;", "/* why */ SHOW GLOBAL STATUS LIKE 'x'",
		"-- c\nSELECT 1", "(SELECT 1) UNION (SELECT 2)", "WITH a AS (SELECT 1) SELECT * FROM a", "DESC t", "EXPLAIN SELECT 1",
		"SELECT 'for update' AS s", "SELECT 'a;b'"}
	bad := map[string]string{
		"DELETE FROM t":                  "not \"DELETE\"",
		"STOP SLAVE":                     "mysql.exec",
		"SELECT * FROM t FOR UPDATE":     "lock",
		"SELECT 1 INTO OUTFILE '/tmp/x'": "write files",
		"SELECT 1; DROP TABLE t":         "one statement",
		"":                               "read-only",
	}
	for _, q := range ok {
		if err := CheckReadOnly(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	for q, want := range bad {
		if err := CheckReadOnly(q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to say %q", q, err, want)
		}
	}
}

func TestValueText(t *testing.T) {
	tests := []struct {
		in   any
		want string
		null bool
	}{
		{nil, "", true}, {[]byte(""), "", false}, {[]byte("No"), "No", false}, {int64(-3), "-3", false},
		{uint64(18446744073709551615), "18446744073709551615", false}, {float64(1000000), "1000000", false},
		{float64(0.5), "0.5", false}, {float32(1.5), "1.5", false}, {float64(1e20), "1e+20", false},
	}
	for _, tt := range tests {
		got, null := valueText(tt.in)
		if got != tt.want || null != tt.null {
			t.Errorf("valueText(%#v) = %q,%v want %q,%v", tt.in, got, null, tt.want, tt.null)
		}
	}
}
