package proc

import "testing"

func TestLastLineAndOrNone(t *testing.T) {
	cases := map[string]string{
		"":                          "",
		"one":                       "one",
		"first\nsecond\n\n":         "second",
		"a\r\n  Access denied \r\n": "Access denied",
	}
	for in, want := range cases {
		if got := LastLine(in); got != want {
			t.Errorf("LastLine(%q) = %q, want %q", in, got, want)
		}
	}
	if OrNone("") != "(no message)" || OrNone("x") != "x" {
		t.Error("OrNone")
	}
}
