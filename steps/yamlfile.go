package steps

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
)

// YAMLFile walks another handrail YAML file (a team file, a site policy)
// with the runbook loader's own walker: goccy's parse tree by hand, unknown
// keys and wrong types reported with a suggestion, aliases bounded, and
// every finding at its file:line:col. A caller decodes with Mapping, Known,
// Str, Seq…, adds its own findings with Errorf, and ends with Err.
type YAMLFile struct {
	d    *decoder
	root ast.Node
}

// YAMLEntry is one key of a mapping, with where it is written.
type YAMLEntry struct {
	e entry
}

// Key is the entry's key.
func (e YAMLEntry) Key() string { return e.e.key }

// Path names the entry's value for messages ("people[0].keys[1]").
func (e YAMLEntry) Path() string { return e.e.path }

// Value is the entry's value node as written (anchors not yet followed).
func (e YAMLEntry) Value() ast.Node { return e.e.val }

// Line and Col are where the entry's key is written (1-based).
func (e YAMLEntry) Line() int { return e.e.keyPos.Line }

// Col is the column of the entry's key (1-based).
func (e YAMLEntry) Col() int { return e.e.keyPos.Col }

// ParseYAMLFile parses data (named name in findings) as one YAML document.
// what names the kind of file in messages ("team file"). A syntax error, an
// empty file or a second document is a *LoadError.
func ParseYAMLFile(name string, data []byte, what string) (*YAMLFile, error) {
	// The runbook loader's own guards: a size cap, UTF-8, and a nesting
	// cap before goccy's parser runs.
	if len(data) > MaxFileBytes {
		return nil, &LoadError{Findings: []Finding{{File: name, Line: 1, Col: 1,
			Msg: fmt.Sprintf("%s: the file is larger than %d MiB", what, MaxFileBytes>>20)}}}
	}
	if f := notUTF8(name, data); f != nil {
		return nil, &LoadError{Findings: []Finding{*f}}
	}
	tokens, f := tokenize(name, string(data))
	if f != nil {
		return nil, &LoadError{Findings: []Finding{*f}}
	}
	file, err := parseTokens(tokens)
	if err != nil {
		return nil, &LoadError{Findings: []Finding{syntaxFinding(name, err)}}
	}
	var docs []ast.Node
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc.Body)
		}
	}
	switch len(docs) {
	case 0:
		return nil, &LoadError{Findings: []Finding{{File: name, Line: 1, Col: 1, Msg: what + ": the file is empty"}}}
	case 1:
	default:
		p := posOf(docs[1])
		return nil, &LoadError{Findings: []Finding{{File: name, Line: p.Line, Col: p.Col, Msg: what + ": the file holds one YAML document; remove the second (---)"}}}
	}
	d := newDecoder(name)
	d.collectAnchors(docs[0])
	return &YAMLFile{d: d, root: docs[0]}, nil
}

// Root is the document's top node.
func (y *YAMLFile) Root() ast.Node { return y.root }

func wrapEntries(es []entry) []YAMLEntry {
	out := make([]YAMLEntry, len(es))
	for i, e := range es {
		out[i] = YAMLEntry{e: e}
	}
	return out
}

// Mapping returns the keys of the mapping n (at path; ctx and what name it
// in messages). ok is false, with a finding, when n is not a mapping.
func (y *YAMLFile) Mapping(n ast.Node, path, ctx, what string) ([]YAMLEntry, bool) {
	es, ok := y.d.mapping(n, path, ctx, what)
	return wrapEntries(es), ok
}

// Known drops, with a finding and a suggestion, the keys not in allowed.
func (y *YAMLFile) Known(es []YAMLEntry, ctx string, allowed ...string) []YAMLEntry {
	in := make([]entry, len(es))
	for i, e := range es {
		in[i] = e.e
	}
	return wrapEntries(y.d.known(in, ctx, allowed...))
}

// Str decodes a string value (a number or boolean is a finding: quote it).
func (y *YAMLFile) Str(e YAMLEntry, ctx string) string { return y.d.str(e.e, ctx) }

// Bool decodes a YAML boolean (true/false); anything else is a finding.
func (y *YAMLFile) Bool(e YAMLEntry, ctx string) bool { return y.d.boolean(e.e, ctx) }

// Text decodes a scalar as the text written (`0` is "0", `No` is "No").
func (y *YAMLFile) Text(e YAMLEntry, ctx string) string { return y.d.text(e.e, ctx) }

// Seq returns the items of a list value (nil, with a finding, otherwise).
func (y *YAMLFile) Seq(e YAMLEntry, ctx string) []ast.Node { return y.d.seq(e.e, ctx) }

// Item is the i-th item n of the list e, as an entry of its own.
func (y *YAMLFile) Item(e YAMLEntry, i int, n ast.Node) YAMLEntry {
	return YAMLEntry{e: y.d.item(e.e, i, n)}
}

// TextList decodes a list of scalars.
func (y *YAMLFile) TextList(e YAMLEntry, ctx string) []string { return y.d.textList(e.e, ctx) }

// Errorf adds a finding at the entry's value (its key when it has none).
func (y *YAMLFile) Errorf(e YAMLEntry, format string, args ...any) {
	p := e.e.keyPos
	if n := y.d.resolve(e.e.val); n != nil {
		p = posOf(n)
	}
	y.d.errf(p, format, args...)
}

// ErrorfKey adds a finding at the entry's key.
func (y *YAMLFile) ErrorfKey(e YAMLEntry, format string, args ...any) {
	y.d.errf(e.e.keyPos, format, args...)
}

// ErrorfNode adds a finding at a node.
func (y *YAMLFile) ErrorfNode(n ast.Node, format string, args ...any) {
	y.d.errf(posOf(n), format, args...)
}

// Err is every finding so far, in file order, as a *LoadError; nil when
// there is none.
func (y *YAMLFile) Err() error {
	if len(y.d.findings) == 0 {
		return nil
	}
	fs := dedupe(y.d.findings)
	sortFindings(fs)
	return &LoadError{Findings: fs}
}
