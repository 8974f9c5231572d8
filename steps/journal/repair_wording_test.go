package journal

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestRepairSaysOnlyWhatIsKnown: bytes cut off a complete last record
// look like a torn write; the repair's reason says what is known (how many
// bytes, not a whole record), never that the record was unacknowledged.
func TestRepairSaysOnlyWhatIsKnown(t *testing.T) {
	path, w := newJournal(t, 3)
	mustClose(t, w)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kept := b[:len(b)-20] // the last record loses its end
	mustWriteFile(t, path, kept)
	cut := len(kept) - (bytes.LastIndexByte(kept, '\n') + 1) // what is left of it, with no newline
	w2, _, rep, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, w2)
	want := "an incomplete last line: " + strconv.Itoa(cut) + " bytes after the last whole record, not a whole record themselves"
	if rep == nil || rep.Reason != want || rep.DroppedBytes != cut {
		t.Fatalf("repair = %+v, want %q", rep, want)
	}
	if strings.Contains(rep.Reason, "acknowledged") || strings.Contains(rep.Reason, "interrupted") {
		t.Errorf("the reason guesses the cause: %q", rep.Reason)
	}
}
