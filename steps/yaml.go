package steps

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
)

// UnmarshalYAML reads a citation or a list of them; numbers stay as written
// (`source_step: 14` is "14"). The loader decodes runbooks itself; this is
// for plain goccy/go-yaml decoding elsewhere.
func (r *SourceRefs) UnmarshalYAML(n ast.Node) error {
	if seq, ok := n.(*ast.SequenceNode); ok {
		out := SourceRefs{}
		for _, it := range seq.Values {
			s, ok := scalarText(it)
			if !ok {
				return fmt.Errorf("source_step: want a step number or name, got %s", describe(it))
			}
			out = append(out, s)
		}
		*r = out
		return nil
	}
	s, ok := scalarText(n)
	if !ok {
		return fmt.Errorf("source_step: want a step number or name, or a list, got %s", describe(n))
	}
	*r = SourceRefs{s}
	return nil
}

// MarshalYAML writes one citation as a scalar, several as a list.
func (r SourceRefs) MarshalYAML() (any, error) {
	if len(r) == 1 {
		return r[0], nil
	}
	return []string(r), nil
}
