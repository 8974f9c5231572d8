package mysql

import (
	"strings"
)

// MySQL 8.0.22 added STOP REPLICA / START REPLICA beside STOP SLAVE /
// START SLAVE, and MySQL 8.4 removed the SLAVE words (the MySQL 8.4
// Reference Manual, "STOP REPLICA Statement"); MariaDB accepts the REPLICA
// words from 10.5.1 and keeps the SLAVE ones (MariaDB Knowledge Base, "STOP
// REPLICA"). A runbook names the statement it means; the action runs the
// form the connected server accepts, chosen like the status statement.

// UsesReplicaWords reports whether the server takes STOP/START REPLICA:
// MySQL 8.0.22 and later, MariaDB 10.5.1 and later. Servers before those
// know only STOP/START SLAVE.
func (s Server) UsesReplicaWords() bool {
	if s.Flavor == FlavorMariaDB {
		return s.atLeast(10, 5, 1)
	}
	return s.atLeast(8, 0, 22)
}

// ReplicaControlStatement is the statement that does verb ("STOP" or
// "START") on this server: "STOP REPLICA" where the server takes the
// REPLICA words, "STOP SLAVE" before them.
func (s Server) ReplicaControlStatement(verb string) string {
	if s.UsesReplicaWords() {
		return strings.ToUpper(verb) + " REPLICA"
	}
	return strings.ToUpper(verb) + " SLAVE"
}

// ColumnNames returns the names the mysql.replica probe gives a status
// row's columns for a check whose expectations name expect: each column
// under the server's name, unless the check spells it in the other
// vocabulary (see AltName). It is how a capture of SHOW REPLICA STATUS is
// judged exactly as a live probe would judge it.
func ColumnNames(cols, expect []string) []string {
	n := newFieldNamer(expect)
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = n.name(c)
	}
	return out
}
