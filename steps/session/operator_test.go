package session

import (
	"os"
	"os/user"
	"strconv"
	"testing"
)

// TestDetectOperatorIgnoresUSER: the OS user is the process's real uid's
// account; $USER, which anyone sets, never names it.
func TestDetectOperatorIgnoresUSER(t *testing.T) {
	want := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(want); err == nil {
		want = u.Username
	}
	t.Setenv("USER", "mallory-"+want)
	op := DetectOperator("mallory")
	if op.User != want || op.Name != "mallory" {
		t.Errorf("DetectOperator = %+v, want user %q (the real uid's) and name mallory", op, want)
	}
	if op := DetectOperator(""); op.Name != want {
		t.Errorf("DetectOperator(\"\").Name = %q, want %q", op.Name, want)
	}
}
