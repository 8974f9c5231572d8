package checks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Evaluate judges an observation against a check's expectations. The rules,
// in order (docs/checks.md repeats them for runbook authors):
//
//  1. Rows are narrowed to the check's Channel when one is set (Row.Key ==
//     Channel); the mysql probe already filters, this keeps other probes and
//     the simulator honest too.
//  2. The expectations judged are c.Expect plus two implicit ones, each added
//     only when no expectation names the field already:
//     - a `command` check expects `exit_code = 0`;
//     - a `manual` check expects `ticked = yes`.
//  3. An observation with Error fails with the error text as Reason; with a
//     State (e.g. "not a replica") it fails with the state as Reason. Rows it
//     did carry are still judged (for display), and when it carries none
//     every expectation is listed once as Missing.
//  4. No rows and no error fails with Reason "no data".
//  5. Otherwise every expectation is judged against every row; the check
//     passes when every FieldVerdict passes. A check with no expectations at
//     all (after rule 2) passes on any answer without error.
//  6. Each fail_when condition is judged against every row of an answer
//     without error (rule 3's observations are never final). When one holds,
//     the verdict fails and is Final, and Reason names the condition. A
//     fail_when field the row does not carry never matches.
//
// Within one expectation every condition set must hold. A field the row does
// not carry fails (Missing). SQL NULL fails every value condition (equals,
// ne, in, match, empty, lt/le/gt/ge): only `null: true` accepts it. Numeric
// conditions parse the actual text (trimmed) as a float; text that is not a
// number fails and says so.
func Evaluate(c Check, o Observation) Verdict {
	exps := effectiveExpect(c)
	rows := o.Rows
	if c.Channel != "" {
		rows = make([]Row, 0, 1)
		for _, r := range o.Rows {
			if r.Key == c.Channel {
				rows = append(rows, r)
			}
		}
	}

	var v Verdict
	switch {
	case o.Error != "":
		v.Reason = o.Error
	case o.State != "":
		v.Reason = o.State
	case len(rows) == 0 && c.Channel != "" && len(o.Rows) > 0:
		v.Reason = fmt.Sprintf("no replication channel %q", c.Channel)
	case len(rows) == 0:
		v.Reason = "no data"
	}

	if len(rows) == 0 {
		// Nothing to judge: list each expectation once so a panel still
		// shows what was expected beside "missing".
		for _, fe := range exps {
			v.Fields = append(v.Fields, FieldVerdict{
				Field: fe.Field, Expected: fe.Expect.String(), Missing: true,
			})
		}
		return v
	}

	var firstFail string
	failures := 0
	for _, r := range rows {
		for _, fe := range exps {
			fv, why := judge(r, fe)
			v.Fields = append(v.Fields, fv)
			if !fv.Pass {
				failures++
				if firstFail == "" {
					firstFail = why
				}
			}
		}
	}
	finals, firstFinal := 0, ""
	for _, r := range rows {
		for _, fe := range c.FailWhen {
			fv, why := judgeFailWhen(r, fe)
			v.Fields = append(v.Fields, fv)
			if !fv.Pass && v.Reason == "" {
				finals++
				if firstFinal == "" {
					firstFinal = why
				}
			}
		}
	}
	if v.Reason != "" {
		return v
	}
	switch {
	case finals == 1:
		v.Reason, v.Final = firstFinal, true
		return v
	case finals > 1:
		v.Reason, v.Final = fmt.Sprintf("%s (and %d more)", firstFinal, finals-1), true
		return v
	}
	switch failures {
	case 0:
		v.Pass = true
	case 1:
		v.Reason = firstFail
	default:
		v.Reason = fmt.Sprintf("%s (and %d more)", firstFail, failures-1)
	}
	return v
}

// Implicit expectations (rule 2 of Evaluate).
var (
	implicitExitCode = FieldExpect{Field: "exit_code", Expect: Expect{Equals: new("0")}}
	implicitTicked   = FieldExpect{Field: "ticked", Expect: Expect{Equals: new("yes")}}
)

func effectiveExpect(c Check) Expectations {
	var extra *FieldExpect
	switch c.Kind {
	case KindCommand:
		extra = &implicitExitCode
	case KindManual:
		extra = &implicitTicked
	}
	if extra == nil || slices.ContainsFunc(c.Expect, func(fe FieldExpect) bool { return fe.Field == extra.Field }) {
		return c.Expect
	}
	out := make(Expectations, 0, len(c.Expect)+1)
	out = append(out, *extra)
	return append(out, c.Expect...)
}

// judge checks one expectation against one row and says why it failed.
func judge(r Row, fe FieldExpect) (FieldVerdict, string) {
	fv := FieldVerdict{Row: r.Key, Field: fe.Field, Expected: fe.Expect.String()}
	name := fe.Field
	if r.Key != "" {
		name = r.Key + ": " + fe.Field
	}
	f, ok := r.Get(fe.Field)
	if !ok {
		fv.Missing = true
		return fv, fmt.Sprintf("%s: not returned by the server (expected %s)", name, fv.Expected)
	}
	fv.Actual, fv.Null = f.Value, f.Null
	if why := holds(fe.Expect, f); why != "" {
		return fv, name + ": " + why
	}
	fv.Pass = true
	return fv, ""
}

// FailWhenPrefix starts the Expected text of a fail_when verdict.
const FailWhenPrefix = "fail when "

// judgeFailWhen checks one fail_when condition against one row: the
// verdict passes unless the condition holds, and then says why the check
// failed for good.
func judgeFailWhen(r Row, fe FieldExpect) (FieldVerdict, string) {
	fv := FieldVerdict{Row: r.Key, Field: fe.Field, Expected: FailWhenPrefix + fe.Expect.String(), FailWhen: true, Pass: true}
	name := fe.Field
	if r.Key != "" {
		name = r.Key + ": " + fe.Field
	}
	f, ok := r.Get(fe.Field)
	if !ok {
		fv.Missing = true
		return fv, ""
	}
	fv.Actual, fv.Null = f.Value, f.Null
	if holds(fe.Expect, f) != "" {
		return fv, ""
	}
	fv.Pass = false
	return fv, fmt.Sprintf("%s: is %s, which the runbook says is a failure (fail when %s)", name, shownValue(f), fe.Expect.String())
}

// shownValue is a field's value as a reason quotes it: NULL, or the text
// quoted and capped.
func shownValue(f Field) string {
	if f.Null {
		return "NULL"
	}
	return strconv.Quote(Truncate(f.Value, maxReasonValue))
}

// holds returns "" when every condition of e holds for f, otherwise why not.
func holds(e Expect, f Field) string {
	shown := shownValue(f)
	fail := func() string { return fmt.Sprintf("is %s, expected %s", shown, e.String()) }

	if e.Null && !f.Null {
		return fail()
	}
	if e.NotNull && f.Null {
		return fail()
	}
	if f.Null {
		// NULL has no text: any value condition fails.
		if e.Equals != nil || e.Ne != nil || len(e.In) > 0 || e.Match != "" || e.Empty ||
			e.Lt != nil || e.Le != nil || e.Gt != nil || e.Ge != nil {
			return fail()
		}
		return ""
	}
	if e.Equals != nil && f.Value != *e.Equals {
		return fail()
	}
	if e.Ne != nil && f.Value == *e.Ne {
		return fail()
	}
	if len(e.In) > 0 && !slices.Contains(e.In, f.Value) {
		return fail()
	}
	if e.Empty && f.Value != "" {
		return fail()
	}
	if e.Match != "" {
		re, err := compileCached(e.Match)
		if err != nil {
			return fmt.Sprintf("invalid pattern /%s/: %v (fix the runbook)", e.Match, err)
		}
		if !re.MatchString(f.Value) {
			return fail()
		}
	}
	if e.Lt != nil || e.Le != nil || e.Gt != nil || e.Ge != nil {
		n, err := strconv.ParseFloat(strings.TrimSpace(f.Value), 64)
		if err != nil {
			return fmt.Sprintf("is %s, not a number (expected %s)", shown, e.String())
		}
		if (e.Lt != nil && !(n < *e.Lt)) || (e.Le != nil && !(n <= *e.Le)) ||
			(e.Gt != nil && !(n > *e.Gt)) || (e.Ge != nil && !(n >= *e.Ge)) {
			return fail()
		}
	}
	return ""
}

// regexCache keeps compiled patterns: a check is judged on every poll, and
// the set of patterns is bounded by the runbook.
var regexCache sync.Map // string -> regexEntry

type regexEntry struct {
	re  *regexp.Regexp
	err error
}

func compileCached(pattern string) (*regexp.Regexp, error) {
	if e, ok := regexCache.Load(pattern); ok {
		ent := e.(regexEntry)
		return ent.re, ent.err
	}
	re, err := regexp.Compile(pattern)
	regexCache.Store(pattern, regexEntry{re, err})
	return re, err
}

// Manual checks: the field a tick yields and its values.
const (
	FieldTicked = "ticked"
	TickedYes   = "yes"
	TickedNo    = "no"
)

// ManualObservation is what a manual check "observes": whether the operator
// ticked it, and when. The engine and the TUI both build it here so a tick is
// judged by Evaluate like any probe answer (a manual check passes when
// `ticked` is "yes").
func ManualObservation(ticked bool, at time.Time) Observation {
	v := TickedNo
	if ticked {
		v = TickedYes
	}
	return Observation{
		Rows: []Row{{Fields: []Field{{Name: FieldTicked, Value: v}}}},
		At:   at,
	}
}
