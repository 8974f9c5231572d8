package cli

import (
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// addNoRecordFlag registers --no-record on a command that opens the
// console.
func addNoRecordFlag(fl *pflag.FlagSet, p *bool) {
	fl.BoolVar(p, "no-record", false, "do not record the console's output (the journal says so; refused when the site policy requires recording)")
}

// consoleRecording is one console run's recording (docs/recording.md): the
// Recorder the console draws through, and the Hook around the session's
// journal that marks and checkpoints it. A nil *consoleRecording records
// nothing and journals nothing.
type consoleRecording struct {
	rec  *recording.Recorder // nil: this run is not recorded
	off  string              // why not
	hook *recording.Hook
}

// startRecording decides whether this console run is recorded (--no-record,
// the site policy of the state directory stateDir, plain mode) and, when it
// is, starts recording what stdio's terminal shows. Nothing is written to
// disk until the session's first record (consoleRecording.journal).
func startRecording(stdio IO, stateDir string, noRecord, plainMode bool) (*consoleRecording, error) {
	w, h := termSize(stdio.term())
	return startRecordingSized(stdio, stateDir, noRecord, plainMode, w, h)
}

// startRecordingSized is startRecording for a terminal of a known size:
// the seam for a console whose terminal is not this process's (an SSH
// session's pty: its writer is stdio.Term, its size the pty request's).
func startRecordingSized(stdio IO, stateDir string, noRecord, plainMode bool, w, h int) (*consoleRecording, error) {
	site, err := sitePolicy(stateDir)
	if err != nil {
		return nil, err
	}
	pol := site.Recording
	switch {
	case noRecord && pol.Required:
		return nil, withCode(ExitUsage, fmt.Errorf("--no-record is refused: the site policy %s requires every console session to be recorded", pol.From))
	case plainMode:
		return &consoleRecording{off: "plain mode: only the full-screen console is recorded"}, nil
	case noRecord:
		return &consoleRecording{off: "--no-record"}, nil
	case !pol.Enabled:
		return &consoleRecording{off: "turned off by the site policy " + pol.From}, nil
	}
	return &consoleRecording{rec: recording.New(stdio.term(), w, h, recording.Options{})}, nil
}

// termSize is the size of the terminal w draws on (80x24 when it is not
// one).
func termSize(w io.Writer) (int, int) {
	if f, ok := w.(*os.File); ok {
		if cols, rows, err := term.GetSize(f.Fd()); err == nil && cols > 0 && rows > 0 {
			return cols, rows
		}
	}
	return 80, 24
}

// journal wraps a session's journal (at journalPath, holding recs so far)
// with the recording's hook; title heads the recording.
func (c *consoleRecording) journal(j session.Journal, journalPath, title string, recs []journal.Record) session.Journal {
	if c == nil {
		return j
	}
	part := recording.NextPart(recs)
	c.hook = recording.HookJournal(j, c.rec, recording.HookOptions{
		Path: recording.PartPath(journalPath, part), Part: part, Title: title, Off: c.off, Records: recs,
	})
	return c.hook
}

// recorder is the Recorder of this run (nil when not recording).
func (c *consoleRecording) recorder() *recording.Recorder {
	if c == nil {
		return nil
	}
	return c.rec
}

// finish ends the run's recording with the session's end state ("" when
// nothing ended it: interrupted). It is safe to call again (a deferred
// call after drive's is a no-op).
func (c *consoleRecording) finish(stdio IO, end string) {
	if c == nil {
		return
	}
	if c.hook == nil {
		if c.rec != nil {
			_ = c.rec.Close() // the session never started: no file was made
		}
		return
	}
	if end == "" {
		end = recording.EndInterrupted
	}
	if err := c.hook.Finish(end); err != nil {
		fmt.Fprintf(stdio.Err, "handrail: the recording of this run is incomplete: %v\n", err)
	}
}

// consoleOutput is where a Bubble Tea program of this run draws, and the
// options that record it: the terminal itself when rec is nil, else the
// Recorder in front of it, told about every resize.
func consoleOutput(stdio IO, rec *recording.Recorder) []tea.ProgramOption {
	if rec == nil {
		return []tea.ProgramOption{tea.WithOutput(stdio.term())}
	}
	return []tea.ProgramOption{
		tea.WithOutput(rec.Output()),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if ws, ok := msg.(tea.WindowSizeMsg); ok {
				rec.Resize(ws.Width, ws.Height)
			}
			return msg
		}),
	}
}

// printRecordingVerify checks the recordings of the journal at path
// against its checkpoints (journal.VerifyRecordings) and prints the verdict
// under verify's. It reports whether they are intact (true when the
// session has none).
func printRecordingVerify(stdio IO, path string) bool {
	l, err := journal.ReadLog(path)
	if err != nil {
		fmt.Fprintf(stdio.Out, "recording: cannot read the journal: %v\n", err)
		return false
	}
	res := journal.VerifyRecordings(path, l.Records)
	if !res.Recorded() && len(res.Off) == 0 && res.Problem == "" {
		fmt.Fprint(stdio.Out, "recording: none\n")
		return true
	}
	fmt.Fprint(stdio.Out, describeRecording(res))
	return res.OK()
}
