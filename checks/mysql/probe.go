package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/handrail/handrail/checks"
)

// Prober runs the MySQL probes over one target's pool. It remembers the
// server's version between polls and asks again after any error: a rolling
// upgrade restarts the server with a new version, and the restart breaks
// the connection first.
type Prober struct {
	db *sql.DB

	mu     sync.Mutex
	server *Server

	namers namers // column names per expectation set (vocab.go)
}

// NewProber wraps a pool the caller owns (and closes).
func NewProber(db *sql.DB) *Prober { return &Prober{db: db} }

// Server returns the server's flavour and version, asking it if unknown.
func (p *Prober) Server(ctx context.Context) (Server, error) {
	p.mu.Lock()
	cached := p.server
	p.mu.Unlock()
	if cached != nil {
		return *cached, nil
	}
	var version, comment sql.NullString
	if err := p.db.QueryRowContext(ctx, "SELECT @@version, @@version_comment").Scan(&version, &comment); err != nil {
		return Server{}, err
	}
	s, err := ParseVersion(version.String, comment.String)
	if err != nil {
		return s, err
	}
	p.mu.Lock()
	p.server = &s
	p.mu.Unlock()
	return s, nil
}

func (p *Prober) forget() {
	p.mu.Lock()
	p.server = nil
	p.mu.Unlock()
}

// channelColumns name a replication row: MySQL's channel, MariaDB's
// multi-source connection.
func isChannelColumn(col string) bool {
	return strings.EqualFold(col, "Channel_Name") || strings.EqualFold(col, "Connection_name")
}

// Replica observes replication status: one Row per channel (Key: the
// channel or connection name, "" for the default one), every column kept
// with NULL apart from "", named as the check's expectations spell it (see
// AltName). No row at all gives State checks.StateNotReplica; a Channel the
// server does not have gives a State saying which channels it has.
func (p *Prober) Replica(ctx context.Context, c checks.Check) checks.Observation {
	start := time.Now()
	obs := checks.Observation{At: start}
	rows, err := p.replicaRows(ctx, c)
	obs.Latency = time.Since(start)
	var many errTooManyRows
	if errors.As(err, &many) {
		// An answer, too long to judge whole: keep what was read, and fail.
		obs.Rows, obs.Error = rows, err.Error()
		return obs
	}
	if err != nil {
		p.forget()
		obs.Error, obs.State = describe(ctx, err, start)
		return obs
	}
	if len(rows) == 0 {
		obs.State = checks.StateNotReplica
		return obs
	}
	if c.Channel != "" {
		var keep []checks.Row
		var names []string
		for _, r := range rows {
			names = append(names, strconv.Quote(r.Key))
			if strings.EqualFold(r.Key, c.Channel) {
				r.Key = c.Channel // names are case-insensitive; Evaluate matches exactly
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 {
			obs.State = fmt.Sprintf("no replication channel %q (the server has %s)", c.Channel, strings.Join(names, ", "))
			return obs
		}
		rows = keep
	}
	obs.Rows = rows
	return obs
}

func (p *Prober) replicaRows(ctx context.Context, c checks.Check) ([]checks.Row, error) {
	srv, err := p.Server(ctx)
	if err != nil {
		return nil, err
	}
	namer := p.namers.get(expectFields(c))
	out, err := p.scanAll(ctx, srv.ReplicaStatusStatement(), namer, checks.MaxRows)
	var me *gomysql.MySQLError
	if errors.As(err, &me) && me.Number == 1064 {
		// A syntax error: the server changed under us (upgraded to 8.4,
		// which dropped SHOW SLAVE STATUS). Ask again once.
		p.forget()
		if srv, err = p.Server(ctx); err != nil {
			return nil, err
		}
		out, err = p.scanAll(ctx, srv.ReplicaStatusStatement(), namer, checks.MaxRows)
	}
	return out, err
}

// errTooManyRows is an answer with more rows than a probe reads.
type errTooManyRows struct{ n int }

func (e errTooManyRows) Error() string {
	return fmt.Sprintf("the server returned %d replication rows; handrail reads at most %d, so the check cannot judge the rest", e.n, checks.MaxRows)
}

func expectFields(c checks.Check) []string {
	out := make([]string, len(c.Expect))
	for i, fe := range c.Expect {
		out[i] = fe.Field
	}
	return out
}

// scanAll runs q and returns its rows as fields, by column name. An answer
// of more than limit rows is an errTooManyRows. Each row's Key is its
// channel column, if any.
func (p *Prober) scanAll(ctx context.Context, q string, namer fieldNamer, limit int) ([]checks.Row, error) {
	rows, err := p.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close() //nolint:errcheck // scanRows checks rows.Err(); Close of a read-only result set has nothing to report
	out, n, err := scanRows(rows, namer, limit)
	if err == nil && n > limit {
		return out, errTooManyRows{n}
	}
	return out, err
}

// scanRows reads rows into checks.Rows (at most limit) and counts every
// row. A value longer than checks.ProbeValueBytes is cut (and says so)
// as it is read: a row of huge values costs no more than a small one.
func scanRows(rows *sql.Rows, namer fieldNamer, limit int) ([]checks.Row, int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, err
	}
	names := namer.names(cols)
	keyCol := slices.IndexFunc(cols, isChannelColumn)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []checks.Row
	n := 0
	for rows.Next() {
		n++
		if len(out) >= limit {
			continue // count only
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, n, err
		}
		r := checks.Row{Fields: make([]checks.Field, len(cols))}
		for i, v := range vals {
			text, null := valueText(v)
			r.Fields[i] = checks.Field{Name: names[i], Value: checks.Truncate(text, checks.ProbeValueBytes), Null: null}
			vals[i] = nil // the driver's buffer for this value is not kept
		}
		if keyCol >= 0 {
			r.Key = r.Fields[keyCol].Value
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, n, err
	}
	return out, n, nil
}

// valueText renders a driver value as the server printed it. The driver
// parses integer and floating-point columns of the text protocol; integers
// print back exactly, floats in plain decimal notation where the server
// would (1000000, not 1e+06).
func valueText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case []byte:
		return string(x), false
	case string:
		return x, false
	case int64:
		return strconv.FormatInt(x, 10), false
	case uint64:
		return strconv.FormatUint(x, 10), false
	case float32:
		return formatFloat(float64(x), 32), false
	case float64:
		return formatFloat(x, 64), false
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999"), false
	default:
		return fmt.Sprint(x), false
	}
}

func formatFloat(f float64, bits int) string {
	if a := math.Abs(f); a != 0 && (a >= 1e15 || a < 1e-6) {
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// dialFailed reports whether err is a failure to open the connection (a
// refused or timed-out dial, no route, an unknown host): no statement was
// sent, so an action it ends did not run. An error after the statement was
// sent (a reset, a lost answer) is not one: the statement may have run.
func dialFailed(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		// The server refused the login (ER_ACCESS_DENIED_ERROR): no
		// statement ran, as when the connection is refused. The operator
		// re-enters the password and runs the action again.
		return me.Number == 1045
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de)
}

// describe turns an error into the observation's Error and State. Errors
// before any answer (refused, reset, timed out) make the target
// "unreachable"; a server that answered with an error (access denied, bad
// SQL) is reachable and only the error is reported.
func describe(ctx context.Context, err error, start time.Time) (string, string) {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return err.Error(), ""
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		waited := time.Since(start).Round(time.Millisecond)
		return fmt.Sprintf("no answer within %s (%v)", waited, err), checks.StateUnreachable
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) {
		return err.Error(), checks.StateUnreachable
	}
	return err.Error(), ""
}
