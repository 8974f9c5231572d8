package report

import (
	"encoding/json"
	"strings"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// WatchedBy lists who watched the session through `handrail serve`, from
// its watch.join and watch.leave records: name, key, address, and when they
// joined and left ("—" when nobody did). It reads the journal at r.Path,
// and only the intact records Build read.
func (r *Report) WatchedBy() string {
	if r.Path == "" {
		return "—"
	}
	l, err := journal.ReadLog(r.Path)
	if err != nil {
		return "— (" + err.Error() + ")"
	}
	type visit struct {
		who         session.Operator
		join, leave string
	}
	var visits []*visit
	open := map[string]*visit{}
	for i, rec := range l.Records {
		if i >= r.Records || (rec.Type != session.EvWatchJoin && rec.Type != session.EvWatchLeave) {
			continue
		}
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
		return "—"
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
