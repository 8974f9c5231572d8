package policy

import (
	"slices"
	"strconv"

	"github.com/handrail/handrail/steps"
)

// Readiness is the readiness section (docs/rehearsal.md): a passed
// rehearsal before a live run.
//
//	readiness:
//	  days: 30          # a passed rehearsal counts this many days (default 30)
//	  min_score: 70     # the score a rehearsal must reach (default 70, at least 70)
//	  require: false    # true: `handrail run` refuses instead of warning
//	  runbooks: []      # only these runbook ids (default: every runbook)
type Readiness struct {
	Days     int
	MinScore int
	Require  bool
	Runbooks []string
	// Source is the file that set the section ("" when none did: the
	// defaults).
	Source string
}

// Defaults of the readiness section.
const (
	DefaultReadinessDays = 30
	DefaultMinScore      = 70
)

// Applies reports whether the policy covers runbook id.
func (r Readiness) Applies(runbook string) bool {
	return len(r.Runbooks) == 0 || slices.Contains(r.Runbooks, runbook)
}

// readinessSection is the section as one file writes it (zero: not set).
type readinessSection struct {
	days, minScore int
	require        bool
	runbooks       []string
	set            bool
}

func readiness(y *steps.YAMLFile, es []steps.YAMLEntry, ctx string) readinessSection {
	s := readinessSection{set: true}
	for _, ke := range y.Known(es, ctx, "days", "min_score", "require", "runbooks") {
		switch ke.Key() {
		case "days":
			var ok bool
			if s.days, ok = number(y, ke, ctx); ok && s.days < 1 {
				y.Errorf(ke, "%s: days %d: give a number of days of at least 1", ctx, s.days)
			}
		case "min_score":
			var ok bool
			if s.minScore, ok = number(y, ke, ctx); ok && (s.minScore < DefaultMinScore || s.minScore > 100) {
				y.Errorf(ke, "%s: min_score %d: give a score from %d to 100", ctx, s.minScore, DefaultMinScore)
			}
		case "require":
			s.require = y.Bool(ke, ctx)
		case "runbooks":
			s.runbooks = y.TextList(ke, ctx)
		}
	}
	return s
}

// number is a whole number written as one; ok is false, with a finding,
// otherwise.
func number(y *steps.YAMLFile, e steps.YAMLEntry, ctx string) (int, bool) {
	t := y.Text(e, ctx)
	n, err := strconv.Atoi(t)
	if err != nil {
		y.Errorf(e, "%s: key %q: want a whole number, got %q", ctx, e.Key(), t)
		return 0, false
	}
	return n, true
}

// merge: the stricter rule wins. Any file's require holds; the shorter
// window and the higher pass mark hold; the site's list of runbooks (read
// first) holds when it names any.
func (r *Readiness) merge(f readinessSection, path string) {
	if !f.set {
		return
	}
	if r.Source == "" {
		r.Source = path
	}
	r.Require = r.Require || f.require
	if f.days > 0 && f.days < r.Days {
		r.Days = f.days
	}
	if f.minScore > r.MinScore {
		r.MinScore = f.minScore
	}
	if len(r.Runbooks) == 0 {
		r.Runbooks = f.runbooks
	}
}
