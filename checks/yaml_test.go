package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestCheckYAMLRoundTrip(t *testing.T) {
	src := `
id: c
kind: mysql.replica
expect:
  Slave_IO_Running: No
  Last_IO_Errno: 0
  Seconds_Behind_Master: {lt: 5, not_null: true}
  Role: {in: [0, No, PRIMARY ACTIVE]}
within: 1m30s
`
	var c Check
	if err := yaml.UnmarshalWithOptions([]byte(src), &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.Within) != 90*time.Second {
		t.Errorf("within = %v", c.Within)
	}
	var got []string
	for _, fe := range c.Expect {
		got = append(got, fe.Field+" "+fe.Expect.String())
	}
	want := "Slave_IO_Running = No|Last_IO_Errno = 0|Seconds_Behind_Master < 5, not NULL|Role in [0, No, PRIMARY ACTIVE]"
	if strings.Join(got, "|") != want {
		t.Errorf("expect = %q\nwant     %q", strings.Join(got, "|"), want)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Check
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(back.Expect) != 4 || *back.Expect[0].Expect.Equals != "No" || back.Within != c.Within {
		t.Errorf("round trip lost data:\n%s", out)
	}
}

func TestDurationYAMLErrors(t *testing.T) {
	for _, src := range []string{"within: 60\n", "within: sixty\n"} {
		var c Check
		err := yaml.Unmarshal([]byte(src), &c)
		if err == nil || !strings.Contains(err.Error(), `want a duration like "60s"`) || !strings.Contains(err.Error(), "[1:9]") {
			t.Errorf("%q: err = %v", src, err)
		}
	}
}
