package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// castSession writes a journal that names one recording, the recording
// itself, and a checkpoint after each chunk (the last one final when final
// is set). It returns the journal's path, the records and the cast's path.
func castSession(t *testing.T, chunks []string, final bool) (string, []Record, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "20261122-021500-ab12.jsonl")
	castPath := filepath.Join(dir, "20261122-021500-ab12.cast")
	w, _, err := Create(path, "session.start", map[string]any{"session": "s"}, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, w)
	if _, err := w.Append(TypeRecordingStart, RecordingStart{File: filepath.Base(castPath), Part: 1, Width: 80, Height: 24}); err != nil {
		t.Fatal(err)
	}
	var content string
	for i, c := range chunks {
		content += c
		sum := sha256.Sum256([]byte(content))
		cp := RecordingCheckpoint{File: filepath.Base(castPath), Bytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Step: "s" + string(rune('1'+i))}
		if final && i == len(chunks)-1 {
			cp.Final, cp.End = true, "completed"
		}
		if _, err := w.Append(TypeRecordingCheckpoint, cp); err != nil {
			t.Fatal(err)
		}
	}
	mustWriteFile(t, castPath, []byte(content))
	recs, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, recs, castPath
}

var castChunks = []string{
	`{"version":2,"width":80,"height":24}` + "\n",
	`[0.100000, "o", "step one"]` + "\n" + `[0.100000, "m", "s1"]` + "\n",
	`[1.000000, "o", "step two"]` + "\n",
}

func TestVerifyRecordingsIntact(t *testing.T) {
	path, recs, castPath := castSession(t, castChunks, true)
	res := VerifyRecordings(path, recs)
	if !res.OK() || !res.Recorded() || len(res.Parts) != 1 {
		t.Fatalf("intact recording: %+v", res)
	}
	p := res.Parts[0]
	st, _ := os.Stat(castPath)
	if p.Checkpoints != 3 || p.Verified != st.Size() || !p.Final || p.End != "completed" || p.Tail != 0 || p.Path != castPath {
		t.Fatalf("part %+v", p)
	}
}

func TestVerifyRecordingsFindsTampering(t *testing.T) {
	full := strings.Join(castChunks, "")
	tests := []struct {
		name    string
		final   bool
		tamper  func(t *testing.T, castPath string)
		kind    string
		problem string
	}{
		{"cut", true, func(t *testing.T, p string) { mustWriteFile(t, p, []byte(full[:len(full)-10])) }, CastCut, "cut: it has"},
		{"cut to the header", true, func(t *testing.T, p string) { mustWriteFile(t, p, []byte(castChunks[0])) }, CastCut, "(step s2)"},
		{"edited", true, func(t *testing.T, p string) {
			mustWriteFile(t, p, []byte(strings.Replace(full, "step one", "step 0ne", 1)))
		}, CastEdited, "edited: bytes"},
		{"edited header", true, func(t *testing.T, p string) {
			mustWriteFile(t, p, []byte(strings.Replace(full, "80", "81", 1)))
		}, CastEdited, "from the start"},
		{"appended", true, func(t *testing.T, p string) {
			mustWriteFile(t, p, []byte(full+`[2.000000, "o", "forged"]`+"\n"))
		}, CastAppended, "added after the final checkpoint"},
		{"missing", true, func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, CastMissing, "missing"},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			name    string
			final   bool
			tamper  func(t *testing.T, castPath string)
			kind    string
			problem string
		}{"symlink", true, func(t *testing.T, p string) {
			other := p + ".real"
			mustWriteFile(t, other, []byte(full))
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, p); err != nil {
				t.Fatal(err)
			}
		}, CastUnsafe, "not a regular file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, recs, castPath := castSession(t, castChunks, tt.final)
			tt.tamper(t, castPath)
			res := VerifyRecordings(path, recs)
			if res.OK() || res.Parts[0].Kind != tt.kind || !strings.Contains(res.Problem, tt.problem) {
				t.Fatalf("kind %q problem %q, want %q containing %q", res.Parts[0].Kind, res.Problem, tt.kind, tt.problem)
			}
		})
	}
}

// A run that crashed before its final checkpoint leaves an uncovered tail:
// reported, not a problem.
func TestVerifyRecordingsUncoveredTail(t *testing.T) {
	path, recs, castPath := castSession(t, castChunks, false)
	f, err := os.OpenFile(castPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`[3.000000, "o", "after"]` + "\n"); err != nil {
		t.Fatal(err)
	}
	mustClose(t, f)
	res := VerifyRecordings(path, recs)
	if !res.OK() || res.Parts[0].Tail != int64(len(`[3.000000, "o", "after"]`+"\n")) || res.Parts[0].Final {
		t.Fatalf("%+v", res)
	}
}

func TestVerifyRecordingsJournalSide(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.jsonl")
	w, _, err := Create(path, "session.start", map[string]any{}, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, w)
	for _, r := range []struct {
		typ  string
		data any
	}{
		{TypeRecordingOff, RecordingOff{Reason: "--no-record"}},
		{TypeRecordingStart, RecordingStart{File: "../../etc/passwd.cast", Part: 1}},
	} {
		if _, err := w.Append(r.typ, r.data); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := Read(path)
	res := VerifyRecordings(path, recs)
	if res.OK() || res.Parts[0].Kind != CastUnsafe || len(res.Off) != 1 || res.Off[0] != "--no-record" {
		t.Fatalf("%+v", res)
	}
	if _, err := w.Append(TypeRecordingCheckpoint, RecordingCheckpoint{File: "other.cast", Bytes: 1}); err != nil {
		t.Fatal(err)
	}
	recs, _ = Read(path)
	if res := VerifyRecordings(path, recs); !strings.Contains(res.Problem, "which no recording.start names") {
		t.Fatalf("%+v", res)
	}
}

func TestCastPath(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b.cast", `a\b.cast`, "x.txt", "../x.cast", "javascript:alert(1).cast", ".cast", "a b.cast", "x..cast"} {
		if _, err := CastPath("/s/j.jsonl", bad); err == nil {
			t.Errorf("CastPath accepted %q", bad)
		}
	}
	if p, err := CastPath("/s/j.jsonl", "j.2.cast"); err != nil || p != filepath.Join("/s", "j.2.cast") {
		t.Errorf("%s %v", p, err)
	}
}
