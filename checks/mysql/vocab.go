package mysql

import (
	"slices"
	"strings"
	"sync"
)

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
	// memo, when set, keeps the names of the last column set mapped.
	memo *namesMemo
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

// namesMemo is the last column set a fieldNamer mapped and the names it
// gave. A replica's status has some sixty columns and every poll returns
// the same ones, so they are mapped once per column set, not once per
// poll; a server upgraded to the other vocabulary returns another set,
// which is mapped afresh.
type namesMemo struct {
	mu    sync.Mutex
	cols  []string
	names []string
}

// names maps a result's columns, in order. The slice it returns is shared
// between polls: read it, never change it.
func (n fieldNamer) names(cols []string) []string {
	if n.want == nil {
		return cols
	}
	if n.memo == nil {
		return n.mapAll(cols)
	}
	n.memo.mu.Lock()
	defer n.memo.mu.Unlock()
	if n.memo.names == nil || !slices.Equal(n.memo.cols, cols) {
		n.memo.cols, n.memo.names = slices.Clone(cols), n.mapAll(cols)
	}
	return n.memo.names
}

func (n fieldNamer) mapAll(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = n.name(c)
	}
	return out
}

// namers keeps a Prober's fieldNamers, one per set of expected field
// names, each with its memo.
type namers struct {
	mu sync.Mutex
	by map[string]fieldNamer
}

// maxNamers bounds a Prober's namers (a runbook has a few dozen checks).
const maxNamers = 256

func (ns *namers) get(expect []string) fieldNamer {
	if len(expect) == 0 {
		return fieldNamer{}
	}
	key := strings.Join(expect, "\x00")
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if n, ok := ns.by[key]; ok {
		return n
	}
	if ns.by == nil || len(ns.by) >= maxNamers {
		ns.by = map[string]fieldNamer{}
	}
	n := newFieldNamer(expect)
	n.memo = &namesMemo{}
	ns.by[key] = n
	return n
}
