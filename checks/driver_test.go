package checks

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestActionShown: the confirmation shows exactly what runs, and no byte of
// it reaches the terminal as control (issue: a shell line whose \e[8m and
// \r hid `touch x` behind `echo safe-looking-action`).
func TestActionShown(t *testing.T) {
	cases := []struct {
		a    Action
		want string
	}{
		{Action{SQL: "STOP SLAVE"}, "STOP SLAVE"},
		{Action{SQL: "SELECT 1;\n"}, `SELECT 1;\n`},
		{Action{Admin: " hsb switch primary "}, "ADMIN COMMAND 'hsb switch primary'"},
		{Action{Argv: []string{"/opt/tc/bin/stop-tc-server.sh", "-f", "/etc/tc config.xml"}}, `/opt/tc/bin/stop-tc-server.sh -f '/etc/tc config.xml'`},
		{Action{Argv: []string{"echo", "it's"}}, `echo 'it'\''s'`},
		{Action{Shell: "systemctl stop tc && echo done"}, `sh -c 'systemctl stop tc && echo done'`},
		{Action{Shell: "touch x; echo \x1b[8m rm -rf /\x1b[0m\x1b[1K\r echo safe-looking-action"},
			`sh -c $'touch x; echo \x1b[8m rm -rf /\x1b[0m\x1b[1K\r echo safe-looking-action'`},
		{Action{Argv: []string{"printf", "%s\n", "a\\b", "q'\u202eevil"}}, `printf $'%s\n' 'a\b' $'q\'\u202eevil'`},
		{Action{SQL: "SELECT '\x1b]0;PWN\a'"}, `SELECT '\x1b]0;PWN\x07'`},
		{Action{Argv: []string{"bad", "\xff"}}, `bad $'\xff'`},
	}
	for _, c := range cases {
		got := c.a.Shown()
		if got != c.want {
			t.Errorf("Shown(%+v)\n got %s\nwant %s", c.a, got, c.want)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("Shown(%+v) lets %U through", c.a, r)
			}
		}
	}
}

// TestShownArgvReadsBack: what Shown prints is the argv itself: bash reads
// it back element for element, whatever bytes the elements hold.
func TestShownArgvReadsBack(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to read $'…' back:", err)
	}
	argv := []string{"plain", "", "two words", "it's", `back\slash`, "new\nline", "tab\there", "\x1b[2J\r", "\u202eltr", "\xff\xfe", "$(touch pwned)", "`id`", "✔ ok"}
	line := ShownArgv(argv)
	out, err := exec.Command(bash, "-c", `printf '%s\0' `+line).Output()
	if err != nil {
		t.Fatalf("bash -c %s: %v", line, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, argv) {
		t.Errorf("bash read back\n%q\nfrom %s, want\n%q", got, line, argv)
	}
}
