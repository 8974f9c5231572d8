package runbooks_test

import (
	"bufio"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/command"
	"github.com/handrail/handrail/checks/mysql"
	"github.com/handrail/handrail/checks/soliddb"
	"github.com/handrail/handrail/steps"
)

// The vendor fixtures under testdata/vendor are what the real tools print,
// each from the public source its header names. Each one is fed through the
// parser the runbook's check names and judged by that check, bound with a
// realistic session's values, and the verdict a real site would get is
// asserted.

// fixture is one captured output.
type fixture struct {
	stdout, stderr string
	exit           int
}

func readFixture(t *testing.T, name string) fixture {
	t.Helper()
	path := filepath.Join("testdata", "vendor", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fx fixture
	var section *strings.Builder
	var out, errOut strings.Builder
	sourced := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case section == nil && strings.HasPrefix(line, "# source:"):
			sourced = true
		case line == "--- stdout":
			section = &out
		case line == "--- stderr":
			section = &errOut
		case strings.HasPrefix(line, "--- exit "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "--- exit "))
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			fx.exit, section = n, nil
		case section != nil:
			section.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !sourced {
		t.Fatalf("%s names no public source (a `# source:` header line)", path)
	}
	fx.stdout, fx.stderr = out.String(), errOut.String()
	return fx
}

// boundCheck returns check id (as the plan names it, "<id>@<item>" in a
// foreach) of runbook rb bound with values.
func boundCheck(t *testing.T, runbook string, values map[string]string, id string) checks.Check {
	t.Helper()
	plan, err := steps.Expand(parseBundled(t, runbook), values)
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	for _, st := range plan.Steps {
		for _, c := range st.Checks {
			if c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("%s has no check %s", runbook, id)
	return checks.Check{}
}

// judgeCommand runs a captured command output through the check's parser
// exactly as the live probe does, then through the check.
func judgeCommand(t *testing.T, c checks.Check, fx fixture) checks.Verdict {
	t.Helper()
	rows, err := command.ParseOutput(c.Parse, fx.stdout, fx.stderr, fx.exit)
	obs := checks.Observation{Rows: rows, Raw: fx.stdout}
	if err != nil {
		obs.Error = err.Error()
	}
	return checks.Evaluate(c, obs)
}

type verdictCase struct {
	fixture string
	check   string
	pass    bool
}

func runVerdicts(t *testing.T, runbook string, values map[string]string, cases []verdictCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.fixture+"/"+tc.check, func(t *testing.T) {
			fx := readFixture(t, tc.fixture)
			c := boundCheck(t, runbook, values, tc.check)
			v := judgeCommand(t, c, fx)
			if v.Pass != tc.pass {
				t.Errorf("%s on %s: pass=%v (%s), a real site gets pass=%v", tc.check, tc.fixture, v.Pass, v.Reason, tc.pass)
			}
		})
	}
}

var terracottaValues = map[string]string{
	"new_version": "4.2.1", "mirror_servers": "tc-m1,tc-m2,tc-n1", "mirror_addresses": "tc-m1:9540,tc-m2:9540,tc-n1:9540",
	"active_servers": "tc-a1,tc-b1", "active_groups": "stripe-a,stripe-b", "clients": "app1",
	"install_dir": "/opt/terracotta", "kit_dir": "/opt/terracotta/kit", "kit_archive": "terracotta-4.2.1.tar.gz",
	"tc_config": "/opt/terracotta/tc-config.xml", "failback": "yes",
}

// TestTerracottaServerStatFixtures: server-stat keys each report by the
// server's name, never FAILED-only for a stopped server, and the stripe's
// failover shows as a server of its group with role ACTIVE.
func TestTerracottaServerStatFixtures(t *testing.T) {
	runVerdicts(t, "terracotta-4-2-maintenance", terracottaValues, []verdictCase{
		// Software AG's documented example: a running active named
		// localhost, queried as myhost:9521.
		{"terracotta-server-stat-doc-example.txt", "failback-original-active@tc-a1", true},
		{"terracotta-server-stat-doc-example.txt", "mirror-synced@tc-m1", false},
		{"terracotta-server-stat-doc-example.txt", "mirror-down@tc-m1", false},
		// A synced mirror reports under its tc-config name, not the -s host.
		{"terracotta-server-stat-rest-mirror-synced.txt", "mirror-synced@tc-m1", true},
		{"terracotta-server-stat-rest-mirror-synced.txt", "former-active-synced@tc-a1", true},
		{"terracotta-server-stat-rest-mirror-synced.txt", "mirror-down@tc-m1", false},
		{"terracotta-server-stat-rest-mirror-syncing.txt", "mirror-synced@tc-m1", false},
		// A stopped server, as each 4.x revision prints it.
		{"terracotta-server-stat-rest-stopped.txt", "mirror-down@tc-m1", true},
		{"terracotta-server-stat-rest-stopped.txt", "active-down@tc-a1", true},
		{"terracotta-server-stat-rest-stopped.txt", "mirror-synced@tc-m1", false},
		{"terracotta-server-stat-4.1-stopped.txt", "mirror-down@tc-m1", true},
		{"terracotta-server-stat-later-stopped.txt", "mirror-down@tc-m1", true},
		{"terracotta-server-stat-later-stopped.txt", "mirror-synced@tc-m1", false},
		// The same revision by default: its ten retry lines on stdout.
		{"terracotta-server-stat-later-stopped-retries.txt", "mirror-down@tc-m1", true},
		{"terracotta-server-stat-later-stopped-retries.txt", "active-down@tc-a1", true},
		{"terracotta-server-stat-later-stopped-retries.txt", "mirror-synced@tc-m1", false},
		// Stripes: the failover of stripe-a shows among every mirror.
		{"terracotta-server-stat-rest-stripe-failed-over.txt", "stripe-has-active@tc-a1", true},
		{"terracotta-server-stat-rest-stripe-failed-over.txt", "stripe-has-active@tc-b1", false},
		{"terracotta-server-stat-rest-stripe-failed-over.txt", "failback-mirrors-synced@tc-a1", false},
		{"terracotta-server-stat-rest-stripe-electing.txt", "stripe-has-active@tc-a1", false},
		{"terracotta-server-stat-rest-stripe-electing.txt", "failback-mirrors-synced@tc-a1", true},
	})
}

// TestTerracottaOldChecksHungOnStoppedServers: the checks the runbook had
// before (kv, `${item}.health: FAILED`) never pass on what a stopped 4.2/4.3
// server prints, nor on a later 4.x that prints no report: a real site
// would have waited for ever.
func TestTerracottaOldChecksHungOnStoppedServers(t *testing.T) {
	old := checks.Check{Kind: checks.KindCommand, Parse: command.ParseKV, Expect: checks.Expectations{
		{Field: "exit_code", Expect: checks.Expect{Match: `^\d+$`}},
		{Field: "tc-m1.health", Expect: checks.Expect{Equals: new("FAILED")}},
	}}
	for _, name := range []string{"terracotta-server-stat-rest-stopped.txt", "terracotta-server-stat-later-stopped.txt", "terracotta-server-stat-later-stopped-retries.txt"} {
		if v := judgeCommand(t, old, readFixture(t, name)); v.Pass {
			t.Errorf("%s: the old check passes; the fixture should show why it hung", name)
		}
	}
}

var gemstoneValues = map[string]string{
	"master_host": "gs1", "slave_host": "gs2", "stone": "seaside", "origin_version": "3.1.0", "target_version": "3.2.0",
	"origin_gemstone": "/opt/gemstone/GemStone64Bit3.1.0-x86_64.Linux", "target_gemstone": "/opt/gemstone/GemStone64Bit3.2.0-x86_64.Linux",
	"archive_dir": "/opt/gemstone/archive", "logreceiver_name": "seaside_logreceiver", "logsender_name": "seaside_logsender",
}

// TestGemStoneFixtures: restoreStatusInfo at: 13 passes only as a positive
// integer printed by topaz; gslist -lc shows which binaries run.
func TestGemStoneFixtures(t *testing.T) {
	runVerdicts(t, "gemstone-hot-standby", gemstoneValues, []verdictCase{
		{"gemstone-topaz-printit.txt", "failover-replayed", true},
		{"gemstone-topaz-printit-zero.txt", "failover-replayed", false},
		{"gemstone-topaz-printit-nil.txt", "failover-replayed", false},
	})
	// The old check ({ne: "0", match: '^\S+'} on a kv line) passed nil.
	old := checks.Check{Kind: checks.KindCommand, Parse: command.ParseKV, Expect: checks.Expectations{
		{Field: "restoreStatusInfo13", Expect: checks.Expect{Ne: new("0"), Match: `^\S+`}},
	}}
	if v := judgeCommand(t, old, fixture{stdout: "restoreStatusInfo13: nil\n"}); !v.Pass {
		t.Errorf("the old check should pass nil (the bug): %s", v.Reason)
	}

	// The capture lists the stone seaside 3.2.0 with no logreceiver: the
	// stone's fields hold for target 3.2.0, the check as a whole does not
	// (no logreceiver runs), and for target 3.7.0 the stone's Version fails.
	fx := readFixture(t, "gemstone-gslist-lc.txt")
	for _, tc := range []struct {
		target  string
		stoneOK bool
	}{{"3.2.0", true}, {"3.7.0", false}} {
		vals := maps.Clone(gemstoneValues)
		vals["target_version"] = tc.target
		c := boundCheck(t, "gemstone-hot-standby", vals, "slave-on-target-binaries")
		v := judgeCommand(t, c, fx)
		if v.Pass {
			t.Errorf("target %s: pass without a logreceiver", tc.target)
		}
		for _, f := range v.Fields {
			switch {
			case strings.HasPrefix(f.Field, "seaside."):
				want := tc.stoneOK || f.Field != "seaside.Version"
				if f.Pass != want {
					t.Errorf("target %s: %s pass=%v (actual %q), want %v", tc.target, f.Field, f.Pass, f.Actual, want)
				}
			case strings.HasPrefix(f.Field, "seaside_logreceiver."):
				if !f.Missing {
					t.Errorf("target %s: %s should be missing from the capture", tc.target, f.Field)
				}
			}
		}
	}
}

var timestenValues = map[string]string{"tt_host": "tt1", "old_tt_home": "/opt/TimesTen/tt70", "new_tt_home": "/opt/TimesTen/tt705",
	"new_version": "7.0.5.0.0", "old_dsn": "SALES_OLD", "new_store_name": "SALES_NEW"}

// TestTimesTenFixtures: clients are counted from the Server connections
// ttStatus lists.
func TestTimesTenFixtures(t *testing.T) {
	runVerdicts(t, "timesten-cs-online-upgrade", timestenValues, []verdictCase{
		{"timesten-ttstatus-6.0-client.txt", "clients-disconnected", false},
		{"timesten-ttstatus-6.0-none.txt", "clients-disconnected", true},
		{"timesten-ttstatus-22.1-direct.txt", "clients-disconnected", true},
	})
}

// TestThinManScQueryFixtures: a service given by name is read with
// sc query and passes only in STATE 4 RUNNING.
func TestThinManScQueryFixtures(t *testing.T) {
	values := map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "6.0.2",
		"primary_services": "static-web-server", "secondary_services": "static-web-server"}
	runVerdicts(t, "thinman-dual-db", values, []verdictCase{
		{"thinman-sc-query-running.txt", "primary-service-running@static-web-server", true},
		{"thinman-sc-query-running.txt", "secondary-service-running@static-web-server", true},
		{"thinman-sc-start-pending.txt", "primary-service-running@static-web-server", false},
	})
}

// TestThinManMySQL84Capture: the MySQL reference manual's SHOW REPLICA
// STATUS\G example, named as the mysql.replica probe names columns for the
// ThinMan checks, passes "replica running" and fails "replica stopped".
func TestThinManMySQL84Capture(t *testing.T) {
	fx := readFixture(t, "mysql-show-replica-status-8.4.txt")
	var cols, vals []string
	for _, line := range strings.Split(fx.stdout, "\n") {
		if line == "" || strings.HasPrefix(line, "****") {
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("not a column line: %q", line)
		}
		cols, vals = append(cols, strings.TrimSpace(name)), append(vals, strings.TrimSpace(val))
	}
	values := map[string]string{"primary_host": "tm1", "secondary_host": "tm2", "new_version": "6.0.2"}
	for _, tc := range []struct {
		check string
		pass  bool
	}{{"replica-running", true}, {"final-replica-running", true}, {"replica-stopped", false}} {
		c := boundCheck(t, "thinman-dual-db", values, tc.check)
		expect := make([]string, len(c.Expect))
		for i, fe := range c.Expect {
			expect[i] = fe.Field
		}
		var row checks.Row
		for i, n := range mysql.ColumnNames(cols, expect) {
			row.Fields = append(row.Fields, checks.Field{Name: n, Value: vals[i], Null: vals[i] == "NULL"})
		}
		v := checks.Evaluate(c, checks.Observation{Rows: []checks.Row{row}})
		if v.Pass != tc.pass {
			t.Errorf("%s: pass=%v (%s), want %v", tc.check, v.Pass, v.Reason, tc.pass)
		}
	}
}

var soliddbValues = map[string]string{"s1_host": "solid-s1", "s2_host": "solid-s2", "upgrade_kind": "version-level", "new_version": "7.0.0.8"}

// TestSolidDBStatusFixtures: the status commands answer 14003 ACTIVE while
// a copy or catchup runs (the High Availability Guide), which does not pass
// "done"; NOT ACTIVE with RC 0 does. solsql's layout is not documented, so
// each answer comes with and without the header and ruler lines.
func TestSolidDBStatusFixtures(t *testing.T) {
	for _, tc := range []struct {
		fixture, check string
		pass           bool
	}{
		{"soliddb-status-copy-active.txt", "s1-copy-done", false},
		{"soliddb-status-copy-active-onlyresults.txt", "s1-copy-done", false},
		{"soliddb-status-catchup-not-active.txt", "s1-catchup-over", true},
		{"soliddb-status-catchup-not-active-onlyresults.txt", "s1-catchup-over", true},
		{"soliddb-status-copy-active.txt", "s2-copy-done", false},
	} {
		t.Run(tc.fixture+"/"+tc.check, func(t *testing.T) {
			fx := readFixture(t, tc.fixture)
			rows, errLine := soliddb.ParseOutput(fx.stdout)
			c := boundCheck(t, "soliddb-hsb-netcopy", soliddbValues, tc.check)
			v := checks.Evaluate(c, checks.Observation{Rows: rows, Error: errLine, Raw: fx.stdout})
			if v.Pass != tc.pass {
				t.Errorf("pass=%v (%s), want %v", v.Pass, v.Reason, tc.pass)
			}
		})
	}
}

// TestTerracottaRetryLinesAreNoReport: the later revision's retry lines
// ("… Failed to issue status request to HOST:PORT: …; retrying.") hold
// ": " and, for a server given by address, dots; none of them may read as
// a report line. The capture with its host replaced by an address (the
// same lines the source prints for -s 10.0.0.5:9540) still shows a
// stopped server, and no row beside it.
func TestTerracottaRetryLinesAreNoReport(t *testing.T) {
	fx := readFixture(t, "terracotta-server-stat-later-stopped-retries.txt")
	fx.stdout = strings.ReplaceAll(fx.stdout, "tc-m1", "10.0.0.5")
	fx.stderr = strings.ReplaceAll(fx.stderr, "tc-m1", "10.0.0.5")
	values := maps.Clone(terracottaValues)
	values["mirror_servers"], values["mirror_addresses"] = "10.0.0.5", "10.0.0.5:9540"
	c := boundCheck(t, "terracotta-4-2-maintenance", values, "mirror-down@10.0.0.5")
	rows, err := command.ParseOutput(c.Parse, fx.stdout, fx.stderr, fx.exit)
	if err != nil || len(rows) != 1 || rows[0].Key != "" {
		t.Fatalf("rows %+v err %v: want the one no-report row", rows, err)
	}
	if v := judgeCommand(t, c, fx); !v.Pass {
		t.Errorf("mirror-down on the retry lines of 10.0.0.5: %s", v.Reason)
	}
}

// TestSolidDBVersionCheck: the version check after each restart
// (s1-version, s2-version, and the -converted ones after an autoconvert)
// passes only on a server that answers the new version. solidDB documents
// the result set of every ADMIN COMMAND (columns RC and TEXT: "solidDB
// ADMIN COMMAND syntax", Return values) but not the layout of the
// `version` reply's TEXT, nor solsql's own layout of the result set: no
// capture of it was found in any public source. So the replies here are
// the test's own, in the documented RC/TEXT shape, with and without the
// header and ruler, and the version somewhere in the TEXT (which is all
// the check relies on: REPLY, every TEXT row, must hold it as a word).
func TestSolidDBVersionCheck(t *testing.T) {
	fixPack := maps.Clone(soliddbValues)
	fixPack["upgrade_kind"], fixPack["new_version"] = "fix-pack", "7.0.0.8"
	reply := func(rc string, texts ...string) (ruler, bare string) {
		var r, b strings.Builder
		r.WriteString("RC TEXT\n-- ----------------------------\n")
		for _, tx := range texts {
			r.WriteString(rc + " " + tx + "\n")
			b.WriteString(rc + " " + tx + "\n")
		}
		r.WriteString(strconv.Itoa(len(texts)) + " rows fetched.\n")
		return r.String(), b.String()
	}
	for _, tc := range []struct {
		name  string
		rc    string
		texts []string
		pass  bool
	}{
		{"the new version", "0", []string{"Version: solidDB 7.0.0.8", "Operating system: Linux 64bit"}, true},
		{"the old version level", "0", []string{"Version: solidDB 6.5.0.12", "Operating system: Linux 64bit"}, false},
		{"the previous fix pack", "0", []string{"Version: solidDB 7.0.0.7", "Operating system: Linux 64bit"}, false},
		{"a version that only starts with it", "0", []string{"Version: solidDB 7.0.0.80"}, false},
		{"an error code", "14501", []string{"Version: solidDB 7.0.0.8"}, false},
	} {
		ruler, bare := reply(tc.rc, tc.texts...)
		for _, check := range []struct {
			id     string
			values map[string]string
		}{{"s1-version", fixPack}, {"s2-version", fixPack}, {"s1-version-converted", soliddbValues}, {"s2-version-converted", soliddbValues}} {
			for layout, out := range map[string]string{"ruler": ruler, "bare": bare} {
				t.Run(tc.name+"/"+check.id+"/"+layout, func(t *testing.T) {
					rows, errLine := soliddb.ParseOutput(out)
					c := boundCheck(t, "soliddb-hsb-netcopy", check.values, check.id)
					v := checks.Evaluate(c, checks.Observation{Rows: rows, Error: errLine, Raw: out})
					if v.Pass != tc.pass {
						t.Errorf("pass=%v (%s), a real site gets pass=%v", v.Pass, v.Reason, tc.pass)
					}
				})
			}
		}
	}
}
