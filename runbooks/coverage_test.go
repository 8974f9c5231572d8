package runbooks_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
)

// sourceSpec lists, for each source procedure, every step, verification and
// failure instruction it contains, in the source's own order and numbering
// (ThinMan's manual has no numbers: the names are ours, in its order). It was
// written by reading the manuals; a bundled runbook must cite each of them
// with `source_step`, in this order.
var sourceSpec = map[string][]string{
	// ThinMan Dual Database update.
	"000_2a14902bc82cd9e4.txt": {
		"backup", "installers", "update-file",
		"slave-stop", "verify-stop", "stop-error",
		"primary-install", "primary-reboot", "primary-check",
		"slave-start", "verify-start", "start-error",
		"secondary-install", "secondary-reboot", "secondary-check",
		"done",
	},
	// solidDB HotStandby hot migration using netcopy.
	"001_c8a5fd0adc677ca6.txt": {
		"before-1", "before-2", "before-3",
		"1", "2", "3", "4", "5", "6", "7", "8", "9",
		"10", "11", "12", "13", "14", "15", "16", "17", "18",
		"next-1", "next-2",
	},
	// Terracotta / BigMemory Max 4.2 maintenance upgrade.
	"002_06b2391543d8004a.txt": {
		"1",
		"2.1.a", "2.1.b", "2.1.c", "2.1.d", "2.1.e", "2.1.f", "2.1.g",
		"2.2.a", "2.2.b", "2.2.c", "2.2.d",
		"2.3.a", "2.3.b", "2.3.c",
		"3", "4", "5",
	},
	// TimesTen client/server online upgrade with continuous access.
	"003_79e1993cc50af14b.txt": {"1", "2", "3", "4", "5", "6"},
	// GemStone/S 64 upgrade via hot standby.
	"004_595457083a83196b.txt": {"1", "2", "3", "4", "5", "6", "7", "8"},
}

// rawRunbook is the little of a runbook this test needs, decoded leniently so
// that coverage can be judged independently of the loader's own rules.
type rawRunbook struct {
	ID       string       `yaml:"id"`
	Source   string       `yaml:"source"`
	Sections []rawSection `yaml:"sections"`
	Steps    []rawStep    `yaml:"steps"`
}

type rawSection struct {
	Steps []rawStep `yaml:"steps"`
}

type rawStep struct {
	ID         string     `yaml:"id"`
	SourceStep any        `yaml:"source_step"`
	Checks     []rawCheck `yaml:"checks"`
}

type rawCheck struct {
	ID  string `yaml:"id"`
	Why string `yaml:"why"`
}

func (rb rawRunbook) allSteps() []rawStep {
	out := slices.Clone(rb.Steps)
	for _, s := range rb.Sections {
		out = append(out, s.Steps...)
	}
	return out
}

// refs turns a source_step scalar or list into its citations.
func (s rawStep) refs(t *testing.T) []string {
	t.Helper()
	switch v := s.SourceStep.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			str, ok := e.(string)
			if !ok {
				t.Errorf("step %s: source_step element %v (%T) is not a string: quote it", s.ID, e, e)
				continue
			}
			out = append(out, str)
		}
		return out
	default:
		t.Errorf("step %s: source_step %v (%T) is neither a string nor a list of strings: quote it", s.ID, v, v)
		return nil
	}
}

type bundled struct {
	name string
	data []byte
	raw  rawRunbook
}

func loadBundled(t *testing.T) []bundled {
	t.Helper()
	names, err := fs.Glob(runbooks.FS, "*.yaml")
	if err != nil {
		t.Fatalf("glob bundled runbooks: %v", err)
	}
	if len(names) == 0 {
		t.Fatal("no bundled runbooks embedded: check the go:embed directive in embed.go")
	}
	var out []bundled
	for _, name := range names {
		data, err := fs.ReadFile(runbooks.FS, name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		var raw rawRunbook
		if err := yaml.Unmarshal(data, &raw); err != nil {
			t.Fatalf("decode %s: %v", name, err)
		}
		out = append(out, bundled{name: name, data: data, raw: raw})
	}
	return out
}

func TestBundledRunbooksParse(t *testing.T) {
	for _, b := range loadBundled(t) {
		t.Run(b.name, func(t *testing.T) {
			rb, err := steps.Parse(b.name, b.data)
			if err != nil {
				t.Fatalf("steps.Parse: %v", err)
			}
			if want := strings.TrimSuffix(b.name, ".yaml"); rb.ID != want {
				t.Errorf("id = %q, want %q (the file name without .yaml)", rb.ID, want)
			}
			if len(rb.AllSteps()) == 0 {
				t.Error("runbook has no steps")
			}
		})
	}
}

func TestBundledRunbooksCoverTheirSource(t *testing.T) {
	bs := loadBundled(t)
	bySource := map[string]string{}
	for _, b := range bs {
		if b.raw.Source == "" {
			t.Errorf("%s: no source: every bundled runbook names the procedure it encodes", b.name)
			continue
		}
		if other, dup := bySource[b.raw.Source]; dup {
			t.Errorf("%s and %s both encode %s", other, b.name, b.raw.Source)
		}
		bySource[b.raw.Source] = b.name
	}
	for src := range sourceSpec {
		if _, ok := bySource[src]; !ok {
			t.Errorf("no bundled runbook encodes %s", src)
		}
	}

	for _, b := range bs {
		spec, ok := sourceSpec[b.raw.Source]
		if !ok {
			t.Errorf("%s: source %q is not one of the known procedures", b.name, b.raw.Source)
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			// first[ref] is the index of the first step citing ref.
			first := map[string]int{}
			for i, s := range b.raw.allSteps() {
				for _, ref := range s.refs(t) {
					if !slices.Contains(spec, ref) {
						t.Errorf("step %s cites %q, which is not a step of %s (known: %s)",
							s.ID, ref, b.raw.Source, strings.Join(spec, ", "))
					}
					if _, seen := first[ref]; !seen {
						first[ref] = i
					}
				}
			}
			prev, prevRef := -1, ""
			for _, ref := range spec {
				at, ok := first[ref]
				if !ok {
					t.Errorf("source step %q of %s is not cited by any step's source_step", ref, b.raw.Source)
					continue
				}
				if at < prev {
					t.Errorf("source step %q is first cited at step #%d, before %q (step #%d): the runbook must follow the source's order",
						ref, at+1, prevRef, prev+1)
				}
				prev, prevRef = at, ref
			}
		})
	}
}

func TestBundledSourcesExist(t *testing.T) {
	// CI checks shared/ out beside the repository.
	dir := filepath.Join("..", "..", "shared", "procedures")
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skipf("%s is absent: cannot check that the sources exist", dir)
	}
	for _, b := range loadBundled(t) {
		if b.raw.Source == "" || filepath.Base(b.raw.Source) != b.raw.Source {
			t.Errorf("%s: source %q must be a bare file name in shared/procedures", b.name, b.raw.Source)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, b.raw.Source)); err != nil {
			t.Errorf("%s: source %s: %v", b.name, b.raw.Source, err)
		}
	}
}

func TestBundledIDsAndWhy(t *testing.T) {
	runbookIDs := map[string]string{}
	for _, b := range loadBundled(t) {
		if other, dup := runbookIDs[b.raw.ID]; dup {
			t.Errorf("runbook id %q used by both %s and %s", b.raw.ID, other, b.name)
		}
		runbookIDs[b.raw.ID] = b.name

		stepIDs := map[string]bool{}
		checkIDs := map[string]bool{}
		for _, s := range b.raw.allSteps() {
			if s.ID == "" {
				t.Errorf("%s: a step has no id", b.name)
			}
			if stepIDs[s.ID] {
				t.Errorf("%s: step id %q is not unique", b.name, s.ID)
			}
			stepIDs[s.ID] = true
			for _, c := range s.Checks {
				if checkIDs[c.ID] {
					t.Errorf("%s: check id %q (step %s) is not unique", b.name, c.ID, s.ID)
				}
				checkIDs[c.ID] = true
				if strings.TrimSpace(c.Why) == "" {
					t.Errorf("%s: check %s (step %s) has no why: say in one sentence why it matters", b.name, c.ID, s.ID)
				}
			}
		}
	}
}
