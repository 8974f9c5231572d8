package checks

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }
func row(key string, kv ...string) Row {
	r := Row{Key: key}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Fields = append(r.Fields, Field{Name: kv[i], Value: kv[i+1]})
	}
	return r
}

// nullField is a row holding one SQL NULL field.
func nullRow(name string) Row { return Row{Fields: []Field{{Name: name, Null: true}}} }

func TestEvaluateOps(t *testing.T) {
	const F = "F"
	val := func(v string) Observation { return Observation{Rows: []Row{row("", F, v)}} }
	null := Observation{Rows: []Row{nullRow(F)}}
	missing := Observation{Rows: []Row{row("", "Other", "x")}}

	tests := []struct {
		name   string
		exp    Expect
		obs    Observation
		pass   bool
		reason string // substring of Verdict.Reason when failing
	}{
		{"equals same", Expect{Equals: sp("No")}, val("No"), true, ""},
		{"equals differs", Expect{Equals: sp("No")}, val("Yes"), false, `F: is "Yes", expected = No`},
		{"equals case matters", Expect{Equals: sp("No")}, val("no"), false, `"no"`},
		{"equals empty vs empty", Expect{Equals: sp("")}, val(""), true, ""},
		{"equals empty vs NULL", Expect{Equals: sp("")}, null, false, "is NULL"},
		{"equals vs missing", Expect{Equals: sp("No")}, missing, false, "not returned by the server"},
		{"ne differs", Expect{Ne: sp("0")}, val("1"), true, ""},
		{"ne same", Expect{Ne: sp("0")}, val("0"), false, `is "0", expected ≠ 0`},
		{"ne vs NULL", Expect{Ne: sp("0")}, null, false, "NULL"},
		{"in member", Expect{In: []string{"PRIMARY ALONE", "PRIMARY UNCERTAIN"}}, val("PRIMARY UNCERTAIN"), true, ""},
		{"in not member", Expect{In: []string{"PRIMARY ALONE", "PRIMARY UNCERTAIN"}}, val("PRIMARY ACTIVE"), false, "in [PRIMARY ALONE, PRIMARY UNCERTAIN]"},
		{"in empty string member", Expect{In: []string{"", "x"}}, val(""), true, ""},
		{"in vs NULL", Expect{In: []string{""}}, null, false, "NULL"},
		{"match", Expect{Match: `^Terracotta 4\.2`}, val("Terracotta 4.2.1"), true, ""},
		{"match fails", Expect{Match: `^Terracotta 4\.2`}, val("Terracotta 4.1"), false, "matches /^Terracotta 4\\.2/"},
		{"match empty pattern text", Expect{Match: `^$`}, val(""), true, ""},
		{"match vs NULL", Expect{Match: `.*`}, null, false, "NULL"},
		{"match invalid regex", Expect{Match: `(`}, val("x"), false, "invalid pattern /(/"},
		{"lt holds", Expect{Lt: fp(10)}, val("3"), true, ""},
		{"lt equal fails", Expect{Lt: fp(10)}, val("10"), false, "< 10"},
		{"le equal holds", Expect{Le: fp(10)}, val("10"), true, ""},
		{"le above fails", Expect{Le: fp(10)}, val("10.5"), false, "≤ 10"},
		{"gt holds", Expect{Gt: fp(0)}, val("1"), true, ""},
		{"gt equal fails", Expect{Gt: fp(0)}, val("0"), false, "> 0"},
		{"ge equal holds", Expect{Ge: fp(0.5)}, val("0.5"), true, ""},
		{"ge below fails", Expect{Ge: fp(0.5)}, val("0.25"), false, "≥ 0.5"},
		{"numeric trims spaces", Expect{Lt: fp(5)}, val(" 4 "), true, ""},
		{"numeric not a number", Expect{Lt: fp(5)}, val("abc"), false, `"abc", not a number`},
		{"numeric empty not a number", Expect{Ge: fp(0)}, val(""), false, "not a number"},
		{"numeric vs NULL", Expect{Lt: fp(5)}, null, false, "is NULL"},
		{"numeric range", Expect{Ge: fp(1), Le: fp(3)}, val("2"), true, ""},
		{"numeric range outside", Expect{Ge: fp(1), Le: fp(3)}, val("4"), false, "≤ 3, ≥ 1"},
		{"null holds", Expect{Null: true}, null, true, ""},
		{"null vs empty string", Expect{Null: true}, val(""), false, `is "", expected NULL`},
		{"null vs missing", Expect{Null: true}, missing, false, "not returned"},
		{"not_null holds on empty", Expect{NotNull: true}, val(""), true, ""},
		{"not_null vs NULL", Expect{NotNull: true}, null, false, "expected not NULL"},
		{"not_null vs missing", Expect{NotNull: true}, missing, false, "not returned"},
		{"empty holds", Expect{Empty: true}, val(""), true, ""},
		{"empty vs text", Expect{Empty: true}, val("error 2003"), false, "expected empty"},
		{"empty vs NULL", Expect{Empty: true}, null, false, "is NULL"},
		{"empty vs missing", Expect{Empty: true}, missing, false, "not returned"},
		{"combined equals and match", Expect{Equals: sp("a1"), Match: `\d`}, val("a1"), true, ""},
		{"combined one fails", Expect{Equals: sp("a1"), Match: `^\d`}, val("a1"), false, "expected = a1, matches /^\\d/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Check{ID: "c", Kind: KindMySQLQuery, Expect: Expectations{{Field: F, Expect: tt.exp}}}
			v := Evaluate(c, tt.obs)
			if v.Pass != tt.pass {
				t.Fatalf("pass = %v, want %v (reason %q)", v.Pass, tt.pass, v.Reason)
			}
			if tt.pass && v.Reason != "" {
				t.Errorf("passing verdict has reason %q", v.Reason)
			}
			if !tt.pass && !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", v.Reason, tt.reason)
			}
			if len(v.Fields) != 1 {
				t.Fatalf("got %d field verdicts, want 1: %+v", len(v.Fields), v.Fields)
			}
			fv := v.Fields[0]
			if fv.Field != F || fv.Expected != tt.exp.String() || fv.Pass != tt.pass {
				t.Errorf("field verdict %+v", fv)
			}
			f, ok := tt.obs.Rows[0].Get(F)
			if fv.Missing == ok {
				t.Errorf("Missing = %v, field present = %v", fv.Missing, ok)
			}
			if ok && (fv.Actual != f.Value || fv.Null != f.Null) {
				t.Errorf("actual %q null %v, want %q null %v", fv.Actual, fv.Null, f.Value, f.Null)
			}
		})
	}
}

func TestEvaluateObservationStates(t *testing.T) {
	replica := Check{ID: "r", Kind: KindMySQLReplica, Expect: Expectations{
		{Field: "Slave_IO_Running", Expect: Expect{Equals: sp("No")}},
		{Field: "Slave_SQL_Running", Expect: Expect{Equals: sp("No")}},
	}}
	twoChannels := []Row{
		row("", "Slave_IO_Running", "No", "Slave_SQL_Running", "No"),
		row("wan", "Slave_IO_Running", "Yes", "Slave_SQL_Running", "No"),
	}
	tests := []struct {
		name    string
		check   Check
		obs     Observation
		pass    bool
		reason  string
		fields  int
		missing int
	}{
		{"error lists missing", replica, Observation{Error: "connect 10.0.0.5:3306: connection refused"}, false, "connection refused", 2, 2},
		{"not a replica", replica, Observation{State: StateNotReplica}, false, "not a replica", 2, 2},
		{"error with rows still judged", replica, Observation{Error: "timeout", Rows: twoChannels[:1]}, false, "timeout", 2, 0},
		{"no rows no error", replica, Observation{}, false, "no data", 2, 2},
		{"every row judged", replica, Observation{Rows: twoChannels}, false, `wan: Slave_IO_Running: is "Yes"`, 4, 0},
		{"channel narrows", withChannel(replica, ""), Observation{Rows: twoChannels}, false, "wan", 4, 0},
		{"channel wan", withChannel(replica, "wan"), Observation{Rows: twoChannels}, false, `wan: Slave_IO_Running`, 2, 0},
		{"unknown channel", withChannel(replica, "nope"), Observation{Rows: twoChannels}, false, `no replication channel "nope"`, 2, 2},
		{"no expectations pass", Check{Kind: KindMySQLQuery}, Observation{Rows: []Row{row("", "a", "b")}}, true, "", 0, 0},
		{"no expectations error", Check{Kind: KindMySQLQuery}, Observation{Error: "boom"}, false, "boom", 0, 0},
		{"several failures counted", replica, Observation{Rows: []Row{row("", "Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes")}}, false, "(and 1 more)", 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(tt.check, tt.obs)
			if v.Pass != tt.pass || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("got pass=%v reason=%q, want pass=%v reason containing %q", v.Pass, v.Reason, tt.pass, tt.reason)
			}
			if len(v.Fields) != tt.fields {
				t.Fatalf("got %d field verdicts, want %d: %+v", len(v.Fields), tt.fields, v.Fields)
			}
			m := 0
			for _, fv := range v.Fields {
				if fv.Missing {
					m++
				}
				if fv.Expected == "" {
					t.Errorf("field verdict without Expected: %+v", fv)
				}
			}
			if m != tt.missing {
				t.Errorf("got %d missing, want %d", m, tt.missing)
			}
		})
	}
}

func withChannel(c Check, ch string) Check { c.Channel = ch; return c }

func TestEvaluateCommandExitCode(t *testing.T) {
	obs := func(code string) Observation {
		return Observation{Rows: []Row{row("", "exit_code", code, "stdout", "ok\n", "stderr", "")}}
	}
	tests := []struct {
		name   string
		expect Expectations
		code   string
		pass   bool
		fields int
	}{
		{"no expectations exit 0", nil, "0", true, 1},
		{"no expectations exit 1", nil, "1", false, 1},
		{"stdout only still needs exit 0", Expectations{{Field: "stdout", Expect: Expect{Match: "ok"}}}, "2", false, 2},
		{"stdout only exit 0", Expectations{{Field: "stdout", Expect: Expect{Match: "ok"}}}, "0", true, 2},
		{"explicit exit_code replaces the rule", Expectations{{Field: "exit_code", Expect: Expect{Equals: sp("1")}}}, "1", true, 1},
		{"explicit exit_code ne", Expectations{{Field: "exit_code", Expect: Expect{Ne: sp("0")}}}, "0", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(Check{Kind: KindCommand, Expect: tt.expect}, obs(tt.code))
			if v.Pass != tt.pass || len(v.Fields) != tt.fields {
				t.Fatalf("pass=%v fields=%d (%+v), want pass=%v fields=%d", v.Pass, len(v.Fields), v.Fields, tt.pass, tt.fields)
			}
			if v.Fields[0].Field != "exit_code" {
				t.Errorf("first verdict is %q, want exit_code", v.Fields[0].Field)
			}
		})
	}
}

func TestManualObservation(t *testing.T) {
	at := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	c := Check{ID: "services", Kind: KindManual, Attest: "ThinMan services are running"}
	for _, ticked := range []bool{true, false} {
		o := ManualObservation(ticked, at)
		if !o.At.Equal(at) {
			t.Errorf("At = %v", o.At)
		}
		v := Evaluate(c, o)
		if v.Pass != ticked {
			t.Errorf("ticked=%v: pass=%v reason=%q", ticked, v.Pass, v.Reason)
		}
		if len(v.Fields) != 1 || v.Fields[0].Field != FieldTicked || v.Fields[0].Expected != "= yes" {
			t.Errorf("ticked=%v: fields %+v", ticked, v.Fields)
		}
	}
}

func TestRegexCacheReused(t *testing.T) {
	a, err := compileCached(`^x+$`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := compileCached(`^x+$`)
	if a != b {
		t.Error("pattern compiled twice")
	}
	if _, err := compileCached(`[`); err == nil {
		t.Error("invalid pattern accepted")
	}
}

func BenchmarkEvaluate(b *testing.B) {
	c := Check{ID: "r", Kind: KindMySQLReplica, Expect: Expectations{
		{Field: "Slave_IO_Running", Expect: Expect{Equals: sp("Yes")}},
		{Field: "Slave_SQL_Running", Expect: Expect{Equals: sp("Yes")}},
		{Field: "Last_IO_Errno", Expect: Expect{Equals: sp("0")}},
		{Field: "Last_IO_Error", Expect: Expect{Empty: true}},
		{Field: "Seconds_Behind_Master", Expect: Expect{NotNull: true, Lt: fp(30)}},
		{Field: "Master_Host", Expect: Expect{Match: `^db\d+\.example\.com$`}},
	}}
	r := row("", "Slave_IO_Running", "Yes", "Slave_SQL_Running", "Yes", "Last_IO_Errno", "0",
		"Last_IO_Error", "", "Seconds_Behind_Master", "3", "Master_Host", "db1.example.com")
	for i := range 50 {
		r.Fields = append(r.Fields, Field{Name: "Other_" + string(rune('A'+i%26)), Value: "x"})
	}
	o := Observation{Rows: []Row{r}}
	b.ReportAllocs()
	for b.Loop() {
		if v := Evaluate(c, o); !v.Pass {
			b.Fatal(v.Reason)
		}
	}
}

func TestFieldVerdictShown(t *testing.T) {
	cases := []struct {
		f    FieldVerdict
		want string
	}{
		{FieldVerdict{Actual: "Yes"}, "Yes"},
		{FieldVerdict{Actual: "", Null: true}, "NULL"},
		{FieldVerdict{Missing: true}, "(missing)"},
		{FieldVerdict{Actual: ""}, ""},
	}
	for _, c := range cases {
		if got := c.f.Shown(); got != c.want {
			t.Errorf("%+v.Shown() = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestEvaluateFailWhen(t *testing.T) {
	replica := Check{ID: "io", Kind: KindMySQLReplica,
		Expect:   Expectations{{Field: "Slave_IO_Running", Expect: Expect{Equals: sp("Yes")}}},
		FailWhen: Expectations{{Field: "Last_IO_Errno", Expect: Expect{Ne: sp("0")}}},
	}
	tests := []struct {
		name         string
		obs          Observation
		pass, final  bool
		reason       string
		failWhenPass bool
	}{
		{"connecting, no error yet: waiting, not final",
			Observation{Rows: []Row{row("", "Slave_IO_Running", "Connecting", "Last_IO_Errno", "0")}}, false, false, `Slave_IO_Running: is "Connecting"`, true},
		{"errno 1236: final at once",
			Observation{Rows: []Row{row("", "Slave_IO_Running", "Connecting", "Last_IO_Errno", "1236")}}, false, true, `Last_IO_Errno: is "1236", which the runbook says is a failure (fail when ≠ 0)`, false},
		{"final even when the expectation holds",
			Observation{Rows: []Row{row("", "Slave_IO_Running", "Yes", "Last_IO_Errno", "2003")}}, false, true, "fail when ≠ 0", false},
		{"running and errno 0: pass",
			Observation{Rows: []Row{row("", "Slave_IO_Running", "Yes", "Last_IO_Errno", "0")}}, true, false, "", true},
		{"a missing fail_when field never matches",
			Observation{Rows: []Row{row("", "Slave_IO_Running", "Yes")}}, true, false, "", true},
		{"NULL never matches a value condition",
			Observation{Rows: []Row{{Fields: []Field{{Name: "Slave_IO_Running", Value: "Yes"}, {Name: "Last_IO_Errno", Null: true}}}}}, true, false, "", true},
		{"no data is never final",
			Observation{Error: "dial tcp 127.0.0.1:1: connect: connection refused", Rows: []Row{row("", "Last_IO_Errno", "1236")}}, false, false, "connection refused", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(replica, tt.obs)
			if v.Pass != tt.pass || v.Final != tt.final || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("pass=%v final=%v reason=%q, want pass=%v final=%v reason containing %q", v.Pass, v.Final, v.Reason, tt.pass, tt.final, tt.reason)
			}
			var fw *FieldVerdict
			for i := range v.Fields {
				if v.Fields[i].FailWhen {
					fw = &v.Fields[i]
				}
			}
			if fw == nil || fw.Field != "Last_IO_Errno" || fw.Expected != "fail when ≠ 0" || fw.Pass != tt.failWhenPass {
				t.Errorf("fail_when verdict = %+v, want Last_IO_Errno \"fail when ≠ 0\" pass=%v", fw, tt.failWhenPass)
			}
		})
	}
}

func TestCapObservation(t *testing.T) {
	big := strings.Repeat("é", MaxValueBytes) // 2 bytes a rune: cut must not split one
	rows := make([]Row, MaxRows+10)
	for i := range rows {
		rows[i] = row("", "stdout", big)
	}
	o := CapObservation(Observation{Raw: big, Error: big, Rows: rows}, nil)
	for _, s := range []string{o.Raw, o.Error, o.Rows[0].Fields[0].Value} {
		body, _, _ := strings.Cut(s, "… [truncated: ")
		if len(body) > MaxValueBytes || !utf8.ValidString(s) || !strings.HasSuffix(s, " bytes]") {
			t.Fatalf("capped text: %d bytes, valid=%v, tail %q", len(s), utf8.ValidString(s), s[max(0, len(s)-40):])
		}
	}
	if len(o.Rows) > MaxRows {
		t.Errorf("rows kept %d, want at most %d", len(o.Rows), MaxRows)
	}
	size := len(o.Raw) + len(o.Error)
	for _, r := range o.Rows {
		for _, f := range r.Fields {
			size += len(f.Name) + len(f.Value)
		}
	}
	if size > MaxObservationBytes {
		t.Errorf("capped observation holds %d bytes, cap %d", size, MaxObservationBytes)
	}
	if again := CapObservation(o, nil); !reflect.DeepEqual(again, o) {
		t.Error("capping a capped observation changed it")
	}
	if len(rows[0].Fields[0].Value) != len(big) {
		t.Error("CapObservation changed its argument")
	}
	v := CapVerdict(Evaluate(Check{Kind: KindCommand, Expect: Expectations{{Field: "stdout", Expect: Expect{Equals: sp("x")}}}},
		Observation{Rows: []Row{row("", "exit_code", "0", "stdout", strings.Repeat("y", 1<<20))}}))
	if len(v.Reason) > 400 || len(v.Fields[1].Actual) > MaxValueBytes {
		t.Errorf("verdict not capped: reason %d bytes, actual %d bytes", len(v.Reason), len(v.Fields[1].Actual))
	}
}
