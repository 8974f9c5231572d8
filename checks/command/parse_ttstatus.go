package command

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/handrail/handrail/checks"
)

// TimesTen ttStatus field names.
const (
	// FieldConnections is the count ttStatus states ("There are N
	// connections to the data store"; "no" reads as 0).
	FieldConnections = "connections"
	// FieldClientConnections counts the listed connections of type Server:
	// each is a TimesTen server child serving one client/server
	// connection ("Server pid 19376 context 0x48f0068 connected ...
	// (Client Information: pid 19776; ...").
	FieldClientConnections = "client_connections"
	// FieldDirectConnections counts the listed connections of type Process
	// (applications linked directly to the data store).
	FieldDirectConnections = "direct_connections"
)

var (
	ttDataStore   = regexp.MustCompile(`^\s*Data store (.+?)\s*$`)
	ttConnections = regexp.MustCompile(`^\s*There are (no|\d+) connections? to the data store`)
)

// ParseTTStatusRows reads TimesTen ttStatus output into one row per data
// store it reports (Key: the data store's path), with connections (the
// count ttStatus states) and the counts of the connection lines it lists
// by type: client_connections (Server) and direct_connections (Process).
// It reads both layouts Oracle documents: one line per connection
// ("Server pid 19376 context 0x48f0068 connected ...", releases 6 and 7)
// and the table under "Type  PID  Context  Connection Name  ConnID"
// (later releases).
func ParseTTStatusRows(stdout string) []checks.Row {
	var rows []checks.Row
	type counts struct{ client, direct int }
	var cur *checks.Row
	var c counts
	flush := func() {
		if cur == nil {
			return
		}
		cur.Fields = append(cur.Fields,
			checks.Field{Name: FieldClientConnections, Value: strconv.Itoa(c.client)},
			checks.Field{Name: FieldDirectConnections, Value: strconv.Itoa(c.direct)})
		rows = append(rows, *cur)
		cur, c = nil, counts{}
	}
	for _, line := range strings.Split(strings.ReplaceAll(stdout, "\r\n", "\n"), "\n") {
		if m := ttDataStore.FindStringSubmatch(line); m != nil {
			flush()
			cur = &checks.Row{Key: m[1]}
			continue
		}
		if cur == nil {
			continue
		}
		if isRuler(line) && strings.TrimSpace(line) != "" {
			flush()
			continue
		}
		if m := ttConnections.FindStringSubmatch(line); m != nil {
			n := m[1]
			if n == "no" {
				n = "0"
			}
			cur.Fields = append(cur.Fields, checks.Field{Name: FieldConnections, Value: n})
			continue
		}
		switch connectionType(line) {
		case "Server":
			c.client++
		case "Process":
			c.direct++
		}
	}
	flush()
	return rows
}

// connectionType is the type word of a ttStatus connection line ("Process
// pid 19180 context ..." or "Process  26291  0x00007f59...  database1  1"),
// or "" for any other line.
func connectionType(line string) string {
	w := strings.Fields(line)
	if len(w) < 3 {
		return ""
	}
	if w[1] == "pid" {
		if _, err := strconv.Atoi(w[2]); err == nil {
			return w[0]
		}
		return ""
	}
	if _, err := strconv.Atoi(w[1]); err == nil && strings.HasPrefix(w[2], "0x") {
		return w[0]
	}
	return ""
}
