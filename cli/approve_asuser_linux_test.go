//go:build linux

package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// approveHelperEnv carries the arguments of `handrail approve` to this test
// binary run again as another OS user (TestApproveAsAnotherUserHelper).
const approveHelperEnv = "HANDRAIL_TEST_APPROVE_ARGS"

// TestApproveAsAnotherUserHelper is not a test: it is `handrail approve`
// in the process runApproveAs starts as another OS user.
func TestApproveAsAnotherUserHelper(t *testing.T) {
	args := os.Getenv(approveHelperEnv)
	if args == "" {
		t.Skip("only runs inside runApproveAs")
	}
	os.Exit(int(Main(strings.Split(args, "\x1f"), IO{In: strings.NewReader(""), Out: os.Stdout, Err: os.Stderr})))
}

// runApproveAs runs `handrail approve args…` as the OS user nobody (uid
// 65534, in group 0 to reach the state directory dir and its socket, as a
// shared group would), the approver the driving process's own account can
// never be. It needs root to change user, and skips without it.
func runApproveAs(t *testing.T, dir string, args ...string) (ExitCode, string, string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("approving as another OS user needs root")
	}
	// nobody must reach the state directory, its socket and this test
	// binary (go test keeps it in a private directory): a copy of it.
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o750); err != nil { //nolint:gosec // G302: the group reaches the state dir
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	if err := os.Chmod(binDir, 0o755); err != nil { //nolint:gosec // G302: nobody runs the copy
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "cli.test")
	copyExecutable(t, self, bin)
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestApproveAsAnotherUserHelper$") //nolint:gosec // G204: this test's own binary
	cmd.Env = []string{approveHelperEnv + "=" + strings.Join(append([]string{"approve"}, args...), "\x1f"), "HOME=/nonexistent", "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 0, Groups: []uint32{}}}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return ExitOK, out.String(), errb.String()
	case errors.As(err, &ee):
		return ExitCode(ee.ExitCode()), out.String(), errb.String()
	}
	t.Fatalf("run approve as nobody: %v\n%s", err, errb.String())
	return 0, "", ""
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from) //nolint:gosec // G304: this test's own binary
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()                                                      //nolint:errcheck // read only
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755) //nolint:gosec // G302: nobody runs it
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(errors.Join(err, out.Close()))
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
