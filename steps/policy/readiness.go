// Package policy reads the site policy, policy.yaml: what a site requires
// of its sessions. This file reads its `readiness:` section (a passed
// rehearsal before a live run); other sections belong to their own
// readers and are left alone here.
package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// FileName is the site policy's file name, looked for in the state
// directory, then in SystemDir.
const FileName = "policy.yaml"

// SystemDir is where a machine-wide policy lives.
const SystemDir = "/etc/handrail"

// Readiness is the `readiness:` section of policy.yaml.
//
//	readiness:
//	  days: 30          # a passed rehearsal counts this many days (default 30)
//	  min_score: 70     # the score a rehearsal must reach (default 70, at least 70)
//	  require: false    # true: `handrail run` refuses instead of warning
//	  runbooks: []      # only these runbook ids (default: every runbook)
type Readiness struct {
	Days     int      `yaml:"days,omitempty"`
	MinScore int      `yaml:"min_score,omitempty"`
	Require  bool     `yaml:"require,omitempty"`
	Runbooks []string `yaml:"runbooks,omitempty"`
	// Source is the file the section came from ("" when no policy file
	// has one: the defaults).
	Source string `yaml:"-"`
}

// Defaults of the readiness section.
const (
	DefaultReadinessDays = 30
	DefaultMinScore      = 70
)

// Applies reports whether the policy covers runbook id.
func (r Readiness) Applies(runbook string) bool {
	if len(r.Runbooks) == 0 {
		return true
	}
	for _, id := range r.Runbooks {
		if id == runbook {
			return true
		}
	}
	return false
}

// PolicyPaths are where policy.yaml is looked for, first match wins: the
// state directory's, then the system's.
func PolicyPaths(stateDir string) []string {
	var out []string
	if stateDir != "" {
		out = append(out, filepath.Join(stateDir, FileName))
	}
	return append(out, filepath.Join(SystemDir, FileName))
}

// LoadReadiness reads the readiness section of the first policy.yaml found
// (PolicyPaths), with the defaults for what it does not say. No file, or a
// file without the section, gives the defaults. A bad section is an error
// naming file:line:col.
func LoadReadiness(stateDir string) (Readiness, error) {
	for _, p := range PolicyPaths(stateDir) {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Readiness{}, fmt.Errorf("site policy %s: %w", p, err)
		}
		return ParseReadiness(p, data)
	}
	return Readiness{Days: DefaultReadinessDays, MinScore: DefaultMinScore}, nil
}

// ParseReadiness reads the readiness section of a policy file's text.
func ParseReadiness(name string, data []byte) (Readiness, error) {
	r := Readiness{Days: DefaultReadinessDays, MinScore: DefaultMinScore}
	node, err := section(data, "readiness")
	if err != nil {
		return r, fmt.Errorf("site policy %s", where(name, err))
	}
	if node == nil {
		return r, nil
	}
	var got Readiness
	if err := yaml.NodeToValue(node, &got, yaml.Strict()); err != nil {
		return r, fmt.Errorf("site policy %s (the readiness section: days, min_score, require, runbooks)", where(name, err))
	}
	r.Source, r.Require, r.Runbooks = name, got.Require, got.Runbooks
	if got.Days != 0 {
		r.Days = got.Days
	}
	if got.MinScore != 0 {
		r.MinScore = got.MinScore
	}
	pos := node.GetToken().Position
	switch {
	case r.Days < 1:
		return r, fmt.Errorf("%s:%d:%d: readiness.days %d: give a number of days of at least 1", name, pos.Line, pos.Column, r.Days)
	case r.MinScore < DefaultMinScore || r.MinScore > 100:
		return r, fmt.Errorf("%s:%d:%d: readiness.min_score %d: give a score from %d to 100", name, pos.Line, pos.Column, r.MinScore, DefaultMinScore)
	}
	return r, nil
}

// section finds a top-level key's value in a YAML document (nil when the
// document has no such key).
func section(data []byte, key string) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, err
	}
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		var values []*ast.MappingValueNode
		switch b := doc.Body.(type) {
		case *ast.MappingNode:
			values = b.Values
		case *ast.MappingValueNode:
			values = []*ast.MappingValueNode{b}
		default:
			pos := doc.Body.GetToken().Position
			return nil, fmt.Errorf("[%d:%d] the policy is not a mapping of sections (readiness:, ...)", pos.Line, pos.Column)
		}
		for _, mv := range values {
			if mv.Key != nil && mv.Key.String() == key {
				return mv.Value, nil
			}
		}
	}
	return nil, nil
}

// where is goccy's error as "file:line:col: message", without its excerpt.
func where(name string, err error) string {
	msg := yaml.FormatError(err, false, false)
	line, _, _ := strings.Cut(msg, "\n")
	if strings.HasPrefix(line, "[") {
		if pos, rest, ok := strings.Cut(line[1:], "] "); ok {
			return name + ":" + pos + ": " + rest
		}
	}
	return name + ": " + line
}
