package rehearsal

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/session"
)

// Faults that strike when a step is entered (network.outage,
// mysql.sql_error), and the session's logins (credentials.wrong): what
// makes a target unreachable without anything in the world failing.

var _ checks.CredentialSetter = (*Driver)(nil)

// strikeOnEnter schedules the faults that strike when the operator enters
// step: an outage, an SQL thread error. Callers hold mu.
func (w *world) strikeOnEnter(step string) {
	for _, f := range w.faults {
		if f.Step != step || (f.Kind != FaultOutage && f.Kind != FaultMySQLSQLError) {
			continue
		}
		if f.Times > 0 && f.struck >= f.Times {
			continue
		}
		f.struck++
		// No machine shows a fault coming: it strikes unannounced.
		w.after(time.Duration(f.After), "", "", func() {
			w.hit(f)
			switch f.Kind {
			case FaultOutage:
				until := w.now.Add(time.Duration(f.For))
				if until.After(w.down[f.Target]) {
					w.down[f.Target] = until
				}
				w.after(time.Duration(f.For), "", "", func() { w.happen("%s answers again after %s", f.Target, time.Duration(f.For)) })
			case FaultMySQLSQLError:
				w.sqlError(f)
			}
		})
	}
}

// unreachable is the error every probe of t gets while an outage holds it
// (nil when it answers): what the client would say after its connect
// timeout. Callers hold mu.
func (w *world) unreachable(t checks.Target) error {
	host := w.bindItem(t.Host)
	until, ok := w.down[t.Name]
	if !ok {
		until, ok = w.down[host]
	}
	if !ok || !w.now.Before(until) {
		return nil
	}
	port := t.Port
	switch t.Kind {
	case checks.TargetMySQL:
		if port == 0 {
			port = 3306
		}
		return unreachedError{fmt.Sprintf("dial tcp %s:%d: i/o timeout", host, port)}
	case checks.TargetSolid:
		return unreachedError{fmt.Sprintf("SOLID Communication Error 21306: Server 'tcp %s %d' not found, connection failed", host, port)}
	case checks.TargetHost:
		return unreachedError{fmt.Sprintf("ssh: connect to host %s port 22: Connection timed out", host)}
	}
	return unreachedError{fmt.Sprintf("dial tcp %s: i/o timeout", t.Address())}
}

// reach is what the session's own connection to a target meets before an
// action runs: an outage, or a login the server refuses. Callers hold mu.
func (d *Driver) reach(target string) error {
	w := d.w
	t, err := w.target(target)
	if err != nil {
		return nil // run says so
	}
	if err := w.unreachable(t); err != nil {
		return err
	}
	if m := w.mysql[target]; m != nil && m.up {
		return w.login(target, m)
	}
	return nil
}

// armLogins makes the servers of credentials.wrong faults refuse the
// session's login from the start.
func (w *world) armLogins() error {
	for _, f := range w.faults {
		if f.Kind != FaultWrongPassword {
			continue
		}
		m := w.mysql[f.Target]
		if m == nil || m.spec.Password == "" {
			return fmt.Errorf("fault %s: credentials.wrong needs a world.mysql server for target %q with a `password` (the right one)", f.ID, f.Target)
		}
		w.badLogin[f.Target] = true
	}
	return nil
}

// strikeLogins strikes the credentials.wrong faults whose target the step
// entered (its journal key) talks to, by a check or its action: the
// session logs in to it at once, and is refused. Striking on the step's
// entry, a world input, rather than on a probe keeps a world rebuilt from
// the journal exact (record.go). Callers hold mu.
func (d *Driver) strikeLogins(key string) {
	w := d.w
	for _, f := range w.faults {
		if f.Kind != FaultWrongPassword || f.struck > 0 || !w.badLogin[f.Target] || !slices.Contains(d.talksTo[key], f.Target) {
			continue
		}
		if m := w.mysql[f.Target]; m == nil || !m.up {
			continue
		}
		if t, err := w.target(f.Target); err != nil || w.unreachable(t) != nil {
			continue
		}
		f.struck++
		w.hit(f)
	}
}

// login refuses the session's login to target while its password is
// wrong, with the error MySQL gives (1045). Callers hold mu.
func (w *world) login(target string, m *mysqlServer) error {
	if !m.up || !w.badLogin[target] {
		return nil
	}
	user := m.spec.User
	if user == "" {
		user = "handrail"
	}
	return fmt.Errorf("Error 1045 (28000): Access denied for user '%s'@'handrail-bastion' (using password: YES)", user)
}

var _ session.LoginJudge = (*Driver)(nil)

// LoginGood implements session.LoginJudge: whether target takes the login
// with c, judged by the world's server, which changes nothing (known is
// false for a target whose server has no password: any login is taken).
// The runner journals the verdict, never the value, and the world takes
// it from the record (loginHeard), as a rebuilt world does.
func (d *Driver) LoginGood(target string, c checks.Credentials) (good, known bool) {
	w := d.w
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.mysql[target]
	if m == nil || m.spec.Password == "" {
		return false, false
	}
	return c.Password.Reveal() == m.spec.Password && (c.User == "" || m.spec.User == "" || c.User == m.spec.User), true
}

// loginHeard takes a credentials.reentered record into the world: a
// server with a password takes the login from now on when the record says
// it is good, and refuses it when it says not; the debrief tells each
// attempt, never the value. Callers hold mu.
func (d *Driver) loginHeard(target string, good *bool) {
	w := d.w
	m := w.mysql[target]
	switch {
	case m == nil || m.spec.Password == "":
		w.happen("credentials for %s re-entered", target)
	case good == nil:
		// A journal from before the verdict was recorded: the world
		// cannot know, and keeps the login as it was.
		w.happen("credentials for %s re-entered (the journal does not say whether the server takes them)", target)
	default:
		w.badLogin[target] = !*good
		verdict := "the server takes them"
		if !*good {
			verdict = "the server still refuses them"
		}
		w.happen("credentials for %s re-entered: %s", target, verdict)
	}
}

// SetCredentials implements checks.CredentialSetter: the session re-entered
// a target's credentials (Runner.SetCredentials). A server with a password
// in the world takes the login only when the password (and the user, when
// one is given) is its own. When the journal's credentials.reentered
// record said so (LoginGood, heard first), the world has taken it from
// there; a caller without a journal is judged here.
func (d *Driver) SetCredentials(target string, c checks.Credentials) error {
	w := d.w
	if _, ok := w.targets[target]; !ok {
		known := make([]string, 0, len(w.targets))
		for k := range w.targets {
			known = append(known, k)
		}
		sort.Strings(known)
		return fmt.Errorf("simulator: no target %q (targets: %v)", target, known)
	}
	good, known := d.LoginGood(target, c)
	w.mu.Lock()
	defer w.mu.Unlock()
	if d.loginsHeard[target] > 0 {
		d.loginsHeard[target]--
		return nil
	}
	w.settle()
	if !known {
		d.loginHeard(target, nil)
		return nil
	}
	d.loginHeard(target, &good)
	return nil
}

// sqlError stops the SQL thread of the fault's replica on an event, as a
// duplicate key does. Callers hold mu.
func (w *world) sqlError(f *faultState) {
	m := w.mysql[f.Target]
	if m == nil {
		for _, s := range w.mysql {
			if s.host == f.Target {
				m = s
			}
		}
	}
	if m == nil {
		w.happen("fault %s: no simulated mysql server %s", f.ID, f.Target)
		return
	}
	m.materialise(w.now)
	m.sql = "No"
	m.sqlErrno = f.Errno
	if m.sqlErrno == 0 {
		m.sqlErrno = 1062
	}
	m.sqlError = f.Message
	if m.sqlError == "" {
		m.sqlError = "Could not execute Write_rows_v1 event on table app.t; Duplicate entry '1' for key 'PRIMARY', Error_code: " +
			strconv.Itoa(m.sqlErrno) + "; handler error HA_ERR_FOUND_DUPP_KEY"
	}
}
