package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// Journal is the journal a session appends to (session.Journal's method
// set).
type Journal interface {
	Append(typ string, data any) (journal.Record, error)
}

// End states of a run's final checkpoint besides the engine's (completed,
// quit, halted).
const (
	EndInterrupted = "interrupted" // a signal or a dropped connection: nothing ended the session
	EndClosed      = "closed"      // the run stopped on an error
)

// HookOptions say what a Hook records.
type HookOptions struct {
	// Path is the recording file to create beside the journal (see
	// PartPath); Title its header's title.
	Path, Title string
	// Part is the run's number: 1 for the session's start, then one more
	// for each resume.
	Part int
	// JournalPath, when set, is the session's journal: the file is then
	// the first free part from Part on (PartPath), so that a file already
	// there (left by a crash, or planted, a link included) is skipped,
	// never followed nor overwritten, and the run is still recorded.
	JournalPath string
	// RequiredBy names the site policy that requires every console
	// session to be recorded ("the site policy FILE"; "" when none does). When the file cannot be
	// made, the session's first record is then refused (ErrCannotRecord)
	// instead of the run going on unrecorded.
	RequiredBy string
	// Off, when the Recorder is nil, is why this run is not recorded
	// (journaled as recording.off).
	Off string
	// Records is the journal so far, for a resumed session: it names the
	// steps already entered, for the markers' labels.
	Records []journal.Record
}

// Hook wraps a session's journal. After session.start (or, for a resumed
// session, session.resume) it creates the recording file and journals
// recording.start (or recording.off). After
// every record of interest it adds a marker to the recording, and after
// every step boundary a recording.checkpoint with the recording's length
// and SHA-256. Finish ends the run with a final checkpoint.
type Hook struct {
	mu   sync.Mutex
	j    Journal
	r    *Recorder
	opt  HookOptions
	on   bool // recording to a file
	seen bool // the first record went by
	// attached: the file was made (before the session's first record);
	// problem: why it could not be, when the run goes on unrecorded.
	attached bool
	problem  string

	rehearsal bool
	cur       string            // the current step's key
	titles    map[string]string // step key -> title
	done      bool
	err       error // the first failure to journal a recording record
	// simTime is the simulated time of the last record that had one (a
	// rehearsal's): the hook's own records carry it too.
	simTime json.RawMessage
}

// HookJournal returns j wrapped with the recording r (nil when this run is
// not recorded: opt.Off says why).
func HookJournal(j Journal, r *Recorder, opt HookOptions) *Hook {
	h := &Hook{j: j, r: r, opt: opt, titles: map[string]string{}}
	for _, rec := range opt.Records {
		h.follow(rec)
	}
	return h
}

// Append journals a record, then marks and checkpoints the recording.
func (h *Hook) Append(typ string, data any) (journal.Record, error) {
	first := false
	if typ == session.EvSessionStart || typ == session.EvSessionResume {
		// The run begins with the session's first record, or with the
		// session.resume that follows a resume's journal.repair. Its file
		// is made before that record: when the policy requires a
		// recording that cannot be made, the session does not begin.
		h.mu.Lock()
		if !h.seen {
			first = true
			if err := h.attach(); err != nil {
				h.mu.Unlock()
				return journal.Record{}, err
			}
			h.seen = true
		}
		h.mu.Unlock()
	}
	rec, err := h.j.Append(typ, data)
	if err != nil {
		return rec, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var d map[string]json.RawMessage
	if json.Unmarshal(rec.Data, &d) == nil && d[session.SimTimeKey] != nil {
		h.simTime = d[session.SimTimeKey]
	}
	if first {
		h.rehearsal = isRehearsal(rec.Data)
		h.begin()
	}
	h.follow(rec)
	if !h.on || h.done {
		return rec, nil
	}
	if label := Label(rec, h.titles, h.cur); label != "" {
		h.r.Mark(rec.Time, label)
	}
	if Boundary(rec.Type) {
		h.checkpoint(journal.RecordingCheckpoint{After: rec.Seq, Step: h.cur})
	}
	return rec, nil
}

// follow keeps the current step and the steps' titles. h.mu is held (or h
// is not shared yet).
// Follows reports whether a hook for a resumed session needs records of
// type typ from the journal so far (HookOptions.Records): the steps entered
// (the markers' labels) and the recordings started (the next part's
// number). A resume that streams the journal keeps only those.
func Follows(typ string) bool {
	return typ == session.EvStepEnter || typ == journal.TypeRecordingStart
}

func (h *Hook) follow(rec journal.Record) {
	if rec.Type != session.EvStepEnter {
		return
	}
	var d session.StepEnterData
	if json.Unmarshal(rec.Data, &d) == nil {
		h.cur = d.Step
		h.titles[d.Step] = d.Title
	}
}

// ErrCannotRecord is why a session does not begin: the site policy
// requires the console to be recorded and the recording cannot be made.
var ErrCannotRecord = errors.New("the recording cannot be made")

// maxSkipped is how many files in the way attach skips before it gives up.
const maxSkipped = 100

// attach makes the recording's file, before the session's first record is
// journaled. A file already at the part's path is never followed nor
// overwritten: with opt.JournalPath the next part is taken. When no file
// can be made the run goes on unrecorded (begin journals why, Problem
// says it), unless the site policy requires the recording: then the
// error (ErrCannotRecord) refuses the session's first record. h.mu is
// held.
func (h *Hook) attach() error {
	if h.r == nil {
		return nil
	}
	path := h.opt.Path
	if h.opt.JournalPath != "" {
		path = PartPath(h.opt.JournalPath, h.opt.Part)
	}
	var err error
	for skipped := 0; ; skipped++ {
		err = h.r.Attach(path, h.opt.Title)
		if err == nil || !errors.Is(err, fs.ErrExist) || h.opt.JournalPath == "" || skipped == maxSkipped {
			break
		}
		h.opt.Part++
		path = PartPath(h.opt.JournalPath, h.opt.Part)
	}
	h.opt.Path = path
	if err == nil {
		h.attached = true
		return nil
	}
	_ = h.r.Close() // nothing was written to a file
	h.r = nil
	if h.opt.RequiredBy != "" {
		return fmt.Errorf("%w (%v): %s requires every console session to be recorded, so the session was not started; "+
			"make %s writable, or move what is in the way", ErrCannotRecord, err, h.opt.RequiredBy, filepath.Dir(path))
	}
	h.opt.Off = "the recording could not be created: " + err.Error()
	h.problem = h.opt.Off
	return nil
}

// Problem is why this run is not recorded although it was to be (its file
// could not be made), "" otherwise: the operator is told, not only the
// journal.
func (h *Hook) Problem() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problem
}

// begin journals recording.start for the file attach made, or
// recording.off. h.mu is held.
func (h *Hook) begin() {
	if h.r == nil {
		h.journal(journal.TypeRecordingOff, journal.RecordingOff{Reason: h.opt.Off, Rehearsal: h.rehearsal})
		return
	}
	w, ht := h.r.Size()
	h.on = h.journal(journal.TypeRecordingStart, journal.RecordingStart{
		File: filepath.Base(h.opt.Path), Part: h.opt.Part, Started: h.r.Started().UTC(), Width: w, Height: ht, Rehearsal: h.rehearsal,
	})
	if h.on {
		// The first checkpoint covers the header and what was drawn before
		// the session existed (the parameter form).
		h.checkpoint(journal.RecordingCheckpoint{Step: h.cur})
	}
}

// checkpoint journals the recording's length and hash. h.mu is held.
func (h *Hook) checkpoint(cp journal.RecordingCheckpoint) {
	got, err := h.r.Checkpoint()
	if err != nil && got.File == "" {
		h.fail(err)
		return
	}
	cp.File, cp.Bytes, cp.SHA256, cp.Rehearsal = got.File, got.Bytes, got.SHA256, h.rehearsal
	if e := errors.Join(got.Err, err); e != nil {
		cp.Error = e.Error()
	}
	h.journal(journal.TypeRecordingCheckpoint, cp)
}

func (h *Hook) journal(typ string, data any) bool {
	if h.simTime != nil {
		// A rehearsal's records all carry the simulated time: this one's
		// is the record it follows.
		raw, err := withKey(data, session.SimTimeKey, h.simTime)
		if err != nil {
			h.fail(fmt.Errorf("journal %s: %w", typ, err))
			return false
		}
		data = raw
	}
	if _, err := h.j.Append(typ, data); err != nil {
		h.fail(fmt.Errorf("journal %s: %w", typ, err))
		return false
	}
	return true
}

func (h *Hook) fail(err error) {
	if h.err == nil {
		h.err = err
	}
}

// Recording reports whether this run is being recorded to a file.
func (h *Hook) Recording() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.on && !h.done
}

// Finish ends the run: an interrupted run gets its marker, the recording is
// closed, and the final checkpoint is journaled with end (completed, quit,
// halted, or EndInterrupted). It returns the first error met recording the
// run. A hook that never saw a record does nothing.
func (h *Hook) Finish(end string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return h.err
	}
	h.done = true
	if h.r == nil {
		return h.err
	}
	if !h.on {
		_ = h.r.Close()
		if h.attached {
			// Made, but the session never began (its first record was
			// refused) or recording.start could not be journaled: no
			// record names the file.
			_ = os.Remove(h.opt.Path)
		}
		return h.err
	}
	if end == EndInterrupted {
		h.r.Mark(h.r.clock(), Interrupted(h.cur, h.titles))
	}
	if err := h.r.Close(); err != nil {
		h.fail(err)
	}
	h.checkpoint(journal.RecordingCheckpoint{Final: true, End: end, Step: h.cur})
	return h.err
}

// withKey is data, encoded, with key set to the raw value v.
func withKey(data any, key string, v json.RawMessage) (json.RawMessage, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	m[key] = v
	return json.Marshal(m)
}

func isRehearsal(data json.RawMessage) bool {
	var d struct {
		Rehearsal bool   `json:"rehearsal"`
		Mode      string `json:"mode"`
	}
	_ = json.Unmarshal(data, &d)
	return d.Rehearsal || d.Mode == session.ModeRehearsal
}

// PartPath is the file of a session's part-th recording: beside the
// journal, its name with .cast for the first part and .N.cast after.
func PartPath(journalPath string, part int) string {
	base := strings.TrimSuffix(journalPath, journal.Ext)
	if part <= 1 {
		return base + journal.CastExt
	}
	return fmt.Sprintf("%s.%d%s", base, part, journal.CastExt)
}

// NextPart is the number of the next run's recording: one more than the
// parts the journal already names.
func NextPart(recs []journal.Record) int {
	n := 0
	for _, r := range recs {
		if r.Type == journal.TypeRecordingStart {
			var d journal.RecordingStart
			if json.Unmarshal(r.Data, &d) == nil && d.Part > n {
				n = d.Part
			}
		}
	}
	return n + 1
}
