// Package journal is handrail's append-only, tamper-evident session log.
//
// A journal is a JSONL file: one record per line, each line a JSON object
// whose fields are written in a fixed order and end with the record's hash:
//
//	{"seq":1,"time":"…","type":"session.start","data":{…},"prev":"","hash":"<64 hex>"}
//
// hash is the SHA-256 of the line's exact bytes up to (excluding) `,"hash"`;
// prev is the previous record's hash ("" for the first). Editing, deleting,
// inserting, duplicating or reordering a record therefore breaks the chain,
// which Verify detects. Cutting records off the end cannot be seen from the
// file alone: compare the head with one kept elsewhere (VerifyHead).
//
// One process writes a session at a time: Create and Open take an exclusive
// advisory lock on the file and fail with ErrLocked when another holds it.
// Every Append is fsynced before it returns, so an event the screen shows as
// done is on disk.
package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Record is one journal line.
type Record struct {
	Seq  uint64          `json:"seq"`
	Time time.Time       `json:"time"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
}

// Genesis is the prev value of a journal's first record.
const Genesis = ""

// hashSuffixLen is the length of `,"hash":"<64 hex>"}`, the fixed tail of
// every line (without its newline).
const hashSuffixLen = len(`,"hash":"`) + sha256.Size*2 + len(`"}`)

// timeLayout is RFC 3339 with nanoseconds, always in UTC, so that the
// serialised bytes of a record are a pure function of its fields.
const timeLayout = time.RFC3339Nano

// Decode unmarshals the record's data into v.
func (r Record) Decode(v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("journal record %d (%s): decode data: %w", r.Seq, r.Type, err)
	}
	return nil
}

// body serialises every field but the hash, in the fixed order, without the
// closing brace: the bytes the hash covers.
func body(seq uint64, t time.Time, typ string, data []byte, prev string) ([]byte, error) {
	typJSON, err := json.Marshal(typ)
	if err != nil {
		return nil, fmt.Errorf("marshal record type: %w", err)
	}
	prevJSON, err := json.Marshal(prev)
	if err != nil {
		return nil, fmt.Errorf("marshal prev hash: %w", err)
	}
	b := make([]byte, 0, 96+len(typJSON)+len(data)+len(prevJSON))
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"time":"`...)
	b = t.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","type":`...)
	b = append(b, typJSON...)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, `,"prev":`...)
	b = append(b, prevJSON...)
	return b, nil
}

// seal appends the hash field, the closing brace and the newline to body and
// returns the full line and the hash.
func seal(body []byte) ([]byte, string) {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	line := make([]byte, 0, len(body)+hashSuffixLen+1)
	line = append(line, body...)
	line = append(line, `,"hash":"`...)
	line = append(line, h...)
	line = append(line, `"}`...)
	line = append(line, '\n')
	return line, h
}

// encode builds the line for a record with the given fields.
func encode(seq uint64, t time.Time, typ string, data []byte, prev string) ([]byte, Record, error) {
	b, err := body(seq, t, typ, data, prev)
	if err != nil {
		return nil, Record{}, err
	}
	line, h := seal(b)
	return line, Record{Seq: seq, Time: t.UTC(), Type: typ, Data: json.RawMessage(data), Prev: prev, Hash: h}, nil
}

// marshalData turns an event's data into compact JSON; nil becomes {}.
func marshalData(data any) ([]byte, error) {
	if data == nil {
		return []byte("{}"), nil
	}
	var raw []byte
	switch d := data.(type) {
	case json.RawMessage:
		raw = d
	case []byte:
		raw = d
	default:
		enc, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		return enc, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// errBadLine is the reason a line is not a well-formed record.
type lineError struct{ msg string }

func (e *lineError) Error() string { return e.msg }

// parseLine checks one line (without its newline): the fixed hash tail, the
// hash over the exact bytes, and that the bytes are the canonical
// serialisation of the fields they decode to (so two different byte strings
// can never carry the same record).
func parseLine(line []byte) (Record, error) {
	if rec, ok := parseFast(line); ok {
		return rec, nil
	}
	return parseSlow(line)
}

// parseSlow is parseLine through encoding/json, with a precise reason for
// every way a line can be wrong.
func parseSlow(line []byte) (Record, error) {
	if len(line) < hashSuffixLen+2 {
		return Record{}, &lineError{"line too short to be a record"}
	}
	bodyBytes := line[:len(line)-hashSuffixLen]
	tail := line[len(line)-hashSuffixLen:]
	if !bytes.HasPrefix(tail, []byte(`,"hash":"`)) || !bytes.HasSuffix(tail, []byte(`"}`)) {
		return Record{}, &lineError{`line does not end with the "hash" field`}
	}
	stored := string(tail[len(`,"hash":"`) : len(tail)-len(`"}`)])
	if _, err := hex.DecodeString(stored); err != nil || stored != lowerHex(stored) {
		return Record{}, &lineError{"hash field is not 64 lowercase hex digits"}
	}
	var wire struct {
		Seq  *uint64         `json:"seq"`
		Time *string         `json:"time"`
		Type *string         `json:"type"`
		Data json.RawMessage `json:"data"`
		Prev *string         `json:"prev"`
		Hash *string         `json:"hash"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wire); err != nil {
		return Record{}, &lineError{"not a JSON record: " + err.Error()}
	}
	if dec.More() {
		return Record{}, &lineError{"trailing bytes after the JSON record"}
	}
	if wire.Seq == nil || wire.Time == nil || wire.Type == nil || wire.Data == nil || wire.Prev == nil || wire.Hash == nil {
		return Record{}, &lineError{"record lacks one of seq, time, type, data, prev, hash"}
	}
	t, err := time.Parse(timeLayout, *wire.Time)
	if err != nil {
		return Record{}, &lineError{"bad time: " + err.Error()}
	}
	sum := sha256.Sum256(bodyBytes)
	if got := hex.EncodeToString(sum[:]); got != stored {
		return Record{}, &lineError{fmt.Sprintf("hash mismatch: the line's bytes hash to %s, the record says %s (the record was edited)", short(got), short(stored))}
	}
	canon, err := body(*wire.Seq, t, *wire.Type, wire.Data, *wire.Prev)
	if err != nil || !bytes.Equal(canon, bodyBytes) {
		return Record{}, &lineError{"record is not in canonical form"}
	}
	return Record{Seq: *wire.Seq, Time: t, Type: *wire.Type, Data: append(json.RawMessage(nil), wire.Data...), Prev: *wire.Prev, Hash: stored}, nil
}

func lowerHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// short abbreviates a hash for messages.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// ErrLocked means another process (or another open of the file) is driving
// the session.
var ErrLocked = errors.New("the session is being driven by another handrail process")

// LockedError names the journal and, when known, the process holding it.
type LockedError struct {
	Path   string
	Holder *Holder // nil when the holder did not record itself
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("journal %s is locked: %v", e.Path, ErrLocked)
	if e.Holder != nil {
		msg += fmt.Sprintf(" (pid %d, user %s on host %s, since %s)", e.Holder.PID, e.Holder.User, e.Holder.Host, e.Holder.Since.Format(time.RFC3339))
	}
	return msg + "; watch it read-only with `handrail watch`, or wait for that process to exit"
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Holder is what a lock holder records about itself in the side file
// <journal>.lock; informational only: the lock itself is authoritative.
type Holder struct {
	PID   int       `json:"pid"`
	User  string    `json:"user"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}
