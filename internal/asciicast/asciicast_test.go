package asciicast

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestAppendEventRoundTrips(t *testing.T) {
	datas := []string{
		"plain",
		"\x1b[2J\x1b[H\x1b[1;31mred\x1b[0m\r\n",
		`quote " backslash \ slash /`,
		"<html> & ünïcödé ✔ 日本 \u2028\u2029",
		"\x00\x01\x7f\t\b\f",
	}
	for _, d := range datas {
		line := AppendEvent(nil, Event{Time: 1.5, Code: Output, Data: d})
		if !bytes.HasSuffix(line, []byte("]\n")) || bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("%q: not one line: %q", d, line)
		}
		var raw []any
		if err := json.Unmarshal(line, &raw); err != nil {
			t.Fatalf("%q: encoding/json rejects %q: %v", d, line, err)
		}
		if raw[0] != 1.5 || raw[1] != "o" || raw[2] != d {
			t.Errorf("%q: decoded %#v", d, raw)
		}
	}
}

func TestAppendEventInvalidUTF8(t *testing.T) {
	line := AppendEvent(nil, Event{Time: 0, Code: Output, Data: "a\xffb\xc3"})
	var raw []any
	if err := json.Unmarshal(line, &raw); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if raw[2] != "a\ufffdb\ufffd" {
		t.Errorf("got %q", raw[2])
	}
}

func TestParse(t *testing.T) {
	good := `{"version":2,"width":80,"height":24,"timestamp":1700000000}` + "\n" +
		`[0.100000, "o", "hello"]` + "\n" +
		`[0.200000, "r", "100x30"]` + "\n" +
		`[0.200000, "m", "step backup"]` + "\n"
	c, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.Width != 80 || len(c.Events) != 3 || c.Events[2].Data != "step backup" || c.Duration() != 0.2 {
		t.Fatalf("parsed %+v", c)
	}
	if m := c.Markers(); len(m) != 1 || m[0].Time != 0.2 {
		t.Fatalf("markers %+v", m)
	}
	bad := []struct{ name, in, want string }{
		{"empty", "", "line 1: the recording is empty"},
		{"v1", `{"version":1,"width":80,"height":24}` + "\n", "line 1: asciicast version 1"},
		{"no size", `{"version":2}` + "\n", "line 1: the header lacks"},
		{"not json", "nope\n", "line 1: the header is not"},
		{"event shape", `{"version":2,"width":1,"height":1}` + "\n[1, \"o\"]\n", "line 2: an event has 3 fields"},
		{"time type", `{"version":2,"width":1,"height":1}` + "\n[\"1\", \"o\", \"x\"]\n", "line 2: an event's time"},
		{"backwards", `{"version":2,"width":1,"height":1}` + "\n[2, \"o\", \"x\"]\n[1, \"o\", \"y\"]\n", "line 3: time runs backwards"},
		{"cut", `{"version":2,"width":1,"height":1}` + "\n[2, \"o\", \"x\"", "line 2: the last line is incomplete"},
	}
	for _, b := range bad {
		_, err := Parse(strings.NewReader(b.in))
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("%s: err = %v, want %q", b.name, err, b.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		w, h int
		ok   bool
	}{{"80x24", 80, 24, true}, {"0x24", 0, 0, false}, {"80", 0, 0, false}, {"ax1", 0, 0, false}} {
		w, h, ok := ParseSize(c.in)
		if w != c.w || h != c.h || ok != c.ok {
			t.Errorf("ParseSize(%q) = %d %d %v", c.in, w, h, ok)
		}
	}
	if Size(120, 34) != "120x34" {
		t.Error(Size(120, 34))
	}
}

func cast(w, h int, ev ...Event) *Cast {
	return &Cast{Header: Header{Version: 2, Width: w, Height: h}, Events: ev}
}

func TestJoin(t *testing.T) {
	p1 := cast(80, 24, Event{0.5, Output, "a"}, Event{1.0, Marker, "m1"}, Event{100, Output, "b"})
	p2 := cast(100, 30, Event{0.2, Output, "c"}, Event{0.4, Marker, "m2"})
	j := Join([]Part{{Cast: p1}, {Cast: p2}}, 2)
	want := []struct {
		t    float64
		code string
		part int
	}{
		{0.5, Output, 0}, {1.0, Marker, 0}, {3.0, Output, 0}, // the 99 s pause plays as 2 s
		{5.0, Resize, 1}, {5.2, Output, 1}, {5.4, Marker, 1},
	}
	if len(j.Events) != len(want) || j.Width != 80 || j.Height != 24 {
		t.Fatalf("joined %+v", j.Events)
	}
	for i, w := range want {
		e := j.Events[i]
		if math.Abs(e.Time-w.t) > 1e-9 || e.Code != w.code || j.Part[i] != w.part {
			t.Errorf("event %d = %+v part %d, want %+v", i, e, j.Part[i], w)
		}
	}
	if j.Events[3].Data != "100x30" {
		t.Errorf("resize %q", j.Events[3].Data)
	}
	for _, c := range []struct {
		part int
		t    float64
		want float64
	}{
		{0, 1.0, 1.0},     // on a marker: the marker's own time
		{0, 1.5, 1.5},     // between events
		{0, 50, 3.0},      // in the long pause: capped
		{0, 0.1, 0.1},     // before the first event
		{1, 0.4, 5.4},     // the second part's marker
		{1, 0.0, 5.0},     // the second part's start
		{7, 1, 0},         // no such part
		{1, 900, 5.4 + 2}, // after the last event
	} {
		if got := j.At(c.part, c.t); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("At(%d, %v) = %v, want %v", c.part, c.t, got, c.want)
		}
	}
	// The joined stream is itself a recording.
	back, err := Parse(bytes.NewReader(j.Cast("t")))
	if err != nil || len(back.Events) != len(j.Events) || back.Header.Width != 80 {
		t.Fatalf("joined cast does not parse: %v %+v", err, back)
	}
	if j.Duration() != 5.4 {
		t.Errorf("duration %v", j.Duration())
	}
}

func TestJoinKeepsPausesWithoutLimit(t *testing.T) {
	j := Join([]Part{{Cast: cast(80, 24, Event{0, Output, "a"}, Event{100, Output, "b"})}}, 0)
	if j.Events[1].Time != 100 || j.At(0, 50) != 50 {
		t.Fatalf("%+v", j.Events)
	}
}
