package session

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

// TestSecretsNeverReachTheJournal plants a secret param value and a DSN
// password everywhere an operator or a careless probe could put them.
func TestSecretsNeverReachTheJournal(t *testing.T) {
	const dsnPassword = "Dsn-Canary-90210"
	secret := testParams()["admin_pw"]
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	e, err := New(Config{SessionID: "canary", Runbook: testRunbook(), Params: testParams(),
		Redact: []string{"repl:" + dsnPassword + "@tcp(db2:3306)/", dsnPassword}, Journal: mj, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	errs = append(errs, e.Note("the admin password is "+secret+", do not share"))
	errs = append(errs, e.Tick("backup-ok", true), e.Next())
	r := result(e, "io", checks.StatusFail)
	r.Obs.Error = "Error 1045: Access denied for repl:" + dsnPassword + "@tcp(db2:3306)/"
	r.Obs.Raw = "password=" + secret
	r.Obs.Rows = []checks.Row{{Fields: []checks.Field{{Name: "Master_Password", Value: dsnPassword}}}}
	_, err = e.Observe(r)
	errs = append(errs, err)
	errs = append(errs, e.Override(OverrideRequest{Checks: []string{"io", "sql"}, Category: CategoryOther, Reason: "because " + secret + " is fine", Confirmed: true}))
	errs = append(errs, e.Tick(secret, true)) // an error that must not echo the value
	errs = append(errs, e.Quit())
	for _, rec := range mj.Records() {
		for _, s := range []string{secret, dsnPassword} {
			if bytes.Contains(rec.Data, []byte(s)) {
				t.Errorf("record %d (%s) holds a secret: %s", rec.Seq, rec.Type, rec.Data)
			}
		}
	}
	for _, err := range errs {
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), dsnPassword)) {
			t.Errorf("an error holds a secret: %v", err)
		}
	}
	if n := strings.Count(string(joinData(mj)), SecretMark); n < 4 {
		t.Errorf("expected the secret to be replaced by %s at least 4 times, found %d", SecretMark, n)
	}
	for _, c := range e.Checks() {
		if c.Last != nil && (strings.Contains(c.Last.Obs.Error, dsnPassword) || strings.Contains(c.Last.Obs.Raw, secret)) {
			t.Errorf("the engine keeps a secret in memory for the screen: %+v", c.Last.Obs)
		}
	}
	if !errors.Is(e.Tick(secret, true), ErrEnded) {
		t.Error("tick after quit was not refused")
	}
}

func joinData(mj *MemoryJournal) []byte {
	var b bytes.Buffer
	for _, r := range mj.Records() {
		b.Write(r.Data)
	}
	return b.Bytes()
}

// BenchmarkObserveUnchanged is the common case: a poll whose status did not
// change (nothing journaled).
func BenchmarkObserveUnchanged(b *testing.B) {
	e, _, _ := newTestEngine(b)
	_ = e.Tick("backup-ok", true)
	_ = e.Next()
	r := result(e, "io", checks.StatusPass)
	r.Verdict.Fields = []checks.FieldVerdict{{Field: "Slave_IO_Running", Expected: "= No", Actual: "No", Pass: true}}
	if _, err := e.Observe(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Observe(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserveFlip journals a status change on every call (one poll
// interval apart, so none is coalesced).
func BenchmarkObserveFlip(b *testing.B) {
	e, _, clk := newTestEngine(b)
	_ = e.Tick("backup-ok", true)
	_ = e.Next()
	pass, wait := result(e, "sql", checks.StatusPass), result(e, "sql", checks.StatusWaiting)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := pass
		if i%2 == 1 {
			r = wait
		}
		i++
		clk.Add(time.Second)
		if _, err := e.Observe(r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestShortAndCollidingSecretsKeepTheJournalWhole: a one-character password
// and a password that is part of a step id ("stop") must neither garble the
// journal's ids nor stop it from replaying, while a value that is exactly
// the short secret, and free text holding the long one, are still scrubbed.
func TestShortAndCollidingSecretsKeepTheJournalWhole(t *testing.T) {
	params := testParams()
	params["admin_pw"] = "p"
	clk := newClock()
	mj := &MemoryJournal{Clock: clk.Now}
	cfg := Config{SessionID: "short", Runbook: testRunbook(), Params: params, Redact: []string{"stop"}, Journal: mj, Clock: clk.Now}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Tick("backup-ok", true); err != nil {
		t.Fatal(err)
	}
	if err := e.Next(); err != nil {
		t.Fatal(err)
	}
	if err := e.Note("please stop and check"); err != nil {
		t.Fatal(err)
	}
	r := result(e, "io", checks.StatusWaiting)
	r.Obs.Rows = []checks.Row{{Fields: []checks.Field{{Name: "Master_Password", Value: "p"}, {Name: "Slave_IO_Running", Value: "Yes"}}}}
	if _, err := e.Observe(r); err != nil {
		t.Fatal(err)
	}
	data := string(joinData(mj))
	for _, want := range []string{`"step":"stop-replica"`, `"check":"io"`, "please [secret] and check", `"value":"[secret]"`, `"Slave_IO_Running"`} {
		if !strings.Contains(data, want) {
			t.Errorf("journal lacks %s:\n%s", want, data)
		}
	}
	if strings.Contains(data, "s[secret]") || strings.Contains(data, "[secret]-replica") {
		t.Errorf("a secret garbled an id:\n%s", data)
	}
	cfg.Journal = nil
	re, err := Replay(cfg, mj.Records())
	if err != nil {
		t.Fatalf("the journal no longer replays: %v", err)
	}
	if v, _, _ := re.Current(); v.Key != "stop-replica" {
		t.Errorf("replayed current step %q, want stop-replica", v.Key)
	}
}
