package session

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// flappingGrowth runs the test runbook's per-mirror step, whose one command
// check flips between pass and fail on every poll (one a second) with 1 MiB
// of output, for seconds of session time, through a real file journal. The
// results are made as the poller makes them (Evaluate on the whole answer,
// then checks.CapResult). It returns the journal's growth in bytes per
// second of session time.
func flappingGrowth(tb testing.TB, seconds int) float64 {
	tb.Helper()
	clk := newClock()
	fj := &FileJournal{Path: filepath.Join(tb.TempDir(), "s.jsonl")}
	defer fj.Close()
	e, err := New(Config{SessionID: "growth", Runbook: testRunbook(), Params: testParams(), Journal: fj, Clock: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.Tick("backup-ok", true); err != nil {
		tb.Fatal(err)
	}
	if err := e.Next(); err != nil {
		tb.Fatal(err)
	}
	if err := e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryOther, Reason: "not the subject of this test", Confirmed: true}); err != nil {
		tb.Fatal(err)
	}
	v, st, _ := e.Current()
	c := st.Checks[0]
	out := strings.Repeat("mirror state: syncing\n", (1<<20)/22)
	before, err := os.Stat(fj.Path)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range seconds {
		clk.Add(time.Second)
		obs := checks.Observation{At: clk.Now(), Raw: out, Rows: []checks.Row{{Fields: []checks.Field{
			{Name: "exit_code", Value: strconv.Itoa(i % 2)}, {Name: "stdout", Value: out}, {Name: "stderr", Value: ""}}}}}
		verdict := checks.Evaluate(c, obs)
		status := checks.StatusWaiting
		if verdict.Pass {
			status = checks.StatusPass
		}
		r := checks.CapResult(checks.Result{Step: v.Key, CheckID: c.ID, Gen: e.Generation(), Obs: obs, Verdict: verdict, Status: status}, c.Named)
		if _, err := e.Observe(r); err != nil {
			tb.Fatal(err)
		}
		if _, err := e.Refresh(); err != nil {
			tb.Fatal(err)
		}
	}
	after, err := os.Stat(fj.Path)
	if err != nil {
		tb.Fatal(err)
	}
	return float64(after.Size()-before.Size()) / float64(seconds)
}

// TestJournalGrowthUnderFlapping holds the journal's growth under a
// flapping 1 MiB check below 10 KB per second of session time.
func TestJournalGrowthUnderFlapping(t *testing.T) {
	if g := flappingGrowth(t, 60); g >= 10_000 {
		t.Errorf("the journal grows by %.0f bytes/s under a flapping 1 MiB check, want under 10,000", g)
	} else {
		t.Logf("journal growth: %.0f bytes per second of session time", g)
	}
}

// BenchmarkJournalGrowthFlapping reports the journal's growth under a
// flapping check with 1 MiB of output (target: under 10 KB/s), as
// journal-B/s, beside the time to take one second's poll.
func BenchmarkJournalGrowthFlapping(b *testing.B) {
	var g float64
	for b.Loop() {
		g = flappingGrowth(b, 30)
	}
	b.ReportMetric(g, "journal-B/s")
}
