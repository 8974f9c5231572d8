package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Entry kinds, in the order a timeline gives them.
const (
	EntryEvent = "event" // an event outside any visit
	EntryOpen  = "open"  // a visit starts: Visit is its heading
	EntryItem  = "item"  // an event inside the open visit
	EntryClose = "close" // the visit ends: Visit says how
)

// Entry is one piece of the timeline, handed over as the journal is read:
// the timeline is never held whole.
type Entry struct {
	Kind  string
	Visit *Visit
	Event *Event
}

// Timeline reads the journal again and yields the timeline in journal
// order. A failed reading ends it early; Err then says why, and Markdown
// and HTML return that error.
func (r *Report) Timeline() iter.Seq[Entry] {
	return func(yield func(Entry) bool) {
		r.err = nil
		t := &timeline{r: r, yield: yield}
		err := r.source(t.add)
		if errors.Is(err, errStopped) {
			return
		}
		if err == nil {
			t.closeVisit()
			return
		}
		r.err = err
	}
}

// Err is why the last Timeline ended early, or nil.
func (r *Report) Err() error { return r.err }

// errStopped: the consumer of Timeline stopped.
var errStopped = errors.New("timeline: stopped")

// timeline turns records into entries, one visit open at a time.
type timeline struct {
	r         *Report
	yield     func(Entry) bool
	visit     *Visit
	visits    int
	overrides int
	n         int
	stopped   bool
	downSince time.Time // the open downtime window's start
	// runs are the open visit's check verdicts not shown yet, one run per
	// check (checkruns.go); any other entry shows them first.
	runs []*checkRun
}

func (t *timeline) emit(e Entry) {
	if !t.stopped && !t.yield(e) {
		t.stopped = true
	}
}

func (t *timeline) closeVisit() {
	t.flushRuns(time.Time{})
	if t.visit != nil {
		t.emit(Entry{Kind: EntryClose, Visit: t.visit})
		t.visit = nil
	}
}

// topLevel are the kinds that never belong to a visit.
var topLevel = map[string]bool{"skip": true, "resume": true, "repair": true, "goto": true, "end": true}

// event places e: inside the open visit when it is that step's (or no
// step's), else after closing the visit.
func (t *timeline) event(e Event, step string) {
	t.flushRuns(time.Time{})
	if t.visit != nil && (step == "" || step == t.visit.Step) && !topLevel[e.Kind] {
		t.emit(Entry{Kind: EntryItem, Event: &e})
		return
	}
	t.closeVisit()
	t.emit(Entry{Kind: EntryEvent, Event: &e})
}

func (t *timeline) add(rec journal.Record) error {
	if t.stopped {
		return errStopped
	}
	t.n++
	if t.n == 1 {
		return nil // session.start: the summary
	}
	if isRecordingRecord(rec.Type) || rec.Type == session.EvWatchJoin || rec.Type == session.EvWatchLeave {
		return nil // the Recording section and "Watched by" tell of them
	}
	if ev, step, ok := recoveryEvent(rec); ok {
		if ev != nil {
			t.event(*ev, step)
		}
		return t.done()
	}
	if rec.Type == "check.status" {
		// The one frequent record: read three fields, skip the observation.
		f := journal.Fields(rec.Data, "step", "check", "status", "verdict")
		step, _ := journal.String(f[0])
		check, _ := journal.String(f[1])
		var st status
		if f[2] != nil {
			if err := st.UnmarshalJSON(f[2]); err != nil {
				return fmt.Errorf("journal %s: record %d (%s): %w", t.r.Path, rec.Seq, rec.Type, err)
			}
		}
		why := failingFields(f[3])
		if why == "" {
			why, _ = journal.String(journal.Fields(f[3], "reason")[0])
		}
		if t.visit != nil && (step == "" || step == t.visit.Step) {
			t.checkStatus(rec.Time, check, string(st), why)
			return t.done()
		}
		run := checkRun{check: check, status: string(st), why: why, first: rec.Time, last: rec.Time, n: 1}
		t.event(run.event(), step)
		return t.done()
	}
	if rec.Type == "gate.open" {
		// Its evidence holds every check's observation: read the verdicts
		// and skip the rows.
		f := journal.Fields(rec.Data, "step", "evidence")
		step, _ := journal.String(f[0])
		ev, err := evidenceOf(f[1])
		if err != nil {
			return fmt.Errorf("journal %s: record %d (%s): %w", t.r.Path, rec.Seq, rec.Type, err)
		}
		t.event(Event{Time: rec.Time, Kind: "gate", Text: "gate opened: every check passed", Evidence: ev}, step)
		return t.done()
	}
	d, err := decodeWire(t.r.Path, rec)
	if err != nil {
		return err
	}
	switch rec.Type {
	case "step.enter":
		t.closeVisit()
		t.visits++
		t.visit = &Visit{N: t.visits, Step: d.Step, Number: d.Number, Title: d.Title, Item: d.Item, Index: d.Index, Entered: rec.Time}
		t.emit(Entry{Kind: EntryOpen, Visit: t.visit})
	case "step.done":
		if v := t.visit; v != nil && v.Step == d.Step {
			v.Done, v.Via, v.Duration = rec.Time, d.Via, d.DurationNS
			if v.Duration == 0 {
				v.Duration = rec.Time.Sub(v.Entered)
			}
		}
	case "step.skip":
		t.event(Event{Time: rec.Time, Kind: "skip", Text: fmt.Sprintf("skipped %s: %s", d.Step, d.Reason)}, d.Step)
	case "gate.closed":
		t.event(Event{Time: rec.Time, Kind: "gate-closed", Text: "gate closed again, blocked by " + joinIDs(d.Blocking)}, d.Step)
	case "manual.tick":
		text := "ticked " + d.Check
		if !d.Ticked {
			text = "unticked " + d.Check
		}
		if d.Attest != "" {
			text += ": " + d.Attest
		}
		t.event(Event{Time: rec.Time, Kind: "tick", Text: text}, d.Step)
	case "action.start":
		a := t.r.actions[rec.Seq]
		if a == nil {
			a = &Action{Kind: d.Kind, Target: d.Target, Address: d.Address, Describe: d.Describe, Result: "unknown"}
		}
		t.event(Event{Time: rec.Time, Kind: "action", Action: a}, d.Step)
	case "action.end":
		// Shown with its action.start.
	case "action.attest":
		text := fmt.Sprintf("attested the outcome of an interrupted action: %s", d.Outcome)
		if d.Text != "" {
			text += " — " + d.Text
		}
		t.event(Event{Time: rec.Time, Kind: "attest", Text: text}, d.Step)
	case "override":
		// The override ends its step (older journals also have a
		// step.done via override after it, which sets the same).
		if v := t.visit; v != nil && v.Step == d.Step {
			v.Done, v.Via, v.Duration = rec.Time, "override", d.DurationNS
			if v.Duration == 0 {
				v.Duration = rec.Time.Sub(v.Entered)
			}
		}
		t.overrides++
		t.event(Event{Time: rec.Time, Kind: "override", Override: t.overrides, Text: fmt.Sprintf("OVERRIDE #%d (%s) of %s: %s", t.overrides, d.Category, joinIDs(d.Checks), d.Reason)}, d.Step)
	case "note":
		t.event(Event{Time: rec.Time, Kind: "note", Text: d.Text}, d.Step)
	case "on_fail":
		text := "on failure"
		if d.Check != "" {
			text += " of " + d.Check
		}
		text += ":"
		if d.Say != "" {
			text += " " + d.Say
		}
		if d.Goto != "" {
			text += " → go to " + d.Goto
		}
		if d.Halt {
			text += " → halt"
		}
		t.event(Event{Time: rec.Time, Kind: "on_fail", Text: text}, d.Step)
	case "goto":
		t.event(Event{Time: rec.Time, Kind: "goto", Text: fmt.Sprintf("jumped from %s to %s", d.From, d.To)}, "")
	case "downtime.start":
		t.downSince = rec.Time
		t.event(Event{Time: rec.Time, Kind: "downtime", Text: "downtime started"}, d.Step)
	case "downtime.stop":
		dur := d.DurationNS
		if dur == 0 && !t.downSince.IsZero() {
			dur = rec.Time.Sub(t.downSince)
		}
		t.downSince = time.Time{}
		t.event(Event{Time: rec.Time, Kind: "downtime", Text: "downtime stopped after " + FormatDuration(dur)}, d.Step)
	case "session.resume":
		text := "session resumed by " + operatorLine(d.Operator)
		if d.RunbookChanged {
			text += "; the runbook had CHANGED since the start"
			if d.Accepted {
				text += " and the operator accepted it"
			}
		}
		t.event(Event{Time: rec.Time, Kind: "resume", Text: text}, "")
	case "journal.repair":
		t.event(Event{Time: rec.Time, Kind: "repair", Text: fmt.Sprintf("journal repaired: %d bytes of an interrupted write dropped (%s)", d.DroppedBytes, d.Reason)}, "")
	case "session.halt":
		t.event(Event{Time: rec.Time, Kind: "halt", Text: "HALTED: " + d.Reason}, d.Step)
	case "session.end":
		t.event(Event{Time: rec.Time, Kind: "end", Text: "session ended: " + d.State}, "")
	default:
		t.event(Event{Time: rec.Time, Kind: rec.Type, Text: rec.Type}, d.Step)
	}
	return t.done()
}

func (t *timeline) done() error {
	if t.stopped {
		return errStopped
	}
	return nil
}

// evidenceOf reads an evidence list as evidenceWire decodes it, without
// decoding the observations' rows.
func evidenceOf(list []byte) ([]Evidence, error) {
	if list == nil || string(list) == "null" {
		return nil, nil
	}
	elems := journal.Elements(list)
	if elems == nil {
		return nil, fmt.Errorf("evidence is not a list")
	}
	out := make([]Evidence, 0, len(elems))
	for _, el := range elems {
		f := journal.Fields(el, "check", "status", "verdict", "observation", "ticked")
		var e evidenceWire
		var obs []byte
		for i, dst := range []any{&e.Check, &e.Status, &e.Verdict, nil, &e.Ticked} {
			if f[i] == nil {
				continue
			}
			if dst == nil {
				obs = f[i]
				continue
			}
			if err := json.Unmarshal(f[i], dst); err != nil {
				return nil, fmt.Errorf("evidence: %w", err)
			}
		}
		if obs != nil && string(obs) != "null" {
			o := journal.Fields(obs, "raw", "state", "error", "at")
			for i, dst := range []any{&e.Observation.Raw, &e.Observation.State, &e.Observation.Error, &e.Observation.At} {
				if o[i] == nil {
					continue
				}
				if err := json.Unmarshal(o[i], dst); err != nil {
					return nil, fmt.Errorf("evidence observation: %w", err)
				}
			}
		}
		out = append(out, e.evidence())
	}
	return out, nil
}

// failingFields is every failing field of a journaled verdict, each with
// its whole value (the verdict's reason names only the first, capped).
func failingFields(verdict []byte) string {
	if verdict == nil {
		return ""
	}
	var v struct {
		Fields []checks.FieldVerdict `json:"fields"`
	}
	if json.Unmarshal(verdict, &v) != nil {
		return ""
	}
	var out []string
	for _, f := range v.Fields {
		if why := f.Why(); why != "" {
			out = append(out, why)
		}
	}
	return strings.Join(out, "; ")
}
