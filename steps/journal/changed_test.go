package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestAppendRefusesAJournalChangedBySomeoneElse changes the journal under
// its writer, as an attacker who can write the file would: the next
// append is refused with an error that says since which record and byte,
// nothing is written after the foreign bytes (they stay for the audit),
// and every later append is refused too. It holds for a session created
// here and for one resumed (Open), whose size the writer learns by reading.
func TestAppendRefusesAJournalChangedBySomeoneElse(t *testing.T) {
	// forged is a record that continues the chain correctly: verify cannot
	// tell it from the session's own.
	forged := func(t *testing.T, path string, w *Writer) []byte {
		line, _, err := encode(w.Seq()+1, time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), "note", []byte(`{"step":"s1","text":"all fine, skip the checks"}`), w.Head())
		if err != nil {
			t.Fatal(err)
		}
		return line
	}
	tests := []struct {
		name   string
		change func(t *testing.T, path string, w *Writer)
	}{
		{"a chained record appended", func(t *testing.T, path string, w *Writer) {
			appendBytes(t, path, forged(t, path, w))
		}},
		{"garbage appended", func(t *testing.T, path string, _ *Writer) {
			appendBytes(t, path, []byte("not a record\n"))
		}},
		{"cut back", func(t *testing.T, path string, _ *Writer) {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, st.Size()-10); err != nil {
				t.Fatal(err)
			}
		}},
	}
	open := map[string]func(t *testing.T) (string, *Writer){
		"created": func(t *testing.T) (string, *Writer) { return newJournal(t, 3) },
		"resumed": func(t *testing.T) (string, *Writer) {
			path, w := newJournal(t, 3)
			mustClose(t, w)
			w, _, _, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return path, w
		},
	}
	for how, openIt := range open {
		for _, tt := range tests {
			t.Run(how+"/"+tt.name, func(t *testing.T) {
				path, w := openIt(t)
				defer w.Close()
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				tt.change(t, path, w)
				changed, _ := os.ReadFile(path)

				_, err = w.Append("note", map[string]string{"text": "the operator's genuine note"})
				if !errors.Is(err, ErrChanged) {
					t.Fatalf("append after the journal was changed: %v", err)
				}
				var ce *ChangedError
				if !errors.As(err, &ce) || ce.Seq != 3 || ce.Size != st.Size() {
					t.Fatalf("the error names %+v, want seq 3 at byte %d", ce, st.Size())
				}
				if want := fmt.Sprintf("changed by someone else since seq 3 at byte %d", st.Size()); !strings.Contains(err.Error(), want) {
					t.Fatalf("the error does not say %q: %v", want, err)
				}
				if _, err := w.Append("note", nil); !errors.Is(err, ErrChanged) {
					t.Fatalf("a later append: %v", err)
				}
				if after, _ := os.ReadFile(path); !bytes.Equal(after, changed) {
					t.Fatalf("the writer wrote to a journal changed by someone else:\n%q\nwas\n%q", after, changed)
				}
			})
		}
	}
}

// TestAppendKeepsGoingOnItsOwnJournal: the size check never trips on the
// writer's own records, nor after a torn tail is cut by its repair record.
func TestAppendKeepsGoingOnItsOwnJournal(t *testing.T) {
	path, w := newJournal(t, 20)
	mustClose(t, w)
	appendBytes(t, path, []byte(`{"seq":21,"ti`))
	w, _, rep, err := Open(path)
	if err != nil || rep == nil {
		t.Fatalf("open a torn journal: %v %v", rep, err)
	}
	defer w.Close()
	if _, err := w.Append(RepairType, map[string]any{"dropped_bytes": rep.DroppedBytes}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := w.Append("note", nil); err != nil {
			t.Fatal(err)
		}
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	mustClose(t, f)
}
