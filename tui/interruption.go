package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/termtext"
	"github.com/handrail/handrail/steps/session"
)

// InterruptionView is what a resumed session knows of the current step's
// action from before the break: whether it was interrupted (the
// action.interrupted record: why handrail stopped, how the action was
// stopped, when) and whether its process group still runs. The console
// says it instead of a bare "outcome unknown", so the operator can judge
// what to attest.
type InterruptionView struct {
	// Describe is the action in words.
	Describe string
	// Interrupted: an action.interrupted record holds Cause ("SIGTERM",
	// "quit", …), Stopped ("killed its process group (SIGKILL) after a 5s
	// grace period") and At (the session's clock). Without one, handrail
	// stopped without a word (a crash, a power cut).
	Interrupted     bool
	Cause, Stopped  string
	At              time.Time
	PGID            int       // the action's process group (0: never reported)
	Started         time.Time // when its process started
	Alive           bool      // the group still runs (as last looked)
	ProcessReported bool
}

// interruptionOf copies the action's interruption out of an engine (nil
// when the current step's action is not of unknown outcome).
func interruptionOf(eng *session.Engine) *InterruptionView {
	if act, _ := eng.Action(); act != session.ActionUnknown {
		return nil
	}
	v := &InterruptionView{Alive: eng.OrphanAlive()}
	if _, st, ok := eng.Current(); ok && st.Action != nil {
		v.Describe = st.Action.Describe()
	}
	if in := eng.Interrupted(); in != nil {
		v.Interrupted, v.Cause, v.Stopped, v.At = true, in.Cause, in.Stopped, eng.InterruptedAt()
		if in.Describe != "" {
			v.Describe = in.Describe
		}
	}
	if p := eng.RunningProcess(); p != nil {
		v.ProcessReported, v.PGID, v.Started = true, p.PGID, p.Started
	}
	return v
}

// timeOfDay is a time of day as the console shows it ("" for a zero time).
func timeOfDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("15:04:05")
}

// Notice is the pane's line for the interruption: what happened to the
// action, whether it still runs, and what to do.
func (v InterruptionView) Notice() string {
	var b strings.Builder
	if v.Interrupted {
		b.WriteString("the action was interrupted")
		if at := timeOfDay(v.At); at != "" {
			b.WriteString(" at " + at)
		}
		if v.Cause != "" {
			b.WriteString(" (" + termtext.Line(v.Cause) + ")")
		}
		if v.Stopped != "" {
			b.WriteString(": " + termtext.Line(v.Stopped))
		}
	} else {
		b.WriteString("the action started before the break and never ended on the record (handrail stopped without a word)")
	}
	switch {
	case v.Alive:
		fmt.Fprintf(&b, "; its process group %d is STILL RUNNING", v.PGID)
		if st := timeOfDay(v.Started); st != "" {
			b.WriteString(" (started " + st + ")")
		}
		b.WriteString(": wait until it has ended, then press x to attest what happened")
	case v.ProcessReported:
		fmt.Fprintf(&b, "; its process group %d has ended. Its outcome is unknown: press x to attest what happened", v.PGID)
	default:
		b.WriteString(". Its outcome is unknown: press x to attest what happened")
	}
	return b.String()
}

// interruptionLines are the interruption in full, for the values viewer.
func (m Model) interruptionLines(width int) []string {
	v := m.snap.Interruption
	if v == nil {
		return nil
	}
	s := m.styles
	head := s.Warn.Render("! the action from before the break")
	if v.Alive {
		head = s.Fail.Render(s.Sym.Fail + " the action from before the break is still running")
	}
	out := []string{head}
	add := func(label, text string) {
		if text == "" {
			return
		}
		for i, l := range textLines(nil, text, width-14, 0) {
			if i == 0 {
				out = append(out, "  "+s.Bold.Render(fmt.Sprintf("%-11s", label))+" "+l)
			} else {
				out = append(out, "              "+l)
			}
		}
	}
	add("action:", v.Describe)
	if v.Interrupted {
		add("stopped:", strings.Trim(timeOfDay(v.At)+" · "+v.Cause, " ·"))
		add("how:", v.Stopped)
	} else {
		add("stopped:", "never on the record (a crash or a power cut)")
	}
	switch {
	case v.Alive:
		add("process:", fmt.Sprintf("group %d, started %s: still running", v.PGID, timeOfDay(v.Started)))
	case v.ProcessReported:
		add("process:", fmt.Sprintf("group %d, started %s: ended", v.PGID, timeOfDay(v.Started)))
	default:
		add("process:", "none reported")
	}
	return append(out, "")
}
