package command

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

func TestParseServerStatRows(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		keys   []string
		health []string
	}{
		{"two servers, names with dots and ports",
			"tc-m1.example.com:9510.health: OK\ntc-m1.example.com:9510.role: PASSIVE\ntc-m1.example.com:9510.group name: g1\n\n" +
				"tc-m2:9510.health: OK\ntc-m2:9510.state: ACTIVE-COORDINATOR\n\n",
			[]string{"tc-m1.example.com:9510", "tc-m2:9510"}, []string{"OK", "OK"}},
		{"stopped (4.2/4.3)", "tc-m1.health: unknown\ntc-m1.error: Connection refused to tc-m1:9540. Is the TSA running?\n",
			[]string{"tc-m1"}, []string{"unknown"}},
		{"no report at all", "", []string{""}, []string{""}},
		{"only unrelated lines", "Failed to issue status request; retrying.\n", []string{""}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := ParseServerStatRows(tt.in)
			var keys, health []string
			for _, r := range rows {
				keys = append(keys, r.Key)
				h, _ := r.Get("health")
				health = append(health, h.Value)
			}
			if !slices.Equal(keys, tt.keys) || !slices.Equal(health, tt.health) {
				t.Errorf("keys %q health %q, want %q %q", keys, health, tt.keys, tt.health)
			}
		})
	}
	rows := ParseServerStatRows("a:1.group name: stripe-a\na:1.jmxport: 9520\na:1.group name: other\n")
	if g, _ := rows[0].Get("group name"); g.Value != "stripe-a" {
		t.Errorf("a key printed twice: got %q, want the first", g.Value)
	}
	if p, _ := rows[0].Get("jmxport"); p.Value != "9520" {
		t.Errorf("jmxport %q", p.Value)
	}
}

// TestObserveServerStatRevisions runs the fake server-stat through the live
// probe for each revision and state, and judges it with the two checks the
// Terracotta runbook asks: "synced mirror" and "server down".
func TestObserveServerStatRevisions(t *testing.T) {
	script, _ := filepath.Abs("testdata/server-stat.sh")
	synced := checks.Check{Kind: checks.KindCommand, Parse: ParseServerStat, Argv: []string{script, "-s", "tc-m1:9540"},
		Expect: checks.Expectations{
			{Field: "health", Expect: checks.Expect{Equals: new("OK")}},
			{Field: "role", Expect: checks.Expect{Equals: new("PASSIVE")}},
			{Field: "state", Expect: checks.Expect{Equals: new("PASSIVE-STANDBY")}},
		}}
	down := checks.Check{Kind: checks.KindCommand, Parse: ParseServerStat, Argv: []string{script, "-s", "tc-m1:9540"},
		Expect: checks.Expectations{
			{Field: "exit_code", Expect: checks.Expect{Match: `^\d+$`}},
			{Field: "health", Expect: checks.Expect{Ne: new("OK")}},
		}}
	tests := []struct {
		revision, state  string
		key              string
		syncedOK, downOK bool
	}{
		{"rest", "PASSIVE-STANDBY", "tc-m1:9510", true, false},
		{"rest", "PASSIVE-UNINITIALIZED", "tc-m1:9510", false, false},
		{"rest", "STOPPED", "tc-m1", false, true},
		{"jmx", "PASSIVE-STANDBY", "tc-m1", true, false},
		{"jmx", "STOPPED", "tc-m1", false, true},
		{"retry", "PASSIVE-STANDBY", "tc-m1:9510", true, false},
		{"retry", "STOPPED", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.revision+"/"+tt.state, func(t *testing.T) {
			t.Setenv("FAKE_TC_REVISION", tt.revision)
			t.Setenv("FAKE_TC_STATE", tt.state)
			t.Setenv("FAKE_TC_NAME", "tc-m1:9510")
			o := Observe(ctxTimeout(t, 5*time.Second), local, synced)
			if o.Error != "" || len(o.Rows) != 1 {
				t.Fatalf("error %q rows %+v", o.Error, o.Rows)
			}
			if o.Rows[0].Key != tt.key {
				t.Errorf("row key %q, want %q", o.Rows[0].Key, tt.key)
			}
			if v := checks.Evaluate(synced, o); v.Pass != tt.syncedOK {
				t.Errorf("synced check pass=%v (%s), want %v", v.Pass, v.Reason, tt.syncedOK)
			}
			if v := checks.Evaluate(down, o); v.Pass != tt.downOK {
				t.Errorf("down check pass=%v (%s), want %v", v.Pass, v.Reason, tt.downOK)
			}
		})
	}
}

func TestParseGslistFields(t *testing.T) {
	in := "Status   Version    Owner    Pid   Port   Started     Type       Name\n" +
		"------- --------- --------- ----- ----- ------------ ------      ----\n" +
		"exists  3.2.0     daleh     19522 50377 May 26 13:16 Netldi      gs64ldi\n" +
		"exists  3.2.0     daleh     19495 52215 May 26 13:16 Stone       seaside\n" +
		"killed  3.1.0     daleh     19000 52000 May 25 09:00 Stone       seaside\n" +
		"garbage line\n"
	f := ParseGslistFields(in)
	get := func(name string) string {
		for _, x := range f {
			if x.Name == name {
				return x.Value
			}
		}
		return "<missing>"
	}
	for name, want := range map[string]string{
		"seaside.Status": "exists", "seaside.Version": "3.2.0", "seaside.Started": "May 26 13:16",
		"seaside.Type": "Stone", "seaside.Pid": "19495", "gs64ldi.Type": "Netldi", "gs64ldi.Port": "50377",
	} {
		if got := get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(f) != 16 {
		t.Errorf("%d fields, want 16 (two processes; the second seaside line is ignored)", len(f))
	}
}

func TestParseTTStatusRows(t *testing.T) {
	in := "TimesTen status report as of Wed Aug 13 16:47:56 2003\n" +
		"TimesTen server pid 16888 started on port 15102\n" +
		"-----------\n" +
		"Data store /tmp/a\n" +
		"There are 3 connections to the data store\n" +
		"Process pid 19180 context 0xacd7e8 connected (KEY 0x060036f0)\n" +
		"Server pid 19376 context 0x48f0068 connected (KEY 0x040036f0) (Client Information: pid 19776; IPC)\n" +
		"Subdaemon pid 15035 context 0x62328 connected (KEY 0x0c000fdf)\n" +
		"-----------\n" +
		"Data store /tmp/b\n" +
		"There are no connections to the data store\n" +
		"Type            PID     Context             Connection Name              ConnID\n" +
		"Server          26291   0x00007f5975c07010  b                                 1\n" +
		"Process         26292   0x00007f5975c07011  b                                 2\n" +
		"-----------\n"
	rows := ParseTTStatusRows(in)
	if len(rows) != 2 || rows[0].Key != "/tmp/a" || rows[1].Key != "/tmp/b" {
		t.Fatalf("rows %+v", rows)
	}
	want := []map[string]string{
		{"connections": "3", "client_connections": "1", "direct_connections": "1"},
		{"connections": "0", "client_connections": "1", "direct_connections": "1"},
	}
	for i, w := range want {
		for k, v := range w {
			if f, _ := rows[i].Get(k); f.Value != v {
				t.Errorf("row %d %s = %q, want %q", i, k, f.Value, v)
			}
		}
	}
	if got := ParseTTStatusRows("ttStatus: Could not connect to the TimesTen daemon.\n"); len(got) != 0 {
		t.Errorf("no data store reported, got %+v", got)
	}
}

func TestParseOutputUnknownParser(t *testing.T) {
	rows, err := ParseOutput("yaml", "a: 1\n", "", 0)
	if err == nil || len(rows) != 1 {
		t.Fatalf("rows %+v err %v", rows, err)
	}
}
