package command

import (
	"strings"

	"github.com/handrail/handrail/checks"
)

// serverStatKeys are the report lines Terracotta 4.x server-stat prints for
// each server, as `<server>.<key>: <value>` (ServerStat.toString in
// Terracotta-OSS terracotta-core, deploy/src/main/java/com/tc/server/util/
// ServerStat.java). 4.0/4.1 print `jmxport`, 4.2 and later `port`; a later
// 4.x revision adds `initialState`; `error` follows when the tool could not
// reach the server.
var serverStatKeys = []string{"health", "role", "initialState", "state", "port", "jmxport", "group name", "error"}

// FieldHealth is the server-stat field a stopped server is judged by.
const FieldHealth = "health"

// ParseServerStatRows reads Terracotta server-stat output into one row per
// server it reports, in the order printed. A row's Key is the server's id
// as printed before the key: the server's name from tc-config (by default
// host:tsa-port) when the tool reached it, the host given to -s when it did
// not. Its fields are named by the key alone (health, role, state, port,
// group name, error, ...), so a check reads the row whatever the server is
// called.
//
// When stdout holds no report at all, the result is one row whose health
// is empty: a later 4.x server-stat gives up on a server it cannot reach
// (ten tries two seconds apart), throws, and exits 1 without printing a
// health line. `health: {ne: OK}` then holds, and `health: OK` does not.
func ParseServerStatRows(stdout string) []checks.Row {
	var rows []checks.Row
	index := map[string]int{}
	for _, f := range ParseKVFields(stdout) {
		id, key, ok := splitServerStatKey(f.Name)
		if !ok {
			continue
		}
		i, seen := index[id]
		if !seen {
			i = len(rows)
			index[id] = i
			rows = append(rows, checks.Row{Key: id})
		}
		if _, dup := rows[i].Get(key); dup {
			continue // a key printed twice: the first one counts, as for kv
		}
		rows[i].Fields = append(rows[i].Fields, checks.Field{Name: key, Value: f.Value})
	}
	if len(rows) == 0 {
		return []checks.Row{{Fields: []checks.Field{{Name: FieldHealth, Value: ""}}}}
	}
	return rows
}

// splitServerStatKey splits "tc-m1.example.com:9510.group name" into the
// server id and the report key; ids may hold dots and colons.
func splitServerStatKey(name string) (id, key string, ok bool) {
	for _, k := range serverStatKeys {
		if id, found := strings.CutSuffix(name, "."+k); found && id != "" {
			return id, k, true
		}
	}
	return "", "", false
}
