package command

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

var local = checks.Target{Name: "here", Kind: checks.TargetHost, Host: "local"}

func get(t *testing.T, o checks.Observation, row int, name string) string {
	t.Helper()
	if len(o.Rows) <= row {
		t.Fatalf("observation has %d rows, want row %d: %+v", len(o.Rows), row, o)
	}
	f, ok := o.Rows[row].Get(name)
	if !ok {
		t.Fatalf("row %d has no field %q: %+v", row, name, o.Rows[row].Fields)
	}
	return f.Value
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestObserveLocal(t *testing.T) {
	tests := []struct {
		name  string
		check checks.Check
		want  map[string]string
		pass  bool
	}{
		{"argv printf", checks.Check{Kind: checks.KindCommand, Argv: []string{"printf", "%s|", "a b", "c"}},
			map[string]string{"exit_code": "0", "stdout": "a b|c|", "stderr": ""}, true},
		{"argv is not a shell", checks.Check{Kind: checks.KindCommand, Argv: []string{"echo", "$HOME;", "`id`"}},
			map[string]string{"stdout": "$HOME; `id`\n"}, true},
		{"shell line", checks.Check{Kind: checks.KindCommand, Shell: "echo out; echo err >&2; exit 3"},
			map[string]string{"exit_code": "3", "stdout": "out\n", "stderr": "err\n"}, false},
		{"exit code expected", checks.Check{Kind: checks.KindCommand, Shell: "exit 1",
			Expect: checks.Expectations{{Field: "exit_code", Expect: checks.Expect{Equals: new("1")}}}},
			map[string]string{"exit_code": "1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Observe(ctxTimeout(t, 5*time.Second), local, tt.check)
			if o.Error != "" {
				t.Fatalf("error: %s", o.Error)
			}
			for k, v := range tt.want {
				if got := get(t, o, 0, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if v := checks.Evaluate(tt.check, o); v.Pass != tt.pass {
				t.Errorf("verdict pass=%v (%s), want %v", v.Pass, v.Reason, tt.pass)
			}
		})
	}
}

func TestObserveServerStatKV(t *testing.T) {
	script, _ := filepath.Abs("testdata/server-stat.sh")
	c := checks.Check{Kind: checks.KindCommand, Parse: ParseKV,
		Argv: []string{script, "-s", "mirror1:9540"},
		Expect: checks.Expectations{
			{Field: "mirror1.health", Expect: checks.Expect{Equals: new("OK")}},
			{Field: "mirror1.state", Expect: checks.Expect{Equals: new("PASSIVE-STANDBY")}},
		}}
	tests := []struct {
		state, health, role, st string
		pass                    bool
	}{
		{"PASSIVE-STANDBY", "OK", "PASSIVE", "PASSIVE-STANDBY", true},
		{"PASSIVE-UNINITIALIZED", "OK", "PASSIVE", "PASSIVE-UNINITIALIZED", false},
		{"ACTIVE", "OK", "ACTIVE", "ACTIVE-COORDINATOR", false},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			t.Setenv("FAKE_TC_STATE", tt.state)
			o := Observe(ctxTimeout(t, 5*time.Second), local, c)
			if o.Error != "" {
				t.Fatal(o.Error)
			}
			if got := get(t, o, 0, "mirror1.health"); got != tt.health {
				t.Errorf("health %q", got)
			}
			if got := get(t, o, 0, "mirror1.role"); got != tt.role {
				t.Errorf("role %q", got)
			}
			if got := get(t, o, 0, "mirror1.state"); got != tt.st {
				t.Errorf("state %q", got)
			}
			if got := get(t, o, 0, "mirror1.group name"); got != "default" {
				t.Errorf("group name %q", got)
			}
			if v := checks.Evaluate(c, o); v.Pass != tt.pass {
				t.Errorf("pass=%v (%s), want %v", v.Pass, v.Reason, tt.pass)
			}
		})
	}
	t.Run("FAILED", func(t *testing.T) {
		// A stopped server: the 4.2/4.3 tool reports health "unknown"
		// (never FAILED) and exits 0; the check fails on health.
		t.Setenv("FAKE_TC_STATE", "FAILED")
		o := Observe(ctxTimeout(t, 5*time.Second), local, c)
		v := checks.Evaluate(c, o)
		if v.Pass || !strings.Contains(v.Reason, "mirror1.health") || get(t, o, 0, "mirror1.health") != "unknown" {
			t.Errorf("want failure on mirror1.health, got pass=%v reason=%q", v.Pass, v.Reason)
		}
	})
}

func TestObserveTableAndJSON(t *testing.T) {
	tbl := checks.Check{Kind: checks.KindCommand, Parse: ParseTable,
		Shell: "printf 'NAME  STATE    LAG\\n----  -----    ---\\nm1    SYNCED   0\\nm2    CATCHING UP 12\\n'"}
	o := Observe(ctxTimeout(t, 5*time.Second), local, tbl)
	if o.Error != "" || len(o.Rows) != 2 {
		t.Fatalf("error %q rows %+v", o.Error, o.Rows)
	}
	if o.Rows[0].Key != "m1" || get(t, o, 0, "STATE") != "SYNCED" || get(t, o, 0, "exit_code") != "0" {
		t.Errorf("row 0 %+v", o.Rows[0])
	}
	if o.Rows[1].Key != "m2" || get(t, o, 1, "LAG") != "UP 12" {
		t.Errorf("row 1 %+v", o.Rows[1])
	}

	js := checks.Check{Kind: checks.KindCommand, Parse: ParseJSON,
		Argv: []string{"printf", `{"cluster":{"servers":[{"name":"a","ok":true},{"name":"b","lag":null}]}}`}}
	o = Observe(ctxTimeout(t, 5*time.Second), local, js)
	if o.Error != "" {
		t.Fatal(o.Error)
	}
	if get(t, o, 0, "cluster.servers.0.ok") != "true" || get(t, o, 0, "cluster.servers.1.name") != "b" {
		t.Errorf("json fields %+v", o.Rows[0].Fields)
	}
	if f, _ := o.Rows[0].Get("cluster.servers.1.lag"); !f.Null {
		t.Errorf("null lost: %+v", f)
	}

	bad := checks.Check{Kind: checks.KindCommand, Parse: ParseJSON, Argv: []string{"echo", "not json"}}
	o = Observe(ctxTimeout(t, 5*time.Second), local, bad)
	if !strings.Contains(o.Error, "parse stdout as JSON") {
		t.Errorf("error %q", o.Error)
	}
}

func TestObserveTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "survived")
	// The grandchild would create the marker after the deadline unless the
	// whole process group is killed.
	c := checks.Check{Kind: checks.KindCommand, Shell: "(sleep 1; touch " + marker + ") & sleep 5"}
	start := time.Now()
	o := Observe(ctxTimeout(t, 200*time.Millisecond), local, c)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
	if !strings.Contains(o.Error, "no answer within") || len(o.Rows) != 0 {
		t.Errorf("error %q rows %+v", o.Error, o.Rows)
	}
	time.Sleep(1300 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("grandchild outlived the deadline: process group not killed")
	}
}

func TestObserveStartFailure(t *testing.T) {
	o := Observe(ctxTimeout(t, time.Second), local, checks.Check{Argv: []string{"/nonexistent/handrail-cmd"}})
	if !strings.Contains(o.Error, "start /nonexistent/handrail-cmd on this machine") || len(o.Rows) != 0 {
		t.Errorf("got %+v", o)
	}
	o = Observe(ctxTimeout(t, time.Second), local, checks.Check{})
	if !strings.Contains(o.Error, "nothing to run") {
		t.Errorf("got %q", o.Error)
	}
}

// withFakeSSH puts a fake ssh first on PATH and returns the argv log path.
// ssh gets no variable of ours beyond what it needs (proc.SSHEnv), so the
// fake's settings are baked into a wrapper: the log path, and FAKE_SSH_FAIL
// while a file "fail" exists beside the log (failSSH).
func withFakeSSH(t *testing.T) string {
	t.Helper()
	fake, _ := filepath.Abs("testdata/bin/ssh")
	dir := t.TempDir()
	log := filepath.Join(dir, "ssh.log")
	wrapper := "#!/bin/sh\nFAKE_SSH_LOG='" + log + "'; export FAKE_SSH_LOG\n" +
		"if [ -e '" + filepath.Join(dir, "fail") + "' ]; then FAKE_SSH_FAIL=1; export FAKE_SSH_FAIL; fi\n" +
		"exec '" + fake + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

// failSSH makes the fake ssh fail the way ssh does (exit 255).
func failSSH(t *testing.T, log string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(filepath.Dir(log), "fail"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func sshCalls(t *testing.T, log string) [][]string {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("fake ssh was not run: %v", err)
	}
	var calls [][]string
	var cur []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00") {
		if l == "--end--" {
			calls, cur = append(calls, cur), nil
			continue
		}
		cur = append(cur, l)
	}
	return calls
}

func TestObserveRemoteQuoting(t *testing.T) {
	log := withFakeSSH(t)
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	hostile := "x; touch " + pwned + " 'q' \"d\" $(id) `id`"
	remote := checks.Target{Name: "mirror", Kind: checks.TargetHost, Host: "mirror1.example", SSHUser: "tc"}
	c := checks.Check{Kind: checks.KindCommand, Argv: []string{"printf", "%s\n", hostile, "two words"}}

	o := Observe(ctxTimeout(t, 5*time.Second), remote, c)
	if o.Error != "" {
		t.Fatal(o.Error)
	}
	if got, want := get(t, o, 0, "stdout"), hostile+"\ntwo words\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("a parameter value ran as a command on the remote shell")
	}
	calls := sshCalls(t, log)
	if len(calls) != 1 {
		t.Fatalf("ssh called %d times", len(calls))
	}
	argv := calls[0]
	want := []string{"-o", "BatchMode=yes"}
	if !slices.Equal(argv[:2], want) {
		t.Errorf("argv starts %q, want %q", argv[:2], want)
	}
	if i := slices.Index(argv, "-l"); i < 0 || argv[i+1] != "tc" {
		t.Errorf("no -l tc in %q", argv)
	}
	if !slices.Contains(argv, "ConnectTimeout=5") {
		t.Errorf("no ConnectTimeout from the deadline in %q", argv)
	}
	i := slices.Index(argv, "--")
	if i < 0 || argv[i+1] != "mirror1.example" || len(argv) != i+3 {
		t.Fatalf("want -- HOST COMMAND at the end, got %q", argv)
	}
	if !strings.HasPrefix(argv[i+2], "'printf' ") {
		t.Errorf("remote command %q", argv[i+2])
	}
}

func TestObserveRemoteShellAndFailure(t *testing.T) {
	log := withFakeSSH(t)
	remote := checks.Target{Kind: checks.TargetHost, Host: "db2"}
	o := Observe(ctxTimeout(t, 5*time.Second), remote, checks.Check{Shell: "echo $((1+2)) | tr 3 x"})
	if o.Error != "" || get(t, o, 0, "stdout") != "x\n" {
		t.Fatalf("shell line over ssh: %+v", o)
	}
	failSSH(t, log)
	o = Observe(ctxTimeout(t, 5*time.Second), remote, checks.Check{Argv: []string{"true"}})
	if !strings.Contains(o.Error, "ssh to db2 failed (exit 255): ssh: connect to host db2 port 22: Connection refused") {
		t.Errorf("error %q", o.Error)
	}
	if _, err := BuildArgv(checks.Target{Host: "-oProxyCommand=x"}, []string{"true"}, "", 0); err == nil {
		t.Error("host starting with '-' accepted")
	}
}

func TestRun(t *testing.T) {
	ok := Run(ctxTimeout(t, 5*time.Second), local, checks.Action{Kind: checks.ActionCommand, Argv: []string{"echo", "done"}})
	if !ok.OK() || ok.Output != "done\n" || ok.ExitCode != 0 {
		t.Errorf("ok run %+v", ok)
	}
	bad := Run(ctxTimeout(t, 5*time.Second), local, checks.Action{Kind: checks.ActionCommand,
		Shell: "echo partial; echo 'disk full' >&2; exit 4"})
	if bad.OK() || bad.ExitCode != 4 || bad.Error != "echo partial; echo 'disk full' >&2; exit 4 on this machine exited with status 4: disk full" {
		t.Errorf("bad run %+v", bad)
	}
	if bad.Output != "partial\ndisk full\n" {
		t.Errorf("output %q", bad.Output)
	}
}

func TestShellQuoteRoundTrip(t *testing.T) {
	// What the remote shell sees must come back as the same argv.
	args := []string{"", "a b", "it's", `"`, "$(x)", "`x`", "a\nb", "\\", "-n", "*", "~"}
	o := Observe(ctxTimeout(t, 5*time.Second), local, checks.Check{
		Argv: []string{"sh", "-c", "printf '%s\\0' " + RemoteCommand(args)}})
	if o.Error != "" {
		t.Fatal(o.Error)
	}
	got := strings.Split(strings.TrimSuffix(get(t, o, 0, "stdout"), "\x00"), "\x00")
	if !slices.Equal(got, args) {
		t.Errorf("round trip:\n got %q\nwant %q", got, args)
	}
}
