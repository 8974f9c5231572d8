package bindtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
	"github.com/handrail/handrail/internal/mariadbtest"
	"github.com/handrail/handrail/steps"
)

var pair *mariadbtest.Pair

func TestMain(m *testing.M) { os.Exit(mariadbtest.RunMain(m, &pair)) }

// hostile are the values the issue names ('; touch pwned #, $(touch
// pwned), backticks, a newline) and the quote and escape of every place a
// value can stand.
var hostile = []string{
	"'; touch pwned #",
	"$(touch pwned)",
	"`touch pwned`",
	"x\ntouch pwned",
	`"; touch pwned; echo "`,
	"'); DROP TABLE handrail_bind.t; -- x",
	"' OR '1'='1",
	"x` (y); DROP TABLE handrail_bind.t; -- `",
	"a'b\"c$d`e f",
}

const runbook = `
id: bind-for-real
title: Values as data, for real
params:
  - {name: v}
targets:
  box: {kind: host, host: local}
  db: {kind: mysql, host: 127.0.0.1, port: %d, user: %s, password_env: HANDRAIL_BINDTEST_PW}
steps:
  - id: shell
    title: Shell
    action: {kind: command, target: box, shell: "printf '[%%s]' ${v} '${v}' \"${v}\" x${v}"}
    checks:
      - id: shell-check
        kind: command
        target: box
        shell: "printf '[%%s]' ${v} '${v}' \"${v}\" x${v}"
        expect: {exit_code: "0"}
  - id: sql
    title: SQL
    action: {kind: mysql.exec, target: db, sql: "INSERT INTO handrail_bind.t (v) VALUES ('${v}')"}
    checks:
      - id: sql-check
        kind: mysql.query
        target: db
        query: "SELECT '${v}' AS lit, CONCAT('<', '${v}', '>') AS cat, 1 AS ` + "`${v}`" + `"
        expect: {lit: x}
`

// TestValuesNeverBecomeCode binds each hostile value into shell lines and
// statements and runs them: sh prints the value back as the words written,
// MariaDB returns it as the literal and the name written, and nothing else
// runs: no file appears, the table is still there and holds the values.
func TestValuesNeverBecomeCode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := pair.AdminDB(pair.Primary)
	defer admin.Close()
	for _, q := range []string{"CREATE DATABASE IF NOT EXISTS handrail_bind", "DROP TABLE IF EXISTS handrail_bind.t",
		"CREATE TABLE handrail_bind.t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)"} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HANDRAIL_BINDTEST_PW", pair.AdminPassword)
	rb, err := steps.Parse("bind.yaml", []byte(fmt.Sprintf(runbook, pair.Primary.Port, mariadbtest.AdminUser)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir) // where `touch pwned` would land

	for _, v := range hostile {
		plan, err := steps.Expand(rb, map[string]string{"v": v})
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		red := checks.NewRedactor()
		creds, err := checks.ResolveAllCredentials(plan.Targets, os.Getenv, os.ReadFile, nil, red)
		if err != nil {
			t.Fatal(err)
		}
		d := live.New(plan.Targets, creds, live.Options{Redactor: red})
		want := "[" + v + "][" + v + "][" + v + "][x" + v + "]"

		// The shell, as an action and as a check.
		shell := plan.Steps[0]
		if r := d.Run(ctx, *shell.Action); !r.OK() || r.Output != want {
			t.Errorf("%q: action ran %q: output %q, error %q; want %q", v, shell.Action.Shell, r.Output, r.Error, want)
		}
		obs := d.Observe(ctx, shell.Checks[0])
		if f, _ := obs.Rows[0].Get("stdout"); obs.Error != "" || f.Value != want {
			t.Errorf("%q: check ran %q: stdout %q, error %q; want %q", v, shell.Checks[0].Shell, f.Value, obs.Error, want)
		}

		// SQL, as an action and as a check.
		sqlStep := plan.Steps[1]
		if r := d.Run(ctx, *sqlStep.Action); !r.OK() || r.RowsAffected != 1 {
			t.Errorf("%q: %s: %+v", v, sqlStep.Action.SQL, r)
		}
		obs = d.Observe(ctx, sqlStep.Checks[0])
		if obs.Error != "" || len(obs.Rows) != 1 {
			t.Errorf("%q: %s: %+v", v, sqlStep.Checks[0].Query, obs)
		} else {
			lit, _ := obs.Rows[0].Get("lit")
			cat, _ := obs.Rows[0].Get("cat")
			name, named := obs.Rows[0].Get(v)
			if lit.Value != v || cat.Value != "<"+v+">" || !named || name.Value != "1" {
				t.Errorf("%q: the statement read back %+v", v, obs.Rows[0].Fields)
			}
		}
		_ = d.Close()
	}

	if entries, _ := filepath.Glob(filepath.Join(dir, "*")); len(entries) > 0 {
		t.Errorf("a value ran as a command: %v", entries)
	}
	rows, err := admin.QueryContext(ctx, "SELECT v FROM handrail_bind.t ORDER BY id")
	if err != nil {
		t.Fatalf("the table is gone: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if strings.Join(got, "\x00") != strings.Join(hostile, "\x00") {
		t.Errorf("the table holds %q, want %q", got, hostile)
	}
}
