// Package schematest validates documents against handrail's JSON Schemas
// (docs/*.schema.json) in tests: the runbook schema, the team file's.
package schematest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// A small JSON Schema (draft 2020-12) validator for the keywords handrail's
// schemas use; go.mod carries no schema library. An unsupported keyword
// panics, so a schema cannot quietly use one this validator ignores.

var supportedKeywords = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true, "$defs": true, "$ref": true,
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"propertyNames": true, "minProperties": true, "items": true, "minItems": true, "enum": true,
	"const": true, "pattern": true, "minLength": true, "minimum": true, "maximum": true,
	"oneOf": true, "anyOf": true, "allOf": true, "not": true, "if": true, "then": true, "else": true,
}

// Validator checks documents against one schema.
type Validator struct {
	root map[string]any
	res  map[string]*regexp.Regexp
}

func (v *Validator) re(p string) *regexp.Regexp {
	if r, ok := v.res[p]; ok {
		return r
	}
	r := regexp.MustCompile(p)
	v.res[p] = r
	return r
}

// validate returns the violations of value against schema s, each with the
// JSON path where it occurs.
func (v *Validator) validate(s any, val any, path string) []string {
	switch sch := s.(type) {
	case bool:
		if !sch {
			return []string{path + ": not allowed here"}
		}
		return nil
	case map[string]any:
		return v.object(sch, val, path)
	}
	return []string{path + ": bad schema"}
}

func (v *Validator) object(s map[string]any, val any, path string) []string {
	var errs []string
	for k := range s {
		if !supportedKeywords[k] {
			panic("schema uses unsupported keyword " + k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := v.root["$defs"].(map[string]any)[name]
		if !ok {
			panic("unresolved $ref " + ref)
		}
		errs = append(errs, v.validate(def, val, path)...)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch tt := t.(type) {
		case string:
			types = []string{tt}
		case []any:
			for _, x := range tt {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(t string) bool { return hasType(val, t) }) {
			return append(errs, fmt.Sprintf("%s: want %s, got %s", path, strings.Join(types, " or "), typeOf(val)))
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return equalJSON(x, val) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, val, e))
	}
	if c, ok := s["const"]; ok && !equalJSON(c, val) {
		errs = append(errs, fmt.Sprintf("%s: want %v", path, c))
	}
	if str, ok := val.(string); ok {
		if p, ok := s["pattern"].(string); ok && !v.re(p).MatchString(str) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", path, str, p))
		}
		if n, ok := s["minLength"].(float64); ok && float64(len([]rune(str))) < n {
			errs = append(errs, fmt.Sprintf("%s: shorter than %v", path, n))
		}
	}
	if num, ok := val.(float64); ok {
		if n, ok := s["minimum"].(float64); ok && num < n {
			errs = append(errs, fmt.Sprintf("%s: %v < %v", path, num, n))
		}
		if n, ok := s["maximum"].(float64); ok && num > n {
			errs = append(errs, fmt.Sprintf("%s: %v > %v", path, num, n))
		}
	}
	if obj, ok := val.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %q", path, r))
			}
		}
		if n, ok := s["minProperties"].(float64); ok && float64(len(obj)) < n {
			errs = append(errs, fmt.Sprintf("%s: fewer than %v properties", path, n))
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if pn, ok := s["propertyNames"]; ok {
				errs = append(errs, v.validate(pn, k, path+"."+k+"(name)")...)
			}
			if ps, ok := props[k]; ok {
				errs = append(errs, v.validate(ps, obj[k], path+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				if b, isBool := ap.(bool); isBool && !b {
					errs = append(errs, fmt.Sprintf("%s: unknown key %q", path, k))
				} else {
					errs = append(errs, v.validate(ap, obj[k], path+"."+k)...)
				}
			}
		}
	}
	if arr, ok := val.([]any); ok {
		if n, ok := s["minItems"].(float64); ok && float64(len(arr)) < n {
			errs = append(errs, fmt.Sprintf("%s: fewer than %v items", path, n))
		}
		if it, ok := s["items"]; ok {
			for i, x := range arr {
				errs = append(errs, v.validate(it, x, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, v.validate(sub, val, path)...)
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		if !slices.ContainsFunc(anyOf, func(sub any) bool { return len(v.validate(sub, val, path)) == 0 }) {
			errs = append(errs, fmt.Sprintf("%s: matches none of anyOf", path))
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range oneOf {
			if len(v.validate(sub, val, path)) == 0 {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: matches %d of oneOf, want exactly 1", path, n))
		}
	}
	if not, ok := s["not"]; ok && len(v.validate(not, val, path)) == 0 {
		errs = append(errs, fmt.Sprintf("%s: matches a forbidden combination", path))
	}
	if cond, ok := s["if"]; ok {
		if len(v.validate(cond, val, path)) == 0 {
			if then, ok := s["then"]; ok {
				errs = append(errs, v.validate(then, val, path)...)
			}
		} else if els, ok := s["else"]; ok {
			errs = append(errs, v.validate(els, val, path)...)
		}
	}
	return errs
}

func hasType(val any, t string) bool {
	switch t {
	case "object":
		_, ok := val.(map[string]any)
		return ok
	case "array":
		_, ok := val.([]any)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "number":
		_, ok := val.(float64)
		return ok
	case "integer":
		f, ok := val.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "null":
		return val == nil
	}
	panic("unknown type " + t)
}

func typeOf(val any) string {
	for _, t := range []string{"object", "array", "string", "integer", "number", "boolean", "null"} {
		if hasType(val, t) {
			return t
		}
	}
	return fmt.Sprintf("%T", val)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Load reads a schema file.
func Load(path string) (*Validator, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Validator{root: root, res: map[string]*regexp.Regexp{}}, nil
}

// Validate returns the violations of doc against the whole schema, each
// with the JSON path where it occurs ("$.people[0].roles[1]: ...").
func (v *Validator) Validate(doc any) []string { return v.validate(v.root, doc, "$") }

// YAMLAsJSON reads YAML the way an editor's schema support does: as plain
// JSON values.
func YAMLAsJSON(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(j, &out)
	return out, err
}
