package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Record types of a session's recording (docs/recording.md). The recording
// package writes them beside the engine's records; the engine ignores them
// on replay.
const (
	TypeRecordingStart      = "recording.start"
	TypeRecordingCheckpoint = "recording.checkpoint"
	TypeRecordingOff        = "recording.off"
)

// CastExt is a recording file's extension.
const CastExt = ".cast"

// RecordingStart is recording.start's data: one console run of the session
// is recorded in File, beside the journal.
type RecordingStart struct {
	File      string    `json:"file"`
	Part      int       `json:"part"`
	Started   time.Time `json:"started"` // the recording's time 0
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Rehearsal bool      `json:"rehearsal,omitempty"`
}

// RecordingCheckpoint is recording.checkpoint's data: File had Bytes bytes
// whose SHA-256 is SHA256, right after the journal record After (0 for the
// final checkpoint). Each recording file is only ever appended to, so every
// checkpoint covers a prefix of the file.
type RecordingCheckpoint struct {
	File      string `json:"file"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
	After     uint64 `json:"after,omitempty"`
	Step      string `json:"step,omitempty"`
	Final     bool   `json:"final,omitempty"`
	End       string `json:"end,omitempty"`   // the final checkpoint: completed, quit, halted, interrupted
	Error     string `json:"error,omitempty"` // the recording stopped early: why
	Rehearsal bool   `json:"rehearsal,omitempty"`
}

// RecordingOff is recording.off's data: this console run is not recorded.
type RecordingOff struct {
	Reason    string `json:"reason"`
	Rehearsal bool   `json:"rehearsal,omitempty"`
}

// Kinds of recording problems (CastPart.Kind).
const (
	CastMissing  = "missing"  // the file named in the journal is gone
	CastUnsafe   = "unsafe"   // not a regular file beside the journal (a symlink, a path)
	CastCut      = "cut"      // shorter than a checkpoint says it was
	CastEdited   = "edited"   // a checkpointed prefix hashes differently
	CastAppended = "appended" // bytes after a run's final checkpoint
)

// CastPart is the verdict on one recording file.
type CastPart struct {
	File    string
	Path    string
	Part    int
	Started time.Time
	Width   int
	Height  int
	Size    int64 // bytes on disk; -1 when it cannot be read

	Checkpoints int   // checkpoints in the journal for this file
	Verified    int64 // bytes covered by matching checkpoints
	Final       bool  // the run ended with a final checkpoint
	End         string
	Error       string // the recorder's own error, from the final checkpoint
	Tail        int64  // bytes after the last checkpoint of a run that stopped without a final one

	Kind    string // "" when intact
	Problem string
	BadSeq  uint64 // the journal record of the checkpoint that does not match
}

// OK reports whether the file matches every checkpoint.
func (p CastPart) OK() bool { return p.Kind == "" }

// CastResult is the outcome of checking a session's recordings against the
// checkpoints in its journal.
type CastResult struct {
	Parts []CastPart
	// Off lists why console runs were not recorded.
	Off []string
	// Problem is the first problem found (journal side or file side).
	Problem string
}

// Recorded reports whether any run of the session was recorded.
func (r CastResult) Recorded() bool { return len(r.Parts) > 0 }

// OK reports whether every recording matches the journal.
func (r CastResult) OK() bool { return r.Problem == "" }

// RecordingsOf reads the recording records of a journal without touching
// the files: the parts in order, with their checkpoints.
func RecordingsOf(recs []Record) (parts []CastPart, cps map[string][]Checkpoint, off []string, problem string) {
	cps = map[string][]Checkpoint{}
	index := map[string]int{}
	for _, rec := range recs {
		switch rec.Type {
		case TypeRecordingStart:
			var d RecordingStart
			if err := json.Unmarshal(rec.Data, &d); err != nil {
				return parts, cps, off, fmt.Sprintf("journal record %d (%s) does not decode: %v", rec.Seq, rec.Type, err)
			}
			if _, dup := index[d.File]; dup {
				return parts, cps, off, fmt.Sprintf("journal record %d starts recording %s a second time", rec.Seq, safeName(d.File))
			}
			index[d.File] = len(parts)
			parts = append(parts, CastPart{File: d.File, Part: d.Part, Started: d.Started, Width: d.Width, Height: d.Height, Size: -1})
		case TypeRecordingCheckpoint:
			var d RecordingCheckpoint
			if err := json.Unmarshal(rec.Data, &d); err != nil {
				return parts, cps, off, fmt.Sprintf("journal record %d (%s) does not decode: %v", rec.Seq, rec.Type, err)
			}
			if _, ok := index[d.File]; !ok {
				return parts, cps, off, fmt.Sprintf("journal record %d checkpoints %s, which no recording.start names", rec.Seq, safeName(d.File))
			}
			cps[d.File] = append(cps[d.File], Checkpoint{Seq: rec.Seq, RecordingCheckpoint: d})
		case TypeRecordingOff:
			var d RecordingOff
			if err := json.Unmarshal(rec.Data, &d); err != nil {
				return parts, cps, off, fmt.Sprintf("journal record %d (%s) does not decode: %v", rec.Seq, rec.Type, err)
			}
			off = append(off, d.Reason)
		}
	}
	return parts, cps, off, ""
}

// Checkpoint is a recording.checkpoint with the seq of its own record.
type Checkpoint struct {
	Seq uint64
	RecordingCheckpoint
}

// castName is what a recording's file name may be: letters, digits, dots,
// dashes and underscores, ending in .cast (handrail names them
// SESSION.cast and SESSION.N.cast).
var castName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*\.cast$`)

// CastPath is where a recording named in the journal at journalPath lives:
// beside it. Any other name is refused, so an edited journal can neither
// point verify or replay elsewhere nor put a URL into a report.
func CastPath(journalPath, file string) (string, error) {
	if !castName.MatchString(file) || strings.Contains(file, "..") {
		return "", fmt.Errorf("the journal names recording %s, which is not a file name ending in %s", safeName(file), CastExt)
	}
	return filepath.Join(filepath.Dir(journalPath), file), nil
}

// VerifyRecordings checks every recording a journal names against its
// checkpoints: each file must exist beside the journal as a regular file,
// be at least as long as each checkpoint says, and hash, over each
// checkpointed prefix, to the SHA-256 recorded then. Bytes after a run's
// final checkpoint were added later. A run that stopped without its final
// checkpoint (a crash) leaves a tail no checkpoint covers: Tail counts it,
// and it is not a problem.
func VerifyRecordings(journalPath string, recs []Record) CastResult {
	parts, cps, off, problem := RecordingsOf(recs)
	res := CastResult{Off: off, Problem: problem}
	for i := range parts {
		p := &parts[i]
		verifyPart(journalPath, p, cps[p.File])
		if p.Problem != "" && res.Problem == "" {
			res.Problem = p.File + ": " + p.Problem
		}
	}
	res.Parts = parts
	return res
}

func verifyPart(journalPath string, p *CastPart, cps []Checkpoint) {
	p.Checkpoints = len(cps)
	if n := len(cps); n > 0 {
		last := cps[n-1]
		p.Final, p.End, p.Error = last.Final, last.End, last.Error
	}
	path, err := CastPath(journalPath, p.File)
	if err != nil {
		p.Kind, p.Problem = CastUnsafe, err.Error()
		return
	}
	p.Path = path
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.Kind, p.Problem = CastMissing, "the recording is missing: the journal says it was written, beside the journal"
		return
	case err != nil:
		p.Kind, p.Problem = CastMissing, "the recording cannot be read: "+err.Error()
		return
	case !st.Mode().IsRegular():
		p.Kind, p.Problem = CastUnsafe, fmt.Sprintf("the recording is not a regular file (%s): it was replaced", st.Mode().Type())
		return
	}
	f, err := os.Open(path)
	if err != nil {
		p.Kind, p.Problem = CastMissing, "the recording cannot be read: "+err.Error()
		return
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	p.Size = st.Size()
	h := sha256.New()
	var done int64
	prevSeq := uint64(0)
	for _, cp := range cps {
		if cp.Bytes < done {
			p.Kind, p.BadSeq = CastEdited, cp.Seq
			p.Problem = fmt.Sprintf("the checkpoint of journal record %d says %d bytes, fewer than the %d of the one before", cp.Seq, cp.Bytes, done)
			return
		}
		if p.Size < cp.Bytes {
			p.Kind, p.BadSeq = CastCut, cp.Seq
			p.Problem = fmt.Sprintf("the recording was cut: it has %d bytes, but journal record %d%s says it had %d (%d bytes missing)",
				p.Size, cp.Seq, stepOf(cp), cp.Bytes, cp.Bytes-p.Size)
			return
		}
		if _, err := io.CopyN(h, f, cp.Bytes-done); err != nil {
			p.Kind, p.Problem = CastMissing, "read the recording: "+err.Error()
			return
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != cp.SHA256 {
			p.Kind, p.BadSeq = CastEdited, cp.Seq
			where := "from the start"
			if prevSeq > 0 {
				where = fmt.Sprintf("after the checkpoint of journal record %d", prevSeq)
			}
			p.Problem = fmt.Sprintf("the recording was edited: bytes %d to %d (%s, up to journal record %d%s) hash to %s, the journal recorded %s",
				done, cp.Bytes, where, cp.Seq, stepOf(cp), short(got), short(cp.SHA256))
			return
		}
		done, prevSeq = cp.Bytes, cp.Seq
		p.Verified = done
	}
	extra := p.Size - done
	switch {
	case extra > 0 && p.Final:
		p.Kind, p.BadSeq = CastAppended, prevSeq
		p.Problem = fmt.Sprintf("%d bytes were added after the final checkpoint (journal record %d)", extra, prevSeq)
	case extra > 0:
		p.Tail = extra
	}
}

func stepOf(cp Checkpoint) string {
	if cp.Step == "" {
		return ""
	}
	return " (step " + cp.Step + ")"
}

// safeName quotes a name from the journal for a message.
func safeName(s string) string { return fmt.Sprintf("%q", s) }
