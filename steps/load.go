package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/handrail/handrail/internal/termtext"
)

// Caps the loader checks before the YAML parser runs: the parser's cost
// grows with the square of the nesting depth (a file nested 40,000 deep
// took 2.5 GB), and a runbook is a few hundred lines.
const (
	// MaxFileBytes is the largest runbook file the loader reads.
	MaxFileBytes = 8 << 20
	// MaxDepth is how deeply collections (mappings and lists, block or
	// flow) may nest. A runbook needs about ten levels.
	MaxDepth = 64
)

// Load reads and validates the runbook at path. A file larger than
// MaxFileBytes is a finding, and so is anything that is not a regular
// file; neither is read beyond the cap.
func Load(path string) (*Runbook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load runbook: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load runbook: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, &LoadError{Findings: []Finding{{File: path, Line: 1, Col: 1,
			Msg: fmt.Sprintf("runbook: not a regular file (%s): give the path of a .yaml file", st.Mode().Type())}}}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load runbook: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a runbook; name is used in error positions.
// Any problem is returned as a *LoadError listing every finding (a YAML
// syntax error stops at the first). On success a top-level `steps:` list
// has been moved into one untitled section, and Path and SHA256 are set.
func Parse(name string, data []byte) (rb *Runbook, err error) {
	d := newDecoder(name)
	if len(data) > MaxFileBytes {
		return nil, &LoadError{Findings: []Finding{{File: name, Line: 1, Col: 1,
			Msg: fmt.Sprintf("runbook: the file is larger than %d MiB, the most a runbook may be: split the procedure, or remove what is not part of it", MaxFileBytes>>20)}}}
	}
	if f := notUTF8(name, data); f != nil {
		return nil, &LoadError{Findings: []Finding{*f}}
	}
	// One position per value: about one per 16 bytes of a runbook. Sized
	// once, the map is never rehashed on a large file.
	d.at = make(map[string]pos, len(data)/16)
	text := string(data)
	if len(data) >= chunkAbove {
		if p := planChunks(data); p != nil {
			text, d.lists = p.header, p.lists
		}
	}
	tokens, f := tokenize(name, text)
	if f != nil {
		return nil, &LoadError{Findings: []Finding{*f}}
	}
	file, perr := parseTokens(tokens)
	if perr != nil {
		return nil, &LoadError{Findings: []Finding{syntaxFinding(name, perr)}}
	}
	var docs []ast.Node
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc.Body)
		}
	}
	switch len(docs) {
	case 0:
		return nil, &LoadError{Findings: []Finding{{File: name, Line: 1, Col: 1, Msg: "runbook: the file is empty: it needs at least id, title and steps"}}}
	case 1:
	default:
		p := posOf(docs[1])
		return nil, &LoadError{Findings: []Finding{{File: name, Line: p.Line, Col: p.Col, Msg: "runbook: a runbook file holds one YAML document; remove the second (---)"}}}
	}
	d.collectAnchors(docs[0])
	dec := d.runbook(docs[0])
	if d.syntax != nil {
		return nil, &LoadError{Findings: []Finding{*d.syntax}}
	}
	d.validate(dec)
	if len(d.findings) > 0 {
		fs := dedupe(d.findings)
		sortFindings(fs)
		return nil, &LoadError{Findings: fs}
	}
	rb = dec.rb
	if len(rb.Steps) > 0 {
		rb.Sections = append(rb.Sections, Section{Steps: rb.Steps})
		rb.Steps = nil
	}
	sum := sha256.Sum256(data)
	rb.SHA256 = hex.EncodeToString(sum[:])
	rb.Path = name
	return rb, nil
}

// notUTF8 is a finding at the first byte of data that is not UTF-8 (the
// scanner would turn it into U+FFFD without a word), or nil.
func notUTF8(name string, data []byte) *Finding {
	if utf8.Valid(data) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return &Finding{File: name, Line: line, Col: col,
				Msg: fmt.Sprintf("runbook: the byte %s is not UTF-8: save the file as UTF-8", termtext.Line(string(data[i:i+1])))}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return nil
}

// tokenize runs goccy's scanner (its cost is linear in the input) and
// measures how deeply the collections nest before the parser sees them. A
// finding is returned for a file nested deeper than MaxDepth.
func tokenize(name string, data string) (tokens token.Tokens, f *Finding) {
	defer func() {
		if r := recover(); r != nil {
			tokens, f = nil, &Finding{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("YAML syntax: the YAML scanner failed on this file (%v)", r)}
		}
	}()
	tokens = lexer.Tokenize(data)
	if tk := tooDeepFrom(tokens, 0); tk != nil {
		return nil, depthFinding(name, tk)
	}
	return tokens, nil
}

func depthFinding(name string, tk *token.Token) *Finding {
	p := pos{1, 1}
	if tk.Position != nil {
		p = pos{tk.Position.Line, tk.Position.Column}
	}
	return &Finding{File: name, Line: p.Line, Col: p.Col,
		Msg: fmt.Sprintf("runbook: mappings and lists nest more than %d deep here: a runbook needs about ten levels; flatten this part", MaxDepth)}
}

// tooDeepFrom returns the token at which collections first nest deeper
// than MaxDepth, counting base enclosing ones, or nil. Flow collections
// count by their brackets; block ones by indentation: a sequence entry or a
// mapping key opens a level unless a collection of its kind is already open
// at its column (a list may sit at its parent key's column).
func tooDeepFrom(tokens token.Tokens, base int) *token.Token {
	type level struct {
		col int
		seq bool
	}
	var block []level
	flow := 0
	open := func(col int, seq bool) {
		for len(block) > 0 && block[len(block)-1].col > col {
			block = block[:len(block)-1]
		}
		if n := len(block); n > 0 && block[n-1].col == col {
			top := block[n-1]
			switch {
			case top.seq == seq:
				return // another entry of the same collection
			case top.seq && !seq:
				// A key at the column of a list under the previous key:
				// that list has ended.
				block = block[:n-1]
				if n > 1 && block[n-2].col == col && !block[n-2].seq {
					return
				}
			}
		}
		block = append(block, level{col, seq})
	}
	for _, tk := range tokens {
		if tk.Position == nil {
			continue
		}
		at := tk // where a level opens: a key rather than its ':'
		if tk.Type == token.MappingValueType && tk.Prev != nil && tk.Prev.Position != nil && tk.Prev.Position.Line == tk.Position.Line {
			at = tk.Prev
		}
		switch tk.Type {
		case token.DocumentHeaderType, token.DocumentEndType:
			block, flow = block[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			if flow > 0 {
				flow--
			}
		case token.SequenceEntryType:
			if flow == 0 {
				open(tk.Position.Column, true)
			}
		case token.MappingKeyType:
			if flow == 0 {
				open(tk.Position.Column, false)
			}
		case token.MappingValueType:
			if flow == 0 {
				open(at.Position.Column, false)
			}
		default: // scalars, comments, anchors, tags: no level of their own
		}
		if base+len(block)+flow > MaxDepth {
			return at
		}
	}
	return nil
}

// parseTokens runs goccy's parser, turning a panic inside it (on input it
// was never meant to see) into an error so Parse never panics.
func parseTokens(tokens token.Tokens) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the YAML parser failed on this file (%v)", r)
		}
	}()
	return parser.Parse(tokens, 0)
}

// syntaxFinding turns a goccy error into a finding with its position and
// without goccy's source excerpt (lint prints one line per finding).
func syntaxFinding(name string, err error) Finding {
	f := Finding{File: name, Line: 1, Col: 1, Msg: "YAML syntax: " + err.Error()}
	var withTok interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &withTok) {
		f.Msg = "YAML syntax: " + withTok.GetMessage()
		if tk := withTok.GetToken(); tk != nil && tk.Position != nil {
			f.Line, f.Col = tk.Position.Line, tk.Position.Column
		}
	}
	return f
}

func dedupe(in []Finding) []Finding {
	seen := map[Finding]bool{}
	out := in[:0:0]
	for _, f := range in {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// ListBundled loads every runbook at the top of fsys (*.yaml, *.yml), sorted
// by id. Files that fail to load are reported together in the error, after
// the ones that loaded.
func ListBundled(fsys fs.FS) ([]*Runbook, error) {
	names, err := bundledFiles(fsys)
	if err != nil {
		return nil, err
	}
	var out []*Runbook
	var errs []error
	for _, n := range names {
		rb, err := loadFS(fsys, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, rb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, errors.Join(errs...)
}

func bundledFiles(fsys fs.FS) ([]string, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list bundled runbooks: %w", err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && isYAML(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func isYAML(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// loadFS parses a bundled file; its Path reads runbooks/<file>, where it
// lives in the source tree.
func loadFS(fsys fs.FS, file string) (*Runbook, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("load bundled runbook %s: %w", file, err)
	}
	return Parse("runbooks/"+file, data)
}

// LoadBundled loads the bundled runbook with this id. An unknown id is an
// error that lists the ids there are.
func LoadBundled(fsys fs.FS, id string) (*Runbook, error) {
	// The file is normally named after the id; fall back to a scan.
	for _, ext := range []string{".yaml", ".yml"} {
		if rb, err := loadFS(fsys, id+ext); err == nil && rb.ID == id {
			return rb, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	all, err := ListBundled(fsys)
	for _, rb := range all {
		if rb.ID == id {
			return rb, nil
		}
	}
	ids := make([]string, len(all))
	for i, rb := range all {
		ids[i] = rb.ID
	}
	msg := fmt.Sprintf("no bundled runbook %q%s; bundled: %s", id, suggest(id, ids), strings.Join(ids, ", "))
	if len(ids) == 0 {
		msg = fmt.Sprintf("no bundled runbook %q (none are bundled)", id)
	}
	if err != nil {
		return nil, fmt.Errorf("%s\n%w", msg, err)
	}
	return nil, errors.New(msg + " (or give a path to a .yaml file)")
}

// Resolve loads arg as a file when it names one (or ends in .yaml/.yml),
// otherwise as the id of a bundled runbook in fsys.
func Resolve(fsys fs.FS, arg string) (*Runbook, error) {
	if isYAML(arg) || strings.ContainsRune(arg, os.PathSeparator) {
		return Load(arg)
	}
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return Load(arg)
	}
	return LoadBundled(fsys, arg)
}
