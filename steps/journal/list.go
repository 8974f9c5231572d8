package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Session states a Summary reports.
const (
	StateActive      = "active"      // locked by a running handrail
	StateInterrupted = "interrupted" // not locked and never ended: resume it
	StateCompleted   = "completed"
	StateQuit        = "quit"
	StateHalted      = "halted"
)

// Summary describes one session for `handrail sessions`.
type Summary struct {
	ID           string
	Path         string
	Runbook      string // runbook id
	RunbookTitle string
	Operator     string // operator name, or user when no name was given
	User         string
	Host         string
	Ticket       string
	Mode         string // live or rehearsal
	Started      time.Time
	LastType     string
	LastTime     time.Time
	Step         string // the step of the last step.enter
	State        string
	Locked       bool
	Records      int
	Problem      string // set when the journal's ends do not verify, or it is torn
	Warning      string // set when others may read or write the journal
}

// List summarises every journal in dir, oldest first. A journal that cannot
// be read is listed with its Problem rather than failing the whole list.
// Each journal is read at its two ends only (Summarize): listing costs the
// same for a long session as for a short one.
func List(dir string) ([]Summary, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if err != nil {
		return nil, fmt.Errorf("list sessions in %s: %w", dir, err)
	}
	sort.Strings(paths)
	out := make([]Summary, 0, len(paths))
	for _, p := range paths {
		out = append(out, Summarize(p))
	}
	return out, nil
}

// tailWindow is how much of a journal's end Summarize reads first; it reads
// more (up to maxTailWindow) while it has not found a whole record that
// names the current step.
const (
	tailWindow    = 64 << 10
	maxTailWindow = 4 << 20
)

// Summarize reads one journal without locking it, and without reading it
// whole: its first record (who, what, when) and its last records (state,
// current step). Each record read is checked (its hash, its links to its
// neighbours); the chain as a whole is `handrail verify`'s to check.
func Summarize(path string) Summary {
	s := Summary{ID: strings.TrimSuffix(filepath.Base(path), Ext), Path: path}
	f, err := OpenRead(path)
	if err != nil {
		s.Problem = err.Error()
		s.State = stateOf(false, "")
		return s
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	s.Locked = lockedNow(path)
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows" {
		s.Warning = fmt.Sprintf("mode %#o: others can read it (chmod 600 %s)", st.Mode().Perm(), path)
	}
	end, err := summarize(f, &s)
	if err != nil {
		s.Problem = err.Error()
	}
	s.State = stateOf(s.Locked, end)
	return s
}

// summarize fills s from the journal's first and last records and returns
// the end state its last record gives ("" when not ended).
func summarize(f *os.File, s *Summary) (string, error) {
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	lr := newLineReader(io.NewSectionReader(f, 0, size))
	line, _, err := lr.next()
	if errors.Is(err, io.EOF) {
		return "", errors.New("the journal holds no record")
	}
	if err != nil {
		return "", err
	}
	c := &chain{}
	first, ok := c.add(line)
	if !ok {
		return "", fmt.Errorf("line 1: %s", c.finish().Problem)
	}
	if first.Type == "session.start" {
		var d struct {
			Runbook  struct{ ID, Title string } `json:"runbook"`
			Operator struct {
				Name, User, Host string
			} `json:"operator"`
			Ticket string `json:"ticket"`
			Mode   string `json:"mode"`
		}
		_ = json.Unmarshal(first.Data, &d) // a field it lacks is shown as "-"
		s.Runbook, s.RunbookTitle = d.Runbook.ID, d.Runbook.Title
		s.Operator, s.User, s.Host = d.Operator.Name, d.Operator.User, d.Operator.Host
		if s.Operator == "" {
			s.Operator = s.User
		}
		s.Ticket, s.Mode, s.Started = d.Ticket, d.Mode, first.Time
		// A copy of the journal driven elsewhere holds the session's lock.
		if !s.Locked {
			s.Locked = lockedNow(sessionLockPath(filepath.Dir(s.Path), sessionOf(first.Data)))
		}
	}
	tail, torn, err := lastRecords(f, size, lr.off)
	if len(tail) == 0 {
		tail = []Record{first}
	}
	last := tail[len(tail)-1]
	s.Records = math.MaxInt
	if last.Seq < math.MaxInt {
		s.Records = int(last.Seq)
	}
	s.LastType, s.LastTime = last.Type, last.Time
	for i := len(tail) - 1; i >= 0 && s.Step == ""; i-- {
		if tail[i].Type != "step.skip" {
			s.Step, _ = String(Fields(tail[i].Data, "step")[0])
		}
	}
	// The session's own last record says how it ended: the recording's
	// final checkpoint and a watcher's leave come after session.end.
	endRec := last
	for i := len(tail) - 1; i >= 0; i-- {
		if t := tail[i].Type; !strings.HasPrefix(t, "recording.") && !strings.HasPrefix(t, "watch.") {
			endRec = tail[i]
			break
		}
	}
	end := ""
	switch endRec.Type {
	case "session.end":
		end, _ = String(Fields(endRec.Data, "state")[0])
		if end == "" {
			end = StateCompleted
		}
	case "session.halt":
		end = StateHalted
	}
	switch {
	case err != nil:
		return end, err
	case torn > 0 && !s.Locked:
		return end, fmt.Errorf("the last line is incomplete (%d bytes without a newline): a write was interrupted; `handrail resume` cuts it off and journals the repair", torn)
	}
	return end, nil
}

// lastRecords reads the records at the end of a journal of size bytes
// whose first line ends at firstEnd, from a window that grows until it holds
// a record naming the current step. It checks each record's line and their
// links to one another, and counts the bytes after the last newline.
func lastRecords(f *os.File, size, firstEnd int64) ([]Record, int, error) {
	for window := int64(tailWindow); ; window *= 4 {
		start := max(size-window, firstEnd)
		buf := make([]byte, size-start)
		if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("read the journal's end: %w", err)
		}
		nl := bytes.LastIndexByte(buf, '\n')
		torn := len(buf) - (nl + 1)
		if torn > MaxLineBytes {
			return nil, torn, lineTooLongError{}
		}
		body := buf[:nl+1]
		if start > firstEnd {
			// The window starts inside a line: skip to the next one.
			i := bytes.IndexByte(body, '\n')
			body = body[i+1:]
		}
		var recs []Record
		for len(body) > 0 {
			i := bytes.IndexByte(body, '\n')
			rec, err := parseLine(body[:i])
			if err != nil {
				return recs, torn, fmt.Errorf("the journal does not verify near its end (%w); `handrail verify` says where", err)
			}
			if n := len(recs); n > 0 && (rec.Seq != recs[n-1].Seq+1 || rec.Prev != recs[n-1].Hash) {
				return recs, torn, fmt.Errorf("the journal does not verify near its end (record %d does not follow record %d); `handrail verify` says where", rec.Seq, recs[n-1].Seq)
			}
			recs = append(recs, rec)
			body = body[i+1:]
		}
		if start == firstEnd || window >= maxTailWindow || namesStep(recs) {
			return recs, torn, nil
		}
	}
}

func namesStep(recs []Record) bool {
	for _, r := range recs {
		if r.Type != "step.skip" {
			if _, ok := String(Fields(r.Data, "step")[0]); ok {
				return true
			}
		}
	}
	return false
}

func stateOf(locked bool, end string) string {
	switch {
	case locked:
		return StateActive
	case end != "":
		return end
	}
	return StateInterrupted
}
