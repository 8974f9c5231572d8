package rehearsal

import (
	"errors"
	"testing"

	"github.com/handrail/handrail/checks"
)

// TestUnreachedIsMarked: a simulated client that never reached its server
// gives what the live drivers give: a probe with the state unreachable, an
// action marked Unreachable (no fails_step on_fail). Any other error is an
// answer.
func TestUnreachedIsMarked(t *testing.T) {
	m := &mysqlServer{host: "db2", port: 3306}
	down := m.refused()
	if o := errObservation(down); o.State != checks.StateUnreachable || o.Error == "" {
		t.Errorf("observation %+v", o)
	}
	if r := errResult(down); !r.Unreachable || r.OK() {
		t.Errorf("result %+v", r)
	}
	other := errors.New("Error 1045 (28000): Access denied")
	if o, r := errObservation(other), errResult(other); o.State != "" || r.Unreachable {
		t.Errorf("an answer marked unreachable: %+v %+v", o, r)
	}
}
