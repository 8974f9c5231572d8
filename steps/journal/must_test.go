package journal

import (
	"io"
	"os"
	"testing"
)

// mustClose closes c and fails the test if that fails: a journal that does
// not close cleanly would make every later step of the test meaningless.
func mustClose(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// mustWriteFile writes a fixture file and fails the test if it cannot.
func mustWriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
