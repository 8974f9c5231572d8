package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handrail/handrail/steps/journal"
)

func init() { commands = append(commands, newVerifyCmd) }

var headRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

func newVerifyCmd(stdio IO) *cobra.Command {
	var stateDir, head string
	cmd := &cobra.Command{
		Use:   "verify SESSION|FILE",
		Short: "Check that a session journal has not been altered",
		Long: strings.TrimSpace(`
verify recomputes the hash chain of a session journal: every record's
SHA-256 over the exact bytes of its line, the link to the previous record,
sequence numbers 1, 2, 3… and time order. Editing, deleting, inserting,
duplicating or reordering any record is reported with the first bad line
and what is wrong with it.

Records cut off the END of a journal leave a shorter chain that is still
valid: the file alone cannot show it. Keep the head hash that handrail prints
when a session ends (in the change ticket, say) and pass it with --head:
verify then requires that record to still be in the chain.

When the session was recorded, verify also checks each recording (the .cast
files beside the journal) against the length and SHA-256 the journal took
at every step boundary, and reports a recording that was cut or edited.

SESSION is a session id (or an unambiguous prefix; see 'handrail sessions')
in the state directory; FILE is a path to a journal.

It reads one line at a time, so a journal of any length verifies in
constant memory. A line longer than a record can be (16 MiB) is reported
as the problem at that line; a path that is not a regular file (a device,
a FIFO) is refused as unreadable.

Exit status: 0 intact, 1 altered or incomplete, 3 unreadable.`),
		Example: strings.TrimRight(`
  handrail verify 20261122-021500-ab12
  handrail verify ./20261122-021500-ab12.jsonl --head 9c1d0e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f
  handrail verify 20261122-0215 --state-dir /var/lib/handrail`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if head != "" && !headRe.MatchString(head) {
				return withCode(ExitUsage, fmt.Errorf("--head %q is not a head hash: give the 64 lowercase hex digits handrail printed", head))
			}
			path, err := journal.Locate(stateDir, args[0])
			if err != nil {
				return withCode(ExitError, err)
			}
			// One pass: the chain, and the few records about the
			// recording, kept for its check (the journal is never held
			// whole: verify's memory does not grow with it).
			var recs []journal.Record
			res, err := journal.VerifyFileEach(path, head, func(r journal.Record) error {
				if recordingRecord(r.Type) {
					recs = append(recs, r.Clone())
				}
				return nil
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			printVerify(stdio, path, res)
			recOK := printRecordingVerify(stdio, path, recs) // cli/record.go
			if !res.OK || !recOK {
				return withCode(ExitFindings, nil)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "directory holding session journals (default $XDG_STATE_HOME/handrail or ~/.local/state/handrail)")
	cmd.Flags().StringVar(&head, "head", "", "head hash kept elsewhere; its record must still be in the journal (detects truncation)")
	return cmd
}

// printVerify writes the verdict for a human: the first line says it all.
func printVerify(stdio IO, path string, res journal.Result) {
	out := stdio.Out
	switch {
	case res.OK:
		fmt.Fprintf(out, "intact: %s\nrecords: %d\nhead: %s\n", path, res.Records, res.Head)
		if res.Anchor != "" {
			// Records is a count (never negative); the anchor is one of them.
			var records uint64
			if res.Records > 0 {
				records = uint64(res.Records)
			}
			if res.AnchorSeq == records {
				fmt.Fprintf(out, "anchor: matches the head (record %d)\n", res.AnchorSeq)
			} else {
				fmt.Fprintf(out, "anchor: found at record %d; %d records were added after it\n", res.AnchorSeq, records-res.AnchorSeq)
			}
		}
	case res.Torn:
		fmt.Fprintf(out, "INCOMPLETE: %s\nline %d: %s\nintact records before it: %d\nhead: %s\n", path, res.BadLine, res.Problem, res.Records, res.Head)
	case res.BadLine > 0:
		fmt.Fprintf(out, "ALTERED: %s\nline %d", path, res.BadLine)
		if res.BadSeq > 0 {
			fmt.Fprintf(out, " (claims seq %d)", res.BadSeq)
		}
		fmt.Fprintf(out, ": %s\nintact records before it: %d\n", res.Problem, res.Records)
		if res.Head != "" {
			fmt.Fprintf(out, "last intact head: %s\n", res.Head)
		}
	default:
		label := "ALTERED"
		if res.Records == 0 {
			label = "EMPTY"
		}
		fmt.Fprintf(out, "%s: %s\n%s\nrecords: %d\nhead: %s\n", label, path, res.Problem, res.Records, res.Head)
	}
}
