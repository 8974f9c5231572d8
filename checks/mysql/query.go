package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
)

// FieldRowCount is the field mysql.query adds: how many rows the statement
// returned.
const FieldRowCount = "row_count"

var (
	readOnlyFirstWord = map[string]bool{
		"SELECT": true, "SHOW": true, "WITH": true, "DESCRIBE": true, "DESC": true,
		"EXPLAIN": true, "VALUES": true, "TABLE": true,
	}
	leadingComment = regexp.MustCompile(`^(\s+|/\*.*?\*/|--[^\n]*\n|#[^\n]*\n|\()*`)
	// Statements that start like a read but write a file or take locks a
	// replica's SQL thread could wait on.
	// Quoted text, so words inside a string literal do not count.
	stringLiteral = regexp.MustCompile(`'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|` + "`[^`]*`")
	writesOrLocks = regexp.MustCompile(`(?is)\binto\s+(outfile|dumpfile)\b|\bfor\s+update\b|\bfor\s+share\b|\block\s+in\s+share\s+mode\b`)
)

// CheckReadOnly says why q is not a statement mysql.query may run, or nil.
// The runbook linter uses it too, so the author hears it before the
// maintenance window.
func CheckReadOnly(q string) error {
	s := leadingComment.ReplaceAllString(q, "")
	word := s
	if i := strings.IndexFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }); i >= 0 {
		word = s[:i]
	}
	if !readOnlyFirstWord[strings.ToUpper(word)] {
		return fmt.Errorf("mysql.query runs read-only statements only (SELECT, SHOW, WITH, DESCRIBE, EXPLAIN), not %q: use a mysql.exec action to change anything", word)
	}
	bare := stringLiteral.ReplaceAllString(q, "''")
	if writesOrLocks.MatchString(bare) {
		return errors.New("mysql.query must not write files or lock rows (INTO OUTFILE/DUMPFILE, FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE)")
	}
	if strings.Contains(strings.TrimRight(strings.TrimSpace(bare), ";"), ";") {
		return errors.New("mysql.query runs one statement: remove the ';' between statements")
	}
	return nil
}

// Query runs c.Query inside a READ ONLY transaction (so even a function
// with side effects cannot write a table) and observes the first row's
// columns plus row_count. An empty result is one row holding row_count 0.
func (p *Prober) Query(ctx context.Context, c checks.Check) checks.Observation {
	start := time.Now()
	obs := checks.Observation{At: start}
	if err := CheckReadOnly(c.Query); err != nil {
		obs.Error = err.Error()
		return obs
	}
	row, n, err := p.queryFirst(ctx, strings.TrimRight(strings.TrimSpace(c.Query), ";"), newFieldNamer(nil))
	obs.Latency = time.Since(start)
	if err != nil {
		obs.Error, obs.State = describe(ctx, err, start)
		return obs
	}
	row.Fields = append(row.Fields, checks.Field{Name: FieldRowCount, Value: strconv.Itoa(n)})
	obs.Rows = []checks.Row{row}
	return obs
}

func (p *Prober) queryFirst(ctx context.Context, q string, namer fieldNamer) (checks.Row, int, error) {
	tx, err := p.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return checks.Row{}, 0, err
	}
	// Nothing to keep: a read-only transaction always rolls back.
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return checks.Row{}, 0, err
	}
	defer rows.Close() //nolint:errcheck // scanRows checks rows.Err(); Close of a read-only result set has nothing to report
	out, n, err := scanRows(rows, namer, 1)
	if err != nil {
		return checks.Row{}, n, err
	}
	var first checks.Row
	if len(out) > 0 {
		first = out[0]
		first.Key = "" // one row: the channel column means nothing here
	}
	return first, n, nil
}

// Exec runs a mysql.exec action (STOP REPLICA, START REPLICA, SET GLOBAL
// ...) and reports the rows it affected the way the mysql client does. A
// replica-control statement (STOP|START SLAVE|REPLICA) is sent in the words
// the server takes (ReplicaControlStatement: MySQL 8.4 rejects the SLAVE
// words, servers before MySQL 8.0.22 / MariaDB 10.5.1 the REPLICA ones), and
// the result names the statement that really ran.
func (p *Prober) Exec(ctx context.Context, a checks.Action) checks.ActionResult {
	start := time.Now()
	stmt, ran := a.SQL, ""
	if verb, rest, ok := checks.ReplicaControl(a.SQL); ok {
		srv, err := p.Server(ctx)
		if err != nil {
			p.forget()
			r := checks.ActionResult{Duration: time.Since(start), ExitCode: 1, Unreachable: dialFailed(err)}
			msg, _ := describe(ctx, err, start)
			r.Error = "ask the server's version to choose STOP/START REPLICA or SLAVE: " + msg
			return r
		}
		stmt = srv.ReplicaControlStatement(verb) + rest
		ran = stmt + " (" + srv.String() + "): "
	}
	res, err := p.db.ExecContext(ctx, stmt)
	r := checks.ActionResult{Duration: time.Since(start)}
	if err != nil {
		p.forget()
		r.Error, _ = describe(ctx, err, start)
		r.Error = ran + r.Error
		r.ExitCode = 1
		r.Unreachable = dialFailed(err)
		return r
	}
	n, err := res.RowsAffected()
	if err != nil {
		n = 0
	}
	r.RowsAffected = n
	unit := "rows"
	if n == 1 {
		unit = "row"
	}
	r.Output = fmt.Sprintf("%sQuery OK, %d %s affected (%.3f sec)", ran, n, unit, r.Duration.Seconds())
	return r
}
