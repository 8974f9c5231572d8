// Package quick stands in for chroma's quick: it writes code as it is.
package quick

import "io"

// Highlight writes source to w unhighlighted.
func Highlight(w io.Writer, source, _, _, _ string) error {
	_, err := io.WriteString(w, source)
	return err
}
