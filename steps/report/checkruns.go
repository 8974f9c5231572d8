package report

import (
	"fmt"
	"sort"
	"time"
)

// checkRun is one check's identical verdicts in a row within a visit (the
// same status and the same failing values or reason), waiting to be shown as
// one timeline entry: "waiting ×48, 16:03:54–16:03:59". A check whose probe
// answers many times with the same verdict (its unshown values, a log
// position, changed) would otherwise flood the timeline with one line each.
type checkRun struct {
	check, status, why string
	first, last        time.Time
	n                  int
}

// event is the run as one timeline entry. A run of one is the record as it
// always read; a longer one says how many records it stands for and from
// when to when. It is placed at its last record's time: that is where it
// ends in the journal's order.
func (c *checkRun) event() Event {
	text := fmt.Sprintf("check %s: %s", c.check, c.status)
	e := Event{Time: c.last, Kind: "check", Count: c.n, Since: c.first}
	if c.n > 1 {
		text += fmt.Sprintf(" ×%d, %s–%s", c.n, clock(c.first), clock(c.last))
	}
	if c.why != "" {
		text += " — " + c.why
	}
	e.Text = text
	return e
}

// checkStatus takes a check.status of the open visit: it extends the
// check's run when the verdict is the same as the run's, else it ends that
// run and starts another. Every change stays its own entry; only repeats
// are counted.
//
// The timeline stays in time order: a run is shown when it ends, and then
// with every other run that had no record since (ordered by their last
// records); the runs still open all have a later record than anything shown.
func (t *timeline) checkStatus(at time.Time, check, status, why string) {
	for _, r := range t.runs {
		if r.check != check {
			continue
		}
		if r.status == status && r.why == why {
			r.n++
			r.last = at
			return
		}
		t.flushRuns(r.last)
		break
	}
	t.runs = append(t.runs, &checkRun{check: check, status: status, why: why, first: at, last: at, n: 1})
}

// flushRuns shows every open run whose last record is no later than until
// (all of them for a zero until), in the order of their last records.
func (t *timeline) flushRuns(until time.Time) {
	if len(t.runs) == 0 {
		return
	}
	var done, open []*checkRun
	for _, r := range t.runs {
		if until.IsZero() || !r.last.After(until) {
			done = append(done, r)
		} else {
			open = append(open, r)
		}
	}
	t.runs = open
	sort.SliceStable(done, func(i, j int) bool { return done[i].last.Before(done[j].last) })
	for _, r := range done {
		e := r.event()
		t.emit(Entry{Kind: EntryItem, Event: &e})
	}
}
