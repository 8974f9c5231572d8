package steps

import (
	"slices"
	"testing"

	"github.com/goccy/go-yaml"
)

func TestSourceRefsYAML(t *testing.T) {
	tests := []struct {
		src  string
		want SourceRefs
	}{
		{"source_step: 14\n", SourceRefs{"14"}},
		{"source_step: verify-stop\n", SourceRefs{"verify-stop"}},
		{"source_step: [14, 2.1.e, 15]\n", SourceRefs{"14", "2.1.e", "15"}},
	}
	for _, tt := range tests {
		var s Step
		if err := yaml.Unmarshal([]byte(tt.src), &s); err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if !slices.Equal(s.SourceStep, tt.want) {
			t.Errorf("%q: got %q", tt.src, s.SourceStep)
		}
		out, err := yaml.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Step
		if err := yaml.Unmarshal(out, &back); err != nil || !slices.Equal(back.SourceStep, tt.want) {
			t.Errorf("round trip of %q: %q %v", out, back.SourceStep, err)
		}
	}
	var s Step
	if err := yaml.Unmarshal([]byte("source_step: {a: 1}\n"), &s); err == nil {
		t.Error("a mapping was accepted as source_step")
	}
}
