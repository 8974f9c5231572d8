package journal

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// Result is the outcome of verifying a journal.
type Result struct {
	OK      bool   // every line is an intact record in an unbroken chain (and the anchor, if any, was found)
	Records int    // intact records before the first problem (all of them when OK)
	Head    string // hash of the last intact record: the chain's head
	HeadSeq uint64 // its seq
	// HeadTime is its time, and IntactBytes the length of the file up to
	// the end of its line: where a follower or a writer carries on.
	HeadTime    time.Time
	IntactBytes int64

	BadLine int    // 1-based line of the first problem; 0 when none
	BadSeq  uint64 // seq the bad line claims, when it could be read
	Problem string // what is wrong, for a human

	// TornBytes counts bytes after the last newline: a write interrupted by
	// a crash. When Torn is true that is the only problem: the records
	// before it are intact and `handrail resume` cuts the tail off.
	TornBytes int
	Torn      bool

	// Anchor is the head hash the caller expected (VerifyHead), and
	// AnchorSeq the record that carries it (0 when not found).
	Anchor    string
	AnchorSeq uint64
}

// chain checks records one line at a time.
type chain struct {
	res    Result
	prev   Record // Seq, Time and Hash of the last intact record (no Data)
	any    bool   // prev is set
	line   int
	broken bool
	// known: the lines were checked before (Rescan); their data is not
	// checked again.
	known bool
}

// add checks one complete line (without its newline). It returns the record
// and true while the chain is intact.
func (c *chain) add(line []byte) (Record, bool) {
	rec, err := parseFor(line, c.known)
	return c.addParsed(line, rec, err)
}

// parseFor parses one line, its data checked unless known.
func parseFor(line []byte, known bool) (Record, error) {
	if len(line) > MaxLineBytes {
		return Record{}, lineTooLongError{}
	}
	if rec, ok := parseCanonical(line, !known); ok {
		return rec, nil
	}
	return parseSlow(line)
}

// addParsed is add for a line parsed already (by a scan's workers).
func (c *chain) addParsed(line []byte, rec Record, err error) (Record, bool) {
	c.line++
	if c.broken {
		return Record{}, false
	}
	if err != nil {
		c.fail(err.Error(), peekSeq(line))
		return Record{}, false
	}
	if msg := c.link(rec); msg != "" {
		c.fail(msg, rec.Seq)
		return Record{}, false
	}
	c.prev = Record{Seq: rec.Seq, Time: rec.Time, Hash: rec.Hash}
	c.any = true
	c.res.Records++
	c.res.Head, c.res.HeadSeq, c.res.HeadTime = rec.Hash, rec.Seq, rec.Time
	if c.res.Anchor != "" && rec.Hash == c.res.Anchor {
		c.res.AnchorSeq = rec.Seq
	}
	return rec, true
}

// link checks rec against its predecessor: seq continuity, the prev hash,
// and time that never runs backwards.
func (c *chain) link(rec Record) string {
	if !c.any {
		switch {
		case rec.Seq != 1:
			return fmt.Sprintf("the first record has seq %d, not 1: records before it were deleted", rec.Seq)
		case rec.Prev != Genesis:
			return fmt.Sprintf("the first record's prev is %s, not empty: it is not the start of a journal (records before it were deleted)", short(rec.Prev))
		}
		return ""
	}
	p := &c.prev
	switch {
	case rec.Seq == p.Seq:
		return fmt.Sprintf("seq %d repeats the previous record's: a record was duplicated or inserted", rec.Seq)
	case rec.Seq < p.Seq:
		return fmt.Sprintf("seq goes back from %d to %d: records were reordered or duplicated", p.Seq, rec.Seq)
	case rec.Seq > p.Seq+1:
		return fmt.Sprintf("seq jumps from %d to %d: %s deleted or moved", p.Seq, rec.Seq, missing(p.Seq+1, rec.Seq-1))
	case rec.Prev != p.Hash:
		return fmt.Sprintf("prev %s does not match the hash of record %d (%s): a record was replaced or re-hashed", short(rec.Prev), p.Seq, short(p.Hash))
	case rec.Time.Before(p.Time):
		return fmt.Sprintf("time runs backwards from %s (record %d) to %s", p.Time.Format(timeLayout), p.Seq, rec.Time.Format(timeLayout))
	}
	return ""
}

func missing(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("record %d was", from)
	}
	return fmt.Sprintf("records %d to %d were", from, to)
}

func (c *chain) fail(msg string, seq uint64) {
	c.broken = true
	c.res.BadLine, c.res.BadSeq, c.res.Problem = c.line, seq, msg
}

// torn records an unterminated tail.
func (c *chain) torn(n int) {
	c.res.TornBytes = n
	if !c.broken {
		c.res.Torn = true
		c.res.BadLine = c.line + 1
		c.res.Problem = fmt.Sprintf("the last line is incomplete (%d bytes without a newline): a write was interrupted; `handrail resume` cuts it off and journals the repair", n)
	}
}

func (c *chain) finish() Result {
	r := c.res
	switch {
	case c.broken || r.Torn:
		r.OK = false
	case r.Records == 0:
		r.OK = false
		r.Problem = "the journal holds no record"
	case r.Anchor != "" && r.AnchorSeq == 0:
		r.OK = false
		r.Problem = fmt.Sprintf("the expected head %s is not in this journal: records after it were cut off, or the journal was rewritten", short(r.Anchor))
	default:
		r.OK = true
	}
	return r
}

// peekSeq extracts the seq a damaged line claims, for the message.
func peekSeq(line []byte) uint64 {
	if !bytes.HasPrefix(line, []byte(`{"seq":`)) {
		return 0
	}
	var n uint64
	for _, c := range line[len(`{"seq":`):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

// Verify reads a whole journal and checks every record: its hash over the
// exact bytes of its line, the prev link, seq continuity from 1 and time
// order. It reports the first problem. A journal whose last records were cut
// off still verifies: use VerifyHead with a head kept elsewhere.
func Verify(r io.Reader) Result { return VerifyHead(r, "") }

// VerifyHead is Verify that also requires head, a hash kept elsewhere when
// the journal was written, to be the hash of one of its records. The journal
// may have grown since; if it was cut back before that record, or rewritten,
// the head is missing and the result is not OK.
func VerifyHead(r io.Reader, head string) Result {
	res, err := scanFrom(r, &chain{res: Result{Anchor: head}}, 0, nil)
	if err != nil {
		res.OK = false
		res.Problem = err.Error()
	}
	return res
}

// VerifyFile is VerifyHead over the journal at path. The error is for a
// journal that cannot be read at all: missing, not a regular file, or a
// failed read; what is wrong inside the journal is in the Result.
func VerifyFile(path, head string) (Result, error) { return VerifyFileEach(path, head, nil) }

// VerifyFileEach is VerifyFile that also hands fn each intact record, in
// order, in the same single pass (as Scan does: Data is valid only during
// the call). An error from fn stops the pass and is returned.
func VerifyFileEach(path, head string, fn func(Record) error) (Result, error) {
	f, err := OpenRead(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	res, err := scanFrom(f, &chain{res: Result{Anchor: head}}, 0, fn)
	if err != nil {
		return res, fmt.Errorf("journal %s: %w", path, err)
	}
	return res, nil
}
