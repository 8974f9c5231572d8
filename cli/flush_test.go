package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/handrail/handrail/internal/termtext"
)

// TestGuardedOutputIsFlushed: the guard on stdout and stderr holds back a
// UTF-8 sequence cut at the end of a write; the flush Main does on return
// shows it, escaped, instead of dropping it.
func TestGuardedOutputIsFlushed(t *testing.T) {
	var out, errb bytes.Buffer
	s := IO{Out: &out, Err: &errb}.guarded()
	for _, w := range []io.Writer{s.Out, s.Err} {
		if _, err := io.WriteString(w, "status: ok \xe2\x9c"); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "status: ok " || errb.String() != "status: ok " {
		t.Fatalf("before the flush: %q %q", out.String(), errb.String())
	}
	flush(s.Out)
	flush(s.Err)
	for _, got := range []string{out.String(), errb.String()} {
		if !strings.HasPrefix(got, "status: ok ") || got == "status: ok " || !termtext.IsSafe(got) {
			t.Errorf("after the flush: %q", got)
		}
	}
	// Main flushes on its way out: a run that prints (help) leaves nothing held.
	out.Reset()
	if code := Main([]string{"--help"}, IO{Out: &out, Err: &errb}); code != ExitOK || !strings.Contains(out.String(), "handrail") {
		t.Fatalf("help: %d %q", code, out.String())
	}
}
