package session

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

// PreflightProbe is the one probe the preflight runs against a target.
type PreflightProbe struct {
	Target checks.Target
	Check  checks.Check
	// Probe says what it does, for the screen and the journal.
	Probe string
}

// preflightVersion is the mysql preflight: connect, authenticate, read the
// server's version.
const preflightVersion = "SELECT @@version AS version"

// PreflightProbes picks one probe for every target a polled check of the
// plan names: for a mysql target, reading the server version (connect and
// authenticate); for the others, the first check of the plan that polls it,
// judged only on whether it got an answer. Targets no check polls are not
// contacted. The order is the targets' names.
func PreflightProbes(plan *steps.Plan) []PreflightProbe {
	first := map[string]checks.Check{}
	for _, bs := range plan.Steps {
		if bs.Skip {
			continue
		}
		for _, c := range bs.Checks {
			if c.Kind == checks.KindManual || c.Target == "" {
				continue
			}
			if _, ok := first[c.Target]; !ok {
				first[c.Target] = c
			}
		}
	}
	var out []PreflightProbe
	for _, name := range slices.Sorted(maps.Keys(first)) {
		t, ok := plan.Targets[name]
		if !ok {
			continue
		}
		t.Name = name
		c := first[name]
		// Only whether it answers is judged: no expectation, no fail_when.
		c.ID, c.Expect, c.FailWhen, c.Within, c.StableFor = "preflight-"+name, nil, nil, 0, 0
		probe := fmt.Sprintf("%s check %q", c.Kind, first[name].ID)
		if t.Kind == checks.TargetMySQL {
			c = checks.Check{ID: "preflight-" + name, Kind: checks.KindMySQLQuery, Target: name, Query: preflightVersion, Timeout: c.Timeout}
			probe = "connect and read the server version"
		}
		out = append(out, PreflightProbe{Target: t, Check: c, Probe: probe})
	}
	return out
}

// Preflight contacts every target of the plan that a check polls, once
// and all at once, each within its check's attempt timeout, and returns
// the results in PreflightProbes' order. A target is reachable when its
// probe got data (checks.Observation.Unreachable is false); Detail then
// holds the version or the first values it read.
func Preflight(ctx context.Context, d checks.Driver, plan *steps.Plan) []PreflightTarget {
	probes := PreflightProbes(plan)
	out := make([]PreflightTarget, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, p.Check.AttemptTimeout())
			defer cancel()
			start := time.Now()
			obs := checks.CapObservation(d.Observe(actx, p.Check), p.Check.Named)
			r := PreflightTarget{Target: p.Target.Name, Kind: p.Target.Kind, Address: p.Target.Address(), Probe: p.Probe,
				Reachable: !obs.Unreachable(), Error: obs.Error, LatencyNS: time.Since(start), At: obs.At}
			if r.At.IsZero() {
				r.At = start
			}
			if r.Reachable {
				r.Detail = preflightDetail(obs)
			} else if r.Error == "" {
				r.Error = obs.State
			}
			out[i] = r
		})
	}
	wg.Wait()
	return out
}

// preflightDetail is a short line of what a probe read: the version, or the
// first few name=value pairs of its first row.
func preflightDetail(o checks.Observation) string {
	if len(o.Rows) == 0 {
		return checks.Truncate(strings.TrimSpace(o.Raw), 120)
	}
	r := o.Rows[0]
	if f, ok := r.Get("version"); ok {
		return "version " + checks.Truncate(f.Value, 80)
	}
	var parts []string
	for _, f := range r.Fields {
		if len(parts) == 3 {
			break
		}
		v := f.Value
		if f.Null {
			v = "NULL"
		}
		parts = append(parts, f.Name+"="+checks.Truncate(strings.TrimSpace(v), 40))
	}
	return strings.Join(parts, " ")
}
