package command

import (
	"strings"

	"github.com/handrail/handrail/checks"
)

// gslistColumns are the columns of GemStone's `gslist -l` (long) listing,
// in order:
//
//	Status   Version    Owner    Pid   Port   Started     Type       Name
//	------- --------- --------- ----- ----- ------------ ------      ----
//	exists  3.2.0     daleh     19495 52215 May 26 13:16 Stone       seaside
//
// Started is several words ("May 26 13:16"), so the generic table parser
// would shift Type and Name; this parser takes the first five words and the
// last two, and gives Started what lies between.
var gslistColumns = []string{"Status", "Version", "Owner", "Pid", "Port", "Started", "Type", "Name"}

// ParseGslistFields reads `gslist -l` output into fields named
// `<Name>.<Column>`: `seaside.Status = exists`, `seaside.Version = 3.2.0`,
// `seaside.Type = Stone`. A check names the process it means by the name
// gslist shows for it (the stone's name, for a stone). The header and ruler
// lines are skipped; a line with fewer than eight words is not a process
// line. When two processes share a name, the first listed counts.
func ParseGslistFields(stdout string) []checks.Field {
	var out []checks.Field
	seen := map[string]bool{}
	for _, line := range strings.Split(stdout, "\n") {
		w := strings.Fields(line)
		if len(w) < len(gslistColumns) || isRuler(line) || (w[0] == "Status" && w[1] == "Version") {
			continue
		}
		name := w[len(w)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		vals := append(append(append([]string(nil), w[:5]...), strings.Join(w[5:len(w)-2], " ")), w[len(w)-2:]...)
		for i, col := range gslistColumns {
			out = append(out, checks.Field{Name: name + "." + col, Value: vals[i]})
		}
	}
	return out
}
