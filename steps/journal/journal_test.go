package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fixedClock returns a clock that advances one second per call.
func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func newJournal(t testing.TB, n int) (string, *Writer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.jsonl")
	w, _, err := Create(path, "session.start", map[string]any{"session": "s", "mode": "live"}, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		if _, err := w.Append("note", map[string]any{"step": "s1", "text": strings.Repeat("x", i%7)}); err != nil {
			t.Fatal(err)
		}
	}
	return path, w
}

func TestCreateAppendReadVerify(t *testing.T) {
	path, w := newJournal(t, 5)
	head := w.Head()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode = %v, want 0600", st.Mode().Perm())
	}
	recs, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0].Type != "session.start" || recs[4].Hash != head || recs[0].Prev != Genesis {
		t.Fatalf("records = %+v", recs)
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || (i > 0 && r.Prev != recs[i-1].Hash) {
			t.Errorf("record %d: seq %d prev %s", i, r.Seq, r.Prev)
		}
	}
	b, _ := os.ReadFile(path)
	res := Verify(bytes.NewReader(b))
	if !res.OK || res.Records != 5 || res.Head != head {
		t.Fatalf("Verify = %+v", res)
	}
}

func TestSecondWriterIsLockedOut(t *testing.T) {
	path, w := newJournal(t, 2)
	defer w.Close()
	_, _, _, err := Open(path)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open while locked: err = %v, want ErrLocked", err)
	}
	var le *LockedError
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != os.Getpid() {
		t.Fatalf("LockedError does not name this process: %v", err)
	}
	if !strings.Contains(err.Error(), "pid ") {
		t.Errorf("message lacks the pid: %v", err)
	}
	mustClose(t, w)
	w2, recs, rep, err := Open(path)
	if err != nil {
		t.Fatalf("Open after close: %v", err)
	}
	defer w2.Close()
	if len(recs) != 2 || rep != nil {
		t.Fatalf("recs=%d repair=%v", len(recs), rep)
	}
	r, err := w2.Append("note", nil)
	if err != nil || r.Seq != 3 || r.Prev != recs[1].Hash {
		t.Fatalf("append after reopen: %+v %v", r, err)
	}
}

// TestEncoderWritesWhatTheWriterWrites: the same records through an
// Encoder and through a Writer give the same bytes, and they verify.
func TestEncoderWritesWhatTheWriterWrites(t *testing.T) {
	path, w := newJournal(t, 6)
	mustClose(t, w)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := NewEncoder(&buf, WithClock(fixedClock()))
	if _, err := enc.Append("session.start", map[string]any{"session": "s", "mode": "live"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 6; i++ {
		if _, err := enc.Append("note", map[string]any{"step": "s1", "text": strings.Repeat("x", i%7)}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("encoder wrote\n%s\nwriter wrote\n%s", buf.Bytes(), want)
	}
	if res := Verify(bytes.NewReader(buf.Bytes())); !res.OK || res.Records != 6 || res.Head != enc.Head() {
		t.Fatalf("%+v", res)
	}
}

// TestVerifyFileEach: one pass verifies as VerifyFile does and hands over
// every intact record in order, up to the first problem, with the head
// anchor checked as well; an error from the callback stops it.
func TestVerifyFileEach(t *testing.T) {
	path, w := newJournal(t, 9)
	head := w.Head()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	res, err := VerifyFileEach(path, head, func(r Record) error {
		seqs = append(seqs, r.Seq)
		return nil
	})
	want, werr := VerifyFile(path, head)
	if err != nil || werr != nil || !res.OK || res != want || len(seqs) != 9 || seqs[8] != 9 {
		t.Fatalf("VerifyFileEach = %+v, %v over %v; VerifyFile = %+v, %v", res, err, seqs, want, werr)
	}

	// An edited record: the records before it, and the same verdict.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`"text":"xxxx"`), []byte(`"text":"yyyy"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	seqs = nil
	res, err = VerifyFileEach(path, "", func(r Record) error {
		seqs = append(seqs, r.Seq)
		return nil
	})
	if err != nil || res.OK || res.BadLine != 5 || len(seqs) != 4 {
		t.Fatalf("after an edit: %+v, %v, records %v", res, err, seqs)
	}

	stop := errors.New("enough")
	n := 0
	if _, err := VerifyFileEach(path, "", func(Record) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("a callback's error: %v after %d records", err, n)
	}
}
