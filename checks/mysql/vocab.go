package mysql

import "strings"

// MySQL 8.0.22 renamed the replication vocabulary: Slave -> Replica and
// Master -> Source, in statements and in SHOW REPLICA STATUS columns.
// Runbooks are written from manuals of either era, so a check expecting
// Slave_IO_Running must find Replica_IO_Running and the reverse.

// exceptions are renames the token rule below gets wrong (case changes).
var exceptions = map[string]string{
	"Get_master_public_key": "Get_Source_public_key",
	"Get_Source_public_key": "Get_master_public_key",
}

// AltName returns a column's name in the other vocabulary
// (Slave_IO_Running <-> Replica_IO_Running, Seconds_Behind_Master <->
// Seconds_Behind_Source, Master_Host <-> Source_Host), and false when the
// name has no other spelling (Last_IO_Errno, Channel_Name).
func AltName(name string) (string, bool) {
	if alt, ok := exceptions[name]; ok {
		return alt, true
	}
	parts := strings.Split(name, "_")
	changed := false
	for i, p := range parts {
		if alt, ok := tokenAlt[p]; ok {
			parts[i], changed = alt, true
		}
	}
	if !changed {
		return "", false
	}
	return strings.Join(parts, "_"), true
}

var tokenAlt = map[string]string{
	"Slave": "Replica", "Replica": "Slave",
	"slave": "replica", "replica": "slave",
	"Master": "Source", "Source": "Master",
	"master": "source", "source": "master",
}

// fieldNamer decides the name each column is emitted under: the server's
// name, unless the check's expectations spell it the other way, in which
// case the check's spelling (so checks.Evaluate, which matches names
// exactly, finds it).
type fieldNamer struct {
	want map[string]bool
}

func newFieldNamer(expect []string) fieldNamer {
	if len(expect) == 0 {
		return fieldNamer{}
	}
	w := make(map[string]bool, len(expect))
	for _, e := range expect {
		w[e] = true
	}
	return fieldNamer{want: w}
}

func (n fieldNamer) name(col string) string {
	if n.want == nil || n.want[col] {
		return col
	}
	if alt, ok := AltName(col); ok && n.want[alt] {
		return alt
	}
	return col
}
