package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/steps/session"
)

func preflightResults(reachable bool) []session.PreflightTarget {
	slave := session.PreflightTarget{Target: "slave", Kind: "mysql", Address: "127.0.0.1:1", Probe: "connect and read the server version",
		Reachable: reachable, LatencyNS: 4 * time.Millisecond}
	if reachable {
		slave.Detail = "version 10.11.6-MariaDB-log"
	} else {
		slave.Error = "dial tcp 127.0.0.1:1: connect: connection refused\x1b[2J"
	}
	return []session.PreflightTarget{
		{Target: "master", Kind: "mysql", Address: "127.0.0.1:3306", Probe: "connect and read the server version",
			Reachable: true, Detail: "version 10.11.6-MariaDB-log", LatencyNS: 3 * time.Millisecond},
		slave,
	}
}

func startPreflight(t *testing.T, cfg PreflightConfig) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, NewPreflight(cfg), teatest.WithInitialTermSize(100, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

// TestPreflightStartsUnreachableOnlyWithAReason: every target is shown
// with what the preflight got; with one unreachable, enter does not start,
// s asks for a reason of at least 15 characters, and only then the
// session starts, with the reason.
func TestPreflightStartsUnreachableOnlyWithAReason(t *testing.T) {
	tm := startPreflight(t, PreflightConfig{Title: "ThinMan dual database update", Targets: preflightResults(false)})
	waitText(t, tm, "master (127.0.0.1:3306) version 10.11.6-MariaDB-log", "slave (127.0.0.1:1) UNREACHABLE",
		`connection refused\x1b[2J`, "slave cannot be reached. Unreachable is not failed", "s start anyway (with a reason)")
	press(tm, "enter")
	waitText(t, tm, "a target cannot be reached: r retries")
	press(tm, "s")
	waitText(t, tm, "Start anyway: why?")
	press(tm, "too short", "enter")
	waitText(t, tm, "at least 15 characters (9 so far)")
	press(tm, " - DBA reboots it", "enter")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	p := tm.FinalModel(t).(PreflightScreen)
	targets, reason, start := p.Result()
	if !start || reason != "too short - DBA reboots it" || len(targets) != 2 || targets[1].Reachable {
		t.Fatalf("result: start %v, reason %q, targets %+v", start, reason, targets)
	}
}

// TestPreflightRetryThenStart: r contacts every target again; once they
// all answer, enter starts without a reason.
func TestPreflightRetryThenStart(t *testing.T) {
	var tries atomic.Int32
	tm := startPreflight(t, PreflightConfig{Title: "ThinMan", Targets: preflightResults(false),
		Retry: func(context.Context) []session.PreflightTarget {
			tries.Add(1)
			return preflightResults(true)
		}})
	waitText(t, tm, "slave (127.0.0.1:1) UNREACHABLE")
	press(tm, "r")
	waitText(t, tm, "slave (127.0.0.1:1) version 10.11.6-MariaDB-log", "every target answers: enter starts the session")
	press(tm, "enter")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	targets, reason, start := tm.FinalModel(t).(PreflightScreen).Result()
	if !start || reason != "" || !targets[1].Reachable || tries.Load() != 1 {
		t.Fatalf("result: start %v, reason %q, targets %+v, %d tries", start, reason, targets, tries.Load())
	}
}

// TestPreflightStop: esc stops; nothing starts.
func TestPreflightStop(t *testing.T) {
	tm := startPreflight(t, PreflightConfig{Title: "ThinMan", Targets: preflightResults(false)})
	waitText(t, tm, "UNREACHABLE")
	press(tm, "s")
	waitText(t, tm, "Start anyway: why?")
	press(tm, "a reason long enough", "esc") // esc leaves the reason first
	time.Sleep(100 * time.Millisecond)
	press(tm, "s")
	waitText(t, tm, "Start anyway: why?")
	press(tm, "esc", "esc")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	p := tm.FinalModel(t).(PreflightScreen)
	if _, _, start := p.Result(); start {
		t.Fatal("esc started the session")
	}
	if got := strings.Join(p.Unreachable(), ","); got != "slave" {
		t.Errorf("unreachable %q", got)
	}
}
