package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// forgeNext appends to the journal at path a note that continues its hash
// chain correctly, as an attacker who can write the file would: verify
// cannot tell it from the session's own records. It returns the file's
// size before and its bytes after.
func forgeNext(t *testing.T, path string) (int64, []byte) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	// The same records through a fresh encoder, at their own times, come
	// out byte for byte the same: the next one is chained to them.
	i := 0
	clock := func() time.Time {
		if i < len(recs) {
			i++
			return recs[i-1].Time
		}
		return recs[len(recs)-1].Time.Add(time.Second)
	}
	var buf bytes.Buffer
	enc := journal.NewEncoder(&buf, journal.WithClock(clock))
	for _, r := range recs {
		if _, err := enc.Append(r.Type, r.Data); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), before) {
		t.Fatal("the journal could not be re-encoded byte for byte")
	}
	buf.Reset()
	if _, err := enc.Append("note", map[string]string{"step": "many", "text": "all checked, go on"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if res, err := journal.VerifyFile(path, ""); err != nil || !res.OK {
		t.Fatalf("the forged record does not verify: %+v %v", res, err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(before)), after
}

// TestJournalChangedUnderTheSessionIsRefused: someone appends a correctly
// chained record to the journal of a running session. The operator's next
// tick, note or action is refused with an error that says since which
// record and byte the journal was changed, nothing is written after the
// forged bytes (they stay for the audit), and every later act is refused.
func TestJournalChangedUnderTheSessionIsRefused(t *testing.T) {
	acts := map[string]func(ts *trustSession) error{
		"tick": func(ts *trustSession) error { _, err := ts.live.Tick("item-1", true); return err },
		"note": func(ts *trustSession) error { _, err := ts.live.Annotate("paged the DBA"); return err },
		"action": func(ts *trustSession) error {
			_, _, err := ts.live.RunAction(context.Background())
			return err
		},
	}
	for name, act := range acts {
		t.Run(name, func(t *testing.T) {
			ts := newTrustSession(t)
			if name == "action" {
				ts.toReplica(t)
			}
			last := ts.records(t)
			size, forged := forgeNext(t, ts.path)
			err := act(ts)
			if !errors.Is(err, session.ErrJournalWrite) || !errors.Is(err, journal.ErrChanged) {
				t.Fatalf("%s after the journal was changed: %v", name, err)
			}
			want := fmt.Sprintf("changed by someone else since seq %d at byte %d", last[len(last)-1].Seq, size)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("the error does not say %q: %v", want, err)
			}
			if _, err := ts.live.Annotate("and another"); !errors.Is(err, journal.ErrChanged) {
				t.Fatalf("a later note: %v", err)
			}
			if after, _ := os.ReadFile(ts.path); !bytes.Equal(after, forged) {
				t.Fatalf("the session wrote after the forged record")
			}
		})
	}
}

// TestConsoleSaysTheJournalWasChanged: the console's lasting banner, gate
// bar, refusals, quit dialog and goodbye say someone else changed the
// journal and never advise resuming on top of it.
func TestConsoleSaysTheJournalWasChanged(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 140, 30)
	last := ts.live.Snapshot().LastRecord.Local().Format("15:04:05")
	recs := ts.records(t)
	size, _ := forgeNext(t, ts.path)
	m = doKey(t, m, "space")
	banner := "nothing after " + last + " is recorded: someone else changed the journal: leave it as it is for the audit"
	cause := fmt.Sprintf("the journal cannot be written: someone else changed it since seq %d at byte %d", recs[len(recs)-1].Seq, size)
	m = step(t, m, flashExpiredMsg(m.flashSeq))
	out := plain(m)
	if !strings.Contains(out, banner) || !strings.Contains(out, cause) {
		t.Fatalf("the console does not say the journal was changed:\n%s", out)
	}
	m = doKey(t, m, "a")
	if out := plain(m); m.dialog != nil || !strings.Contains(out, "someone else changed it: start a new session") {
		t.Fatalf("a after the journal was changed:\n%s", out)
	}
	if out := plain(armDialog(t, doKey(t, step(t, m, flashExpiredMsg(m.flashSeq)), "q"))); !strings.Contains(out, "start a new session") || strings.Contains(out, "Free space") {
		t.Fatalf("the quit dialog:\n%s", out)
	}
	bye := m.Goodbye()
	if !strings.Contains(bye, "NOT fully recorded") || !strings.Contains(bye, "Someone else changed the journal") || strings.Contains(bye, "resume") {
		t.Fatalf("goodbye: %q", bye)
	}
}

// TestWatchSaysTheJournalNoLongerVerifies: a record that breaks the chain,
// the journal cut back, or another file put at its path: the watcher's
// gate bar says the journal no longer verifies, and at which line, instead
// of freezing on the last values; so does what it leaves on the terminal.
func TestWatchSaysTheJournalNoLongerVerifies(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string, b []byte)
		want   string
	}{
		{"a record repeated", func(t *testing.T, path string, b []byte) {
			lastLine := b[bytes.LastIndexByte(b[:len(b)-1], '\n')+1:]
			appendTo(t, path, lastLine)
		}, "the journal no longer verifies at line %d: "},
		{"cut back", func(t *testing.T, path string, b []byte) {
			if err := os.Truncate(path, int64(len(b)-5)); err != nil {
				t.Fatal(err)
			}
		}, "the journal no longer verifies at line %d: the file shrank"},
		{"replaced", func(t *testing.T, path string, b []byte) {
			if err := os.WriteFile(path+".new", append(b, b[:10]...), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}, "the journal no longer verifies at line %d: another file now stands at the journal's path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			cfg := ts.cfg
			cfg.Journal = nil
			w, err := NewWatch(t.Context(), cfg, ts.path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.live.Annotate("paged the DBA"); err != nil {
				t.Fatal(err)
			}
			recs := ts.records(t)
			n := len(recs)
			waitSeq(t, w, recs[n-1].Seq)
			b, err := os.ReadFile(ts.path)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, ts.path, b)
			line := n + 1
			if tt.name == "cut back" {
				line = n
			}
			want := fmt.Sprintf(tt.want, line)

			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var snap Snapshot
			for snap.JournalAlarm == "" {
				ev, err := w.Wait(ctx)
				if err != nil {
					t.Fatalf("the watch ended without an alarm: %v", err)
				}
				snap = ev.Snap
			}
			if !strings.HasPrefix(snap.JournalAlarm, want) {
				t.Fatalf("alarm %q, want %q…", snap.JournalAlarm, want)
			}
			if _, err := w.Wait(ctx); !errors.Is(err, ErrClosed) {
				t.Fatalf("after the alarm Wait = %v, want ErrClosed", err)
			}
			if w.Alarm() != snap.JournalAlarm || w.Snapshot().JournalAlarm != snap.JournalAlarm {
				t.Fatal("the alarm did not last")
			}

			m := New(w, Options{Dark: true})
			m = step(t, m, tea.WindowSizeMsg{Width: 200, Height: 30})
			m = step(t, m, eventMsg{ev: Event{Snap: snap}, n: 1})
			m = step(t, m, runtimeClosedMsg{})
			if out := plain(m); !strings.Contains(out, "✘ "+want) || strings.Contains(out, "watching ·") {
				t.Fatalf("the watcher's screen does not say the journal no longer verifies:\n%s", out)
			}
			if bye := m.Goodbye(); !strings.Contains(bye, want) || !strings.Contains(bye, "handrail verify") {
				t.Fatalf("goodbye %q", bye)
			}
		})
	}
}

func appendTo(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
