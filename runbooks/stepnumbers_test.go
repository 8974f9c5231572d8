package runbooks_test

import (
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
)

// stepRef finds "step N", "steps N" and "source step N" in a runbook's or a
// scenario's text; after is what follows the number.
var stepRef = regexp.MustCompile(`(?i)(source )?steps? (\d+(?:\.\d+)*)([^\n]{0,24})`)

// sourceAfter is a source number right after a step number: "step 18
// (source step 14" or "step 3, source step 4".
var sourceAfter = regexp.MustCompile(`^(?: \(|, )source steps? (\d+(?:\.\d+)*)`)

// TestStepNumbersAreHandrails: one step number everywhere. Every "step N"
// in a bundled runbook's text (description, bodies, on_fail advice,
// prompts) and in its scenarios (titles, descriptions, advice) is
// handrail's number, the one the console, plain mode, show and list give
// the step. Where the runbook's numbering differs from its source
// manual's, the manual's number follows as "(source step M)", and M must be
// that step's source_step. A bare "source step M" must be one of the
// runbook's source steps.
func TestStepNumbersAreHandrails(t *testing.T) {
	for _, b := range loadBundled(t) {
		rb, err := steps.Parse(b.name, b.data)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		all := rb.AllSteps()
		sources := map[string]bool{}
		differs := false
		for i, st := range all {
			for _, s := range st.SourceStep {
				sources[s] = true
			}
			if _, err := strconv.Atoi(st.SourceStep[0]); err == nil && !slices.Contains(st.SourceStep, strconv.Itoa(i+1)) {
				differs = true // the manual numbers its steps, otherwise than handrail
			}
		}
		texts := map[string]string{b.name: string(b.data)}
		scen, _ := fs.Glob(runbooks.FS, "scenarios/"+rb.ID+"/*.yaml")
		for _, name := range scen {
			data, err := fs.ReadFile(runbooks.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			texts[name] = string(data)
		}
		for name, text := range texts {
			for _, m := range stepRef.FindAllStringSubmatch(text, -1) {
				ref, num, after := m[0], m[2], m[3]
				if m[1] != "" || strings.Contains(num, ".") {
					known := sources[num]
					for s := range sources {
						known = known || strings.HasPrefix(s, num+".")
					}
					if !known && !strings.HasPrefix(after, "-") {
						t.Errorf("%s: %q: the runbook has no source step %s", name, ref, num)
					}
					continue
				}
				n, _ := strconv.Atoi(num)
				if n < 1 || n > rb.StepCount() {
					t.Errorf("%s: %q: the runbook has %d steps", name, ref, rb.StepCount())
					continue
				}
				src := sourceAfter.FindStringSubmatch(after)
				switch {
				case src != nil && !slices.Contains(all[n-1].SourceStep, src[1]):
					t.Errorf("%s: %q: step %d (%s) is source step %s, not %s", name, ref, n, all[n-1].ID, strings.Join(all[n-1].SourceStep, ", "), src[1])
				case src == nil && differs:
					t.Errorf("%s: %q: the manual numbers its steps otherwise: write \"step %d (source step %s)\"", name, ref, n, strings.Join(all[n-1].SourceStep, ", "))
				}
			}
		}
	}
}
