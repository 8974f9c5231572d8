package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// fakeDriver stands in for a MariaDB replica in the console's unit tests
// (the tmux end-to-end test uses a real one): SHOW SLAVE STATUS answers from
// its state, and STOP SLAVE stops both threads.
type fakeDriver struct {
	mu      sync.Mutex
	io, sql string
	hang    bool // Observe blocks until its deadline, like a dead host
	ran     []string
}

func newFakeDriver() *fakeDriver { return &fakeDriver{io: "Yes", sql: "Yes"} }

func (d *fakeDriver) set(io, sql string) {
	d.mu.Lock()
	d.io, d.sql = io, sql
	d.mu.Unlock()
}

func (d *fakeDriver) Observe(ctx context.Context, c checks.Check) checks.Observation {
	d.mu.Lock()
	hang, io, sql := d.hang, d.io, d.sql
	d.mu.Unlock()
	if hang {
		<-ctx.Done()
		return checks.Observation{Error: "dial tcp 127.0.0.1:3306: i/o timeout", State: checks.StateUnreachable, At: time.Now()}
	}
	return checks.Observation{At: time.Now(), Rows: []checks.Row{{Fields: []checks.Field{
		{Name: "Slave_IO_Running", Value: io}, {Name: "Slave_SQL_Running", Value: sql},
		{Name: "Last_IO_Errno", Value: "0"}, {Name: "Seconds_Behind_Master", Null: true},
	}}}}
}

func (d *fakeDriver) Run(ctx context.Context, a checks.Action) checks.ActionResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ran = append(d.ran, a.Describe())
	if strings.EqualFold(a.SQL, "STOP SLAVE") {
		d.io, d.sql = "No", "No"
	}
	return checks.ActionResult{Duration: 3 * time.Millisecond}
}

func (d *fakeDriver) Close() error { return nil }

func (d *fakeDriver) actions() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.ran...)
}

func loadTestRunbook(t testing.TB) *steps.Runbook {
	t.Helper()
	rb, err := steps.Load(filepath.Join("testdata", "console.yaml"))
	if err != nil {
		t.Fatalf("load test runbook: %v", err)
	}
	return rb
}

type testSession struct {
	live *Live
	drv  *fakeDriver
	path string
	cfg  session.Config
	fj   *session.FileJournal
}

func testConfig(rb *steps.Runbook, path string) session.Config {
	return session.Config{
		SessionID: "20261122-020000-abcd",
		Runbook:   rb,
		Params:    map[string]string{"slave_host": "127.0.0.1", "admin_pw": "Canary-S3cret-7781"},
		Operator:  session.Operator{Name: "alice", User: "alice", Host: "bastion"},
		Mode:      session.ModeLive,
		Journal:   &session.FileJournal{Path: path},
	}
}

// newTestSession starts a real engine journaling to a real file, a real
// poller over the fake driver, and the Live runtime over them.
func newTestSession(t testing.TB) *testSession {
	t.Helper()
	rb := loadTestRunbook(t)
	path := filepath.Join(t.TempDir(), "20261122-020000-abcd"+journal.Ext)
	cfg := testConfig(rb, path)
	eng, err := session.New(cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	drv := newFakeDriver()
	r := session.NewRunner(eng, drv, nil)
	fj := cfg.Journal.(*session.FileJournal)
	t.Cleanup(func() {
		r.Close()
		if err := fj.Close(); err != nil {
			t.Errorf("close journal: %v", err)
		}
	})
	return &testSession{live: NewLive(r, rb), drv: drv, path: path, cfg: cfg, fj: fj}
}

// records reads the session's journal back from disk.
func (ts *testSession) records(t testing.TB) []journal.Record {
	t.Helper()
	recs, err := journal.Read(ts.path)
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	return recs
}

func hasRecord(recs []journal.Record, typ, contains string) bool {
	for _, r := range recs {
		if r.Type == typ && strings.Contains(string(r.Data), contains) {
			return true
		}
	}
	return false
}

func noSecretOnDisk(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Canary-S3cret-7781") {
		t.Fatalf("the secret param reached the journal")
	}
}
