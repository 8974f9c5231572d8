// Package e2e drives the real handrail binary the way an operator does: in a
// terminal (tmux, with a private server per test), with piped standard input,
// against the simulator and against a real MariaDB primary and replica.
//
// Run it with ./scripts/test.sh, which installs tmux and MariaDB when they
// are missing. The tests never skip: a missing tool is a failed run that
// says how to get it.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/handrail/handrail/internal/mariadbtest"
)

var updateScreens = flag.Bool("update-screens", false, "write the captured screens to testdata/screens/*.txt (documentation, not golden files)")

var (
	// pair is a real MariaDB primary replicating to a replica.
	pair *mariadbtest.Pair

	binPath  string
	buildErr error
	built    = make(chan struct{})
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	flag.Parse()
	if _, err := exec.LookPath("tmux"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: tmux is not installed: the end-to-end tests drive the console in tmux; run ./scripts/test.sh, which installs it (apt-get install tmux)")
		return 1
	}
	dir, err := os.MkdirTemp("", "handrail-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: clean up:", err)
		}
	}()
	// The binary builds while MariaDB boots: both take seconds.
	// HANDRAIL_E2E_BINARY runs the tests against a binary built elsewhere
	// (an older commit, to see a new test fail before its fix).
	go func() {
		defer close(built)
		if p := os.Getenv("HANDRAIL_E2E_BINARY"); p != "" {
			binPath = p
			return
		}
		binPath = filepath.Join(dir, "handrail")
		// The test runs in e2e/; the module root is its parent.
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build of handrail failed: %w\n%s", err, out)
		}
	}()
	// mariadbtest fails (never skips) with a message naming scripts/test.sh
	// when mariadbd is missing.
	code := mariadbtest.RunMain(m, &pair)
	<-built
	return code
}

// handrail is the path of the binary under test.
func handrail(t *testing.T) string {
	t.Helper()
	<-built
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}
