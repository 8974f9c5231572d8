package soliddb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

const password = "Pa55-w0rd;x"

func fakeTarget(t *testing.T) checks.Target {
	t.Helper()
	client, err := filepath.Abs("testdata/fake-solsql")
	if err != nil {
		t.Fatal(err)
	}
	return checks.Target{Name: "s1", Kind: checks.TargetSolid, Host: "db1.example", Port: 1964, Client: client}
}

var cred = checks.Credentials{User: "dba", Password: checks.NewSecret(password)}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// state writes the fake's state file and points the fake at it.
func state(t *testing.T, kv ...string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.sh")
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(kv[i] + "='" + kv[i+1] + "'\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_SOLSQL_STATE_FILE", path)
}

func rcText(t *testing.T, o checks.Observation) (string, string) {
	t.Helper()
	if o.Error != "" {
		t.Fatalf("error: %s\nraw: %s", o.Error, o.Raw)
	}
	if len(o.Rows) != 1 {
		t.Fatalf("want 1 row, got %+v\nraw: %s", o.Rows, o.Raw)
	}
	rc, _ := o.Rows[0].Get(FieldRC)
	text, _ := o.Rows[0].Get(FieldText)
	return rc.Value, text.Value
}

func TestObserveHSBState(t *testing.T) {
	tg := fakeTarget(t)
	alone := checks.Check{Kind: checks.KindSolid, Admin: "hsb state", Expect: checks.Expectations{
		{Field: "RC", Expect: checks.Expect{Equals: new("0")}},
		{Field: "TEXT", Expect: checks.Expect{In: []string{"PRIMARY ALONE", "PRIMARY UNCERTAIN"}}},
	}}
	for _, st := range []string{"PRIMARY ACTIVE", "PRIMARY ALONE", "PRIMARY UNCERTAIN", "SECONDARY ACTIVE", "SECONDARY ALONE", "STANDALONE"} {
		t.Run(st, func(t *testing.T) {
			state(t, "HSB_STATE", st)
			o := Observe(ctxTimeout(t, 5*time.Second), tg, cred, alone)
			rc, text := rcText(t, o)
			if rc != "0" || text != st {
				t.Errorf("RC %q TEXT %q, want 0 %q", rc, text, st)
			}
			want := st == "PRIMARY ALONE" || st == "PRIMARY UNCERTAIN"
			if v := checks.Evaluate(alone, o); v.Pass != want {
				t.Errorf("pass=%v (%s), want %v", v.Pass, v.Reason, want)
			}
			if strings.Contains(o.Raw, password) {
				t.Error("password in Raw")
			}
		})
	}
}

func TestObserveStatusCommands(t *testing.T) {
	tg := fakeTarget(t)
	copyDone := checks.Check{Kind: checks.KindSolid, Admin: "hsb status copy", Expect: checks.Expectations{
		{Field: "RC", Expect: checks.Expect{Equals: new("0")}},
		{Field: "TEXT", Expect: checks.Expect{Ne: new("ACTIVE")}},
	}}
	tests := []struct {
		name, admin, key, val, rc, text string
		copyPass                        bool
	}{
		{"copy running", "hsb status copy", "COPY", "ACTIVE", "14003", "ACTIVE", false},
		{"copy done", "hsb status copy", "COPY", "SUCCESS", "0", "SUCCESS", true},
		{"long form", "hotstandby status copy", "COPY", "SUCCESS", "0", "SUCCESS", true},
		{"catchup running", "hsb status catchup", "CATCHUP", "ACTIVE", "14003", "ACTIVE", false},
		{"catchup done", "hsb status catchup", "CATCHUP", "NOT ACTIVE", "0", "NOT ACTIVE", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state(t, tt.key, tt.val)
			c := copyDone
			c.Admin = tt.admin
			o := Observe(ctxTimeout(t, 5*time.Second), tg, cred, c)
			rc, text := rcText(t, o)
			if rc != tt.rc || text != tt.text {
				t.Errorf("RC %q TEXT %q, want %q %q", rc, text, tt.rc, tt.text)
			}
			if v := checks.Evaluate(c, o); v.Pass != tt.copyPass {
				t.Errorf("pass=%v (%s)", v.Pass, v.Reason)
			}
		})
	}
}

func TestObserveServerDown(t *testing.T) {
	tg := fakeTarget(t)
	state(t, "SERVER", "down")
	c := checks.Check{Kind: checks.KindSolid, Admin: "hsb state", Expect: checks.Expectations{{Field: "TEXT", Expect: checks.Expect{Equals: new("PRIMARY ALONE")}}}}
	o := Observe(ctxTimeout(t, 5*time.Second), tg, cred, c)
	want := "ADMIN COMMAND 'hsb state' on tcp db1.example 1964: SOLID Communication Error 21306: Server 'tcp db1.example 1964' not found, connection failed."
	if o.Error != want {
		t.Errorf("error\n got %q\nwant %q", o.Error, want)
	}
	v := checks.Evaluate(c, o)
	if v.Pass || !strings.Contains(v.Reason, "21306") || len(v.Fields) != 1 || !v.Fields[0].Missing {
		t.Errorf("verdict %+v", v)
	}
}

func TestCredentialsOnStdinNotArgv(t *testing.T) {
	tg := fakeTarget(t)
	log := filepath.Join(t.TempDir(), "solsql.log")
	t.Setenv("FAKE_SOLSQL_LOG", log)
	state(t, "EXPECT_USER", "dba", "EXPECT_PASSWORD", password)
	o := Observe(ctxTimeout(t, 5*time.Second), tg, cred, checks.Check{Admin: "hsb state"})
	if _, text := rcText(t, o); text != "PRIMARY ACTIVE" {
		t.Errorf("TEXT %q", text)
	}
	data, _ := os.ReadFile(log)
	if !strings.Contains(string(data), "user=dba\n") || !strings.Contains(string(data), "server=tcp db1.example 1964\n") {
		t.Errorf("fake saw %q", data)
	}
	argv, _ := Argv(tg, "hsb state")
	for _, a := range argv {
		if strings.Contains(a, password) || a == "dba" {
			t.Errorf("credential in argv %q", argv)
		}
	}

	// Wrong password: the login fails, and the error names no password.
	bad := checks.Credentials{User: "dba", Password: checks.NewSecret("wrong-" + password)}
	o = Observe(ctxTimeout(t, 5*time.Second), tg, bad, checks.Check{Admin: "hsb state"})
	if !strings.Contains(o.Error, "Login failed") || strings.Contains(o.Error+o.Raw, password) {
		t.Errorf("error %q raw %q", o.Error, o.Raw)
	}
}

func TestRun(t *testing.T) {
	tg := fakeTarget(t)
	state(t, "CONNECT", "ok")
	ar := Run(ctxTimeout(t, 5*time.Second), tg, cred, checks.Action{Kind: checks.ActionSolid, Admin: "hsb connect"})
	if !ar.OK() {
		t.Errorf("connect ok: %+v", ar)
	}
	state(t, "CONNECT", "fail")
	ar = Run(ctxTimeout(t, 5*time.Second), tg, cred, checks.Action{Kind: checks.ActionSolid, Admin: "hsb connect"})
	if ar.OK() || ar.ExitCode != 14503 ||
		ar.Error != "ADMIN COMMAND 'hsb connect' on tcp db1.example 1964 failed: RC 14503: Communication error" {
		t.Errorf("connect fail: %+v", ar)
	}
	state(t, "SERVER", "down")
	ar = Run(ctxTimeout(t, 5*time.Second), tg, cred, checks.Action{Kind: checks.ActionSolid, Admin: "hsb disconnect"})
	if ar.OK() || !strings.Contains(ar.Error, "21306") {
		t.Errorf("server down: %+v", ar)
	}
	ar = Run(ctxTimeout(t, 5*time.Second), tg, cred, checks.Action{Kind: checks.ActionSolid, Admin: "hsb state'; drop table x; --"})
	if ar.OK() || !strings.Contains(ar.Error, "not allowed") {
		t.Errorf("injection: %+v", ar)
	}
}

func TestClientMissingAndTimeout(t *testing.T) {
	tg := fakeTarget(t)
	tg.Client = "/nonexistent/solsql"
	o := Observe(ctxTimeout(t, 2*time.Second), tg, cred, checks.Check{Admin: "hsb state"})
	if !strings.Contains(o.Error, "start /nonexistent/solsql") || !strings.Contains(o.Error, "client:") {
		t.Errorf("missing client: %q", o.Error)
	}

	slow := filepath.Join(t.TempDir(), "slow-solsql")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nsleep 5\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tg.Client = slow
	start := time.Now()
	o = Observe(ctxTimeout(t, 200*time.Millisecond), tg, cred, checks.Check{Admin: "hsb state"})
	if !strings.Contains(o.Error, "no answer within") || time.Since(start) > 2*time.Second {
		t.Errorf("timeout: %q after %s", o.Error, time.Since(start))
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		name, out string
		rows      [][2]string
		err       string
	}{
		{"documented layout", "RC TEXT\n-- -------------\n 0 PRIMARY ALONE\n1 rows fetched.\n", [][2]string{{"0", "PRIMARY ALONE"}}, ""},
		{"wide integer column", "RC          TEXT\n----------- ------\n      14003 ACTIVE\n1 rows fetched.\n", [][2]string{{"14003", "ACTIVE"}}, ""},
		{"prompts on the header line", "Username:Password:RC TEXT\n-- ----------\n 0 NOT ACTIVE\n1 rows fetched.\n", [][2]string{{"0", "NOT ACTIVE"}}, ""},
		{"misaligned row falls back to words", "RC TEXT\n-- ----\n0   SECONDARY ALONE\n", [][2]string{{"0", "SECONDARY ALONE"}}, ""},
		{"empty text", "RC TEXT\n-- ----\n 0 \n1 rows fetched.\n", [][2]string{{"0", ""}}, ""},
		{"two rows", "RC TEXT\n-- ----\n 0 a b\n 0 c\n2 rows fetched.\n", [][2]string{{"0", "a b"}, {"0", "c"}}, ""},
		{"crlf", "RC TEXT\r\n-- ----\r\n 0 STANDALONE\r\n1 rows fetched.\r\n", [][2]string{{"0", "STANDALONE"}}, ""},
		{"connection error", "SOLID Communication Error 21306: Server 'tcp h 1964' not found, connection failed.\n", nil,
			"SOLID Communication Error 21306: Server 'tcp h 1964' not found, connection failed."},
		{"server error after prompts", "Username:Password:SOLID Server Error 14501: Operation failed\n", nil, "SOLID Server Error 14501: Operation failed"},
		{"nothing", "", nil, ""},
		{"no rows", "RC TEXT\n-- ----\n0 rows fetched.\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errLine := ParseOutput(tt.out)
			if errLine != tt.err {
				t.Errorf("error %q, want %q", errLine, tt.err)
			}
			if len(rows) != len(tt.rows) {
				t.Fatalf("rows %+v, want %v", rows, tt.rows)
			}
			for i, want := range tt.rows {
				rc, _ := rows[i].Get(FieldRC)
				text, _ := rows[i].Get(FieldText)
				if rc.Value != want[0] || text.Value != want[1] {
					t.Errorf("row %d: %q %q, want %q", i, rc.Value, text.Value, want)
				}
				if (len(tt.rows) > 1) != (rows[i].Key != "") {
					t.Errorf("row %d key %q", i, rows[i].Key)
				}
			}
		})
	}
}

func TestServerNameAndValidate(t *testing.T) {
	if got := ServerName(checks.Target{Host: "db1"}); got != "tcp db1 1964" {
		t.Errorf("default port: %q", got)
	}
	if got := ServerName(checks.Target{Port: 1315}); got != "tcp localhost 1315" {
		t.Errorf("local: %q", got)
	}
	for _, bad := range []string{"", "  ", "hsb state'", "a;b", "a\nb", `a"b`} {
		if ValidateAdmin(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := ValidateAdmin("hsb set primary alone"); err != nil {
		t.Error(err)
	}
}
