//go:build linux

package proc

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// alive reports whether pid is a live process (not gone, not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// TestRunEndsTheGroupWhenTheChildExits: a check that leaves a background
// child behind does not leave it running: the group ends with the attempt,
// long before the deadline.
func TestRunEndsTheGroupWhenTheChildExits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 300 & echo $!")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := Run(cmd, Options{}); err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("output %q", out.String())
	}
	// SIGKILL is delivered at once; give the kernel a moment to act on it.
	for i := 0; i < 200 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		_ = exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
		t.Fatalf("background child %d outlived the attempt", pid)
	}
}

// TestRunKeepsOutputAndExitStatus: Run is cmd.Run for everything else.
func TestRunKeepsOutputAndExitStatus(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "sh", "-c", "echo out; echo err >&2; exit 3")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := Run(cmd, Options{})
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 || err == nil {
		t.Fatalf("exit: %v %v", cmd.ProcessState, err)
	}
	if stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if err := Run(exec.CommandContext(context.Background(), "/nonexistent/x"), Options{}); err == nil {
		t.Error("a missing program started")
	}
}

// TestRunCancelKillsTheGroup: at the deadline the whole group dies too.
func TestRunCancelKillsTheGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 300 & echo $!; wait")
	cmd.Stdout = &out
	_ = Run(cmd, Options{})
	if ctx.Err() == nil {
		t.Fatal("returned before the deadline")
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	for i := 0; i < 200 && alive(pid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 || alive(pid) {
		t.Fatalf("background child %d outlived the deadline", pid)
	}
}
