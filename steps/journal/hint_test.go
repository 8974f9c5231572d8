package journal

import (
	"path/filepath"
	"testing"
)

// TestPlaceCommand: the command printed to reach a session again names the
// state directory only when it is not the default, and the journal's file
// when it lies outside the state directory.
func TestPlaceCommand(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_STATE_HOME", xdg)
	def := filepath.Join(xdg, "handrail")
	other := t.TempDir()
	elsewhere := t.TempDir()
	const id = "20261122-021500-ab12"
	for _, tc := range []struct {
		name  string
		place Place
		verb  string
		args  []string
		want  string
	}{
		{"zero", Place{}, "resume", nil, "handrail resume " + id},
		{"default", Place{StateDir: def, Path: SessionPath(def, id)}, "resume", nil, "handrail resume " + id},
		{"custom", Place{StateDir: other, Path: SessionPath(other, id)}, "resume", nil, "handrail resume " + id + " --state-dir " + other},
		{"args before the flag", Place{StateDir: other}, "verify", []string{"--head", "abc"}, "handrail verify " + id + " --head abc --state-dir " + other},
		{"journal outside", Place{StateDir: def, Path: filepath.Join(elsewhere, id+Ext)}, "report", nil, "handrail report " + filepath.Join(elsewhere, id+Ext)},
		{"journal outside, no flag", Place{Path: filepath.Join(elsewhere, id+Ext)}, "report", nil, "handrail report " + filepath.Join(elsewhere, id+Ext)},
		{"journal in the default, no flag", Place{Path: SessionPath(def, id)}, "report", nil, "handrail report " + id},
		{"quoted", Place{StateDir: "/tmp/my state/it's"}, "resume", nil, "handrail resume " + id + ` --state-dir '/tmp/my state/it'\''s'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.place.Command(tc.verb, id, tc.args...); got != tc.want {
				t.Errorf("Command = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPlaceCommandRelative: a relative --state-dir is printed absolute, so
// that the command works from any directory.
func TestPlaceCommandRelative(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	abs, err := filepath.Abs("st")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := (Place{StateDir: "st"}).Command("resume", "x"), "handrail resume x --state-dir "+abs; got != want {
		t.Errorf("Command = %q, want %q", got, want)
	}
}
