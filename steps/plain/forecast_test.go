package plain

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/steps/session"
)

// TestPlainStatusPartialForecast: a live session whose forecast has no
// history for some steps says in `status` that it is partial, for how many
// of the steps left, and gives neither a finish time nor an ahead/behind
// verdict that would pretend to cover them.
func TestPlainStatusPartialForecast(t *testing.T) {
	fc := &session.Forecast{Kind: session.ModeLive, Steps: map[string]session.StepForecast{
		"prep": {P50: 5 * time.Minute, P90: 8 * time.Minute, N: 4}, // stop and start: no history
	}}
	e, err := session.New(session.Config{SessionID: "20261122-020000-2222", Runbook: plainRunbook(),
		Params: map[string]string{"slave_host": "db2"}, Journal: &session.MemoryJournal{}, Forecast: fc})
	if err != nil {
		t.Fatal(err)
	}
	r := session.NewRunner(e, &replicaDriver{}, nil)
	defer r.Close()
	out := &syncBuf{}
	if _, err := Run(t.Context(), r, Options{In: strings.NewReader("status\n"), Out: out}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "Forecast (partial): 5m left (p90 8m) for 1 of 3 steps left; 2 have no history: no finish time, no ahead or behind\n") {
		t.Errorf("status does not say the forecast is partial:\n%s", got)
	}
	if strings.Contains(got, "finish about") || strings.Contains(got, "on plan") {
		t.Errorf("a partial forecast gave a finish or a verdict:\n%s", got)
	}
}
