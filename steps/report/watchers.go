package report

import (
	"encoding/json"
	"strings"

	"github.com/handrail/handrail/steps/session"
)

// WatchedBy lists who watched the session through `handrail serve`, from
// its watch.join and watch.leave records: name, key, address, and when they
// joined and left, from the records the report's first reading kept. It is
// "" when the journal records no watcher, which is not "nobody watched": a
// local `handrail watch` only reads the journal and leaves no record, and
// serve journals only the watchers of a session it drives; the report says
// so (noWatcherMD, and the page's template).
func (r *Report) WatchedBy() string {
	type visit struct {
		who         session.Operator
		join, leave string
	}
	var visits []*visit
	open := map[string]*visit{}
	for _, rec := range r.watches {
		var d session.WatchData
		if json.Unmarshal(rec.Data, &d) != nil {
			continue
		}
		id := d.Who.Name + "\x00" + d.Who.Key + "\x00" + d.Who.SSHClient
		if rec.Type == session.EvWatchJoin {
			v := &visit{who: d.Who, join: clock(rec.Time)}
			visits, open[id] = append(visits, v), v
		} else if v := open[id]; v != nil {
			v.leave = clock(rec.Time)
			delete(open, id)
		}
	}
	if len(visits) == 0 {
		return ""
	}
	parts := make([]string, len(visits))
	for i, v := range visits {
		var how []string
		if v.who.Key != "" {
			how = append(how, v.who.Key)
		}
		if v.who.SSHClient != "" {
			how = append(how, "from "+v.who.SSHClient)
		}
		leave := v.leave
		if leave == "" {
			leave = "the end"
		}
		parts[i] = v.who.Name + " (" + strings.Join(how, ", ") + ") " + v.join + "–" + leave
	}
	return strings.Join(parts, "; ")
}

// noWatcherMD is the Markdown report's "Watched by" when the journal
// records no watcher: an auditor must not read it as "unwatched".
const noWatcherMD = "— (none recorded: `handrail serve` journals who watches a session it drives; a local `handrail watch` reads the journal and leaves no record)"
