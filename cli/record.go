package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/pflag"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
)

// addNoRecordFlag registers --no-record on a command that opens the
// console.
func addNoRecordFlag(fl *pflag.FlagSet, p *bool) {
	fl.BoolVar(p, "no-record", false, "do not record the console's output (the journal says so; refused when the site policy requires recording)")
}

// startRecording decides whether this console run is recorded (--no-record,
// the site policy of the state directory stateDir, plain mode) and, when it
// is, starts recording what stdio's terminal shows (recording.Start).
// Nothing is written to disk until the session's first record
// (recording.Run.Journal).
func startRecording(stdio IO, stateDir string, noRecord, plainMode bool) (*recording.Run, error) {
	site, err := sitePolicy(stateDir)
	if err != nil {
		return nil, err
	}
	w, h := termSize(stdio.term())
	run, err := recording.Start(stdio.term(), w, h, recording.Choice{Policy: site.Recording, NoRecord: noRecord, Plain: plainMode})
	if errors.Is(err, recording.ErrRequired) {
		return nil, withCode(ExitUsage, err)
	}
	return run, err
}

// refuseNoRecord refuses --no-record when the site policy site requires
// every console session to be recorded: said before anything is asked
// (secret params, passwords) or journaled.
func refuseNoRecord(site policy.Site, noRecord bool) error {
	if _, err := recording.Decide(recording.Choice{Policy: site.Recording, NoRecord: noRecord}); err != nil {
		return withCode(ExitUsage, err)
	}
	return nil
}

// sayRecordingProblem tells the operator, on stderr before the console
// starts, that this run is not recorded although it was to be (its file
// could not be made): the journal's recording.off is not enough.
func sayRecordingProblem(stdio IO, rec *recording.Run) {
	if p := rec.Problem(); p != "" {
		fmt.Fprintf(stdio.Err, "handrail: WARNING: this run is NOT recorded: %s (journaled as recording.off)\n", p)
	}
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

// finishRecording ends the run's recording with the session's end state
// ("" when nothing ended it: interrupted) and says when it is incomplete.
// It is safe to call again (a deferred call after drive's is a no-op).
func finishRecording(stdio IO, rec *recording.Run, end string) {
	if err := rec.Finish(end); err != nil {
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

// recordingRecord tells the journal records a recording's check reads
// (journal.RecordingsOf).
func recordingRecord(typ string) bool {
	switch typ {
	case journal.TypeRecordingStart, journal.TypeRecordingCheckpoint, journal.TypeRecordingOff:
		return true
	}
	return false
}

// printRecordingVerify checks the recordings of the journal at path
// against its checkpoints (journal.VerifyRecordings), given the journal's
// intact recording records, and prints the verdict under verify's. It
// reports whether they are intact (true when the session has none).
func printRecordingVerify(stdio IO, path string, recs []journal.Record) bool {
	res := journal.VerifyRecordings(path, recs)
	if !res.Recorded() && len(res.Off) == 0 && res.Problem == "" {
		fmt.Fprint(stdio.Out, "recording: none\n")
		return true
	}
	fmt.Fprint(stdio.Out, describeRecording(res))
	return res.OK()
}
