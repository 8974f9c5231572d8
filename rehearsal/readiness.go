package rehearsal

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Rehearsed is one rehearsal journal of the state directory, graded.
type Rehearsed struct {
	Session, Path  string
	Operator       string
	Runbook, SHA   string
	Scenario       string
	Started        time.Time // wall clock
	End            string
	Graded, Passed bool
	Score          int
}

// Loader finds the runbook and scenario a rehearsal ran (nil when gone:
// the rehearsal is then graded without them).
type Loader func(start session.StartData) (*steps.Runbook, *Scenario)

// errNotRehearsal ends the scan of a live session's journal.
var errNotRehearsal = errors.New("not a rehearsal")

// Rehearsals reads every journal in dir, one record at a time, and grades
// each rehearsal at passMark (the site policy's readiness.min_score;
// PassMark when lower); live sessions are left out. A journal that cannot
// be read is named in problems.
func Rehearsals(dir string, load Loader, passMark int) (out []Rehearsed, problems []string, err error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+journal.Ext))
	if err != nil {
		return nil, nil, fmt.Errorf("readiness: list journals in %s: %w", dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		r, ok, err := gradeFile(p, load, passMark)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case ok:
			out = append(out, r)
		}
	}
	return out, problems, nil
}

// gradeFile grades the journal at path when it is a rehearsal's.
func gradeFile(path string, load Loader, passMark int) (Rehearsed, bool, error) {
	var gr *grader
	var r Rehearsed
	res, err := journal.ScanFile(path, func(rec journal.Record) error {
		if gr == nil {
			var d session.StartData
			if rec.Type != session.EvSessionStart || rec.Decode(&d) != nil || d.Mode != session.ModeRehearsal {
				return errNotRehearsal
			}
			rb, sc := load(d)
			gr = NewGrader(rb, sc)
			gr.SetPassMark(passMark)
			r = Rehearsed{Session: d.Session, Path: path, Operator: d.Operator.Name, Runbook: d.Runbook.ID,
				SHA: d.Runbook.SHA256, Scenario: d.Scenario, Started: rec.Time}
			if r.Operator == "" {
				r.Operator = d.Operator.User
			}
		}
		gr.Add(rec)
		return nil
	})
	switch {
	case errors.Is(err, errNotRehearsal):
		return r, false, nil
	case err != nil:
		return r, false, err
	case gr == nil:
		return r, false, nil // empty
	case !res.OK && !res.Torn:
		return r, false, fmt.Errorf("journal %s does not verify at line %d: %s: left out", path, res.BadLine, res.Problem)
	}
	g := gr.Grade()
	r.End, r.Graded, r.Passed, r.Score = g.End, g.Graded, g.Passed, g.Score
	return r, true, nil
}

// ReadinessRow is one operator's readiness for one runbook.
type ReadinessRow struct {
	Operator, Runbook string
	// Last is the operator's latest rehearsal of the runbook; LastPassed
	// the latest passed one with the runbook's current hash (nil: none).
	Last       Rehearsed
	LastPassed *Rehearsed
	// CurrentSHA is the runbook's hash now ("" when it cannot be loaded);
	// Changed says it differs from Last's.
	CurrentSHA string
	Changed    bool
}

// ReadinessTable lists operators × runbooks from their rehearsals (graded
// at the site's pass mark: Rehearsals), sorted; current gives a runbook's
// hash now ("" unknown).
func ReadinessTable(rs []Rehearsed, current func(runbook string) string) []ReadinessRow {
	rows := map[[2]string]*ReadinessRow{}
	for _, r := range rs {
		k := [2]string{strings.ToLower(r.Operator), r.Runbook}
		row := rows[k]
		if row == nil {
			row = &ReadinessRow{Operator: r.Operator, Runbook: r.Runbook, CurrentSHA: current(r.Runbook)}
			rows[k] = row
		}
		if r.Started.After(row.Last.Started) || row.Last.Session == "" {
			row.Last = r
		}
		if passes(r) && (row.CurrentSHA == "" || r.SHA == row.CurrentSHA) && (row.LastPassed == nil || r.Started.After(row.LastPassed.Started)) {
			rr := r
			row.LastPassed = &rr
		}
	}
	out := make([]ReadinessRow, 0, len(rows))
	for _, row := range rows {
		row.Changed = row.CurrentSHA != "" && row.Last.SHA != row.CurrentSHA
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		if !strings.EqualFold(out[i].Operator, out[j].Operator) {
			return strings.ToLower(out[i].Operator) < strings.ToLower(out[j].Operator)
		}
		return out[i].Runbook < out[j].Runbook
	})
	return out
}

// passes: graded and passed, at the pass mark Rehearsals graded it with.
func passes(r Rehearsed) bool { return r.Graded && r.Passed }

// Ready finds operator's latest passed rehearsal (graded at the site's pass
// mark: Rehearsals) of runbook at hash sha that started within the window
// before now (ok=false: none).
func Ready(rs []Rehearsed, operator, runbook, sha string, window time.Duration, now time.Time) (Rehearsed, bool) {
	var best Rehearsed
	found := false
	for _, r := range rs {
		if !strings.EqualFold(r.Operator, operator) || r.Runbook != runbook || r.SHA != sha || !passes(r) {
			continue
		}
		if now.Sub(r.Started) > window {
			continue
		}
		if !found || r.Started.After(best.Started) {
			best, found = r, true
		}
	}
	return best, found
}
