package checks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// These methods let plain goccy/go-yaml decoding (rehearsal scenarios,
// tests) read the runbook forms of these types. The runbook loader in
// package steps decodes the AST itself, with every error's position.

// UnmarshalYAML reads Go duration text ("60s"); a bare number is an error
// because a duration needs a unit.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	s, ok := n.(*ast.StringNode)
	if !ok {
		return posErr(n, fmt.Sprintf("want a duration like \"60s\", got %s", n.GetToken().Value))
	}
	v, err := time.ParseDuration(s.Value)
	if err != nil || v < 0 {
		return posErr(n, fmt.Sprintf("want a duration like \"60s\", got %q", s.Value))
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes Go duration text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalYAML reads an ordered mapping of field to expectation; a scalar
// is short for {equals: scalar}, kept as the text written (`0` is "0").
func (e *Expectations) UnmarshalYAML(n ast.Node) error {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		if mv, isMV := n.(*ast.MappingValueNode); isMV {
			m = &ast.MappingNode{Values: []*ast.MappingValueNode{mv}}
		} else {
			return posErr(n, "expect: want a mapping of field: expectation")
		}
	}
	out := Expectations{}
	for _, kv := range m.Values {
		var x Expect
		if err := x.UnmarshalYAML(kv.Value); err != nil {
			return err
		}
		out = append(out, FieldExpect{Field: kv.Key.GetToken().Value, Expect: x})
	}
	*e = out
	return nil
}

// MarshalYAML writes the mapping in order, equality as the shorthand.
func (e Expectations) MarshalYAML() (any, error) {
	ms := yaml.MapSlice{}
	for _, fe := range e {
		x := fe.Expect
		if x.Equals != nil && x.String() == (Expect{Equals: x.Equals}).String() {
			ms = append(ms, yaml.MapItem{Key: fe.Field, Value: *x.Equals})
			continue
		}
		ms = append(ms, yaml.MapItem{Key: fe.Field, Value: x})
	}
	return ms, nil
}

// UnmarshalYAML reads one expectation: a scalar (equals) or a mapping of
// conditions, with compared values kept as text.
func (x *Expect) UnmarshalYAML(n ast.Node) error {
	if s, ok := scalarText(n); ok {
		*x = Expect{Equals: &s}
		return nil
	}
	var pairs []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		pairs = v.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{v}
	default:
		return posErr(n, "want a value or a mapping of conditions")
	}
	var out Expect
	for _, kv := range pairs {
		key, v := kv.Key.GetToken().Value, kv.Value
		var err error
		switch key {
		case "equals":
			out.Equals, err = textPtr(v)
		case "ne":
			out.Ne, err = textPtr(v)
		case "in":
			seq, ok := v.(*ast.SequenceNode)
			if !ok {
				return posErr(v, "in: want a list")
			}
			out.In = []string{}
			for _, it := range seq.Values {
				s, ok := scalarText(it)
				if !ok {
					return posErr(it, "in: want single values")
				}
				out.In = append(out.In, s)
			}
		case "match":
			var p *string
			p, err = textPtr(v)
			if p != nil {
				out.Match = *p
			}
		case "lt", "le", "gt", "ge":
			var f float64
			if f, err = number(v); err == nil {
				switch key {
				case "lt":
					out.Lt = &f
				case "le":
					out.Le = &f
				case "gt":
					out.Gt = &f
				default:
					out.Ge = &f
				}
			}
		case "null", "not_null", "empty":
			b, ok := v.(*ast.BoolNode)
			if !ok {
				return posErr(v, key+": want true or false")
			}
			switch key {
			case "null":
				out.Null = b.Value
			case "not_null":
				out.NotNull = b.Value
			default:
				out.Empty = b.Value
			}
		default:
			return posErr(kv.Key, fmt.Sprintf("unknown expectation %q", key))
		}
		if err != nil {
			return err
		}
	}
	*x = out
	return nil
}

func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return n.GetToken().Value, true
	}
	return "", false
}

func textPtr(n ast.Node) (*string, error) {
	s, ok := scalarText(n)
	if !ok {
		return nil, posErr(n, "want a single value")
	}
	return &s, nil
}

func number(n ast.Node) (float64, error) {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return strconv.ParseFloat(n.GetToken().Value, 64)
	}
	return 0, posErr(n, "want a number, got "+n.GetToken().Value)
}

func posErr(n ast.Node, msg string) error {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return fmt.Errorf("[%d:%d] %s", tk.Position.Line, tk.Position.Column, msg)
	}
	return fmt.Errorf("%s", msg)
}
