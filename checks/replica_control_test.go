package checks

import (
	"strings"
	"testing"
)

func TestReplicaControlRecognises(t *testing.T) {
	tests := []struct {
		sql, verb, rest string
		ok              bool
	}{
		{"STOP SLAVE", "STOP", "", true},
		{"stop replica;", "STOP", "", true},
		{"  Start   Slave ; ", "START", "", true},
		{"START REPLICA FOR CHANNEL 'Src-1'", "START", " FOR CHANNEL 'Src-1'", true},
		{"STOP SLAVE 'nope'", "", "", false},
		{"STOP SLAVE IO_THREAD", "", "", false},
		{"slave stop", "", "", false},
		{"STOP SLAVE; DROP TABLE t", "", "", false},
	}
	for _, tt := range tests {
		verb, rest, ok := ReplicaControl(tt.sql)
		if verb != tt.verb || rest != tt.rest || ok != tt.ok {
			t.Errorf("%q: %q %q %v, want %q %q %v", tt.sql, verb, rest, ok, tt.verb, tt.rest, tt.ok)
		}
	}
}

// TestWordsNote: a replica-control action says before it runs which words
// each server is sent; no other action gets a note.
func TestWordsNote(t *testing.T) {
	for sql, want := range map[string]string{
		"STOP REPLICA FOR CHANNEL 'a'": "STOP SLAVE FOR CHANNEL 'a' on MySQL < 8.0.22 / MariaDB < 10.5.1",
		"start slave":                  "START REPLICA on MySQL ≥ 8.0.22 / MariaDB ≥ 10.5.1",
	} {
		if note := (Action{Kind: ActionMySQLExec, SQL: sql}).WordsNote(); !strings.Contains(note, want) {
			t.Errorf("%s: note %q, want %q", sql, note, want)
		}
	}
	for _, a := range []Action{{Kind: ActionMySQLExec, SQL: "SET GLOBAL read_only = 1"}, {Kind: ActionMySQLExec, SQL: "STOP SLAVE; DROP TABLE t"}, {Kind: ActionCommand, Argv: []string{"STOP", "SLAVE"}}} {
		if n := a.WordsNote(); n != "" {
			t.Errorf("%+v got a note: %q", a, n)
		}
	}
}
