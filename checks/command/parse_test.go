package command

import (
	"slices"
	"strings"
	"testing"

	"github.com/handrail/handrail/checks"
)

func TestParseKVFields(t *testing.T) {
	in := "localhost.health: OK\n" +
		"  localhost.role:   ACTIVE  \r\n" +
		"10.0.0.5:9540.state: ACTIVE-COORDINATOR\n" +
		"localhost.group name: default\n" +
		"no separator here\n" +
		"empty:\n" +
		": orphan value\n" +
		"url: http://x:1/y\n"
	want := []checks.Field{
		{Name: "localhost.health", Value: "OK"},
		{Name: "localhost.role", Value: "ACTIVE"},
		{Name: "10.0.0.5:9540.state", Value: "ACTIVE-COORDINATOR"},
		{Name: "localhost.group name", Value: "default"},
		{Name: "empty", Value: ""},
		{Name: "url", Value: "http://x:1/y"},
	}
	if got := ParseKVFields(in); !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := ParseKVFields(""); len(got) != 0 {
		t.Errorf("empty input gave %+v", got)
	}
}

func TestParseTableRows(t *testing.T) {
	in := "\nID  NAME   STATE\n==  ====   =====\n1   alpha  up\n2   beta\n3   gamma  down for maintenance\n"
	rows := ParseTableRows(in)
	if len(rows) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Key != "1" || !slices.Equal(rows[0].Fields, []checks.Field{{Name: "ID", Value: "1"}, {Name: "NAME", Value: "alpha"}, {Name: "STATE", Value: "up"}}) {
		t.Errorf("row 0 %+v", rows[0])
	}
	if _, ok := rows[1].Get("STATE"); ok {
		t.Errorf("short row has STATE: %+v", rows[1])
	}
	if f, _ := rows[2].Get("STATE"); f.Value != "down for maintenance" {
		t.Errorf("long row STATE %q", f.Value)
	}
	if len(ParseTableRows("ONLY HEADER\n")) != 0 {
		t.Error("header-only table has rows")
	}
}

func TestFlattenJSON(t *testing.T) {
	fields, err := FlattenJSON([]byte(`{"b":{"x":1.50,"y":[true,"s",{}]},"a":null,"e":[]}`), "json.")
	if err != nil {
		t.Fatal(err)
	}
	want := []checks.Field{
		{Name: "json.a", Null: true},
		{Name: "json.b.x", Value: "1.50"},
		{Name: "json.b.y.0", Value: "true"},
		{Name: "json.b.y.1", Value: "s"},
		{Name: "json.b.y.2", Value: "{}"},
		{Name: "json.e", Value: "[]"},
	}
	if !slices.Equal(fields, want) {
		t.Errorf("got  %+v\nwant %+v", fields, want)
	}
	for _, bad := range []string{"", "{", `{"a":1} {"b":2}`, "nope"} {
		if _, err := FlattenJSON([]byte(bad), ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func BenchmarkParseKV(b *testing.B) {
	var sb strings.Builder
	for _, h := range []string{"tc1", "tc2", "tc3", "tc4"} {
		sb.WriteString(h + ".health: OK\n" + h + ".role: PASSIVE\n" + h + ".state: PASSIVE-STANDBY\n" +
			h + ".port: 9540\n" + h + ".group name: default\n")
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if len(ParseKVFields(in)) != 20 {
			b.Fatal("wrong field count")
		}
	}
}
