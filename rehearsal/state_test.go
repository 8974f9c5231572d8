package rehearsal

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

const hostsWorld = `
world:
  hosts:
    - {host: tm2, services: {"ThinMan Server": running}, products: {thinman: 6.0.1}, install: 2m, restart: 30s}
    - {host: sol2}
`

// TestHostLines: each simulated machine says what runs on it and what it
// is busy with until its next event, in the simulator's words, and the
// countdown is apart from the news.
func TestHostLines(t *testing.T) {
	d, clock := newWorld(t, hostsWorld)
	line := func(host string) HostLine {
		t.Helper()
		for _, l := range d.Hosts() {
			if l.Host == host {
				return l
			}
		}
		t.Fatalf("no line for %s in %v", host, d.Hosts())
		return HostLine{}
	}
	d.w.mu.Lock()
	h := d.w.hosts["tm2"]
	d.w.thinmanInstall(h, true, "6.0.2")
	d.w.mu.Unlock()
	clock.Advance(40 * time.Second)
	tests := []struct {
		name, host, want string
		advance          time.Duration
	}{
		{"an installer runs", "tm2", "tm2: stopped: ThinMan Server; installed: thinman 6.0.1; installer running, 1m20s left", 0},
		{"it finished; the services restart", "tm2", "tm2: stopped: ThinMan Server; installed: thinman 6.0.2; ThinMan services restarting, 30s left", 80 * time.Second},
		{"back to normal", "tm2", "tm2: running: ThinMan Server; installed: thinman 6.0.2", 30 * time.Second},
		{"a machine where nothing runs", "sol2", "sol2: nothing answers", 0},
	}
	var prev HostLine
	for _, tt := range tests {
		clock.Advance(tt.advance)
		got := line(tt.host)
		if got.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got.String(), tt.want)
		}
		if tt.host == "tm2" && prev.Host != "" && got.Key() == prev.Key() {
			t.Errorf("%s: the line's key did not change with its news", tt.name)
		}
		prev = got
	}
	// Only the countdown moved: the key stays.
	d.w.mu.Lock()
	d.w.thinmanInstall(h, true, "6.0.3")
	d.w.mu.Unlock()
	a := line("tm2")
	clock.Advance(5 * time.Second)
	if b := line("tm2"); a.Key() != b.Key() || a.Left-b.Left != 5*time.Second {
		t.Errorf("countdown: %q then %q", a, b)
	}
}

// TestSkipToTheNextEvent: a skip jumps the clock to the world's next
// event and says how far, in the simulator's words; with nothing
// scheduled it says so; a jump of a given length moves that much.
func TestSkipToTheNextEvent(t *testing.T) {
	d, clock := newWorld(t, hostsWorld)
	if _, err := d.Skip(0); !errors.Is(err, ErrNothingScheduled) {
		t.Fatalf("skip with nothing scheduled: %v", err)
	}
	d.w.mu.Lock()
	d.w.thinmanInstall(d.w.hosts["tm2"], true, "6.0.2")
	d.w.mu.Unlock()
	clock.Advance(20 * time.Second)
	start := clock.Now()
	s, err := d.Skip(0)
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "skip the wait: 1m40s (tm2: installer running)" {
		t.Errorf("skip said %q", s)
	}
	if got := clock.Now().Sub(start); got != 100*time.Second {
		t.Errorf("the clock moved %s, want 1m40s", got)
	}
	if l := d.Hosts(); !strings.Contains(l[len(l)-1].String(), "thinman 6.0.2") {
		t.Errorf("after the skip the install is done: %v", l)
	}
	s, err = d.Skip(7 * time.Second)
	if err != nil || s.By != 7*time.Second || clock.Now().Sub(start) != 107*time.Second {
		t.Errorf("skip 7s: %v %v, clock at +%s", s, err, clock.Now().Sub(start))
	}
}

// TestNoAnswerSaysWhy: a probe of a command nothing on the machine
// answers gets no data, and its error says why in the simulator's words.
func TestNoAnswerSaysWhy(t *testing.T) {
	d, _ := newWorld(t, hostsWorld)
	c := checks.Check{ID: "topaz", Kind: checks.KindCommand, Target: "s2host", Argv: []string{"/opt/gemstone/3.7.0/bin/topaz", "-l"}}
	o := d.Observe(context.Background(), c)
	if !o.Unreachable() || !strings.Contains(o.Error, "nothing on sol2 answers /opt/gemstone/3.7.0/bin/topaz") {
		t.Fatalf("observation: unreachable %v, error %q", o.Unreachable(), o.Error)
	}
	if len(o.Rows) != 0 {
		t.Errorf("no answer, yet rows: %v", o.Rows)
	}
}
