package report

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps/journal"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const canary = "CANARY-pw-7d2e91"

type ev struct {
	after time.Duration
	typ   string
	data  any
}

func evidence(check, status string, pass bool, fields ...checks.FieldVerdict) map[string]any {
	return map[string]any{
		"check": check, "status": status,
		"verdict":     checks.Verdict{Pass: pass, Fields: fields, Reason: map[bool]string{true: "", false: "Seconds_Behind_Master is 412, expected <= 5"}[pass]},
		"observation": checks.Observation{At: time.Date(2026, 11, 22, 2, 20, 0, 0, time.UTC), Latency: 3 * time.Millisecond},
	}
}

// fixture writes a journal through the journal API: every kind of event,
// a note that tries to inject Markdown and HTML, a secret parameter, and the
// canary in places a careless engine might leave it (scrubbed by the
// redactor, as the engine's would).
func fixture(t *testing.T, mode string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "20261122-021500-ab12.jsonl")
	at := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	scrub := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(canary), []byte(checks.Redacted)) }
	start := map[string]any{
		"session":  "20261122-021500-ab12",
		"runbook":  map[string]any{"id": "mysql-replica-upgrade", "title": "MySQL replica rolling upgrade", "source": "003_mysql.txt", "path": "runbooks/mysql-replica-upgrade.yaml", "sha256": strings.Repeat("ab", 32)},
		"params":   map[string]string{"slave_host": "db2.example.net", "new_version": "10.11.6", "repl_password": "[secret]", "dsn": "repl:" + canary + "@tcp(db1:3306)/"},
		"operator": map[string]any{"name": "Ana Ops", "user": "ana", "host": "bastion-1", "tty": "/dev/pts/3", "ssh_client": "10.0.0.7 52311"},
		"ticket":   "CHG-4711", "mode": mode, "scenario": map[string]string{"rehearsal": "lag-spike", "live": ""}[mode], "handrail_version": "1.0.0-test",
	}
	w, _, err := journal.Create(path, "session.start", start, journal.WithClock(clock), journal.WithRedactor(scrub))
	if err != nil {
		t.Fatal(err)
	}
	lagFail := checks.FieldVerdict{Field: "Seconds_Behind_Master", Expected: "<= 5", Actual: "412", Pass: false}
	lagWait := checks.FieldVerdict{Field: "Seconds_Behind_Master", Expected: "<= 5", Actual: "415", Pass: false}
	ioNo := checks.FieldVerdict{Row: "", Field: "Slave_IO_Running", Expected: "No", Actual: "No", Pass: true}
	sqlNo := checks.FieldVerdict{Field: "Slave_SQL_Running", Expected: "No", Actual: "No", Pass: true}
	events := []ev{
		{2 * time.Second, "step.enter", map[string]any{"step": "stop-slave", "title": "Stop replication on the replica", "index": 0, "number": 1}},
		{5 * time.Second, "action.start", map[string]any{"step": "stop-slave", "kind": "mysql.exec", "target": "slave", "address": "db2.example.net:3306", "describe": "STOP SLAVE;"}},
		{1 * time.Second, "action.end", map[string]any{"step": "stop-slave", "result": checks.ActionResult{ExitCode: 0, Duration: 120 * time.Millisecond}}},
		{1 * time.Second, "check.status", map[string]any{"step": "stop-slave", "check": "threads-stopped", "status": "pass", "verdict": checks.Verdict{Pass: true}}},
		{0, "gate.open", map[string]any{"step": "stop-slave", "evidence": []any{evidence("threads-stopped", "pass", true, ioNo, sqlNo)}}},
		{3 * time.Second, "note", map[string]any{"step": "stop-slave", "text": "paged DBA <script>alert(1)</script> | *not bold* [link](http://evil) password " + canary}},
		{2 * time.Second, "step.done", map[string]any{"step": "stop-slave", "via": "gate", "duration_ns": int64(14 * time.Second)}},
		{0, "step.skip", map[string]any{"step": "drain-proxy", "reason": "when: proxy == none", "number": 2}},
		{1 * time.Second, "step.enter", map[string]any{"step": "upgrade", "title": "Upgrade the replica's packages", "index": 2, "number": 3}},
		{0, "downtime.start", map[string]any{"step": "upgrade"}},
		{4 * time.Second, "action.start", map[string]any{"step": "upgrade", "kind": "command", "target": "slave-host", "address": "db2.example.net", "describe": "apt-get install mariadb-server=1:10.11.6"}},
		{0, "journal.repair", map[string]any{"dropped_bytes": 57, "reason": "incomplete last line from an interrupted write"}},
		{30 * time.Second, "session.resume", map[string]any{"operator": map[string]any{"name": "Bo Night", "user": "bo", "host": "bastion-2"}, "runbook_changed": false, "accepted_changed_runbook": false}},
		{1 * time.Second, "step.enter", map[string]any{"step": "upgrade", "title": "Upgrade the replica's packages", "index": 2, "number": 3}},
		{5 * time.Second, "action.attest", map[string]any{"step": "upgrade", "outcome": "succeeded", "text": "dpkg -l shows 10.11.6 installed"}},
		{60 * time.Second, "step.done", map[string]any{"step": "upgrade", "via": "manual", "duration_ns": int64(66 * time.Second)}},
		{0, "downtime.stop", map[string]any{"step": "upgrade", "duration_ns": int64(101 * time.Second), "total_ns": int64(101 * time.Second)}},
		{1 * time.Second, "step.enter", map[string]any{"step": "wait-catch-up", "title": "Wait for the replica to catch up", "index": 3, "number": 4}},
		// The same verdict three times (the probe's unshown values moved):
		// one entry with a count; then a new value and a new status, each
		// its own entry.
		{2 * time.Second, "check.status", map[string]any{"step": "wait-catch-up", "check": "lag", "status": "waiting", "verdict": checks.Verdict{Fields: []checks.FieldVerdict{lagWait}}}},
		{1 * time.Second, "check.status", map[string]any{"step": "wait-catch-up", "check": "lag", "status": "waiting", "verdict": checks.Verdict{Fields: []checks.FieldVerdict{lagWait}}}},
		{1 * time.Second, "check.status", map[string]any{"step": "wait-catch-up", "check": "lag", "status": "waiting", "verdict": checks.Verdict{Fields: []checks.FieldVerdict{lagWait}}}},
		{1 * time.Second, "check.status", map[string]any{"step": "wait-catch-up", "check": "lag", "status": "waiting", "verdict": checks.Verdict{Fields: []checks.FieldVerdict{lagFail}}}},
		{5 * time.Second, "check.status", map[string]any{"step": "wait-catch-up", "check": "lag", "status": "fail", "verdict": checks.Verdict{Pass: false, Fields: []checks.FieldVerdict{lagFail}, Reason: "Seconds_Behind_Master is 412, expected <= 5"}}},
		{0, "on_fail", map[string]any{"step": "wait-catch-up", "say": "Check the primary's binlog retention", "goto": "", "halt": false, "check": "lag"}},
		{0, "gate.closed", map[string]any{"step": "wait-catch-up", "blocking": []string{"lag"}}},
		{20 * time.Second, "override", map[string]any{"step": "wait-catch-up", "checks": []string{"lag"}, "category": "accepted-risk", "reason": "Batch job on the primary; lag is\nexpected to clear within the hour | ok'd by CAB", "evidence": []any{evidence("lag", "fail", false, lagFail)}}},
		{0, "step.done", map[string]any{"step": "wait-catch-up", "via": "override", "duration_ns": int64(30 * time.Second)}},
		{1 * time.Second, "goto", map[string]any{"from": "wait-catch-up", "to": "verify"}},
		{1 * time.Second, "step.enter", map[string]any{"step": "verify", "title": "Verify the pair", "index": 5, "item": "db2", "number": 6}},
		{1 * time.Second, "manual.tick", map[string]any{"step": "verify", "check": "app-ok", "ticked": true}},
		{2 * time.Second, "gate.open", map[string]any{"step": "verify", "evidence": []any{map[string]any{"check": "app-ok", "status": "pass", "ticked": true, "verdict": map[string]any{"pass": true}, "observation": map[string]any{}}}}},
		{0, "step.done", map[string]any{"step": "verify", "via": "gate", "duration_ns": int64(3 * time.Second)}},
		{1 * time.Second, "session.end", map[string]any{"state": "completed", "downtime_total_ns": int64(101 * time.Second)}},
	}
	for _, e := range events {
		at = at.Add(e.after)
		if _, err := w.Append(e.typ, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func render(t *testing.T, path, format string) string {
	t.Helper()
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if format == "html" {
		err = r.HTML(&b)
	} else {
		err = r.Markdown(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	// The journal's path is a temp dir; make the golden stable.
	return strings.ReplaceAll(b.String(), path, "JOURNAL")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	for _, mode := range []string{"live", "rehearsal"} {
		t.Run(mode, func(t *testing.T) {
			got := render(t, fixture(t, mode), "md")
			golden(t, mode+".golden.md", got)
			checkReport(t, mode, got)
		})
	}
}

func TestHTMLGolden(t *testing.T) {
	for _, mode := range []string{"live", "rehearsal"} {
		t.Run(mode, func(t *testing.T) {
			got := render(t, fixture(t, mode), "html")
			golden(t, mode+".golden.html", got)
			checkReport(t, mode, got)
			// Self-contained: no external asset, no script of ours.
			for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "href="} {
				if strings.Contains(got, bad) {
					t.Errorf("HTML contains %q", bad)
				}
			}
			if !strings.Contains(got, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("the note's HTML is not escaped")
			}
			if mode == "rehearsal" {
				if !regexp.MustCompile(`<title>[^<]*REHEARSAL — not a live change[^<]*</title>`).MatchString(got) {
					t.Error("<title> lacks the rehearsal mark")
				}
				if !strings.Contains(got, `<div class="banner">REHEARSAL — not a live change`) {
					t.Error("no rehearsal banner")
				}
				for _, h := range regexp.MustCompile(`<h2>.*</h2>`).FindAllString(got, -1) {
					if !strings.Contains(h, "REHEARSAL") {
						t.Errorf("section header without the rehearsal badge: %s", h)
					}
				}
			}
		})
	}
}

// checkReport asserts what must hold whatever the golden file says.
func checkReport(t *testing.T, mode, got string) {
	t.Helper()
	if strings.Contains(got, canary) {
		t.Error("the canary secret reached the report")
	}
	ov, tl := strings.Index(got, "Overrides (1)"), strings.Index(got, "Timeline")
	if ov < 0 || tl < 0 || ov > tl {
		t.Errorf("overrides (at %d) do not come before the timeline (at %d)", ov, tl)
	}
	for _, want := range []string{"accepted-risk", "412", "&lt;= 5", "CHG-4711", "Ana Ops", "bastion-1", "10.0.0.7 52311", strings.Repeat("ab", 32), "[secret]", "1m41s", "chain intact, 34 records", "waiting ×3, 02:16:58–02:17:00", "when: proxy == none", "Bo Night", "57 bytes", "succeeded", "Slave\\_IO\\_Running"} {
		w := want
		if strings.HasSuffix(got, "</html>\n") {
			w = strings.ReplaceAll(w, `\_`, "_")
		} else {
			w = strings.ReplaceAll(w, "&lt;", "<")
			if w == "<= 5" {
				w = "&lt;= 5"
			}
		}
		if !strings.Contains(got, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if mode == "rehearsal" {
		if !strings.Contains(got, RehearsalMark) {
			t.Error("rehearsal report lacks the mark")
		}
		for _, line := range strings.Split(got, "\n") {
			if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "## ") {
				if !strings.Contains(line, "REHEARSAL") {
					t.Errorf("heading without the rehearsal mark: %s", line)
				}
			}
		}
	} else if strings.Contains(got, "REHEARSAL") {
		t.Error("live report carries a rehearsal mark")
	}
}

func TestCanaryNeverOnDisk(t *testing.T) {
	path := fixture(t, "live")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(canary)) {
		t.Fatal("canary in the journal")
	}
	if !bytes.Contains(b, []byte(`"repl_password":"[secret]"`)) {
		t.Fatal("secret param not journaled as [secret]")
	}
}

func TestBrokenJournalIsFlagged(t *testing.T) {
	path := fixture(t, "live")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("accepted-risk"), []byte("known-issue!!"), 1)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Integrity.OK || len(r.Overrides) != 0 {
		t.Fatalf("tampered override record was reported: %+v", r.Integrity)
	}
	var md bytes.Buffer
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "WARNING: this journal does not verify") || !strings.Contains(md.String(), "Line 27") {
		t.Errorf("no warning for a broken journal:\n%s", md.String())
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 350 * time.Millisecond: "350ms", 12 * time.Second: "12s", 245 * time.Second: "4m05s", time.Hour + 2*time.Minute + 3*time.Second: "1h02m03s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":           `a\|b`,
		"<b>x</b>":      "&lt;b&gt;x&lt;/b&gt;",
		"[l](http://x)": `\[l\](http://x)`,
		"line\nbreak":   "line break",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdCode("a`b|c"); got != "`` a`b\\|c ``" {
		t.Errorf("mdCode = %q", got)
	}
}

// TestTimelineRefusesAJournalThatChanged: the timeline is read again when
// the report is written; a journal cut back or rewritten in between fails
// the report instead of mixing two journals.
func TestTimelineRefusesAJournalThatChanged(t *testing.T) {
	path := fixture(t, "live")
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	if err := os.WriteFile(path, b[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Markdown(io.Discard); err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("Markdown over a journal cut back after Load: %v", err)
	}
	if err := r.HTML(io.Discard); err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("HTML over a journal cut back after Load: %v", err)
	}
}

// TestEveryFailingFieldInFull: a check that fails on three fields, one of
// them a long error, is reported with every field and its whole value:
// never "(and 2 more)", never a value cut off.
func TestEveryFailingFieldInFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "20261122-021500-ab13.jsonl")
	at := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	start := map[string]any{"session": "20261122-021500-ab13", "runbook": map[string]any{"id": "x", "title": "X"}, "mode": "live"}
	w, _, err := journal.Create(path, "session.start", start, journal.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	long := "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file' " + strings.Repeat("(detail) ", 40) + "END-OF-ERROR"
	fields := []checks.FieldVerdict{
		{Field: "Slave_IO_Running", Expected: "= Yes", Actual: "No"},
		{Field: "Last_IO_Errno", Expected: "= 0", Actual: "1236"},
		{Field: "Last_IO_Error", Expected: "empty", Actual: long},
		{Field: "Slave_SQL_Running", Expected: "= Yes", Actual: "Yes", Pass: true},
	}
	for _, e := range []struct {
		typ  string
		data any
	}{
		{"step.enter", map[string]any{"step": "start-replica", "title": "Start the replica", "index": 0}},
		{"check.status", map[string]any{"step": "start-replica", "check": "replica-running", "status": "fail",
			"verdict": checks.Verdict{Fields: fields, Reason: `Slave_IO_Running: is "No", expected = Yes (and 2 more)`}}},
		{"session.end", map[string]any{"state": "quit"}},
	} {
		if _, err := w.Append(e.typ, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	md := render(t, path, "md")
	if strings.Contains(md, "more)") {
		t.Errorf("the report still says \"(and N more)\":\n%s", md)
	}
	for _, want := range []string{`Slave\_IO\_Running: is "No", expected = Yes`, `Last\_IO\_Errno: is "1236", expected = 0`, "END-OF-ERROR"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}
