package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// parseFast reads a line in the one canonical layout the Writer produces,
// without a general JSON decoder: resume, report and verify of a long
// session spend their time here. It returns ok=false for anything it does
// not accept; parseLine then explains what is wrong (the fast path never
// accepts a line parseSlow rejects, and reads the same record from it:
// FuzzJournalLine checks both). The record's Data aliases line.
func parseFast(line []byte) (Record, bool) { return parseCanonical(line, true) }

// parseCanonical is parseFast; checkData=false leaves out the check that
// the data is JSON, for Rescan, which reads again bytes already checked.
func parseCanonical(line []byte, checkData bool) (Record, bool) {
	if len(line) < hashSuffixLen+2 {
		return Record{}, false
	}
	b := line[:len(line)-hashSuffixLen]
	tail := line[len(line)-hashSuffixLen:]
	if !bytes.HasPrefix(tail, []byte(`,"hash":"`)) || !bytes.HasSuffix(tail, []byte(`"}`)) {
		return Record{}, false
	}
	stored := tail[len(`,"hash":"`) : len(tail)-len(`"}`)]
	if !isLowerHex(stored) {
		return Record{}, false
	}
	sum := sha256.Sum256(b)
	var got [sha256.Size * 2]byte
	hex.Encode(got[:], sum[:])
	if !bytes.Equal(got[:], stored) {
		return Record{}, false
	}

	rest, ok := bytes.CutPrefix(b, []byte(`{"seq":`))
	if !ok {
		return Record{}, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || (i > 1 && rest[0] == '0') {
		return Record{}, false
	}
	seq, err := strconv.ParseUint(string(rest[:i]), 10, 64)
	if err != nil {
		return Record{}, false
	}
	if rest, ok = bytes.CutPrefix(rest[i:], []byte(`,"time":"`)); !ok {
		return Record{}, false
	}
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return Record{}, false
	}
	ts := rest[:q]
	t, err := time.Parse(timeLayout, string(ts))
	if err != nil || string(t.UTC().AppendFormat(nil, timeLayout)) != string(ts) {
		return Record{}, false
	}
	if rest, ok = bytes.CutPrefix(rest[q+1:], []byte(`,"type":"`)); !ok {
		return Record{}, false
	}
	q = bytes.IndexByte(rest, '"')
	if q < 0 {
		return Record{}, false
	}
	typ := rest[:q]
	// Plain event names only on the fast path; anything needing escapes
	// goes through the decoder.
	for _, c := range typ {
		if c < 0x20 || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			return Record{}, false
		}
	}
	if rest, ok = bytes.CutPrefix(rest[q+1:], []byte(`,"data":`)); !ok {
		return Record{}, false
	}
	var prev []byte
	switch {
	case bytes.HasSuffix(rest, []byte(`,"prev":""`)):
		rest = rest[:len(rest)-len(`,"prev":""`)]
	case len(rest) >= len(`,"prev":""`)+64 && bytes.HasPrefix(rest[len(rest)-len(`,"prev":""`)-64:], []byte(`,"prev":"`)) && rest[len(rest)-1] == '"':
		prev = rest[len(rest)-65 : len(rest)-1]
		if !isLowerHex(prev) {
			return Record{}, false
		}
		rest = rest[:len(rest)-len(`,"prev":""`)-64]
	default:
		return Record{}, false
	}
	// The data is the one part of the line the layout does not pin down:
	// it must be one JSON value, exactly as parseSlow's decoder requires.
	// No whitespace around it either: the decoder drops it, so the line
	// would not be the canonical encoding of its record.
	if len(rest) == 0 || jsonSpace[rest[0]] || jsonSpace[rest[len(rest)-1]] || checkData && !validJSON(rest) {
		return Record{}, false
	}
	return Record{Seq: seq, Time: t, Type: string(typ), Data: json.RawMessage(rest), Prev: string(prev), Hash: string(stored)}, true
}

func isLowerHex(b []byte) bool {
	if len(b) != sha256.Size*2 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
