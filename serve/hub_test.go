package serve

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/recording"
	"github.com/handrail/handrail/runbooks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

var (
	alice = &Person{Name: "alice", Roles: []string{RoleOperator, RoleApprover}}
	bob   = &Person{Name: "bob", Roles: []string{RoleApprover}}
	carol = &Person{Name: "carol", Roles: []string{RoleObserver}}
)

func who(p *Person, key string) session.Operator {
	return session.Operator{Name: p.Name, Key: "SHA256:" + key, SSHClient: "127.0.0.1 5000" + key[:1]}
}

func newTestHub(t *testing.T) *Hub {
	t.Helper()
	return NewHub(Config{StateDir: t.TempDir(), Version: "test"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// rehearse starts a rehearsal of the bundled ThinMan runbook, from a copy
// in the state directory with every override marked approval: required
// when twoPerson (a resume reads the same file).
func rehearse(t *testing.T, h *Hub, twoPerson bool) *Hosted {
	t.Helper()
	return rehearseWith(t, h, twoPerson, nil)
}

// rehearseWith is rehearse with the operator's console recorded by rec
// (nil: none).
func rehearseWith(t *testing.T, h *Hub, twoPerson bool, rec *recording.Recorder) *Hosted {
	t.Helper()
	data, err := fs.ReadFile(runbooks.FS, "thinman-dual-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if twoPerson {
		data = []byte(strings.Replace(string(data), "id: thinman-dual-db\n", "id: thinman-dual-db\napproval: {overrides: required}\n", 1))
	}
	path := filepath.Join(h.cfg.StateDir, "thinman.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rb, err := steps.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if rb.NeedsOverrideApproval() != twoPerson {
		t.Fatal("the approval mark did not take")
	}
	hs, err := h.StartRehearsal(rb, "happy", who(alice, "alice"), rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close("") })
	return hs
}

// waitFor reads rt's events until ok holds for one.
func waitFor(t *testing.T, rt tui.Runtime, what string, ok func(tui.Snapshot) bool) tui.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		ev, err := rt.Wait(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(ev.Snap) {
			return ev.Snap
		}
	}
}

func journalTypes(t *testing.T, path string) []string {
	t.Helper()
	recs, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

func count(types []string, typ string) int {
	n := 0
	for _, x := range types {
		if x == typ {
			n++
		}
	}
	return n
}

// TestObserversShareTheDriversRuntime: what the driver does reaches every
// observer as the same snapshot, read-only; an observer's keys change
// nothing; joins and leaves are journaled.
func TestObserversShareTheDriversRuntime(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	drv := newConsoleRT(hs, who(alice, "alice"), alice, true)
	var obs []*consoleRT
	for i, p := range []*Person{carol, bob} {
		rt := newConsoleRT(hs, who(p, p.Name), p, false)
		v := &Viewer{Who: who(p, p.Name), Role: strings.Join(p.Roles, ","), Since: time.Now()}
		hs.Join(v)
		defer hs.Leave(v)
		obs = append(obs, rt)
		if i == 0 && !rt.Snapshot().ReadOnly {
			t.Fatal("an observer's snapshot is not read-only")
		}
	}
	cur := drv.Snapshot().Current
	st, _ := drv.Snapshot().CurrentStep()
	var manual string
	for _, c := range st.Step.Checks {
		if c.Kind == "manual" {
			manual = c.ID
		}
	}
	s, err := drv.Tick(manual, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		got := waitFor(t, o, "the tick", func(s tui.Snapshot) bool {
			c, ok := s.Check(manual)
			return ok && c.Ticked
		})
		if !got.ReadOnly || got.Gate.Open != s.Gate.Open || got.SessionID != s.SessionID {
			t.Errorf("observer sees %+v, driver %+v", got.Gate, s.Gate)
		}
	}
	before := len(journalTypes(t, hs.Path))
	for _, o := range obs {
		if _, err := o.Advance(); !errors.Is(err, tui.ErrReadOnly) {
			t.Errorf("an observer's Advance: %v", err)
		}
		if _, err := o.Tick(manual, false); !errors.Is(err, tui.ErrReadOnly) {
			t.Errorf("an observer's Tick: %v", err)
		}
		if _, err := o.Annotate("a note from the gallery"); !errors.Is(err, tui.ErrReadOnly) {
			t.Errorf("an observer's Annotate: %v", err)
		}
	}
	if after := len(journalTypes(t, hs.Path)); after != before {
		t.Errorf("observers' requests journaled %d records", after-before)
	}
	// An observer leaving changes nothing for the rest.
	obs[0].close()
	if _, err := drv.Advance(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, obs[1], "the next step", func(s tui.Snapshot) bool { return s.Current > cur })
	if got := h.Watching(hs.ID); strings.Join(got, ",") != "bob,carol" {
		t.Errorf("Watching = %v", got)
	}
	types := journalTypes(t, hs.Path)
	if count(types, session.EvWatchJoin) != 2 {
		t.Errorf("watch.join records: %v", types)
	}
}

// TestClosingLeavesTheSessionResumable: a hosted session closed without an
// end (the operator's connection dropped, serve stopped) is interrupted,
// its journal unlocked; the watchers hear why; it resumes here.
func TestClosingLeavesTheSessionResumable(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, false)
	o := newConsoleRT(hs, who(carol, "carol"), carol, false)
	hs.Close("alice's connection dropped")
	got := waitFor(t, o, "the note", func(s tui.Snapshot) bool { return s.Notice != "" })
	if !strings.Contains(got.Notice, "connection dropped") {
		t.Errorf("notice = %q", got.Notice)
	}
	if _, err := o.Wait(context.Background()); !errors.Is(err, tui.ErrClosed) {
		t.Errorf("after the close Wait = %v, want ErrClosed", err)
	}
	if s := journal.Summarize(hs.Path); s.State != journal.StateInterrupted {
		t.Fatalf("state after close = %s, want interrupted", s.State)
	}
	if n := count(journalTypes(t, hs.Path), session.EvSessionEnd); n != 0 {
		t.Fatalf("%d session.end after a close", n)
	}
	p, err := h.PlanResume(hs.ID)
	if err != nil {
		t.Fatal(err)
	}
	bobAsOp := &Person{Name: "bob", Roles: []string{RoleOperator}}
	rs, err := h.Resume(p, tui.FormResult{}, who(bobAsOp, "bob"), nil)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	defer rs.Close("")
	if rs.Driver.Name != "bob" {
		t.Errorf("driver = %+v", rs.Driver)
	}
	recs, err := journal.Read(hs.Path)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	for _, r := range recs {
		if r.Type == session.EvSessionResume {
			last = r
		}
	}
	if last.Type != session.EvSessionResume || !strings.Contains(string(last.Data), `"name":"bob"`) {
		t.Errorf("session.resume = %s %s", last.Type, last.Data)
	}
}

// TestApprovalThroughConsoles: the requester's consoles may not decide;
// an approver's may; an observer's may not; the engine refuses the
// requester even when a console would let her try.
func TestApprovalThroughConsoles(t *testing.T) {
	h := newTestHub(t)
	hs := rehearse(t, h, true)
	drv := newConsoleRT(hs, who(alice, "alice"), alice, true)
	cur := drv.Snapshot().Current
	st, _ := drv.Snapshot().CurrentStep()
	var manual string
	for _, c := range st.Step.Checks {
		if c.Kind == "manual" {
			manual = c.ID
		}
	}
	_, err := drv.Override(tui.Override{Checks: []string{manual}, Category: session.CategoryAcceptedRisk, Reason: "the backup was verified by the DBA on call"})
	if !errors.Is(err, session.ErrApprovalPending) {
		t.Fatalf("override: %v", err)
	}
	a := drv.Snapshot().Approval
	if !a.Pending() {
		t.Fatalf("no pending approval in the snapshot: %+v", a)
	}
	cases := []struct {
		name string
		rt   *consoleRT
		may  bool
		why  string
	}{
		{"the requester's own console", drv, false, "you asked for it"},
		{"the requester on a second connection", newConsoleRT(hs, who(alice, "alice"), alice, false), false, "you asked for it"},
		{"an observer", newConsoleRT(hs, who(carol, "carol"), carol, false), false, "approver role"},
		{"an approver", newConsoleRT(hs, who(bob, "bob"), bob, false), true, ""},
	}
	for _, c := range cases {
		may, why := c.rt.MayDecide(*a)
		if may != c.may || !strings.Contains(why, c.why) {
			t.Errorf("%s: MayDecide = %v %q, want %v %q", c.name, may, why, c.may, c.why)
		}
	}
	if _, err := drv.Decide(a.ID, true, "I am sure it is fine, trust me"); !errors.Is(err, session.ErrSelfApproval) {
		t.Errorf("the requester's Decide: %v, want ErrSelfApproval", err)
	}
	if _, err := cases[2].rt.Decide(a.ID, true, "looks fine from here"); err == nil {
		t.Error("an observer decided")
	}
	s, err := cases[3].rt.Decide(a.ID, true, "the backup log is in the ticket")
	if err != nil {
		t.Fatalf("bob's grant: %v", err)
	}
	// The granted override opens the gate; the operator leaves the step.
	if s.Current != cur || !s.Gate.Open {
		t.Errorf("after the grant: step %d (want %d), gate open %v", s.Current, cur, s.Gate.Open)
	}
	types := journalTypes(t, hs.Path)
	if count(types, session.EvApprovalGrant) != 1 || count(types, session.EvOverride) != 1 {
		t.Errorf("journal: %v", types)
	}
}
