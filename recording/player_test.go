package recording

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handrail/handrail/internal/asciicast"
)

const reset = "\x1b[0m\x1b[?1049h\x1b[H\x1b[2J"

func joined() *asciicast.Joined {
	a := &asciicast.Cast{Header: asciicast.Header{Version: 2, Width: 80, Height: 24}, Events: []asciicast.Event{
		{Time: 0.5, Code: "o", Data: "\x1b[Ha"}, {Time: 1, Code: "m", Data: "m1"}, {Time: 2, Code: "o", Data: "b"},
		{Time: 3, Code: "m", Data: "OVR"}, {Time: 4, Code: "o", Data: "c\x1b]52;c;cm0gLXJmIC8=\x07"},
	}}
	b := &asciicast.Cast{Header: asciicast.Header{Version: 2, Width: 100, Height: 30}, Events: []asciicast.Event{
		{Time: 0.1, Code: "o", Data: "d"}, {Time: 0.2, Code: "m", Data: "m2"}, {Time: 0.3, Code: "o", Data: "e"},
	}}
	return asciicast.Join([]asciicast.Part{{Cast: a}, {Cast: b}}, 0)
}

// syncBuffer is a terminal the test can read while the player writes.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	seen chan struct{} // closed once the text appears
	text string
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	if s.seen != nil && strings.Contains(s.b.String(), s.text) {
		close(s.seen)
		s.seen = nil
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPlayerPlaysFilteredInTime(t *testing.T) {
	var out syncBuffer
	var waited time.Duration
	p := &Player{J: joined(), Out: &out, Speed: 2, After: func(d time.Duration) <-chan time.Time {
		waited += d
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}}
	if err := p.Run(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), reset+"\x1b[Habcde"; got != want {
		t.Errorf("played %q, want %q", got, want)
	}
	if p.Dropped() != 1 {
		t.Errorf("dropped %d, want 1 (the clipboard write)", p.Dropped())
	}
	// 5.3 s of recording (the pause between the parts cut to 1 s) at x2.
	if want := 2650 * time.Millisecond; waited < want-time.Millisecond || waited > want+time.Millisecond {
		t.Errorf("waited %v, want %v", waited, want)
	}
}

// immediateUnlessKeys fires at once, except while keys wait to be read.
func immediateUnlessKeys(keys chan Key) func(time.Duration) <-chan time.Time {
	return func(time.Duration) <-chan time.Time {
		if len(keys) > 0 {
			return nil
		}
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}
}

func TestPlayerJumpsBetweenMarkers(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
		last string // what the screen got after the last redraw
	}{
		{"next", []Key{KeyNext, KeyQuit}, "\x1b[Ha"},
		{"next twice", []Key{KeyNext, KeyNext, KeyQuit}, "\x1b[Hab"},
		{"back", []Key{KeyNext, KeyNext, KeyPrev, KeyQuit}, "\x1b[Ha"},
		{"into the second part", []Key{KeyNext, KeyNext, KeyNext, KeyQuit}, "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := make(chan Key, len(tt.keys))
			for _, k := range tt.keys {
				keys <- k
			}
			var out syncBuffer
			p := &Player{J: joined(), Out: &out, Keys: keys, After: immediateUnlessKeys(keys)}
			if err := p.Run(context.Background(), 0); err != nil {
				t.Fatal(err)
			}
			s := out.String()
			last := s[strings.LastIndex(s, reset)+len(reset):]
			if last != tt.last {
				t.Errorf("after the last jump the screen got %q, want %q (all: %q)", last, tt.last, s)
			}
		})
	}
}

func TestPlayerStartsAt(t *testing.T) {
	var out syncBuffer
	keys := make(chan Key)
	p := &Player{J: joined(), Out: &out, After: immediateUnlessKeys(keys)}
	if err := p.Run(context.Background(), 2.5); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), reset+"\x1b[Hab"+"cde"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestPlayerPausesOnOverrides: play stops at an override with a status
// line, and goes on with space.
func TestPlayerPausesOnOverrides(t *testing.T) {
	out := &syncBuffer{seen: make(chan struct{}), text: "paused at s: OVERRIDE"}
	seen := out.seen
	keys := make(chan Key)
	p := &Player{J: joined(), Out: out, Keys: keys, Rows: 24, After: immediateUnlessKeys(keys),
		Stops: []Stop{{At: 3, Label: "s: OVERRIDE (known-issue): lag"}}}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), 0) }()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("played to the end without pausing (%v): %q", err, out.String())
	case <-time.After(5 * time.Second):
		t.Fatalf("no pause: %q", out.String())
	}
	before := out.String()
	if strings.Contains(before, "abc") {
		t.Fatalf("played past the override before pausing: %q", before)
	}
	if !strings.Contains(before, "\x1b[24;1H") {
		t.Errorf("the status line is not on the last row: %q", before)
	}
	keys <- KeyPause
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	after := out.String()[len(before):]
	if !strings.HasPrefix(after, reset+"\x1b[Hab") || !strings.HasSuffix(after, "cde") {
		t.Errorf("after space: %q", after)
	}
}

func TestKeyOf(t *testing.T) {
	for in, want := range map[string]Key{" ": KeyPause, "n": KeyNext, "\x1b[C": KeyNext, "p": KeyPrev, "\x1b[D": KeyPrev,
		"+": KeyFaster, "-": KeySlower, "q": KeyQuit, "\x03": KeyQuit, "x": 0} {
		if got := KeyOf([]byte(in)); got != want {
			t.Errorf("KeyOf(%q) = %v, want %v", in, got, want)
		}
	}
}
