//go:build unix

package journal

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadersRefuseAFIFO: opening a FIFO for reading waits for a writer
// that never comes; every reader must refuse it at once instead.
func TestReadersRefuseAFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo.jsonl")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	within(t, 10*time.Second, func() {
		if _, err := VerifyFile(path, ""); !errors.Is(err, ErrNotRegular) {
			t.Errorf("VerifyFile: %v", err)
		}
		if _, err := Read(path); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Read: %v", err)
		}
		if _, err := NewTailer(path, 0).Poll(); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Tailer: %v", err)
		}
		if _, _, _, err := Open(path); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open: %v", err)
		}
	})
}
