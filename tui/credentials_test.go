package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/handrail/handrail/recording"
)

// syncBuf is a terminal the test reads while the console writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the terminal has shown text since offset from, and
// returns the offset past it.
func (s *syncBuf) waitFor(t *testing.T, from int, text string) int {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		out := s.String()
		if i := strings.Index(ansi.Strip(out[min(from, len(out)):]), text); i >= 0 {
			return len(out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console did not show %q within 8s; it showed:\n%s", text, ansi.Strip(out[min(from, len(out)):]))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReenteredPasswordNeverRecorded is the canary over a real recording:
// the console runs behind recording.Recorder, as `handrail run` records
// it, and a password is re-entered in the session. The .cast shows the
// dialog and the mask, never the password; nor does the journal.
func TestReenteredPasswordNeverRecorded(t *testing.T) {
	t.Parallel()
	const canary = "Canary-Cast-7e21f"
	drv := newRecoveryDriver()
	drv.password, drv.given = canary, "an-old-password"
	rs := newRecoverySession(t, drv)

	term := &syncBuf{}
	rec := recording.New(term, 120, 32, recording.Options{})
	cast := filepath.Join(t.TempDir(), "20261122-030000-r3c0.cast")
	if err := rec.Attach(cast, "canary"); err != nil {
		t.Fatal(err)
	}
	p := tea.NewProgram(New(rs.live, Options{Dark: true}), tea.WithInput(nil), tea.WithOutput(rec),
		tea.WithWindowSize(120, 32), tea.WithColorProfile(colorprofile.Ascii), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	t.Cleanup(func() {
		p.Kill()
		<-done
	})

	at := term.waitFor(t, 0, "cannot reach slave for")
	p.Send(tea.KeyPressMsg{Code: 'p', Text: "p"})
	at = term.waitFor(t, at, "Re-enter a password")
	armed()
	for _, r := range canary {
		p.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	// The renderer draws only what changed, a few characters at a time:
	// a full repaint (as serve asks for when a recording starts) puts the
	// whole field on the record, so a field that echoed would show the
	// password whole.
	time.Sleep(100 * time.Millisecond)
	p.Send(tea.ClearScreen())
	at = term.waitFor(t, at, "Re-enter a password")
	p.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	term.waitFor(t, at, "ready: press n")
	p.Quit()
	if err := <-done; err != nil {
		t.Fatalf("console: %v", err)
	}
	done <- nil // for the cleanup
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(cast)
	if err != nil {
		t.Fatal(err)
	}
	shown := string(b)
	// The password was typed into the recorded console (the server took
	// it: the gate opened), drawn as its mask.
	for _, want := range []string{"Re-enter a password", "password: " + strings.Repeat("*", len(canary))} {
		if !strings.Contains(shown, want) {
			t.Errorf("the recording lacks %q: the canary proves nothing", want)
		}
	}
	if strings.Contains(shown, canary) || strings.Contains(term.String(), canary) {
		t.Fatal("the re-entered password reached the recording")
	}
	if j, err := os.ReadFile(rs.path); err != nil || strings.Contains(string(j), canary) {
		t.Fatalf("the re-entered password reached the journal (read: %v)", err)
	}
}
