// Package mysql holds the probes against MySQL and MariaDB servers:
// mysql.replica (replication status, one row per channel), mysql.query (a
// read-only statement) and the mysql.exec action. It speaks through a
// *sql.DB the caller owns and reuses across polls.
package mysql

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavors of server.
const (
	FlavorMySQL   = "mysql"
	FlavorMariaDB = "mariadb"
)

// Server is what a server said it is (SELECT @@version, @@version_comment).
type Server struct {
	Flavor              string
	Major, Minor, Patch int
	Version             string // @@version as printed
}

// ParseVersion reads @@version and @@version_comment. MariaDB says so in
// either ("10.11.19-MariaDB-0+deb12u1-log", "mariadb.org binary
// distribution"); anything else is MySQL (Percona, Oracle, Aurora).
func ParseVersion(version, comment string) (Server, error) {
	s := Server{Flavor: FlavorMySQL, Version: version}
	if strings.Contains(strings.ToLower(version+" "+comment), "mariadb") {
		s.Flavor = FlavorMariaDB
	}
	v := version
	// MariaDB before 11 advertised "5.5.5-10.x" in the handshake; @@version
	// does not carry the prefix, but be lenient with values copied from one.
	if s.Flavor == FlavorMariaDB && strings.HasPrefix(v, "5.5.5-") {
		v = strings.TrimPrefix(v, "5.5.5-")
	}
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return s, fmt.Errorf("unrecognised server version %q", version)
	}
	nums := make([]int, 3)
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return s, fmt.Errorf("unrecognised server version %q", version)
		}
		nums[i] = n
	}
	s.Major, s.Minor, s.Patch = nums[0], nums[1], nums[2]
	return s, nil
}

func (s Server) atLeast(major, minor, patch int) bool {
	if s.Major != major {
		return s.Major > major
	}
	if s.Minor != minor {
		return s.Minor > minor
	}
	return s.Patch >= patch
}

// ReplicaStatusStatement is the statement that lists this server's
// replication status:
//
//   - MySQL 8.0.22+: SHOW REPLICA STATUS (columns say Replica_/Source_; 8.4
//     removed SHOW SLAVE STATUS). Earlier: SHOW SLAVE STATUS. Both give one
//     row per channel (Channel_Name).
//   - MariaDB 10.5.1+: SHOW ALL REPLICAS STATUS; 10.0-10.5.0: SHOW ALL
//     SLAVES STATUS. The ALL form lists every multi-source connection (one
//     row each, keyed by Connection_name), where plain SHOW SLAVE STATUS
//     shows only the default connection and would hide a stopped named one.
//     MariaDB kept the Slave_/Master_ column names in every version.
//   - MariaDB before 10.0 (no multi-source): SHOW SLAVE STATUS.
func (s Server) ReplicaStatusStatement() string {
	if s.Flavor == FlavorMariaDB {
		switch {
		case s.atLeast(10, 5, 1):
			return "SHOW ALL REPLICAS STATUS"
		case s.atLeast(10, 0, 0):
			return "SHOW ALL SLAVES STATUS"
		default:
			return "SHOW SLAVE STATUS"
		}
	}
	if s.atLeast(8, 0, 22) {
		return "SHOW REPLICA STATUS"
	}
	return "SHOW SLAVE STATUS"
}

// String is "MariaDB 10.11.19" or "MySQL 8.0.36".
func (s Server) String() string {
	name := "MySQL"
	if s.Flavor == FlavorMariaDB {
		name = "MariaDB"
	}
	return fmt.Sprintf("%s %d.%d.%d", name, s.Major, s.Minor, s.Patch)
}
