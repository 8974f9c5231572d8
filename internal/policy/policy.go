// Package policy reads the site policy: policy.yaml, in /etc/handrail/ (the
// site's, which wins) and in the state directory. Each section of the file
// is read on its own (recording.go, and one file per other section), so a
// file may hold sections this package does not read; within a section an
// unknown key is an error, with its file:line:col.
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

// FileName is the policy file's name.
const FileName = "policy.yaml"

// SiteDir is the directory of the site's policy file (a variable for tests).
var SiteDir = "/etc/handrail"

// Files are the policy files that apply to a state directory, weakest
// first: the state directory's, then the site's. A missing file is left
// out.
func Files(stateDir string) []string {
	var out []string
	for _, dir := range []string{stateDir, SiteDir} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, FileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// section decodes the top-level key name of the policy file at path into
// v, strictly; found is false when the file has no such key.
func section(path, name string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read policy %s: %w", path, err)
	}
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		return false, fmt.Errorf("%s:%s", path, yamlErr(err))
	}
	for _, doc := range file.Docs {
		if doc.Body == nil {
			continue
		}
		m, ok := doc.Body.(*ast.MappingNode)
		if !ok {
			if _, isNull := doc.Body.(*ast.NullNode); isNull {
				continue
			}
			pos := doc.Body.GetToken().Position
			return false, fmt.Errorf("%s:%d:%d: the policy is a mapping of sections (recording: …)", path, pos.Line, pos.Column)
		}
		for _, kv := range m.Values {
			if kv.Key.String() != name {
				continue
			}
			if err := yaml.NodeToValue(kv.Value, v, yaml.DisallowUnknownField()); err != nil {
				return true, fmt.Errorf("%s:%s", path, yamlErr(err))
			}
			return true, nil
		}
	}
	return false, nil
}

// yamlErr turns goccy's "[3:5] message\n  source..." into "3:5: message".
func yamlErr(err error) string {
	msg := yaml.FormatError(err, false, false)
	line, _, _ := strings.Cut(msg, "\n")
	if strings.HasPrefix(line, "[") {
		if pos, rest, ok := strings.Cut(line[1:], "] "); ok {
			return pos + ": " + rest
		}
	}
	return " " + line
}
