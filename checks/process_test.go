//go:build unix

package checks_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/command"
)

// TestActionReportsItsProcessGroup runs real child processes through the
// command runner: the hook hears the group as soon as it runs, the group is
// alive while it runs, gone once killed, and a recorded start time that does
// not match (a reused pid) is not taken for it.
func TestActionReportsItsProcessGroup(t *testing.T) {
	local := checks.Target{Name: "local", Kind: checks.TargetHost}
	got := make(chan checks.ActionProcess, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hooked := checks.WithProcessHook(ctx, func(p checks.ActionProcess) { got <- p })
	done := make(chan checks.ActionResult, 1)
	go func() {
		done <- command.Run(hooked, local, checks.Action{Kind: checks.ActionCommand, Argv: []string{"sleep", "30"}})
	}()
	var p checks.ActionProcess
	select {
	case p = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the process hook was not called")
	}
	if p.PID <= 1 || p.PGID != p.PID || p.Started.IsZero() {
		t.Fatalf("reported %+v", p)
	}
	if runtime.GOOS == "linux" && (p.StartTicks == 0 || p.BootID == "") {
		t.Errorf("no start time or boot id on linux: %+v", p)
	}
	if !checks.ProcessGroupAlive(p) {
		t.Fatal("the running action's group is not alive")
	}
	if runtime.GOOS == "linux" {
		reused := p
		reused.StartTicks++
		if checks.ProcessGroupAlive(reused) {
			t.Error("a leader with another start time was taken for the action's")
		}
		otherBoot := p
		otherBoot.BootID = "00000000-0000-0000-0000-000000000000"
		if checks.ProcessGroupAlive(otherBoot) {
			t.Error("a group from another boot was taken for alive")
		}
	}
	cancel()
	<-done
	if checks.ProcessGroupAlive(p) {
		t.Error("the group is alive after the action was killed")
	}
	// Checks are not actions: without a hook nothing is reported.
	if obs := command.Observe(context.Background(), local, checks.Check{Kind: checks.KindCommand, Argv: []string{"true"}}); obs.Error != "" {
		t.Fatalf("observe: %s", obs.Error)
	}
}

// TestGroupLeftBehindIsAlive: a shell that starts a background job and
// exits leaves the job in the action's group; the group is alive until the
// job ends.
func TestGroupLeftBehindIsAlive(t *testing.T) {
	local := checks.Target{Name: "local", Kind: checks.TargetHost}
	var p checks.ActionProcess
	ctx := checks.WithProcessHook(context.Background(), func(ap checks.ActionProcess) { p = ap })
	// The job's stdout is not the pipe, so Run returns when sh exits.
	res := command.Run(ctx, local, checks.Action{Kind: checks.ActionCommand, Shell: "sleep 30 >/dev/null 2>&1 & exit 0"})
	if !res.OK() || p.PGID == 0 {
		t.Fatalf("run: %+v, process %+v", res, p)
	}
	if !checks.ProcessGroupAlive(p) {
		t.Fatal("the job left behind in the group is not seen")
	}
	if err := syscall.Kill(-p.PGID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for checks.ProcessGroupAlive(p) {
		if time.Now().After(deadline) {
			t.Fatal("the killed group is still alive")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
