package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

// TestRepeatedVerdictsCollapseAndChangesStay: a check that answers the same
// verdict many times in a row is one timeline entry with a count and its
// span; a flapping check keeps every change as its own entry (status, a
// failing value), a note or an override ends every run, a run never spans
// two visits, and the timeline stays in time order, in Markdown and HTML.
func TestRepeatedVerdictsCollapseAndChangesStay(t *testing.T) {
	at := time.Date(2026, 11, 22, 16, 3, 50, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "20261122-160350-ab12.jsonl")
	start := map[string]any{"session": "20261122-160350-ab12", "runbook": map[string]any{"id": "x", "title": "X"}, "mode": "live"}
	w, _, err := journal.Create(path, "session.start", start, journal.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	ioYes := checks.FieldVerdict{Field: "Slave_IO_Running", Expected: "= No", Actual: "Yes"}
	ioConn := checks.FieldVerdict{Field: "Slave_IO_Running", Expected: "= No", Actual: "Connecting"}
	lag := func(v string) checks.Verdict {
		return checks.Verdict{Fields: []checks.FieldVerdict{{Field: "Seconds_Behind_Master", Expected: "<= 5", Actual: v}}}
	}
	status := func(step, check, st string, v checks.Verdict) func() (string, any) {
		return func() (string, any) {
			return "check.status", map[string]any{"step": step, "check": check, "status": st, "verdict": v}
		}
	}
	stopped := func(st string, f ...checks.FieldVerdict) func() (string, any) {
		return status("stop", "replica-stopped", st, checks.Verdict{Fields: f})
	}
	rec := func(typ string, data any) func() (string, any) { return func() (string, any) { return typ, data } }
	var recs []func() (string, any)
	add := func(n int, r func() (string, any)) {
		for range n {
			recs = append(recs, r)
		}
	}
	add(1, rec("step.enter", map[string]any{"step": "stop", "title": "Stop the replica", "number": 1}))
	add(48, stopped("waiting", ioYes))
	// A flapping check beside a steady one.
	for _, r := range []func() (string, any){
		status("stop", "lag", "waiting", lag("9")), stopped("waiting", ioYes),
		status("stop", "lag", "waiting", lag("9")), stopped("waiting", ioYes),
		status("stop", "lag", "pass", checks.Verdict{Pass: true}), stopped("waiting", ioYes),
		status("stop", "lag", "waiting", lag("9")), stopped("waiting", ioYes),
		status("stop", "lag", "waiting", lag("7")), stopped("waiting", ioYes),
		status("stop", "lag", "fail", lag("7")),
	} {
		add(1, r)
	}
	add(1, rec("note", map[string]any{"step": "stop", "text": "IO thread still up"}))
	add(2, stopped("waiting", ioYes))
	add(1, stopped("waiting", ioConn))
	add(3, stopped("waiting", ioConn))
	add(1, rec("override", map[string]any{"step": "stop", "checks": []string{"replica-stopped"}, "category": "accepted-risk", "reason": "r"}))
	add(2, stopped("waiting", ioConn))
	add(1, rec("step.done", map[string]any{"step": "stop", "via": "override"}))
	add(1, rec("step.enter", map[string]any{"step": "stop", "title": "Stop the replica", "number": 1}))
	add(2, stopped("waiting", ioConn)) // then silent: its run is shown before the lag's that ends later
	add(2, status("stop", "lag", "waiting", lag("9")))
	add(1, status("stop", "lag", "waiting", lag("7")))
	add(1, rec("session.end", map[string]any{"state": "quit"}))
	for _, r := range recs {
		at = at.Add(time.Second)
		typ, data := r()
		if _, err := w.Append(typ, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var last time.Time
	counted := 0
	for e := range r.Timeline() {
		if e.Event == nil {
			continue
		}
		if e.Event.Time.Before(last) {
			t.Errorf("out of time order: %s after %s", e.Event.Text, clock(last))
		}
		last = e.Event.Time
		got = append(got, clock(e.Event.Time)+" "+e.Event.Text)
		if e.Event.Kind == "check" {
			counted += max(e.Event.Count, 1)
		}
	}
	const yes = `Slave_IO_Running: is "Yes", expected = No`
	const conn = `Slave_IO_Running: is "Connecting", expected = No`
	// The steady check's run goes on across the other check's changes and
	// is shown where it ends, its span saying since when; every change of
	// the flapping one is an entry of its own.
	want := []string{
		"16:04:42 check lag: waiting ×2, 16:04:40–16:04:42 — Seconds_Behind_Master: is \"9\", expected <= 5",
		"16:04:44 check lag: pass",
		"16:04:46 check lag: waiting — Seconds_Behind_Master: is \"9\", expected <= 5",
		"16:04:48 check lag: waiting — Seconds_Behind_Master: is \"7\", expected <= 5",
		"16:04:49 check replica-stopped: waiting ×53, 16:03:52–16:04:49 — " + yes,
		"16:04:50 check lag: fail — Seconds_Behind_Master: is \"7\", expected <= 5",
		"16:04:51 IO thread still up",
		"16:04:53 check replica-stopped: waiting ×2, 16:04:52–16:04:53 — " + yes,
		"16:04:57 check replica-stopped: waiting ×4, 16:04:54–16:04:57 — " + conn,
		"16:04:58 OVERRIDE #1 (accepted-risk) of replica-stopped: r",
		"16:05:00 check replica-stopped: waiting ×2, 16:04:59–16:05:00 — " + conn,
		"16:05:04 check replica-stopped: waiting ×2, 16:05:03–16:05:04 — " + conn,
		"16:05:06 check lag: waiting ×2, 16:05:05–16:05:06 — Seconds_Behind_Master: is \"9\", expected <= 5",
		"16:05:07 check lag: waiting — Seconds_Behind_Master: is \"7\", expected <= 5",
		"16:05:08 session ended: quit",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if counted != 48+11+2+4+2+2+3 {
		t.Errorf("the check entries stand for %d records, want %d: a record was lost or counted twice", counted, 48+11+2+4+2+2+3)
	}

	var md, page bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"md": md.String(), "html": page.String()} {
		for _, want := range []string{"waiting ×53, 16:03:52–16:04:49", "waiting ×4, 16:04:54–16:04:57", "check lag: pass", `is "7"`, `is "Connecting"`} {
			if name == "html" {
				want = strings.ReplaceAll(want, `"`, "&#34;")
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
		if n := strings.Count(out, "check replica-stopped:"); n != 5 {
			t.Errorf("%s report has %d replica-stopped entries, want 5", name, n)
		}
	}
}
