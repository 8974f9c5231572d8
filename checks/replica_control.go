package checks

import (
	"regexp"
	"strings"
)

// MySQL 8.0.22 added STOP REPLICA / START REPLICA beside STOP SLAVE /
// START SLAVE, and MySQL 8.4 removed the SLAVE words (the MySQL 8.4
// Reference Manual, "STOP REPLICA Statement"); MariaDB accepts the REPLICA
// words from 10.5.1 (MariaDB Knowledge Base, "STOP REPLICA"). A mysql.exec
// action that controls the replica is sent in the words the connected
// server takes (checks/mysql); here is how it is recognised, and what the
// operator is told before it runs.

// replicaControl matches STOP|START SLAVE|REPLICA with an optional
// `FOR CHANNEL 'name'` and a trailing semicolon, any case and spacing.
var replicaControl = regexp.MustCompile(`(?i)^\s*(STOP|START)\s+(?:SLAVE|REPLICA)(\s+FOR\s+CHANNEL\s+'[^'\\]*')?\s*;?\s*$`)

// ReplicaControl reports whether sql is a replica-control statement and
// returns its verb (STOP or START) and the rest of it (`FOR CHANNEL '…'`,
// with its leading space, or "").
func ReplicaControl(sql string) (verb, rest string, ok bool) {
	m := replicaControl.FindStringSubmatch(sql)
	if m == nil {
		return "", "", false
	}
	rest = m[2]
	if rest != "" {
		rest = " " + strings.Join(strings.Fields(rest), " ")
		// Keep the channel name's own spelling; upper-case the keywords.
		if i := strings.IndexByte(rest, '\''); i > 0 {
			rest = strings.ToUpper(rest[:i]) + rest[i:]
		}
	}
	return strings.ToUpper(m[1]), rest, true
}

// WordsNote is what the operator reads beside a replica-control action
// before it runs: the statement shown is the runbook's, and a server that
// takes the other words is sent those (the journal's action.end names the
// statement that ran). "" for every other action.
func (a Action) WordsNote() string {
	if a.Kind != ActionMySQLExec {
		return ""
	}
	verb, rest, ok := ReplicaControl(a.SQL)
	if !ok {
		return ""
	}
	if strings.Contains(strings.ToUpper(a.SQL), "REPLICA") {
		return verb + " SLAVE" + rest + " on MySQL < 8.0.22 / MariaDB < 10.5.1"
	}
	return verb + " REPLICA" + rest + " on MySQL ≥ 8.0.22 / MariaDB ≥ 10.5.1"
}
