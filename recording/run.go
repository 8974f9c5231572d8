package recording

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
)

// ErrRequired is why --no-record is refused: the site policy requires
// every console session to be recorded.
var ErrRequired = errors.New("--no-record is refused")

// Choice is what decides whether a console run is recorded.
type Choice struct {
	// Policy is the site policy's recording section.
	Policy policy.Recording
	// NoRecord: the operator asked for no recording (--no-record).
	NoRecord bool
	// Plain: the session runs in plain line mode, not in the console.
	Plain bool
}

// Decide says whether a console run is recorded: "" when it is, else why
// not (the reason recording.off journals). --no-record under a policy that
// requires recording is an error wrapping ErrRequired.
func Decide(c Choice) (off string, err error) {
	switch {
	case c.NoRecord && c.Policy.Required:
		return "", fmt.Errorf("%w: the site policy %s requires every console session to be recorded", ErrRequired, c.Policy.From)
	case c.Plain:
		return "plain mode: only the full-screen console is recorded", nil
	case c.NoRecord:
		return "--no-record", nil
	case !c.Policy.Enabled:
		return "turned off by the site policy " + c.Policy.From, nil
	}
	return "", nil
}

// Run is one console run's recording (docs/recording.md): the Recorder
// the console draws through, and the Hook around the session's journal
// that marks and checkpoints it. `handrail run`, `rehearse` and `resume`
// make one per console run, and so does `handrail serve` for the console
// of the operator who drives a session. A nil *Run records nothing and
// journals nothing.
type Run struct {
	rec *Recorder // nil: this run is not recorded
	off string    // why not
	// requiredBy is the site policy that requires the recording ("" when
	// none does): a recording that cannot be made then refuses the session.
	requiredBy string
	mu         sync.Mutex
	hook       *Hook
	done       bool
}

// Start decides whether a console run is recorded (Decide) and, when it
// is, starts recording what is written to term, a width x height terminal.
// Nothing is written to disk until the session's first record (Journal).
func Start(term io.Writer, width, height int, c Choice) (*Run, error) {
	off, err := Decide(c)
	if err != nil {
		return nil, err
	}
	if off != "" {
		return &Run{off: off}, nil
	}
	run := &Run{rec: New(term, width, height, Options{})}
	if c.Policy.Required {
		run.requiredBy = strings.TrimSpace("the site policy " + c.Policy.From)
	}
	return run, nil
}

// NewRun is a console run recorded by rec, already started (serve starts
// it when the operator's parameter form opens, before the site policy is
// read), as the site policy pol decides (Decide, with no --no-record):
// when it turns recording off, rec is closed (it has no file yet, so
// nothing of it reaches the disk); when it requires the recording, a file
// that cannot be made refuses the session, as for a local console.
func NewRun(rec *Recorder, pol policy.Recording) *Run {
	off, _ := Decide(Choice{Policy: pol}) // no --no-record: never refused
	if rec == nil && off == "" {
		off = "not a console"
	}
	if off != "" {
		if rec != nil {
			_ = rec.Close()
		}
		return &Run{off: off}
	}
	run := &Run{rec: rec}
	if pol.Required {
		run.requiredBy = strings.TrimSpace("the site policy " + pol.From)
	}
	return run
}

// Journal wraps a session's journal j (at journalPath, holding recs so far
// for a resumed session) with the recording's hook; title heads the
// recording. The part is the next the journal does not name yet whose file
// does not exist (a file in the way is skipped, never followed). When the
// site policy requires the recording and its file cannot be made, the
// session's first record is refused with an error wrapping
// ErrCannotRecord: the session does not begin.
func (r *Run) Journal(j session.Journal, journalPath, title string, recs []journal.Record) session.Journal {
	if r == nil {
		return j
	}
	part := NextPart(recs)
	h := HookJournal(j, r.rec, HookOptions{Path: PartPath(journalPath, part), Part: part, JournalPath: journalPath, RequiredBy: r.requiredBy,
		Title: title, Off: r.off, Records: recs})
	r.mu.Lock()
	r.hook = h
	r.mu.Unlock()
	return h
}

// Recorder is the Recorder of this run (nil when it is not recorded).
func (r *Run) Recorder() *Recorder {
	if r == nil {
		return nil
	}
	return r.rec
}

// Problem is why this run is not recorded although it was to be: its file
// could not be made (the journal's recording.off says so too). "" when
// it is recorded, was not to be, or its session has not begun.
func (r *Run) Problem() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	h := r.hook
	r.mu.Unlock()
	if h == nil {
		return ""
	}
	return h.Problem()
}

// Off is why this run is not recorded ("" when it is).
func (r *Run) Off() string {
	if r == nil {
		return "not a console"
	}
	return r.off
}

// Finish ends the run's recording with the session's end state ("" when
// nothing ended it: EndInterrupted): the final checkpoint is journaled, so
// it must come before the journal closes. It returns the first error met
// recording the run, once; calling it again does nothing (a deferred call
// after the run's own is a no-op).
func (r *Run) Finish(end string) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	r.done = true
	if r.hook == nil {
		if r.rec != nil {
			_ = r.rec.Close() // the session never started: no file was made
		}
		return nil
	}
	if end == "" {
		end = EndInterrupted
	}
	return r.hook.Finish(end)
}

// Recording reports whether this run is being recorded to a file: its
// session started, the file was made, and the run has not finished.
func (r *Run) Recording() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	h := r.hook
	r.mu.Unlock()
	return h != nil && h.Recording()
}
