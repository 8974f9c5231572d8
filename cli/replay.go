package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

func init() { commands = append(commands, newReplayCmd) }

type replayFlags struct {
	stateDir   string
	speed      float64
	at         string
	idle       time.Duration
	unverified bool
}

func newReplayCmd(stdio IO) *cobra.Command {
	f := replayFlags{speed: 1, idle: 2 * time.Second}
	cmd := &cobra.Command{
		Use:   "replay SESSION|FILE",
		Short: "Play a session's recording: what the operator saw, with a marker per event",
		Long: strings.TrimSpace(`
replay plays back what the console showed during a session (its recording,
the .cast files beside the journal), in this terminal. Before it plays, it
checks the recording against the checkpoints in the journal and says
whether it is intact; an altered recording is played only with
--unverified.

Every journaled event of note is a marker: a step entered, a gate opened, an
action started and finished, an override, a note, a tick, an attestation, an
approval, a resume. Keys while playing:

  space  pause / play          n or →  the next marker
  +  -   faster / slower       p or ←  the previous marker
  q      quit

Play pauses on each override (space plays on). --at STEP starts at the
moment the session entered STEP. Pauses longer than --idle-limit (the
operator away, the night between a quit and a resume) play as that long.

Only what draws on the screen reaches the terminal: the recording's window
titles, clipboard writes (OSC 52), hyperlinks, terminal queries and input
modes are left out, since a recording may have been edited.

When standard input or output is not a terminal, the recording plays
without keys or pauses.

Exit status: 0 played, 1 the recording does not match the journal (not
played without --unverified), 2 usage (no recording, an unknown step),
3 unreadable files.`),
		Example: strings.TrimRight(`
  handrail replay 20261122-021500-ab12
  handrail replay 20261122-0215 --speed 4 --at stop-replica
  handrail replay ./20261122-021500-ab12.jsonl --idle-limit 500ms`, "\n")[1:],
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.speed <= 0 || f.speed > 1000 {
				return withCode(ExitUsage, fmt.Errorf("--speed %v: give a factor above 0 and at most 1000 (2 is twice as fast)", f.speed))
			}
			if f.idle < 0 {
				return withCode(ExitUsage, fmt.Errorf("--idle-limit %v: give 0 (keep every pause) or more", f.idle))
			}
			return replaySession(stdio, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.speed, "speed", 1, "playback speed factor (2 is twice as fast)")
	fl.StringVar(&f.at, "at", "", "start where the session entered this step (its id)")
	fl.DurationVar(&f.idle, "idle-limit", 2*time.Second, "play longer pauses as this long (0 keeps every pause)")
	fl.BoolVar(&f.unverified, "unverified", false, "play a recording that does not match its journal")
	fl.StringVar(&f.stateDir, "state-dir", "", "directory holding session journals (default $XDG_STATE_HOME/handrail or ~/.local/state/handrail)")
	return cmd
}

// loadedRecording is a session's journal and its recordings, checked.
type loadedRecording struct {
	path   string
	log    journal.Log
	res    journal.CastResult
	joined *asciicast.Joined
	times  []journal.CastTime
	parts  []int // index into res.Parts of each joined part
}

// loadRecording reads a session's journal and recordings, verifies them
// and joins the parts for playback.
func loadRecording(path string, idle time.Duration, unverified bool) (*loadedRecording, error) {
	l, err := journal.ReadLog(path)
	if err != nil {
		return nil, withCode(ExitError, err)
	}
	lr := &loadedRecording{path: path, log: l, res: journal.VerifyRecordings(path, l.Records)}
	if !lr.res.Recorded() {
		why := "no console run of it was recorded"
		if len(lr.res.Off) > 0 {
			why += " (" + strings.Join(lr.res.Off, "; ") + ")"
		}
		return nil, withCode(ExitUsage, fmt.Errorf("session %s has no recording: %s", sessionOf(path), why))
	}
	if !unverified {
		if !l.Result.OK && !l.Result.Torn {
			return nil, withCode(ExitFindings, fmt.Errorf("the journal %s does not verify (line %d: %s): its checkpoints prove nothing; `handrail verify` says more, --unverified plays anyway", path, l.Result.BadLine, l.Result.Problem))
		}
		if !lr.res.OK() {
			return nil, withCode(ExitFindings, fmt.Errorf("the recording does not match the journal: %s; `handrail verify` says more, --unverified plays anyway", lr.res.Problem))
		}
	}
	var parts []asciicast.Part
	for i, p := range lr.res.Parts {
		if p.Path == "" || p.Kind == journal.CastMissing || p.Kind == journal.CastUnsafe {
			continue
		}
		c, err := parseCast(p.Path)
		if err != nil && !unverified {
			return nil, withCode(ExitError, err)
		}
		if err != nil {
			continue
		}
		parts = append(parts, asciicast.Part{Cast: c, Name: p.File})
		lr.parts = append(lr.parts, i)
	}
	if len(parts) == 0 {
		return nil, withCode(ExitError, fmt.Errorf("session %s: no recording file can be read", sessionOf(path)))
	}
	lr.joined = asciicast.Join(parts, idle.Seconds())
	lr.times = journal.CastTimes(l.Records)
	return lr, nil
}

func parseCast(path string) (*asciicast.Cast, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w", err)
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	c, err := asciicast.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	return c, nil
}

func sessionOf(path string) string {
	b := path[strings.LastIndexAny(path, `/\`)+1:]
	return strings.TrimSuffix(b, journal.Ext)
}

// playAt is the playback time of journal record i (false when its run was
// not recorded, or its part could not be read).
func (lr *loadedRecording) playAt(i int) (float64, bool) {
	ct := lr.times[i]
	for k, pi := range lr.parts {
		if pi == ct.Part {
			return lr.joined.At(k, ct.At), true
		}
	}
	return 0, false
}

// stepStart is the playback time at which the session first entered step
// (a step key, or a step id for every copy of a foreach step).
func (lr *loadedRecording) stepStart(step string) (float64, error) {
	var seen []string
	for i, r := range lr.log.Records {
		if r.Type != session.EvStepEnter {
			continue
		}
		var d session.StepEnterData
		if json.Unmarshal(r.Data, &d) != nil {
			continue
		}
		seen = append(seen, d.Step)
		if d.Step != step && !strings.HasPrefix(d.Step, step+"@") {
			continue
		}
		if t, ok := lr.playAt(i); ok {
			return t, nil
		}
	}
	if len(seen) == 0 {
		return 0, withCode(ExitUsage, fmt.Errorf("--at %s: the session entered no step", step))
	}
	return 0, withCode(ExitUsage, fmt.Errorf("--at %s: no recorded entry to that step; the session entered %s", step, strings.Join(dedupe(seen), ", ")))
}

// stops are the overrides, where play pauses.
func (lr *loadedRecording) stops() []recording.Stop {
	var out []recording.Stop
	for i, r := range lr.log.Records {
		if r.Type != session.EvOverride {
			continue
		}
		if t, ok := lr.playAt(i); ok {
			out = append(out, recording.Stop{At: t, Label: recording.Label(r, nil, "")})
		}
	}
	return out
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// describeRecording says, in one line per part, what verify found.
func describeRecording(res journal.CastResult) string {
	var b strings.Builder
	for _, p := range res.Parts {
		switch {
		case !p.OK():
			fmt.Fprintf(&b, "ALTERED: recording %s: %s\n", p.File, p.Problem)
		case p.Tail > 0:
			fmt.Fprintf(&b, "recording %s: intact up to its last checkpoint (%d checkpoints, %d bytes); %d bytes after it are not covered: the run stopped before its final checkpoint\n", p.File, p.Checkpoints, p.Verified, p.Tail)
		default:
			fmt.Fprintf(&b, "recording %s: intact (%d checkpoints, %d bytes)%s\n", p.File, p.Checkpoints, p.Verified, endNote(p))
		}
	}
	partProblem := false
	for _, p := range res.Parts {
		partProblem = partProblem || !p.OK()
	}
	if res.Problem != "" && !partProblem {
		fmt.Fprintf(&b, "ALTERED: the journal's recording records: %s\n", res.Problem)
	}
	for _, o := range res.Off {
		fmt.Fprintf(&b, "not recorded: one console run (%s)\n", o)
	}
	return b.String()
}

func endNote(p journal.CastPart) string {
	s := ""
	if p.End != "" {
		s = ", ended " + p.End
	}
	if p.Error != "" {
		s += "; the recording stopped early: " + p.Error
	}
	return s
}

func replaySession(stdio IO, arg string, f replayFlags) error {
	path, err := journal.Locate(f.stateDir, arg)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	lr, err := loadRecording(path, f.idle, f.unverified)
	if err != nil {
		return err
	}
	fmt.Fprint(stdio.Err, describeRecording(lr.res))
	from := 0.0
	if f.at != "" {
		if from, err = lr.stepStart(f.at); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	p := &recording.Player{J: lr.joined, Out: stdio.term(), Speed: f.speed, Stops: lr.stops()}
	con := consoleOf(stdio)
	if !con.in || !con.out || con.dumb {
		fmt.Fprintf(stdio.Err, "handrail: %s: playing without keys or pauses\n", firstNonEmpty(con.lineOnly(), "not a terminal"))
		err := p.Run(ctx, from)
		fmt.Fprint(stdio.term(), "\x1b[0m\x1b[?25h\x1b[?1049l")
		return playErr(err)
	}
	return replayOnTerminal(ctx, stdio, lr, p, from)
}

// replayOnTerminal plays with keys: stdin in raw mode, a goroutine turning
// key presses into player keys.
func replayOnTerminal(ctx context.Context, stdio IO, lr *loadedRecording, p *recording.Player, from float64) error {
	in := stdio.In.(*os.File) //nolint:forcetypeassert // consoleOf said it is a terminal file
	cols, rows := termSize(stdio.term())
	if lr.joined.Width > cols || lr.joined.Height > rows {
		fmt.Fprintf(stdio.Err, "handrail: the recording is %dx%d and this terminal %dx%d: enlarge it, or lines will wrap\n", lr.joined.Width, lr.joined.Height, cols, rows)
	}
	fmt.Fprintf(stdio.Err, "%d markers, %d overrides (play pauses at each); space pause · n/p next/previous marker · +/- speed · q quit\npress a key to play, q to leave\n",
		len(lr.joined.Markers()), len(p.Stops))
	old, err := term.MakeRaw(in.Fd())
	if err != nil {
		return withCode(ExitError, fmt.Errorf("raw mode: %w", err))
	}
	defer term.Restore(in.Fd(), old) //nolint:errcheck // best effort: the shell resets the terminal too
	keys := make(chan recording.Key, 8)
	go readKeys(in, keys)
	select {
	case k := <-keys:
		if k == recording.KeyQuit {
			return nil
		}
	case <-ctx.Done():
		return nil
	}
	p.Keys, p.Rows, p.Cols = keys, rows, cols
	runErr := p.Run(ctx, from)
	fmt.Fprint(stdio.term(), "\x1b[0m\x1b[?25h\x1b[?1049l")
	_ = term.Restore(in.Fd(), old) // restored again by the defer
	fmt.Fprintf(stdio.Err, "handrail: replay of %s ended; %d sequences that act outside the screen were left out\n", sessionOf(lr.path), p.Dropped())
	return playErr(runErr)
}

func playErr(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) {
		return withCode(ExitError, fmt.Errorf("replay: %w", err))
	}
	return nil
}

// readKeys sends the player key of each key press; it ends when stdin
// does.
func readKeys(in *os.File, keys chan<- recording.Key) {
	buf := make([]byte, 64)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			b := buf[:n]
			if k := recording.KeyOf(b); k != 0 {
				keys <- k
			} else {
				for _, c := range b {
					if k := recording.KeyOf([]byte{c}); k != 0 && c != 0x1b {
						keys <- k
					}
				}
			}
		}
		if err != nil {
			close(keys)
			return
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
