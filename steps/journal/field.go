package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Fields finds top-level keys of a record's data without decoding the rest:
// replay and the report read a check.status's step, check and status this
// way and skip its observation. The result holds the raw JSON value of each
// key (nil when absent), matched as encoding/json matches a struct field: a
// case-insensitive match counts, and the last occurrence wins. data must be
// valid JSON, as every record a Scan hands over is; anything but an object
// gives all nils.
func Fields(data []byte, keys ...string) [][]byte {
	out := make([][]byte, len(keys))
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return out
	}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] == '"' {
		kEnd := endOfString(data, i+1)
		if kEnd < 0 {
			return out
		}
		key := data[i+1 : kEnd-1]
		i = skipSpace(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return out
		}
		vStart := skipSpace(data, i+1)
		vEnd := skipValue(data, vStart)
		if vEnd < 0 {
			return out
		}
		for k, want := range keys {
			if keyMatches(key, want) {
				out[k] = data[vStart:vEnd]
			}
		}
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return out
}

// keyMatches compares a raw (still escaped) key with want as
// encoding/json does: equal under Unicode simple case folding.
func keyMatches(raw []byte, want string) bool {
	if len(raw) == len(want) && string(raw) == want {
		return true
	}
	key := string(raw)
	if strings.IndexByte(key, '\\') >= 0 || !utf8.ValidString(key) {
		if err := json.Unmarshal([]byte(`"`+key+`"`), &key); err != nil {
			return false
		}
	}
	return strings.EqualFold(key, want)
}

// skipValue returns the index just after the (valid) JSON value at i, or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return endOfString(b, i+1)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = endOfString(b, i+1); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	// A number or a literal: it runs to the next delimiter.
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !jsonSpace[b[i]] {
		i++
	}
	return i
}

// String returns the text of a raw JSON string value, ok=false for any other
// JSON value (null included) or none.
func String(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
		// Escapes, or bytes the decoder replaces with U+FFFD.
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	return string(inner), true
}

// Elements splits a raw JSON array (valid, as Fields requires) into its
// elements' raw values; anything but an array gives nil.
func Elements(arr []byte) [][]byte {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil
	}
	var out [][]byte
	i = skipSpace(arr, i+1)
	for i < len(arr) && arr[i] != ']' {
		end := skipValue(arr, i)
		if end < 0 {
			return out
		}
		out = append(out, arr[i:end])
		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
	return out
}
