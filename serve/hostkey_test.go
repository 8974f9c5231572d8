package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostKey(t *testing.T) {
	dir := t.TempDir()
	s1, created, err := HostKey(dir)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	path := filepath.Join(dir, HostKeyFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v %v, want mode 0600", st.Mode(), err)
	}
	s2, created, err := HostKey(dir)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	if Fingerprint(s1.PublicKey()) != Fingerprint(s2.PublicKey()) || !strings.HasPrefix(Fingerprint(s1.PublicKey()), "SHA256:") {
		t.Error("the host key changed between starts")
	}

	// Readable by others: refused, with what to do.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := HostKey(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a group-readable host key: %v", err)
	}

	// A symlink in its place is never followed.
	other := t.TempDir()
	if err := os.Symlink(path, filepath.Join(other, HostKeyFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := HostKey(other); err == nil {
		t.Error("a host key behind a symlink was used")
	}
}
