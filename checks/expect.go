package checks

import (
	"fmt"
	"strings"
	"time"
)

// Expect is what one field must be. Every set condition must hold. Values are
// compared as the text the server printed: YAML `No` stays "No".
type Expect struct {
	Equals  *string  `yaml:"equals,omitempty" json:"equals,omitempty"`
	Ne      *string  `yaml:"ne,omitempty" json:"ne,omitempty"`
	In      []string `yaml:"in,omitempty" json:"in,omitempty"`
	Match   string   `yaml:"match,omitempty" json:"match,omitempty"`
	Lt      *float64 `yaml:"lt,omitempty" json:"lt,omitempty"`
	Le      *float64 `yaml:"le,omitempty" json:"le,omitempty"`
	Gt      *float64 `yaml:"gt,omitempty" json:"gt,omitempty"`
	Ge      *float64 `yaml:"ge,omitempty" json:"ge,omitempty"`
	Null    bool     `yaml:"null,omitempty" json:"null,omitempty"`
	NotNull bool     `yaml:"not_null,omitempty" json:"not_null,omitempty"`
	Empty   bool     `yaml:"empty,omitempty" json:"empty,omitempty"`
}

// FieldExpect pairs a field name with its expectation.
type FieldExpect struct {
	Field  string `json:"field"`
	Expect Expect `json:"expect"`
}

// Expectations keeps the order the runbook wrote them in, so a panel reads
// like the manual. In YAML it is a mapping: `Field: "text"` is shorthand for
// `Field: {equals: "text"}`.
type Expectations []FieldExpect

// String renders an expectation compactly for panels and reports:
// `= No`, `in [PRIMARY ALONE, PRIMARY UNCERTAIN]`, `~ /^Terracotta/`, `> 0`.
func (e Expect) String() string {
	var parts []string
	f := func(v float64) string { return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".") }
	if e.Equals != nil {
		if *e.Equals == "" {
			parts = append(parts, `= ""`)
		} else {
			parts = append(parts, "= "+*e.Equals)
		}
	}
	if e.Ne != nil {
		parts = append(parts, "≠ "+*e.Ne)
	}
	if len(e.In) > 0 {
		parts = append(parts, "in ["+strings.Join(e.In, ", ")+"]")
	}
	if e.Match != "" {
		parts = append(parts, "matches /"+e.Match+"/")
	}
	if e.Lt != nil {
		parts = append(parts, "< "+f(*e.Lt))
	}
	if e.Le != nil {
		parts = append(parts, "≤ "+f(*e.Le))
	}
	if e.Gt != nil {
		parts = append(parts, "> "+f(*e.Gt))
	}
	if e.Ge != nil {
		parts = append(parts, "≥ "+f(*e.Ge))
	}
	if e.Null {
		parts = append(parts, "NULL")
	}
	if e.NotNull {
		parts = append(parts, "not NULL")
	}
	if e.Empty {
		parts = append(parts, "empty")
	}
	return strings.Join(parts, ", ")
}

// Duration is a time.Duration written in YAML as Go duration text ("60s",
// "1m30s").
type Duration time.Duration

// String is the Go duration text, or "" for zero.
func (d Duration) String() string {
	if d == 0 {
		return ""
	}
	return time.Duration(d).String()
}
