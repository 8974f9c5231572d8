package steps

import (
	"strings"
	"testing"
)

// TestRunbookTextIsPlain: a byte that is not UTF-8 is a finding where it
// is (the scanner would silently make it U+FFFD), and multi-line text keeps
// its newlines and tabs without one.
func TestRunbookTextIsPlain(t *testing.T) {
	src := "id: bytes\ntitle: \"ok\"\nsteps:\n  - id: a\n    title: bad \xff byte\n    body: |\n      line\tone\n      line two\n"
	_, err := Parse("bytes.yaml", []byte(src))
	fs := findings(t, err)
	if len(fs) != 1 || fs[0].Line != 5 || fs[0].Col != 16 || !strings.Contains(fs[0].Msg, `the byte \xff is not UTF-8`) {
		t.Fatalf("findings %v", fs)
	}
	good := strings.Replace(src, "bad \xff byte", "fine ✔ ünïcode", 1)
	rb, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if b := rb.Sections[0].Steps[0].Body; b != "line\tone\nline two\n" {
		t.Errorf("body %q", b)
	}
}
