package rehearsal

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/session"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", p, got)
	}
}

// TestDebriefNetcopyFails rehearses solidDB's step-18 failure the way the
// manual says, with a note and an override on the way, and checks the
// debrief tells it all.
func TestDebriefNetcopyFails(t *testing.T) {
	h := newHarness(t, "soliddb-hsb-netcopy", "netcopy-fails")
	if err := h.e.Note("starting the drill"); err != nil {
		t.Fatal(err)
	}
	// Override the first step with a reason, as a trainee might.
	if err := h.e.Override(session.OverrideRequest{Checks: []string{"users-notified"}, Category: session.Categories[0], Reason: "users were notified by the change board yesterday", Confirmed: true}); err != nil {
		t.Fatalf("override: %v", err)
	}
	h.clock.Advance(90 * time.Second)
	h.runToEnd(true, 2*time.Hour)
	if h.e.Ended() != session.EndCompleted {
		t.Fatalf("ended %q", h.e.Ended())
	}
	got := Debrief(h.records(), h.sc)
	for _, want := range []string{
		"Scenario **netcopy-fails**",
		"| s2-connect |",
		"(2 visits)",
		"**connect-refused** (soliddb.connect_fails, shows at step s2-connect): met;",
		"followed on_fail to s1-upgrade",
		"users were notified by the change board yesterday",
		"starting the drill",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("debrief lacks %q", want)
		}
	}
	golden(t, "debrief-soliddb-netcopy-fails.md", got)
}

// TestDebriefFaultNotMet: a session that ends before the fault's step says
// the fault was not met.
func TestDebriefFaultNotMet(t *testing.T) {
	h := newHarness(t, "thinman-dual-db", "replication-error")
	if err := h.e.Quit(); err != nil {
		t.Fatal(err)
	}
	got := Debrief(h.records(), h.sc)
	if !strings.Contains(got, "not met: the session never reached step start-replica") {
		t.Errorf("debrief:\n%s", got)
	}
	if !strings.Contains(got, "operator trainee: quit") {
		t.Errorf("debrief does not say who and how it ended:\n%s", got)
	}
}
