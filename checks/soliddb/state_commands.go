package soliddb

import (
	"fmt"
	"strings"

	"github.com/handrail/handrail/checks"
)

// stateCommands are the HotStandby commands that put a server in one
// state. The solidDB manuals document what they do, not what they answer on
// a server that is already in that state (the procedure's step 3: "if it
// has not already switched to it automatically"). So a non-zero RC from one
// of them is judged by the state the server reports afterwards: already
// there is success.
var stateCommands = map[string]string{
	"hsb set primary alone":          "PRIMARY ALONE",
	"hotstandby set primary alone":   "PRIMARY ALONE",
	"hsb set secondary alone":        "SECONDARY ALONE",
	"hotstandby set secondary alone": "SECONDARY ALONE",
}

// TargetState returns the HotStandby state an admin command puts the
// server in, for the commands that set one.
func TargetState(admin string) (string, bool) {
	st, ok := stateCommands[strings.ToLower(strings.Join(strings.Fields(admin), " "))]
	return st, ok
}

// AlreadyIn reports whether an `hsb state` answer (its rows, or the error
// that replaced them) says the server is in want, and says so in words for
// the action's output.
func AlreadyIn(rows []checks.Row, errText, want string) (string, bool) {
	if errText != "" || len(rows) != 1 {
		return "", false
	}
	rc, _ := rows[0].Get(FieldRC)
	text, _ := rows[0].Get(FieldText)
	if rc.Value != "0" || text.Value != want {
		return "", false
	}
	return fmt.Sprintf("hsb state answers %s: the server already operates in the state this command sets, so the step's aim is met", want), true
}
