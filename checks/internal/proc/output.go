package proc

import "strings"

// LastLine is the last non-empty line of a child's output, trimmed: what an
// error message quotes of it.
func LastLine(s string) string {
	s = strings.TrimRight(s, "\r\n\t ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// OrNone is s, or "(no message)" when a child said nothing.
func OrNone(s string) string {
	if s == "" {
		return "(no message)"
	}
	return s
}
