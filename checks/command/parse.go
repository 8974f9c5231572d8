package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/handrail/handrail/checks"
)

// Parsers a check may name in `parse:`. The first four read generic
// layouts; the others read one vendor tool's report each (see their
// functions): Terracotta's server-stat, GemStone's gslist -l and TimesTen's
// ttStatus.
const (
	ParseText       = "text"
	ParseKV         = "kv"
	ParseTable      = "table"
	ParseJSON       = "json"
	ParseServerStat = "server-stat"
	ParseGslist     = "gslist"
	ParseTTStatus   = "ttstatus"
)

// Parsers lists every parser name, in the order the docs give them.
var Parsers = []string{ParseText, ParseKV, ParseTable, ParseJSON, ParseServerStat, ParseGslist, ParseTTStatus}

// ParseOutput turns a command's output into the rows a check judges:
// every row carries exit_code and stderr, and stdout unless the parser's
// rows are the lines of stdout itself (table); then come the parser's
// fields. The live probe and the simulator both call it, so a rehearsal
// judges exactly the fields a real run would.
func ParseOutput(parser, stdout, stderr string, exitCode int) ([]checks.Row, error) {
	base := []checks.Field{
		{Name: FieldExitCode, Value: strconv.Itoa(exitCode)},
		{Name: FieldStdout, Value: stdout},
		{Name: FieldStderr, Value: stderr},
	}
	switch parser {
	case "", ParseText:
		return []checks.Row{{Fields: base}}, nil
	case ParseKV:
		return []checks.Row{{Fields: append(base, ParseKVFields(stdout)...)}}, nil
	case ParseJSON:
		fields, err := FlattenJSON([]byte(stdout), "")
		if err != nil {
			return []checks.Row{{Fields: base}}, fmt.Errorf("parse stdout as JSON: %w", err)
		}
		return []checks.Row{{Fields: append(base, fields...)}}, nil
	case ParseTable:
		tbl := ParseTableRows(stdout)
		if len(tbl) == 0 {
			return []checks.Row{{Fields: base}}, nil
		}
		// stdout is the table itself: every row keeps exit_code and stderr.
		for i := range tbl {
			tbl[i].Fields = append([]checks.Field{base[0], base[2]}, tbl[i].Fields...)
		}
		return tbl, nil
	case ParseServerStat:
		return withBase(ParseServerStatRows(stdout), base), nil
	case ParseGslist:
		return []checks.Row{{Fields: append(base, ParseGslistFields(stdout)...)}}, nil
	case ParseTTStatus:
		return withBase(ParseTTStatusRows(stdout), base), nil
	default:
		return []checks.Row{{Fields: base}}, fmt.Errorf("unknown parser %q (use %s)", parser, strings.Join(Parsers, ", "))
	}
}

// withBase puts the base fields first in every row; no rows gives one row
// of the base fields alone.
func withBase(rows []checks.Row, base []checks.Field) []checks.Row {
	if len(rows) == 0 {
		return []checks.Row{{Fields: base}}
	}
	for i := range rows {
		rows[i].Fields = append(append([]checks.Field(nil), base...), rows[i].Fields...)
	}
	return rows
}

// ParseKVFields reads `key: value` lines, e.g. Terracotta server-stat.sh:
//
//	localhost.health: OK
//	localhost.role: ACTIVE
//	localhost.state: ACTIVE-COORDINATOR
//
// The key is the text before the first ": " (colon and space), so a key
// that holds host:port stays whole; a line ending in ":" is a key with an
// empty value. Key and value are trimmed; other lines are ignored. A key
// printed twice yields two fields; expectations see the first.
func ParseKVFields(s string) []checks.Field {
	var out []checks.Field
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var key, val string
		if i := strings.Index(line, ": "); i >= 0 {
			key, val = line[:i], line[i+2:]
		} else if strings.HasSuffix(line, ":") {
			key = line[:len(line)-1]
		} else {
			continue
		}
		key = strings.TrimSpace(key)
		if key == "" {
			continue
		}
		out = append(out, checks.Field{Name: key, Value: strings.TrimSpace(val)})
	}
	return out
}

// ParseTableRows reads a whitespace-separated table: the first non-empty
// line names the columns, every later line is a row whose Key is its first
// column. A row with more values than columns gives the rest (single-spaced)
// to the last column; one with fewer lacks the trailing fields. Ruler lines
// made only of - = + | and spaces are skipped.
func ParseTableRows(s string) []checks.Row {
	var header []string
	var rows []checks.Row
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" || isRuler(line) {
			continue
		}
		cols := strings.Fields(line)
		if header == nil {
			header = cols
			continue
		}
		if len(cols) > len(header) {
			last := strings.Join(cols[len(header)-1:], " ")
			cols = append(cols[:len(header)-1], last)
		}
		r := checks.Row{Key: cols[0], Fields: make([]checks.Field, len(cols))}
		for i, v := range cols {
			r.Fields[i] = checks.Field{Name: header[i], Value: v}
		}
		rows = append(rows, r)
	}
	return rows
}

func isRuler(line string) bool {
	return strings.Trim(line, "-=+| \t\r") == ""
}

// FlattenJSON turns a JSON document into fields named by dotted paths
// (`a.b.0.c`), each path prefixed with prefix ("json." for http). Strings
// keep their text, numbers their literal text, booleans are "true"/"false",
// null is a NULL field; an empty object or array is a field "{}" or "[]" so
// its presence can be checked. Fields come in path order.
func FlattenJSON(data []byte, prefix string) ([]checks.Field, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty output, expected a JSON document")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON document")
	}
	var out []checks.Field
	flatten(&out, strings.TrimSuffix(prefix, "."), v)
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func flatten(out *[]checks.Field, path string, v any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			*out = append(*out, checks.Field{Name: path, Value: "{}"})
			return
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(out, join(path, k), t[k])
		}
	case []any:
		if len(t) == 0 {
			*out = append(*out, checks.Field{Name: path, Value: "[]"})
			return
		}
		for i, e := range t {
			flatten(out, join(path, strconv.Itoa(i)), e)
		}
	case nil:
		*out = append(*out, checks.Field{Name: path, Null: true})
	case string:
		*out = append(*out, checks.Field{Name: path, Value: t})
	case json.Number:
		*out = append(*out, checks.Field{Name: path, Value: t.String()})
	case bool:
		*out = append(*out, checks.Field{Name: path, Value: strconv.FormatBool(t)})
	default:
		*out = append(*out, checks.Field{Name: path, Value: fmt.Sprint(t)})
	}
}
