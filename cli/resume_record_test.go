package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
)

// resumeOnTerminal resumes session id of dir in the console, on a
// pseudo-terminal; when the console starts it quits it. It returns the
// exit code and what went to stderr.
func resumeOnTerminal(t *testing.T, dir, id string) (ExitCode, string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close() //nolint:errcheck // the test's end
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	var screen, errb lockedBuffer
	go func() { _, _ = io.Copy(&screen, ptmx) }()
	done := make(chan ExitCode, 1)
	go func() {
		done <- Main([]string{"resume", id, "--state-dir", dir}, IO{In: tty, Out: tty, Err: &errb, Term: tty})
	}()
	shown := func() string { return ansi.Strip(screen.String()) }
	keys := []struct{ wait, keys string }{{"Prepare", "q"}, {"Leave the console now?", "\x1b[C"}, {"> Quit <", "\r"}}
	for _, k := range keys {
		for !strings.Contains(shown(), k.wait) {
			select {
			case code := <-done:
				_ = tty.Close()
				return code, errb.String()
			case <-time.After(20 * time.Millisecond):
			}
		}
		time.Sleep(300 * time.Millisecond)
		if _, err := io.WriteString(ptmx, k.keys); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case code := <-done:
		_ = tty.Close()
		return code, errb.String()
	case <-time.After(30 * time.Second):
		t.Fatalf("still running; the terminal shows:\n%s\nstderr:\n%s", shown(), errb.String())
	}
	return 0, ""
}

// TestResumeRecordingInTheWay: files in the way of the resumed run's
// recording (a leftover, a planted link) never turn it off: the next free
// part is recorded. When none can be made, a policy that requires
// recording refuses to start the console (exit 3, nothing journaled);
// without that policy the operator is told on stderr.
func TestResumeRecordingInTheWay(t *testing.T) {
	useFakeDriver(t)
	t.Setenv("HANDRAIL_TEST_SLAVE_PASSWORD", "pw-1234")
	policy.SiteDir = t.TempDir()
	t.Cleanup(func() { policy.SiteDir = "/etc/handrail" })
	setup := func(t *testing.T, required bool, blocked int) (dir, id, victim string) {
		dir = t.TempDir()
		id = quitSecretSession(t, dir)
		t.Setenv("HANDRAIL_PARAM_API_TOKEN", tokenValue)
		if required {
			if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("recording:\n  required: true\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		jpath := filepath.Join(dir, id+journal.Ext)
		victim = filepath.Join(t.TempDir(), "victim")
		if err := os.WriteFile(victim, []byte("not yours"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(victim, recording.PartPath(jpath, 1)); err != nil {
			t.Fatal(err)
		}
		for p := 2; p <= blocked; p++ {
			if err := os.WriteFile(recording.PartPath(jpath, p), []byte("left over"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir, id, victim
	}
	journalText := func(t *testing.T, dir, id string) string {
		b, err := os.ReadFile(filepath.Join(dir, id+journal.Ext))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("required: the next free part", func(t *testing.T) {
		dir, id, victim := setup(t, true, 2)
		code, errs := resumeOnTerminal(t, dir, id)
		if code != ExitOK {
			t.Fatalf("code %d:\n%s", code, errs)
		}
		if b, _ := os.ReadFile(victim); string(b) != "not yours" {
			t.Errorf("the link was followed: %q", b)
		}
		text := journalText(t, dir, id)
		text = text[strings.Index(text, `"type":"session.resume"`):] // the first run was plain: not recorded
		if !strings.Contains(text, `"file":"`+id+`.3.cast"`) || strings.Contains(text, journal.TypeRecordingOff) {
			t.Errorf("part 3 is not the recording:\n%s", text)
		}
		if code, out, errs := runCLI(t, "", "verify", id, "--state-dir", dir); code != ExitOK || !strings.Contains(out, id+".3.cast: intact") {
			t.Errorf("verify: code %d\n%s%s", code, out, errs)
		}
	})
	t.Run("required: no file can be made", func(t *testing.T) {
		dir, id, _ := setup(t, true, 102)
		before := journalText(t, dir, id)
		code, errs := resumeOnTerminal(t, dir, id)
		if code != ExitError || !strings.Contains(errs, "requires every console session to be recorded, so the session was not started") {
			t.Fatalf("code %d, want %d:\n%s", code, ExitError, errs)
		}
		if after := journalText(t, dir, id); after != before {
			t.Errorf("the refused resume journaled:\n%s", strings.TrimPrefix(after, before))
		}
	})
	t.Run("not required: said on stderr", func(t *testing.T) {
		dir, id, _ := setup(t, false, 102)
		code, errs := resumeOnTerminal(t, dir, id)
		if code != ExitOK || !strings.Contains(errs, "WARNING: this run is NOT recorded: the recording could not be created") {
			t.Fatalf("code %d:\n%s", code, errs)
		}
		if text := journalText(t, dir, id); !strings.Contains(text[strings.Index(text, `"type":"session.resume"`):], "could not be created") {
			t.Error("no recording.off journaled")
		}
	})
}
