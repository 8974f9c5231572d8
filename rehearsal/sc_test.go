package rehearsal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
)

const scRunbook = `
id: sc-test
title: sc test
targets:
  tm1: {kind: host, host: tm1}
steps:
  - id: only
    title: Only step
`

func newSCWorld(t *testing.T, world string) (*Driver, error) {
	t.Helper()
	rb, err := steps.Parse("sc-test.yaml", []byte(scRunbook))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario("sc.yaml", []byte("runbook: sc-test\ntitle: t\n"+world))
	if err != nil {
		t.Fatal(err)
	}
	return New(rb, sc, NewManualClock(time.Time{}))
}

// TestSCQueryTakesKeyNamesOnly: Microsoft's "Sc query" takes the service
// name "returned by the getkeyname operation", never the display name
// services.msc shows; a display name answers sc's FAILED 1060
// (ERROR_SERVICE_DOES_NOT_EXIST). `net start|stop` takes either name
// (GetServiceKeyName: the display name is the one "used with NET START").
// Service names compare without case (OpenService).
func TestSCQueryTakesKeyNamesOnly(t *testing.T) {
	d, err := newSCWorld(t, `
world:
  hosts:
    - host: tm1
      services: {ThinManServer: running}
      display_names: {ThinManServer: ThinMan Server}
`)
	if err != nil {
		t.Fatal(err)
	}
	run := func(argv ...string) checks.ActionResult {
		return d.Run(context.Background(), checks.Action{Kind: checks.ActionCommand, Target: "tm1", Argv: argv})
	}
	for _, tt := range []struct {
		name string
		argv []string
		exit int
		out  string
	}{
		{"key name", []string{"sc.exe", "query", "ThinManServer"}, 0, "STATE              : 4  RUNNING"},
		{"key name, other case", []string{"sc", "query", "thinmanserver"}, 0, "SERVICE_NAME: ThinManServer\n"},
		{"display name", []string{"sc.exe", "query", "ThinMan Server"}, 1060,
			"[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n\nThe specified service does not exist as an installed service."},
		{"unknown name", []string{"sc.exe", "query", "ThinManNaming"}, 1060, "FAILED 1060"},
		{"a display name unquoted", []string{"sc.exe", "query", "ThinMan", "Server"}, 1, "takes one service (key) name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ar := run(tt.argv...)
			if ar.ExitCode != tt.exit || !strings.Contains(ar.Output+ar.Error, tt.out) {
				t.Errorf("%v: exit %d output %q error %q, want exit %d and %q", tt.argv, ar.ExitCode, ar.Output, ar.Error, tt.exit, tt.out)
			}
		})
	}
	if ar := run("net", "stop", "ThinMan Server"); ar.ExitCode != 0 {
		t.Fatalf("net stop by display name: %+v", ar)
	}
	if ar := run("sc.exe", "query", "ThinManServer"); !strings.Contains(ar.Output, "1  STOPPED") {
		t.Errorf("after net stop: %q", ar.Output)
	}

	if _, err := newSCWorld(t, `
world:
  hosts:
    - host: tm1
      services: {ThinManServer: running}
      display_names: {ThinMan Server: ThinMan Server}
`); err == nil || !strings.Contains(err.Error(), "not one of its services") {
		t.Errorf("display_names keyed by a name that is no service: %v", err)
	}
}
