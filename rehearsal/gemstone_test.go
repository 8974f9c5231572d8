package rehearsal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

const gsRunbook = `
id: gs-test
title: GemStone test
targets:
  slave: {kind: host, host: gs2}
steps:
  - id: only
    title: Only step
`

const gsWorld = `
world:
  gemstone:
    master: gs1
    slave: gs2
    stone: prodstone
    origin: {home: /opt/gs/3.6.6, version: 3.6.6}
    target: {home: /opt/gs/3.7.0, version: 3.7.0}
    status_script: /opt/gs/restore-status.topazini
`

// TestTopazDocumentedFlagsOnly: the simulated topaz runs the status
// initialization file with the flags the Topaz manual documents (-l -q -i
// -I, the last two alternatives) and refuses any other, such as -S, which
// the manual does not show.
func TestTopazDocumentedFlagsOnly(t *testing.T) {
	rb, err := steps.Parse("gs-test.yaml", []byte(gsRunbook))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario("gs.yaml", []byte("runbook: gs-test\ntitle: t\n"+gsWorld))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(rb, sc, NewManualClock(time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	const topaz = "/opt/gs/3.6.6/bin/topaz"
	for _, tt := range []struct {
		name   string
		argv   []string
		exit   string
		stdout string // a line the output holds
		stderr string // text stderr holds
	}{
		{"documented", []string{topaz, "-l", "-q", "-I", "/opt/gs/restore-status.topazini"}, "0", "\n0\n", ""},
		{"-i and -I together refused", []string{topaz, "-l", "-i", "-q", "-I", "/opt/gs/restore-status.topazini"}, "1", "", "alternatives"},
		{"-S refused", []string{topaz, "-l", "-q", "-S", "-I", "/opt/gs/restore-status.topazini"}, "1", "", `"-S" is not one of the documented flags`},
		{"a stray argument refused", []string{topaz, "-l", "-q", "-I", "/opt/gs/restore-status.topazini", "extra"}, "1", "", `"extra" is not one of the documented flags`},
		{"-I without its file", []string{topaz, "-l", "-q", "-I"}, "1", "", "needs the initialization file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := d.Observe(context.Background(), checks.Check{ID: "topaz", Kind: checks.KindCommand, Target: "slave", Argv: tt.argv})
			exit := field(t, o, "exit_code").Value
			stdout := field(t, o, "stdout").Value
			stderr := field(t, o, "stderr").Value
			if exit != tt.exit || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %s stdout %q stderr %q, want exit %s, stdout with %q, stderr with %q",
					exit, stdout, stderr, tt.exit, tt.stdout, tt.stderr)
			}
		})
	}
}
