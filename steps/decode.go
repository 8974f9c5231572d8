package steps

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/internal/termtext"
)

// The decoder walks goccy's AST by hand instead of using yaml.Unmarshal so
// that every key and value keeps its line and column, every unknown key and
// wrong type is reported (not only the first), and YAML scalars that look
// like numbers or booleans become the text the author wrote wherever the
// format compares text ("0", "No", "on").

// pos is a 1-based line and column in the file.
type pos struct{ Line, Col int }

// maxAliasExpansions bounds alias resolution so a "billion laughs" file
// cannot make the loader run forever.
const maxAliasExpansions = 10000

type decoder struct {
	file     string
	findings []Finding
	// at maps a value's path (e.g. "sections[0].steps[1].checks[0].target")
	// to where it is written, for the semantic checks.
	at      map[string]pos
	anchors map[string]ast.Node
	aliases int
	// expanding holds the anchors being expanded, to catch an alias that
	// refers to itself.
	expanding map[string]bool
	// bad marks paths whose value was already reported (a wrong type, an
	// unknown key inside), so the validator does not pile a second,
	// derived finding on the same mistake.
	bad map[string]bool
	// lists holds, by path, the lists a large file's loader parses item by
	// item (chunk.go); syntax is the first syntax error found in one, which
	// ends the load as a syntax error in a small file does.
	lists  map[string][]chunk
	syntax *Finding
}

// items calls f with each item of the list at e and its path. A list the
// loader splits is parsed here one item at a time, so only that item's
// tree is alive while f decodes it.
func (d *decoder) items(e entry, ctx string, f func(n ast.Node, path string)) {
	cs, split := d.lists[e.path]
	if !split {
		for i, n := range d.seq(e, ctx) {
			f(n, fmt.Sprintf("%s[%d]", e.path, i))
		}
		return
	}
	d.value(e) // the key's position, for findings about the list itself
	// The next items are scanned and parsed on another core while this one
	// is decoded; a few at most wait, so memory stays that of a few items.
	type parsed struct {
		n  ast.Node
		at pos
		sf *Finding
	}
	next := make(chan parsed, 8)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(next)
		for _, c := range cs {
			n, at, sf := parseChunk(d.file, c)
			select {
			case next <- parsed{n, at, sf}:
			case <-stop:
				return
			}
			if sf != nil {
				return
			}
		}
	}()
	i := 0
	for p := range next {
		if d.syntax != nil {
			return
		}
		if p.sf != nil {
			d.syntax = p.sf
			return
		}
		if i == 0 {
			d.at[e.path] = p.at
		}
		d.collectAnchors(p.n)
		f(p.n, fmt.Sprintf("%s[%d]", e.path, i))
		i++
	}
}

// entry is one key of a mapping.
type entry struct {
	key    string
	keyPos pos
	val    ast.Node
	path   string
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, at: map[string]pos{}, anchors: map[string]ast.Node{}, expanding: map[string]bool{}, bad: map[string]bool{}}
}

func (d *decoder) errf(p pos, format string, args ...any) {
	d.findings = append(d.findings, Finding{File: d.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)})
}

// pathPos is where the value at path is written, or the start of the file.
func (d *decoder) pathPos(path string) pos {
	if p, ok := d.at[path]; ok {
		return p
	}
	return pos{1, 1}
}

func posOf(n ast.Node) pos {
	if n == nil {
		return pos{1, 1}
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{1, 1}
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

// collectAnchors records every anchor so aliases can be resolved wherever
// the decoder meets them.
func (d *decoder) collectAnchors(n ast.Node) {
	ast.Walk(anchorVisitor{d}, n)
}

type anchorVisitor struct{ d *decoder }

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v.d.anchors[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// resolve strips anchors and tags and follows aliases. It returns nil when
// an alias cannot be followed (the finding is recorded).
func (d *decoder) resolve(n ast.Node) ast.Node {
	for depth := 0; n != nil; depth++ {
		if depth > 64 {
			d.errf(posOf(n), "anchors, tags and aliases nest too deeply")
			return nil
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.errf(posOf(v), "alias *%s names no anchor", name)
				return nil
			}
			d.aliases++
			if d.aliases > maxAliasExpansions {
				d.errf(posOf(v), "too many alias expansions (more than %d)", maxAliasExpansions)
				return nil
			}
			if d.expanding[name] {
				d.errf(posOf(v), "alias *%s refers to itself", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return nil
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.StringNode:
		// A whole file that is not YAML reads as one long string: say
		// enough to recognise it.
		if r := []rune(v.Value); len(r) > 60 {
			return strconv.Quote(string(r[:60])) + "…"
		}
		return strconv.Quote(v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + n.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + n.GetToken().Value
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	default:
		return n.Type().String()
	}
}

// mapping returns the entries of a mapping node, following merge keys
// (`<<: *base`), whose keys yield to the ones written beside them. what
// names the expected thing in the error ("a step").
func (d *decoder) mapping(n ast.Node, path, ctx, what string) ([]entry, bool) {
	n = d.resolve(n)
	if n == nil {
		return nil, false
	}
	var pairs []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		pairs = v.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{v}
	default:
		d.errf(posOf(n), "%s: want %s (a mapping), got %s", ctx, what, describe(n))
		d.bad[path] = true
		return nil, false
	}
	d.at[path] = posOf(n)
	var out, merged []entry
	for _, kv := range pairs {
		if kv.Key == nil {
			continue
		}
		if kv.Key.Type() == ast.MergeKeyType {
			merged = append(merged, d.mergeEntries(kv.Value, path, ctx, what)...)
			continue
		}
		k := d.resolve(kv.Key)
		var key string
		switch kn := k.(type) {
		case *ast.StringNode:
			key = kn.Value
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode:
			key = kn.GetToken().Value
		default:
			d.errf(posOf(kv.Key), "%s: a key must be a plain word, got %s", ctx, describe(k))
			continue
		}
		d.plainText(path, kv.Key, ctx, "", key)
		out = append(out, entry{key: key, keyPos: posOf(kv.Key), val: kv.Value, path: path + "." + key})
	}
	if len(merged) == 0 {
		return out, true
	}
	seen := make(map[string]bool, len(out)+len(merged))
	for _, e := range out {
		seen[e.key] = true
	}
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			e.path = path + "." + e.key
			out = append(out, e)
		}
	}
	return out, true
}

func (d *decoder) mergeEntries(v ast.Node, path, ctx, what string) []entry {
	name := ""
	if a, ok := v.(*ast.AliasNode); ok && a.Value != nil {
		name = a.Value.GetToken().Value
	}
	r := d.resolve(v)
	if r == nil {
		return nil
	}
	if seq, ok := r.(*ast.SequenceNode); ok {
		var out []entry
		for _, item := range seq.Values {
			out = append(out, d.mergeEntries(item, path, ctx, what)...)
		}
		return out
	}
	if name != "" {
		d.expanding[name] = true
		defer delete(d.expanding, name)
	}
	es, _ := d.mapping(r, path, ctx, what)
	return es
}

// known drops (and reports) keys not in allowed, suggesting the closest.
func (d *decoder) known(es []entry, ctx string, allowed ...string) []entry {
	out := es[:0:0]
	for _, e := range es {
		if !slices.Contains(allowed, e.key) {
			d.errf(e.keyPos, "%s: unknown key %q%s", ctx, e.key, suggest(e.key, allowed))
			d.bad[strings.TrimSuffix(e.path, "."+e.key)] = true
			continue
		}
		out = append(out, e)
	}
	return out
}

func (d *decoder) wrong(e entry, n ast.Node, ctx, want string) {
	d.bad[e.path] = true
	d.errf(posOf(n), "%s: key %q: want %s, got %s", ctx, e.key, want, describe(n))
}

// value resolves e's value and records its position.
func (d *decoder) value(e entry) ast.Node {
	n := d.resolve(e.val)
	if n != nil {
		d.at[e.path] = posOf(n)
	} else {
		d.at[e.path] = e.keyPos
	}
	return n
}

// str decodes a string written as a string (quoted, plain or block).
func (d *decoder) str(e entry, ctx string) string {
	n := d.value(e)
	switch v := n.(type) {
	case *ast.StringNode:
		d.plainText(e.path, n, ctx, e.key, v.Value)
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			d.plainText(e.path, n, ctx, e.key, v.Value.Value)
			return v.Value.Value
		}
		return ""
	case nil:
		return ""
	}
	hint := "a string"
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		hint = fmt.Sprintf("a string (quote it: %q)", n.GetToken().Value)
	}
	d.wrong(e, n, ctx, hint)
	return ""
}

// scalarText is the text of any scalar as written: `0` is "0", `No` is
// "No". ok is false for nulls, mappings and lists.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// text decodes a value compared or passed as text, where YAML would
// otherwise read a number or a boolean.
func (d *decoder) text(e entry, ctx string) string {
	n := d.value(e)
	if n == nil {
		return ""
	}
	s, ok := scalarText(n)
	if !ok {
		d.wrong(e, n, ctx, "a single value")
	}
	d.plainText(e.path, n, ctx, e.key, s)
	return s
}

// multiLine are the keys whose text may span lines (and hold tabs): the
// rest are one line. Every expectation value may too (it compares with
// what a server or a command printed), under expect or fail_when.
var multiLine = []string{"description", "body", "run", "sql", "shell", "query", "argv", "say", "why", "attest"}

// plainText reports a control character or a bidi control in a runbook
// string (termtext.Unsafe is the rule; Parse refuses bytes that are not
// UTF-8 before this is reached): text from a
// runbook reaches the operator's terminal, where such a character could
// hide or rewrite what is shown. Multi-line text may keep newlines and
// tabs. A key is checked with key "" (one line).
func (d *decoder) plainText(path string, n ast.Node, ctx, key, s string) {
	base := key
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	multi := key != "" && (slices.Contains(multiLine, base) || strings.Contains(path, ".expect.") || strings.Contains(path, ".fail_when."))
	idx := 0
	for _, r := range s {
		idx++
		if !termtext.Unsafe(r) || (multi && (r == '\n' || r == '\t')) {
			continue
		}
		shown := termtext.Line(string(r))
		var what string
		switch {
		case r == '\n':
			what = fmt.Sprintf("a line break (%s, character %d) in text that is one line: remove it", shown, idx)
		case r == '\t':
			what = fmt.Sprintf("a tab (%s, character %d) in text that is one line: remove it", shown, idx)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c:
			what = fmt.Sprintf("the bidi control %s (character %d) could reorder what the operator's terminal shows: remove it", shown, idx)
		default:
			what = fmt.Sprintf("the control character %s (character %d) could hide or rewrite what the operator's terminal shows: remove it", shown, idx)
		}
		where := key
		if where == "" {
			where = `key "` + termtext.Line(s) + `"`
		}
		d.errf(posOf(n), "%s: %s: %s", ctx, where, what)
		d.bad[path] = true
		return
	}
}

func (d *decoder) textPtr(e entry, ctx string) *string {
	s := d.text(e, ctx)
	return &s
}

func (d *decoder) boolean(e entry, ctx string) bool {
	n := d.value(e)
	if b, ok := n.(*ast.BoolNode); ok {
		return b.Value
	}
	if n != nil {
		d.wrong(e, n, ctx, "true or false")
	}
	return false
}

func (d *decoder) integer(e entry, ctx string) int {
	n := d.value(e)
	if v, ok := n.(*ast.IntegerNode); ok {
		switch x := v.Value.(type) {
		case int64:
			if x >= math.MinInt32 && x <= math.MaxInt32 {
				return int(x)
			}
		case uint64:
			if x <= math.MaxInt32 {
				return int(x)
			}
		}
		d.errf(posOf(n), "%s: key %q: number %s is out of range", ctx, e.key, v.GetToken().Value)
		d.bad[e.path] = true
		return 0
	}
	if n != nil {
		d.wrong(e, n, ctx, "a whole number")
	}
	return 0
}

func (d *decoder) number(e entry, ctx string) *float64 {
	n := d.value(e)
	var f float64
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		}
		return &f
	case *ast.FloatNode:
		f = v.Value
		return &f
	case *ast.StringNode:
		// goccy reads plain `1e3` as a string; accept it when unquoted.
		if v.GetToken().Type == token.StringType {
			if x, err := strconv.ParseFloat(v.Value, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
				return &x
			}
		}
	}
	if n != nil {
		d.wrong(e, n, ctx, "a number")
	}
	return nil
}

func (d *decoder) duration(e entry, ctx string) checks.Duration {
	n := d.value(e)
	if n == nil {
		return 0
	}
	if s, ok := n.(*ast.StringNode); ok {
		v, err := time.ParseDuration(s.Value)
		if err == nil && v > 0 {
			return checks.Duration(v)
		}
		if err == nil {
			d.errf(posOf(n), "%s: key %q: want a positive duration like \"60s\", got %q", ctx, e.key, s.Value)
			d.bad[e.path] = true
			return 0
		}
	}
	if _, ok := n.(*ast.IntegerNode); ok {
		d.errf(posOf(n), "%s: key %q: want a duration like \"60s\", got %s (a duration needs a unit: %ss)", ctx, e.key, n.GetToken().Value, n.GetToken().Value)
		d.bad[e.path] = true
		return 0
	}
	d.wrong(e, n, ctx, `a duration like "60s"`)
	return 0
}

// seq returns the items of a list value (nil and reported if not a list).
func (d *decoder) seq(e entry, ctx string) []ast.Node {
	n := d.value(e)
	if n == nil {
		return nil
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		d.wrong(e, n, ctx, "a list")
		return nil
	}
	return s.Values
}

func (d *decoder) item(e entry, i int, n ast.Node) entry {
	return entry{key: fmt.Sprintf("%s[%d]", e.key, i), keyPos: posOf(n), val: n, path: fmt.Sprintf("%s[%d]", e.path, i)}
}

func (d *decoder) textList(e entry, ctx string) []string {
	items := d.seq(e, ctx)
	out := make([]string, 0, len(items))
	for i, n := range items {
		out = append(out, d.text(d.item(e, i, n), ctx))
	}
	return out
}

// name peeks at a mapping's id (or name) for the context of messages:
// `step "stop-replica"`, or the path when the id is missing.
func name(es []entry, key, kind, path string) string {
	for _, e := range es {
		if e.key == key {
			if s, ok := e.val.(*ast.StringNode); ok && s.Value != "" {
				return fmt.Sprintf("%s %q", kind, s.Value)
			}
		}
	}
	return fmt.Sprintf("%s at %s", kind, path)
}

// --- the runbook ---

var (
	runbookKeys = []string{"id", "title", "source", "description", "params", "targets", "sections", "steps", "approval"}
	paramKeys   = []string{"name", "prompt", "description", "default", "enum", "pattern", "secret", "list", "allow_leading_dash"}
	targetKeys  = []string{"kind", "host", "port", "ssh_user", "url", "database", "user", "user_env", "password_env", "password_file", "dsn_env", "client", "description"}
	sectionKeys = []string{"id", "title", "foreach", "steps"}
	stepKeys    = []string{"id", "title", "source_step", "body", "on", "commands", "action", "checks", "when", "foreach", "impact", "on_fail", "approval"}
	commandKeys = []string{"on", "run"}
	actionKeys  = []string{"kind", "target", "sql", "admin", "argv", "shell", "timeout", "approval", "fails_step"}
	checkKeys   = []string{"id", "kind", "target", "title", "why", "channel", "query", "admin", "argv", "shell", "parse", "path", "port", "attest", "expect", "fail_when", "within", "stable_for", "interval", "timeout", "optional"}
	expectKeys  = []string{"equals", "ne", "in", "match", "lt", "le", "gt", "ge", "null", "not_null", "empty"}
	whenKeys    = []string{"param", "equals", "not_equals", "in"}
	foreachKeys = []string{"param", "as", "with"}
	onFailKeys  = []string{"say", "goto", "halt"}
)

// decoded is a runbook with the facts the validator needs that the model
// does not keep.
type decoded struct {
	rb *Runbook
	// targetOrder is the targets in the order written.
	targetOrder []string
}

func (d *decoder) runbook(root ast.Node) *decoded {
	out := &decoded{rb: &Runbook{}}
	rb := out.rb
	es, ok := d.mapping(root, "", "runbook", "a runbook")
	if !ok {
		return out
	}
	for _, e := range d.known(es, "runbook", runbookKeys...) {
		switch e.key {
		case "id":
			rb.ID = d.str(e, "runbook")
		case "title":
			rb.Title = d.str(e, "runbook")
		case "source":
			rb.Source = d.str(e, "runbook")
		case "description":
			rb.Description = d.str(e, "runbook")
		case "params":
			for i, n := range d.seq(e, "runbook") {
				rb.Params = append(rb.Params, d.param(n, fmt.Sprintf("%s[%d]", e.path, i)))
			}
		case "targets":
			tes, ok := d.mapping(e.val, e.path, "runbook", "targets (name: target)")
			if !ok {
				continue
			}
			rb.Targets = map[string]checks.Target{}
			for _, te := range tes {
				t := d.target(te)
				t.Name = te.key
				rb.Targets[te.key] = t
				out.targetOrder = append(out.targetOrder, te.key)
				d.at["targets."+te.key+"!key"] = te.keyPos
			}
		case "sections":
			d.items(e, "runbook", func(n ast.Node, path string) { rb.Sections = append(rb.Sections, d.section(n, path)) })
		case "steps":
			d.items(e, "runbook", func(n ast.Node, path string) { rb.Steps = append(rb.Steps, d.step(n, path)) })
		case "approval":
			rb.Approval = d.runbookApproval(e)
		}
	}
	return out
}

func (d *decoder) param(n ast.Node, path string) Param {
	var p Param
	es, ok := d.mapping(n, path, "param at "+path, "a param")
	if !ok {
		return p
	}
	ctx := name(es, "name", "param", path)
	for _, e := range d.known(es, ctx, paramKeys...) {
		switch e.key {
		case "name":
			p.Name = d.str(e, ctx)
		case "prompt":
			p.Prompt = d.str(e, ctx)
		case "description":
			p.Description = d.str(e, ctx)
		case "default":
			p.Default = d.text(e, ctx)
		case "enum":
			p.Enum = d.textList(e, ctx)
		case "pattern":
			p.Pattern = d.str(e, ctx)
		case "secret":
			p.Secret = d.boolean(e, ctx)
		case "list":
			p.List = d.boolean(e, ctx)
		case "allow_leading_dash":
			p.AllowLeadingDash = d.boolean(e, ctx)
		}
	}
	return p
}

func (d *decoder) target(te entry) checks.Target {
	var t checks.Target
	ctx := fmt.Sprintf("target %q", te.key)
	es, ok := d.mapping(te.val, te.path, ctx, "a target")
	if !ok {
		return t
	}
	for _, e := range d.known(es, ctx, targetKeys...) {
		switch e.key {
		case "kind":
			t.Kind = d.str(e, ctx)
		case "host":
			t.Host = d.str(e, ctx)
		case "port":
			// A port may be a whole number or a "${param}" reference,
			// resolved when the session binds its values.
			if s, ok := d.resolve(e.val).(*ast.StringNode); ok && strings.Contains(s.Value, "${") {
				t.PortRef = d.str(e, ctx)
			} else {
				t.Port = d.integer(e, ctx)
			}
		case "ssh_user":
			t.SSHUser = d.str(e, ctx)
		case "url":
			t.URL = d.str(e, ctx)
		case "database":
			t.Database = d.str(e, ctx)
		case "user":
			t.User = d.str(e, ctx)
		case "user_env":
			t.UserEnv = d.str(e, ctx)
		case "password_env":
			t.PasswordEnv = d.str(e, ctx)
		case "password_file":
			t.PasswordFile = d.str(e, ctx)
		case "dsn_env":
			t.DSNEnv = d.str(e, ctx)
		case "client":
			t.Client = d.str(e, ctx)
		case "description":
			t.Description = d.str(e, ctx)
		}
	}
	return t
}

func (d *decoder) section(n ast.Node, path string) Section {
	var s Section
	es, ok := d.mapping(n, path, "section at "+path, "a section")
	if !ok {
		return s
	}
	ctx := name(es, "id", "section", path)
	for _, e := range d.known(es, ctx, sectionKeys...) {
		switch e.key {
		case "id":
			s.ID = d.str(e, ctx)
		case "title":
			s.Title = d.str(e, ctx)
		case "foreach":
			f := d.foreach(e.val, e.path, ctx+": foreach")
			s.Foreach = &f
		case "steps":
			d.items(e, ctx, func(sn ast.Node, p string) { s.Steps = append(s.Steps, d.step(sn, p)) })
		}
	}
	return s
}

func (d *decoder) step(n ast.Node, path string) Step {
	var s Step
	es, ok := d.mapping(n, path, "step at "+path, "a step")
	if !ok {
		return s
	}
	ctx := name(es, "id", "step", path)
	for _, e := range d.known(es, ctx, stepKeys...) {
		switch e.key {
		case "id":
			s.ID = d.str(e, ctx)
		case "title":
			s.Title = d.str(e, ctx)
		case "source_step":
			v := d.value(e)
			if _, isSeq := v.(*ast.SequenceNode); isSeq {
				s.SourceStep = d.textList(e, ctx)
			} else if v != nil {
				s.SourceStep = SourceRefs{d.text(e, ctx)}
			}
		case "body":
			s.Body = d.str(e, ctx)
		case "on":
			s.On = d.str(e, ctx)
		case "commands":
			for i, cn := range d.seq(e, ctx) {
				s.Commands = append(s.Commands, d.command(cn, fmt.Sprintf("%s.commands[%d]", path, i), ctx))
			}
		case "action":
			a := d.action(e.val, e.path, ctx+": action")
			s.Action = &a
			s.ActionApproval = d.actionApproval(e.val, e.path, ctx+": action")
		case "checks":
			for i, cn := range d.seq(e, ctx) {
				s.Checks = append(s.Checks, d.check(cn, fmt.Sprintf("%s.checks[%d]", path, i)))
			}
		case "when":
			c := d.condition(e.val, e.path, ctx+": when")
			s.When = &c
		case "foreach":
			f := d.foreach(e.val, e.path, ctx+": foreach")
			s.Foreach = &f
		case "impact":
			s.Impact = d.str(e, ctx)
		case "on_fail":
			f := d.onFail(e.val, e.path, ctx+": on_fail")
			s.OnFail = &f
		case "approval":
			s.Approval = d.approvalWord(e, ctx)
		}
	}
	return s
}

func (d *decoder) command(n ast.Node, path, stepCtx string) Command {
	var c Command
	ctx := stepCtx + ": " + path[strings.LastIndex(path, ".")+1:]
	es, ok := d.mapping(n, path, ctx, "a command {on, run}")
	if !ok {
		return c
	}
	for _, e := range d.known(es, ctx, commandKeys...) {
		switch e.key {
		case "on":
			c.On = d.str(e, ctx)
		case "run":
			c.Run = d.str(e, ctx)
		}
	}
	return c
}

func (d *decoder) action(n ast.Node, path, ctx string) checks.Action {
	var a checks.Action
	es, ok := d.mapping(n, path, ctx, "an action")
	if !ok {
		return a
	}
	for _, e := range d.known(es, ctx, actionKeys...) {
		switch e.key {
		case "kind":
			a.Kind = d.str(e, ctx)
		case "target":
			a.Target = d.str(e, ctx)
		case "sql":
			a.SQL = d.str(e, ctx)
		case "admin":
			a.Admin = d.str(e, ctx)
		case "argv":
			a.Argv = d.textList(e, ctx)
		case "shell":
			a.Shell = d.str(e, ctx)
		case "timeout":
			a.Timeout = d.duration(e, ctx)
		case "fails_step":
			a.FailsStep = d.boolean(e, ctx)
		}
	}
	return a
}

func (d *decoder) check(n ast.Node, path string) checks.Check {
	var c checks.Check
	es, ok := d.mapping(n, path, "check at "+path, "a check")
	if !ok {
		return c
	}
	ctx := name(es, "id", "check", path)
	for _, e := range d.known(es, ctx, checkKeys...) {
		switch e.key {
		case "id":
			c.ID = d.str(e, ctx)
		case "kind":
			c.Kind = d.str(e, ctx)
		case "target":
			c.Target = d.str(e, ctx)
		case "title":
			c.Title = d.str(e, ctx)
		case "why":
			c.Why = d.str(e, ctx)
		case "channel":
			c.Channel = d.str(e, ctx)
		case "query":
			c.Query = d.str(e, ctx)
		case "admin":
			c.Admin = d.str(e, ctx)
		case "argv":
			c.Argv = d.textList(e, ctx)
		case "shell":
			c.Shell = d.str(e, ctx)
		case "parse":
			c.Parse = d.str(e, ctx)
		case "path":
			c.Path = d.str(e, ctx)
		case "port":
			c.Port = d.integer(e, ctx)
		case "attest":
			c.Attest = d.str(e, ctx)
		case "expect":
			c.Expect = d.expectations(e, ctx)
		case "fail_when":
			c.FailWhen = d.failWhen(e, ctx)
		case "within":
			c.Within = d.duration(e, ctx)
		case "stable_for":
			c.StableFor = d.duration(e, ctx)
		case "interval":
			c.Interval = d.duration(e, ctx)
		case "timeout":
			c.Timeout = d.duration(e, ctx)
		case "optional":
			c.Optional = d.boolean(e, ctx)
		}
	}
	return c
}

func (d *decoder) expectations(e entry, ctx string) checks.Expectations {
	fes, ok := d.mapping(e.val, e.path, ctx+": expect", "field: expectation")
	if !ok {
		return nil
	}
	out := checks.Expectations{}
	for _, fe := range fes {
		fctx := fmt.Sprintf("%s: expect %q", ctx, fe.key)
		v := d.value(fe)
		var x checks.Expect
		switch v.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			x = d.expect(fe, fctx)
		case nil, *ast.NullNode:
			d.errf(posOf(v), "%s: want a value or a mapping of conditions, got nothing (for SQL NULL write {null: true})", fctx)
			d.bad[fe.path] = true
		default:
			x.Equals = d.textPtr(fe, fctx)
		}
		out = append(out, checks.FieldExpect{Field: fe.key, Expect: x})
	}
	return out
}

// failWhen decodes a check's fail_when: a mapping of field to the
// condition that means failure at once, written like an expectation
// (`Field: value` is short for {equals: value}).
func (d *decoder) failWhen(e entry, ctx string) checks.Expectations {
	fes, ok := d.mapping(e.val, e.path, ctx+": fail_when", "field: condition")
	if !ok {
		return nil
	}
	out := checks.Expectations{}
	for _, fe := range fes {
		fctx := fmt.Sprintf("%s: fail_when %q", ctx, fe.key)
		var x checks.Expect
		switch v := d.value(fe); v.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			x = d.expect(fe, fctx)
		case nil, *ast.NullNode:
			d.errf(posOf(v), "%s: want a value or a mapping of conditions, got nothing (for SQL NULL write {null: true})", fctx)
			d.bad[fe.path] = true
		default:
			x.Equals = d.textPtr(fe, fctx)
		}
		out = append(out, checks.FieldExpect{Field: fe.key, Expect: x})
	}
	return out
}

func (d *decoder) expect(fe entry, ctx string) checks.Expect {
	var x checks.Expect
	es, _ := d.mapping(fe.val, fe.path, ctx, "conditions")
	for _, e := range d.known(es, ctx, expectKeys...) {
		switch e.key {
		case "equals":
			x.Equals = d.textPtr(e, ctx)
		case "ne":
			x.Ne = d.textPtr(e, ctx)
		case "in":
			x.In = d.textList(e, ctx)
		case "match":
			x.Match = d.str(e, ctx)
		case "lt":
			x.Lt = d.number(e, ctx)
		case "le":
			x.Le = d.number(e, ctx)
		case "gt":
			x.Gt = d.number(e, ctx)
		case "ge":
			x.Ge = d.number(e, ctx)
		case "null":
			x.Null = d.boolean(e, ctx)
		case "not_null":
			x.NotNull = d.boolean(e, ctx)
		case "empty":
			x.Empty = d.boolean(e, ctx)
		}
	}
	return x
}

func (d *decoder) condition(n ast.Node, path, ctx string) Condition {
	var c Condition
	es, ok := d.mapping(n, path, ctx, "a condition {param, equals|not_equals|in}")
	if !ok {
		return c
	}
	for _, e := range d.known(es, ctx, whenKeys...) {
		switch e.key {
		case "param":
			c.Param = d.str(e, ctx)
		case "equals":
			c.Equals = d.textPtr(e, ctx)
		case "not_equals":
			c.NotEquals = d.textPtr(e, ctx)
		case "in":
			c.In = d.textList(e, ctx)
		}
	}
	return c
}

func (d *decoder) foreach(n ast.Node, path, ctx string) Foreach {
	var f Foreach
	es, ok := d.mapping(n, path, ctx, "{param, as}")
	if !ok {
		return f
	}
	for _, e := range d.known(es, ctx, foreachKeys...) {
		switch e.key {
		case "param":
			f.Param = d.str(e, ctx)
		case "as":
			f.As = d.str(e, ctx)
		case "with":
			ws, ok := d.mapping(e.val, e.path, ctx+": with", "a mapping of names to list params")
			if !ok {
				continue
			}
			f.With = map[string]string{}
			for _, w := range ws {
				f.With[w.key] = d.str(w, ctx+": with")
			}
		}
	}
	return f
}

func (d *decoder) onFail(n ast.Node, path, ctx string) OnFail {
	var f OnFail
	es, ok := d.mapping(n, path, ctx, "{say, goto, halt}")
	if !ok {
		return f
	}
	for _, e := range d.known(es, ctx, onFailKeys...) {
		switch e.key {
		case "say":
			f.Say = d.str(e, ctx)
		case "goto":
			f.Goto = d.str(e, ctx)
		case "halt":
			f.Halt = d.boolean(e, ctx)
		}
	}
	return f
}
