package journal

import (
	"encoding/json"
	"fmt"
	"path/filepath"
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
	Problem      string // set when the journal does not verify or is torn
}

// List summarises every journal in dir, oldest first. A journal that cannot
// be read is listed with its Problem rather than failing the whole list.
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

// Summarize reads one journal without locking it.
func Summarize(path string) Summary {
	s := Summary{ID: strings.TrimSuffix(filepath.Base(path), Ext), Path: path, Locked: lockedNow(path)}
	l, err := ReadLog(path)
	if err != nil {
		s.Problem = err.Error()
		s.State = stateOf(s.Locked, "")
		return s
	}
	if !l.Result.OK && (!l.Result.Torn || !s.Locked) {
		s.Problem = l.Result.Problem
	}
	s.Records = len(l.Records)
	end := ""
	for i, r := range l.Records {
		if i == 0 && r.Type == "session.start" {
			var st struct {
				Runbook  struct{ ID, Title string } `json:"runbook"`
				Operator struct {
					Name, User, Host string
				} `json:"operator"`
				Ticket string `json:"ticket"`
				Mode   string `json:"mode"`
			}
			_ = json.Unmarshal(r.Data, &st)
			s.Runbook, s.RunbookTitle = st.Runbook.ID, st.Runbook.Title
			s.Operator, s.User, s.Host = st.Operator.Name, st.Operator.User, st.Operator.Host
			if s.Operator == "" {
				s.Operator = s.User
			}
			s.Ticket, s.Mode, s.Started = st.Ticket, st.Mode, r.Time
		}
		switch r.Type {
		case "step.enter":
			var se struct {
				Step string `json:"step"`
			}
			_ = json.Unmarshal(r.Data, &se)
			s.Step = se.Step
		case "session.end":
			var e struct {
				State string `json:"state"`
			}
			_ = json.Unmarshal(r.Data, &e)
			end = e.State
			if end == "" {
				end = StateCompleted
			}
		case "session.halt":
			end = StateHalted
		case "session.resume":
			// A resumed session is open again until its next end.
			end = ""
		}
		s.LastType, s.LastTime = r.Type, r.Time
	}
	s.State = stateOf(s.Locked, end)
	return s
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
