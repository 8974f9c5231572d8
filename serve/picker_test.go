package serve

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// pickerRow is the picker's line for session id as p's connection shows it.
func pickerRow(t *testing.T, srv *Server, p *Person, id string) string {
	t.Helper()
	a := newApp(&conn{srv: srv, person: p, who: who(p, p.Name)})
	a.Update(a.c.listSessions())
	for _, l := range a.sessionLines(160) {
		if plain := ansi.Strip(l); strings.Contains(plain, id) {
			return plain
		}
	}
	t.Fatalf("the picker has no row for %s", id)
	return ""
}

// TestPickerShowsWhoWatches: while carol watches a session driven here,
// bob's picker row for it names her; once she left, nobody.
func TestPickerShowsWhoWatches(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	defer hs.Close("")
	srv := &Server{hub: h, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	carolConn := &conn{srv: srv, person: carol, who: who(carol, "carol")}
	if om, ok := carolConn.watch(hs.ID)().(openedMsg); !ok || om.err != nil || om.att.hosted != hs {
		t.Fatalf("carol's watch = %#v", om)
	}
	row := pickerRow(t, srv, bob, hs.ID)
	if !strings.Contains(row, "driven here") || !strings.HasSuffix(strings.TrimSpace(row), "carol") {
		t.Errorf("bob's picker row while carol watches: %q", row)
	}
	carolConn.release(carolConn.detach(), "")
	if row := pickerRow(t, srv, bob, hs.ID); strings.Contains(row, "carol") || !strings.HasSuffix(strings.TrimSpace(row), "-") {
		t.Errorf("bob's picker row after carol left: %q", row)
	}
}

// TestPickerAt80Columns: at 80 columns a session takes two lines, and
// nothing of it is cut: the state says rehearsal, and who watches shows.
func TestPickerAt80Columns(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	defer hs.Close("")
	srv := &Server{hub: h, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	carolConn := &conn{srv: srv, person: carol, who: who(carol, "carol")}
	if om, ok := carolConn.watch(hs.ID)().(openedMsg); !ok || om.err != nil {
		t.Fatalf("carol's watch = %#v", om)
	}
	defer carolConn.release(carolConn.detach(), "")
	a := newApp(&conn{srv: srv, person: bob, who: who(bob, bob.Name)})
	a.Update(a.c.listSessions())
	var plain []string
	for _, l := range a.sessionLines(80) {
		p := ansi.Strip(l)
		if w := ansi.StringWidth(p); w > 80 {
			t.Errorf("a picker line is %d columns wide at 80: %q", w, p)
		}
		plain = append(plain, p)
	}
	all := strings.Join(plain, "\n")
	for _, want := range []string{hs.ID, "driven here (rehearsal)", "watching: carol", "q disconnect"} {
		if !strings.Contains(all, want) {
			t.Errorf("the picker at 80 columns lacks %q:\n%s", want, all)
		}
	}
}
