package steps

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// A large runbook is parsed list item by list item. goccy keeps about 190
// bytes per token and the whole tree at once, so a 10,000-step runbook
// would hold some 300 MB. Instead the loader blanks the items of the
// top-level `steps:` and `sections:` lists (and of each section's
// `steps:`) out of the file, parses what is left, and then parses and
// decodes one item at a time: only a few steps' tokens are alive at once.
// Blanked lines keep their newlines and each item's tokens are moved to
// the item's own lines, so every finding points where it would have.
//
// The split reads lines, as block YAML is written: an item starts with `-`
// at the list's indentation and runs to the next line indented no deeper
// that is not a comment. A file it cannot split that way (a document
// marker, a directive, a tab in an indentation, flow style at the top) is
// parsed whole, as a small file always is.

// chunkAbove is the size from which Parse splits a file (tests lower it).
var chunkAbove = 256 << 10

// chunk is one list item's lines.
type chunk struct {
	first int    // the 0-based index of its first line in the file
	text  string // its lines, each ending in "\n" (nested items blanked)
	base  int    // how many collections enclose its list
}

// chunkPlan is how a file is split: the file with the items blanked, and
// the items of each split list by the decoder's path of the list.
type chunkPlan struct {
	header string
	lists  map[string][]chunk
}

// planChunks splits data, or returns nil when it cannot be split safely
// (then it is parsed whole).
func planChunks(data []byte) *chunkPlan {
	lines := strings.Split(string(data), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") || strings.HasPrefix(l, "%") || indent(l) < 0 {
			return nil
		}
	}
	p := &chunkPlan{lists: map[string][]chunk{}}
	blank := make([]bool, len(lines))
	for i, l := range lines {
		var list string
		switch {
		case isKeyLine(l, 0, "steps"):
			list = "steps"
		case isKeyLine(l, 0, "sections"):
			list = "sections"
		default:
			continue
		}
		items, ok := listItems(lines, i, len(lines), 0)
		if !ok {
			continue // parsed with the rest
		}
		var cs []chunk
		for n, it := range items {
			text := lines[it[0]:it[1]]
			if list == "sections" {
				text = splitSection(lines, it, p, n)
			}
			cs = append(cs, chunk{first: it[0], text: strings.Join(text, "\n") + "\n", base: 1})
			for j := it[0]; j < it[1]; j++ {
				blank[j] = true
			}
		}
		p.lists["."+list] = cs
	}
	if len(p.lists) == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(len(data) / 4)
	for i, l := range lines {
		if !blank[i] {
			b.WriteString(l)
		}
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	p.header = b.String()
	return p
}

// splitSection splits the `steps:` list of the n-th section (the item at
// lines it) into chunks of its own, and returns the section's lines with
// those steps blanked.
func splitSection(lines []string, it [2]int, p *chunkPlan, n int) []string {
	from, to := it[0], it[1]
	whole := lines[from:to]
	first := whole[0]
	k := indent(first)
	m := k + 1 + indent(first[k+1:]) // the section mapping's indentation
	key := -1
	for j := from; j < to; j++ {
		l := lines[j]
		if j == from {
			l = strings.Repeat(" ", m) + l[m:]
		}
		if isKeyLine(l, m, "steps") {
			key = j
			break
		}
	}
	if key < 0 || m >= len(first) {
		return whole
	}
	items, ok := listItems(lines, key, to, m)
	if !ok {
		return whole
	}
	out := append([]string(nil), whole...)
	var cs []chunk
	for _, s := range items {
		cs = append(cs, chunk{first: s[0], text: strings.Join(lines[s[0]:s[1]], "\n") + "\n", base: 3})
		for j := s[0]; j < s[1]; j++ {
			out[j-from] = ""
		}
	}
	p.lists[".sections["+strconv.Itoa(n)+"].steps"] = cs
	return out
}

// listItems finds the block list that is the value of the key on line key
// (written at indentation keyIndent) and returns each item's lines [from,
// to). ok is false when the value is not a block list of items.
func listItems(lines []string, key, end, keyIndent int) (items [][2]int, ok bool) {
	k := -1
	for i := key + 1; i < end; i++ {
		l := lines[i]
		if isBlankOrComment(l) {
			continue
		}
		ind := indent(l)
		if k < 0 {
			if ind < keyIndent || !isDash(l[ind:]) {
				return nil, false
			}
			k = ind
		}
		switch {
		case ind == k && isDash(l[ind:]):
			if n := len(items); n > 0 {
				items[n-1][1] = i
			}
			items = append(items, [2]int{i, end})
		case ind > k:
		default:
			if n := len(items); n > 0 {
				items[n-1][1] = i
			}
			return items, len(items) > 0
		}
	}
	return items, len(items) > 0
}

// indent is the number of spaces a line starts with, -1 when a tab comes
// before its first other character (YAML forbids tabs there; the parser
// says so).
func indent(l string) int {
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case ' ':
		case '\t':
			if strings.TrimSpace(l) == "" {
				return i
			}
			return -1
		default:
			return i
		}
	}
	return len(l)
}

func isBlankOrComment(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || t[0] == '#'
}

func isDash(s string) bool { return s == "-" || strings.HasPrefix(s, "- ") }

// isKeyLine reports whether l is `key:` at indentation ind with no value on
// the line (a comment may follow).
func isKeyLine(l string, ind int, key string) bool {
	if indent(l) != ind || !strings.HasPrefix(l[ind:], key+":") {
		return false
	}
	rest := strings.TrimSpace(l[ind+len(key)+1:])
	return rest == "" || rest[0] == '#'
}

// parseChunk parses one list item's lines and returns the item and where
// its `-` is. Its tokens are moved to the item's lines in the file.
func parseChunk(name string, c chunk) (ast.Node, pos, *Finding) {
	n, seq, f := parseChunkNode(name, c)
	return n, posOf(seq), f
}

func parseChunkNode(name string, c chunk) (ast.Node, ast.Node, *Finding) {
	tokens, f := tokenizeAt(name, c.text, c.first, c.base)
	if f != nil {
		return nil, nil, f
	}
	file, err := parseTokens(tokens)
	if err != nil {
		sf := syntaxFinding(name, err)
		return nil, nil, &sf
	}
	if len(file.Docs) == 1 && file.Docs[0] != nil {
		if seq, ok := file.Docs[0].Body.(*ast.SequenceNode); ok && len(seq.Values) == 1 {
			return seq.Values[0], seq, nil
		}
	}
	return nil, nil, &Finding{File: name, Line: c.first + 1, Col: 1, Msg: "YAML syntax: this list item cannot be read: check its indentation"}
}

// tokenizeAt scans text that starts on line first (0-based) of the file,
// inside base enclosing collections, and moves its tokens there.
func tokenizeAt(name, text string, first, base int) (tokens token.Tokens, f *Finding) {
	defer func() {
		if r := recover(); r != nil {
			tokens, f = nil, &Finding{File: name, Line: first + 1, Col: 1, Msg: "YAML syntax: the YAML scanner failed on this list item"}
		}
	}()
	tokens = lexer.Tokenize(text)
	seen := map[*token.Position]bool{}
	for _, tk := range tokens {
		if tk.Position != nil && !seen[tk.Position] {
			seen[tk.Position] = true
			tk.Position.Line += first
		}
	}
	if tk := tooDeepFrom(tokens, base); tk != nil {
		return nil, depthFinding(name, tk)
	}
	return tokens, nil
}
