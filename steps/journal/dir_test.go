package journal

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDir(t *testing.T) {
	tmp := t.TempDir()
	t.Run("flag", func(t *testing.T) {
		d, err := Dir(filepath.Join(tmp, "flag", "state"))
		if err != nil || d != filepath.Join(tmp, "flag", "state") {
			t.Fatalf("%s %v", d, err)
		}
		st, _ := os.Stat(d)
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
			t.Errorf("mode %v, want 0700", st.Mode().Perm())
		}
	})
	t.Run("xdg", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", filepath.Join(tmp, "xdg"))
		d, err := Dir("")
		if err != nil || d != filepath.Join(tmp, "xdg", "handrail") {
			t.Fatalf("%s %v", d, err)
		}
	})
	t.Run("home", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", "")
		t.Setenv("HOME", filepath.Join(tmp, "home"))
		d, err := Dir("")
		if err != nil || d != filepath.Join(tmp, "home", ".local", "state", "handrail") {
			t.Fatalf("%s %v", d, err)
		}
	})
}

func TestNewSessionIDSortsAndValidates(t *testing.T) {
	a := NewSessionID(time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC))
	b := NewSessionID(time.Date(2026, 11, 22, 2, 15, 1, 0, time.UTC))
	if !strings.HasPrefix(a, "20261122-021500-") || !ValidSessionID(a) || a >= b {
		t.Fatalf("ids %s %s", a, b)
	}
	if ValidSessionID("../etc") {
		t.Fatal("path accepted as an id")
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"20261122-021500-ab12", "20261122-021500-cd34", "20261123-080000-0000"} {
		mustWriteFile(t, SessionPath(dir, id), []byte{})
	}
	other := filepath.Join(t.TempDir(), "copy.jsonl")
	mustWriteFile(t, other, nil)
	tests := []struct{ arg, want, err string }{
		{"20261122-021500-ab12", SessionPath(dir, "20261122-021500-ab12"), ""},
		{"20261123", SessionPath(dir, "20261123-080000-0000"), ""},
		{"20261122-0215", "", "ambiguous"},
		{"nope", "", "no session"},
		{other, other, ""},
		{filepath.Join(dir, "missing.jsonl"), "", "missing.jsonl"},
		{"", "", "no session given"},
	}
	for _, tt := range tests {
		got, err := Locate(dir, tt.arg)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Locate(%q) err = %v, want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Locate(%q) = %q, %v; want %q", tt.arg, got, err, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	mk := func(id string, events ...[2]any) *Writer {
		w, _, err := Create(SessionPath(dir, id), "session.start", map[string]any{
			"session":  id,
			"runbook":  map[string]any{"id": "mysql-replica-upgrade", "title": "Upgrade"},
			"operator": map[string]any{"name": "Ana", "user": "ana", "host": "bastion"},
			"ticket":   "CHG-1", "mode": "rehearsal",
		}, WithClock(fixedClock()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if _, err := w.Append(e[0].(string), e[1]); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	done := mk("20261122-010000-0001", [2]any{"step.enter", map[string]any{"step": "stop-slave"}}, [2]any{"session.end", map[string]any{"state": "completed"}})
	mustClose(t, done)
	halted := mk("20261122-020000-0002", [2]any{"step.enter", map[string]any{"step": "s2"}}, [2]any{"session.halt", map[string]any{"step": "s2", "reason": "x"}})
	mustClose(t, halted)
	cut := mk("20261122-030000-0003", [2]any{"step.enter", map[string]any{"step": "s3"}})
	mustClose(t, cut)
	// A console's recording writes its final checkpoint after session.end:
	// the session is quit, not interrupted.
	recorded := mk("20261122-035000-0035", [2]any{"step.enter", map[string]any{"step": "s35"}}, [2]any{"session.end", map[string]any{"state": "quit"}},
		[2]any{"recording.checkpoint", map[string]any{"final": true, "end": "quit"}}, [2]any{"watch.leave", map[string]any{"who": "bo"}})
	mustClose(t, recorded)
	live := mk("20261122-040000-0004", [2]any{"step.enter", map[string]any{"step": "s4"}})
	defer live.Close()
	mustWriteFile(t, SessionPath(dir, "20261122-050000-0005"), []byte("garbage\n"))

	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ state, step string }{{StateCompleted, "stop-slave"}, {StateHalted, "s2"}, {StateInterrupted, "s3"}, {StateQuit, "s35"}, {StateActive, "s4"}, {StateInterrupted, ""}}
	if len(got) != len(want) {
		t.Fatalf("%d sessions", len(got))
	}
	for i, w := range want {
		if got[i].State != w.state || got[i].Step != w.step {
			t.Errorf("%s: state %s step %s; want %s %s", got[i].ID, got[i].State, got[i].Step, w.state, w.step)
		}
	}
	s := got[0]
	if s.Runbook != "mysql-replica-upgrade" || s.Operator != "Ana" || s.Mode != "rehearsal" || s.Ticket != "CHG-1" || s.Records != 3 || s.LastType != "session.end" || s.Started.IsZero() || s.Problem != "" {
		t.Errorf("summary %+v", s)
	}
	if got[5].Problem == "" {
		t.Error("garbage journal listed without a problem")
	}
}

// TestSummarizeReadsOnlyTheEnds puts a 4 GiB hole (sparse: no disk, but
// 4 GiB of zeros to anyone who reads it) in the middle of a journal: the
// listing still says who ran it and where it stands, at once, because it
// reads the first record and the last ones only. The damage is verify's
// to find.
func TestSummarizeReadsOnlyTheEnds(t *testing.T) {
	dir := t.TempDir()
	id := "20261122-060000-0006"
	path := SessionPath(dir, id)
	w, _, err := Create(path, "session.start", map[string]any{"session": id, "runbook": map[string]any{"id": "rb"}, "operator": map[string]any{"name": "Ana"}}, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := w.Append("check.status", map[string]any{"step": "wait", "check": "lag", "status": "waiting"}); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, w)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(ls[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(4<<30, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(append([]byte{'\n'}, join(ls[3:])...)); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	mustClose(t, f)
	within(t, 10*time.Second, func() {
		s := Summarize(path)
		if s.Problem != "" || s.Runbook != "rb" || s.Operator != "Ana" || s.Records != 6 || s.Step != "wait" || s.State != StateInterrupted || s.LastType != "check.status" {
			t.Errorf("summary of a journal with a hole: %+v", s)
		}
	})
}

// TestSummarizeSeesACopyDrivenElsewhere: the session's lock, not only the
// file's, makes a session active.
func TestSummarizeSeesACopyDrivenElsewhere(t *testing.T) {
	dir := t.TempDir()
	path := newSession(t, dir, 2)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "copy.jsonl")
	mustWriteFile(t, elsewhere, b)
	w, _, _, err := Open(elsewhere, WithLockDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if s := Summarize(path); s.State != StateActive {
		t.Fatalf("state %s while a copy is driven", s.State)
	}
}
