package command

import (
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestOutputCutSaysHowMuch: output past the reader's cap is counted, and
// the kept text says how much was cut.
func TestOutputCutSaysHowMuch(t *testing.T) {
	o := Observe(ctxTimeout(t, 10*time.Second), local, checks.Check{Shell: "head -c 1100000 /dev/zero | tr '\\0' x"})
	out := get(t, o, 0, FieldStdout)
	if want := "x… [truncated: 51424 bytes]"; !strings.HasSuffix(out, want) || len(out) != maxOutput+len(want)-1 {
		t.Errorf("stdout of %d bytes ends %q, want %d bytes of output then %q", len(out), out[max(0, len(out)-30):], maxOutput, want)
	}
}
