// Package asciicast reads and writes asciicast v2, asciinema's terminal
// recording format: a JSON header line, then one JSON array per line for
// each event, [time, code, data]. time is seconds since the recording
// started; code is "o" (output), "r" (a resize, data "COLSxROWS") or "m" (a
// marker, data its label). The format is documented at
// https://docs.asciinema.org/manual/asciicast/v2/.
//
// handrail writes one file per console run of a session (see
// docs/recording.md); Join lays the parts of a session end to end for
// playback.
package asciicast

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Event codes.
const (
	Output = "o"
	Input  = "i"
	Resize = "r"
	Marker = "m"
)

// Header is a recording's first line.
type Header struct {
	Version       int               `json:"version"`
	Width         int               `json:"width"`
	Height        int               `json:"height"`
	Timestamp     int64             `json:"timestamp,omitempty"`
	IdleTimeLimit float64           `json:"idle_time_limit,omitempty"`
	Title         string            `json:"title,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
}

// Event is one line after the header.
type Event struct {
	Time float64 // seconds since the start of the recording
	Code string
	Data string
}

// AppendHeader appends h as a JSON line.
func AppendHeader(b []byte, h Header) ([]byte, error) {
	h.Version = 2
	enc, err := json.Marshal(h)
	if err != nil {
		return b, fmt.Errorf("asciicast header: %w", err)
	}
	b = append(b, enc...)
	return append(b, '\n'), nil
}

// AppendEvent appends e as a JSON line: [time, "code", "data"]. Bytes of
// data that are not UTF-8 become U+FFFD (JSON strings are Unicode).
func AppendEvent(b []byte, e Event) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, e.Time, 'f', 6, 64)
	b = append(b, ", "...)
	b = appendString(b, e.Code)
	b = append(b, ", "...)
	b = appendString(b, e.Data)
	return append(b, "]\n"...)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string. It is encoding/json's escaping
// without the HTML escapes: the recording is read by players, not browsers.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Cast is a parsed recording.
type Cast struct {
	Header Header
	Events []Event
}

// Duration is the time of the last event (0 when there is none).
func (c *Cast) Duration() float64 {
	if len(c.Events) == 0 {
		return 0
	}
	return c.Events[len(c.Events)-1].Time
}

// Markers are the recording's "m" events.
func (c *Cast) Markers() []Event {
	var out []Event
	for _, e := range c.Events {
		if e.Code == Marker {
			out = append(out, e)
		}
	}
	return out
}

// ParseError says where a recording is malformed.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads a whole asciicast v2 recording. It is strict: a header of
// another version, an event that is not [number, string, string], time that
// runs backwards or a last line without its newline is an error naming the
// line.
func Parse(r io.Reader) (*Cast, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var c Cast
	line := 0
	last := 0.0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read recording: %w", err)
		}
		line++
		if err != nil { // io.EOF with bytes: no newline
			return nil, &ParseError{line, "the last line is incomplete (no newline): the recording was cut"}
		}
		b = bytes.TrimRight(b, "\r\n")
		if line == 1 {
			if err := json.Unmarshal(b, &c.Header); err != nil {
				return nil, &ParseError{line, "the header is not a JSON object: " + err.Error()}
			}
			if c.Header.Version != 2 {
				return nil, &ParseError{line, fmt.Sprintf("asciicast version %d: only version 2 is read", c.Header.Version)}
			}
			if c.Header.Width <= 0 || c.Header.Height <= 0 {
				return nil, &ParseError{line, "the header lacks a positive width and height"}
			}
			continue
		}
		if len(b) == 0 {
			continue
		}
		e, err := parseEvent(b)
		if err != nil {
			return nil, &ParseError{line, err.Error()}
		}
		if e.Time < last {
			return nil, &ParseError{line, fmt.Sprintf("time runs backwards from %.6f to %.6f", last, e.Time)}
		}
		last = e.Time
		c.Events = append(c.Events, e)
	}
	if line == 0 {
		return nil, &ParseError{1, "the recording is empty: no header"}
	}
	return &c, nil
}

func parseEvent(b []byte) (Event, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Event{}, fmt.Errorf("not an event [time, code, data]: %w", err)
	}
	if len(raw) != 3 {
		return Event{}, fmt.Errorf("an event has 3 fields [time, code, data], this one %d", len(raw))
	}
	var e Event
	if err := json.Unmarshal(raw[0], &e.Time); err != nil || e.Time < 0 {
		return Event{}, errors.New("an event's time must be a number of seconds, 0 or more")
	}
	if err := json.Unmarshal(raw[1], &e.Code); err != nil {
		return Event{}, errors.New("an event's code must be a string")
	}
	if err := json.Unmarshal(raw[2], &e.Data); err != nil {
		return Event{}, errors.New("an event's data must be a string")
	}
	return e, nil
}

// ParseSize reads a resize event's data, "COLSxROWS".
func ParseSize(data string) (w, h int, ok bool) {
	a, b, found := strings.Cut(data, "x")
	if !found {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}

// Size is a resize event's data.
func Size(w, h int) string { return strconv.Itoa(w) + "x" + strconv.Itoa(h) }
