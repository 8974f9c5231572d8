package cli

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateShow = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestShowGolden(t *testing.T) {
	out, errOut, code := runHandrail(t, "show", "../steps/testdata/valid/full.yaml")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden := "testdata/show-full.golden"
	if *updateShow {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -run TestShowGolden -update)", err)
	}
	if out != string(want) {
		t.Errorf("show output differs from %s:\n%s", golden, out)
	}
}

func TestShowBundled(t *testing.T) {
	listOut, _, _ := runHandrail(t, "list", "--json")
	if !strings.Contains(listOut, "thinman-dual-db") {
		t.Skip("thinman-dual-db is not bundled")
	}
	out, errOut, code := runHandrail(t, "show", "thinman-dual-db")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"id:     thinman-dual-db", "1. ", "Checks:", "Slave_IO_Running = No"} {
		if !strings.Contains(out, want) {
			t.Errorf("show thinman-dual-db lacks %q", want)
		}
	}
}

func TestShowErrors(t *testing.T) {
	tests := []struct {
		args []string
		code ExitCode
		want []string
	}{
		{[]string{"show", "thinman-dual"}, ExitUsage, []string{`no bundled runbook "thinman-dual"`, `did you mean "thinman-dual-db"?`, "bundled: ", "soliddb-hsb-netcopy"}},
		{[]string{"show", "missing.yaml"}, ExitError, []string{"missing.yaml", "no such file"}},
		{[]string{"show", "../steps/testdata/invalid/unknown-key.yaml"}, ExitFindings, []string{`unknown-key.yaml:8:5: step "stop-replica": unknown key "chekcs"`}},
		{[]string{"show"}, ExitUsage, []string{"accepts 1 arg"}},
	}
	for _, tt := range tests {
		out, errOut, code := runHandrail(t, tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d (stderr %s)", tt.args, code, tt.code, errOut)
		}
		if out != "" {
			t.Errorf("%v: printed %q on stdout", tt.args, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, errOut, w)
			}
		}
	}
}
