package journal

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenRepairsTornLastLine(t *testing.T) {
	tests := []struct {
		name string
		tail []byte
	}{
		{"partial record", []byte(`{"seq":4,"time":"2026-11-22T02:15:04Z","type":"no`)},
		{"zeros from a crash", make([]byte, 37)},
		{"complete record without newline", nil}, // filled below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, w := newJournal(t, 3)
			headBefore := w.Head()
			if tt.tail == nil {
				// A full line whose newline never reached the disk was never
				// acknowledged by Append: it is dropped like any torn write.
				r, err := w.Append("note", map[string]string{"text": "unacked"})
				if err != nil {
					t.Fatal(err)
				}
				_ = r
				mustClose(t, w)
				b, _ := os.ReadFile(path)
				mustWriteFile(t, path, b[:len(b)-1])
				tt.tail = lines(b)[3][:len(lines(b)[3])-1]
			} else {
				mustClose(t, w)
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.Write(tt.tail); err != nil {
					t.Fatal(err)
				}
				mustClose(t, f)
			}
			// Read tolerates it; ReadLog and Verify report it.
			if recs, err := Read(path); err != nil || len(recs) != 3 {
				t.Fatalf("Read of torn journal: %d %v", len(recs), err)
			}
			l, _ := ReadLog(path)
			if !l.Result.Torn || l.Result.TornBytes != len(tt.tail) || l.Result.OK {
				t.Fatalf("ReadLog result %+v", l.Result)
			}

			w2, recs, rep, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if rep == nil || rep.DroppedBytes != len(tt.tail) || rep.Reason == "" {
				t.Fatalf("repair = %+v, want %d bytes dropped", rep, len(tt.tail))
			}
			if len(recs) != 3 || w2.Head() != headBefore {
				t.Fatalf("after repair: %d records, head %s", len(recs), w2.Head())
			}
			if _, err := w2.Append("journal.repair", map[string]any{"dropped_bytes": rep.DroppedBytes, "reason": rep.Reason}); err != nil {
				t.Fatal(err)
			}
			mustClose(t, w2)
			b, _ := os.ReadFile(path)
			if res := Verify(bytes.NewReader(b)); !res.OK || res.Records != 4 {
				t.Fatalf("after repair and append: %+v", res)
			}
		})
	}
}

func TestOpenRefusesBrokenChain(t *testing.T) {
	path, w := newJournal(t, 4)
	mustClose(t, w)
	b, _ := os.ReadFile(path)
	ls := lines(b)
	mustWriteFile(t, path, join([][]byte{ls[0], ls[2], ls[3]}))
	_, _, _, err := Open(path)
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Result.BadLine != 2 || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("Open of a broken journal: %v", err)
	}
	// The lock was released: a later Open fails the same way, not ErrLocked.
	if _, _, _, err := Open(path); errors.Is(err, ErrLocked) {
		t.Fatalf("lock leaked after a refused Open: %v", err)
	}
	if recs, err := Read(path); !errors.As(err, &ce) || len(recs) != 1 {
		t.Fatalf("Read of a broken journal: %d %v", len(recs), err)
	}
}

func TestRedactorScrubsBeforeWriting(t *testing.T) {
	const canary = "CANARY-s3cr3t-9f1c"
	path := filepath.Join(t.TempDir(), "r.jsonl")
	scrub := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(canary), []byte("[secret]")) }
	w, rec, err := Create(path, "session.start", map[string]any{"params": map[string]string{"password": "[secret]", "dsn": "user:" + canary + "@tcp(db)"}}, WithRedactor(scrub))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Data, []byte(canary)) {
		t.Fatal("returned record carries the canary")
	}
	if _, err := w.Append("note", map[string]string{"text": "typed " + canary + " by mistake"}); err != nil {
		t.Fatal(err)
	}
	bad := func(b []byte) []byte { return []byte("{not json") }
	w.enc.o.redact = bad
	if _, err := w.Append("note", nil); err == nil {
		t.Fatal("a redactor producing invalid JSON was accepted")
	}
	mustClose(t, w)
	b, _ := os.ReadFile(path)
	if bytes.Contains(b, []byte(canary)) {
		t.Fatalf("canary on disk:\n%s", b)
	}
	if res := Verify(bytes.NewReader(b)); !res.OK || res.Records != 2 {
		t.Fatalf("verify: %+v", res)
	}
}

func TestAppendAfterCloseAndTimeNeverRunsBackwards(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	times := []time.Time{
		time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), // clock stepped back
		time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC),
	}
	i := 0
	w, _, err := Create(path, "session.start", nil, WithClock(func() time.Time { t := times[i]; i++; return t }))
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := w.Append("note", nil)
	if !r2.Time.Equal(times[0]) {
		t.Errorf("stepped-back clock gave %v, want it held at %v", r2.Time, times[0])
	}
	if _, err := w.Append("note", nil); err != nil {
		t.Fatal(err)
	}
	mustClose(t, w)
	if _, err := w.Append("note", nil); err == nil {
		t.Fatal("append after close succeeded")
	}
	b, _ := os.ReadFile(path)
	if res := Verify(bytes.NewReader(b)); !res.OK {
		t.Fatalf("%+v", res)
	}
}

func TestFollowSeesLiveAppends(t *testing.T) {
	path, w := newJournal(t, 2)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, errs := Follow(ctx, path, 1, 10*time.Millisecond)
	got := <-recs
	if got.Seq != 2 {
		t.Fatalf("first followed record seq %d, want 2 (from=1)", got.Seq)
	}
	// A record appended while following arrives on the channel.
	go func() {
		if _, err := w.Append("note", map[string]string{"text": "live"}); err != nil {
			t.Error(err)
		}
	}()
	select {
	case r := <-recs:
		if r.Seq != 3 || r.Type != "note" {
			t.Fatalf("followed %+v", r)
		}
	case err := <-errs:
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("timed out waiting for the live record")
	}
	cancel()
	for range recs {
	}
}

func TestTailerKeepsPartialLineForLater(t *testing.T) {
	path, w := newJournal(t, 2)
	mustClose(t, w)
	b, _ := os.ReadFile(path)
	ls := lines(b)
	mustWriteFile(t, path, append(append([]byte(nil), ls[0]...), ls[1][:10]...))
	tl := NewTailer(path, 0)
	got, err := tl.Poll()
	if err != nil || len(got) != 1 {
		t.Fatalf("first poll: %d %v", len(got), err)
	}
	mustWriteFile(t, path, b)
	got, err = tl.Poll()
	if err != nil || len(got) != 1 || got[0].Seq != 2 || tl.Head() != got[0].Hash {
		t.Fatalf("second poll: %+v %v", got, err)
	}
	// Tampering with an appended record is caught while following.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Replace(ls[1], []byte(`"seq":2`), []byte(`"seq":3`), 1)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, f)
	if _, err := tl.Poll(); err == nil {
		t.Fatal("tailer accepted a forged record")
	}
}

func TestWriteFailureIsSticky(t *testing.T) {
	path, w := newJournal(t, 2)
	// Pull the file out from under the writer: the next write fails, and no
	// later append may pretend the chain is whole.
	mustClose(t, w.f)
	if _, err := w.Append("note", nil); err == nil {
		t.Fatal("append to a closed file succeeded")
	}
	_, err := w.Append("note", nil)
	if err == nil || !strings.Contains(err.Error(), "an earlier write failed") {
		t.Fatalf("second append: %v", err)
	}
	// The file was closed under the writer, so its Close reports that;
	// only the journal's contents matter here.
	_ = w.Close()
	if recs, err := Read(path); err != nil || len(recs) != 2 {
		t.Fatalf("journal after the failure: %d %v", len(recs), err)
	}
}
