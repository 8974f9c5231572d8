package tui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// The console an operator can trust (issue 10): these tests drive the
// console over a real engine and journal (testdata/trust.yaml) and a fake
// replica whose answers they set.

// rowDriver answers every replica check with the row it holds now.
type rowDriver struct {
	mu  sync.Mutex
	row map[string]string
	raw string
}

func newRowDriver() *rowDriver {
	return &rowDriver{row: map[string]string{"Slave_IO_Running": "Connecting", "Last_IO_Errno": "0", "Last_IO_Error": "", "Master_Log_File": "binlog.000042"}}
}

func (d *rowDriver) set(kv ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := 0; i+1 < len(kv); i += 2 {
		d.row[kv[i]] = kv[i+1]
	}
}

func (d *rowDriver) Observe(context.Context, checks.Check) checks.Observation {
	d.mu.Lock()
	defer d.mu.Unlock()
	var fs []checks.Field
	for _, n := range []string{"Slave_IO_Running", "Last_IO_Errno", "Last_IO_Error", "Master_Log_File"} {
		fs = append(fs, checks.Field{Name: n, Value: d.row[n]})
	}
	return checks.Observation{At: time.Now(), Raw: d.raw, Rows: []checks.Row{{Fields: fs}}}
}

func (d *rowDriver) Run(context.Context, checks.Action) checks.ActionResult {
	return checks.ActionResult{Duration: time.Millisecond}
}

func (d *rowDriver) Close() error { return nil }

// failJournal is a file journal whose writes fail once fail is set, as on a
// full disk: the write returns ENOSPC, and so does every later one (the
// journal writer refuses every record after a failed one).
type failJournal struct {
	*session.FileJournal
	fail atomic.Bool
}

func (j *failJournal) Append(typ string, data any) (journal.Record, error) {
	if j.fail.Load() {
		return journal.Record{}, fmt.Errorf("journal %s: write %s: %w", j.Path, typ, &osPathError{"write", j.Path, syscall.ENOSPC})
	}
	return j.FileJournal.Append(typ, data)
}

// osPathError is fs.PathError without importing io/fs twice in a test.
type osPathError struct {
	op, path string
	err      error
}

func (e *osPathError) Error() string { return e.op + " " + e.path + ": " + e.err.Error() }
func (e *osPathError) Unwrap() error { return e.err }

type trustSession struct {
	live *Live
	drv  *rowDriver
	path string
	cfg  session.Config
	fj   *failJournal
}

func newTrustSession(t testing.TB) *trustSession {
	t.Helper()
	rb, err := steps.Load(filepath.Join("testdata", "trust.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "20261122-020000-beef"+journal.Ext)
	fj := &failJournal{FileJournal: &session.FileJournal{Path: path}}
	cfg := session.Config{SessionID: "20261122-020000-beef", Runbook: rb, Operator: session.Operator{Name: "alice", User: "alice"},
		Mode: session.ModeLive, Journal: fj}
	eng, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	drv := newRowDriver()
	r := session.NewRunner(eng, drv, nil)
	t.Cleanup(func() {
		r.Close()
		_ = fj.Close()
	})
	return &trustSession{live: NewLive(r, rb), drv: drv, path: path, cfg: cfg, fj: fj}
}

// toReplica ticks the five items and enters the replica step.
func (ts *trustSession) toReplica(t testing.TB) {
	t.Helper()
	for i := 1; i <= 5; i++ {
		if _, err := ts.live.Tick(fmt.Sprintf("item-%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.live.Advance(); err != nil {
		t.Fatal(err)
	}
}

func (ts *trustSession) records(t testing.TB) []journal.Record {
	t.Helper()
	recs, err := journal.Read(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// sizedLive is a console over rt at w x h, with the runtime's snapshot now.
func sizedLive(t testing.TB, rt Runtime, w, h int) Model {
	t.Helper()
	m := New(rt, Options{Dark: true})
	return step(t, m, tea.WindowSizeMsg{Width: w, Height: h})
}

// keyMsg is a key press as Bubble Tea delivers it.
func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "space":
		return tea.KeyPressMsg{Code: ' ', Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// pressKeys presses each key in turn on m (Update only: the commands they
// return are not run).
func pressKeys(t testing.TB, m Model, ks ...string) Model {
	t.Helper()
	for _, k := range ks {
		m = step(t, m, keyMsg(k))
	}
	return m
}

// armDialog ends the open dialog's debounce.
func armDialog(t testing.TB, m Model) Model {
	t.Helper()
	return step(t, m, armMsg{id: m.dialogID})
}

// ---- 1. watch shows what the operator sees ----

// TestWatchShowsWhatTheOperatorSees: a watcher following the journal draws
// the operator's panel values exactly (not the last status's), and when the
// operator quits it says the session is paused and resumable, not "driven
// elsewhere".
func TestWatchShowsWhatTheOperatorSees(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	cfg := ts.cfg
	cfg.Journal = nil
	w, err := NewWatch(t.Context(), cfg, ts.path)
	if err != nil {
		t.Fatal(err)
	}
	// The replica retries a connection: waiting, its values change while
	// its status does not.
	long := "error connecting to master 'repl@10.0.0.5:3306' - retry-time: 60 retries: 3 message: Can't connect to MySQL server on '10.0.0.5' (110 \"Connection timed out\")"
	ts.drv.set("Slave_IO_Running", "Connecting", "Last_IO_Errno", "2003", "Last_IO_Error", long)
	fields := func(m Model) []string {
		var out []string
		for _, l := range strings.Split(plain(m), "\n") {
			if !strings.Contains(l, "│ │") { // a panel's line, not the gate bar
				continue
			}
			for _, f := range []string{"Slave_IO_Running:", "Last_IO_Errno:", "Last_IO_Error:", "Master_Log_File:"} {
				if i := strings.Index(l, f); i >= 0 {
					out = append(out, strings.TrimRight(l[i:], " │"))
				}
			}
		}
		return out
	}
	// ages are the panels' "data Ns old" (from the status lines): the
	// watcher must see the operator's data as old as the operator does.
	dataAge := regexp.MustCompile(`data (<)?[0-9][0-9hms]* old`)
	ages := func(m Model) []string {
		var out []string
		for _, l := range strings.Split(plain(m), "\n") {
			if strings.Contains(l, "│ │") {
				out = append(out, dataAge.FindAllString(l, -1)...)
			}
		}
		return out
	}
	var op, wat, opAge, watAge []string
	deadline := time.Now().Add(8 * time.Second)
	for {
		ev, err := ts.live.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		mo := step(t, sizedLive(t, ts.live, 120, 40), eventMsg{ev: ev, n: 1})
		op, opAge = fields(mo), ages(mo)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		wev, _ := w.Wait(ctx)
		cancel()
		if wev.Snap.Seq == 0 {
			wev.Snap = w.Snapshot()
		}
		mw := step(t, sizedLive(t, w, 120, 40), eventMsg{ev: wev, n: 1})
		wat, watAge = fields(mw), ages(mw)
		if strings.Contains(strings.Join(op, "\n"), "2003") && strings.Join(op, "\n") == strings.Join(wat, "\n") &&
			len(opAge) > 0 && strings.Join(opAge, "\n") == strings.Join(watAge, "\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher's panel differs from the operator's:\noperator:\n%s\n%s\nwatcher:\n%s\n%s",
				strings.Join(op, "\n"), strings.Join(opAge, "\n"), strings.Join(wat, "\n"), strings.Join(watAge, "\n"))
		}
	}
	// The operator quits: the watcher says so.
	if _, err := ts.live.Quit(); err != nil {
		t.Fatal(err)
	}
	tm := startConsole(t, w, 120, 40)
	waitText(t, tm, "paused: the operator quit; resumable")
	if out := plain(step(t, sizedLive(t, w, 120, 40), eventMsg{ev: Event{Snap: w.Snapshot()}, n: 1})); strings.Contains(out, "drives it elsewhere") {
		t.Errorf("the watcher still says the session is driven elsewhere:\n%s", out)
	}
}

// ---- 2. the focused item is always on screen ----

// TestTabKeepsTheFocusedItemOnScreen: at 80x24 the fifth item of a step is
// below the screen; tab to it scrolls it into view, and space ticks it. An
// item scrolled away is never ticked unseen: space brings it back first.
func TestTabKeepsTheFocusedItemOnScreen(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 80, 24)
	if out := plain(m); !strings.Contains(out, "▶ [ ] The first thing") || strings.Contains(out, "The fifth thing") {
		t.Fatalf("the test needs the fifth item below the screen:\n%s", out)
	}
	m = pressKeys(t, m, "tab", "tab", "tab", "tab") // item 1 -> item 5
	if out := plain(m); !strings.Contains(out, "▶ [ ] The fifth thing") {
		t.Fatalf("tab to the fifth item did not bring it into view:\n%s", out)
	}
	m = doKey(t, m, "space")
	if out := plain(m); !strings.Contains(out, "▶ [x] The fifth thing") || !hasRecord(ts.records(t), session.EvManualTick, `"item-5"`) {
		t.Fatalf("space on the fifth item did not tick it:\n%s", out)
	}
	// Scroll it away: space does not tick what the operator cannot see.
	m = pressKeys(t, m, "b", "b", "b")
	if strings.Contains(plain(m), "The fifth thing") {
		t.Fatalf("pgup did not scroll the item away:\n%s", plain(m))
	}
	n := len(ts.records(t))
	m = doKey(t, m, "space")
	if out := plain(m); !strings.Contains(out, "off screen: it is in view now") || !strings.Contains(out, "▶ [x] The fifth thing") {
		t.Errorf("space on an item off screen:\n%s", out)
	}
	if got := len(ts.records(t)); got != n {
		t.Errorf("space on an item off screen wrote %d records", got-n)
	}
}

// doKey presses k and hands the console the runtime's answer (a tick, an
// override…), as Bubble Tea would.
func doKey(t testing.TB, m Model, k string) Model {
	t.Helper()
	nm, cmd := m.Update(keyMsg(k))
	m = nm.(Model)
	for _, msg := range quickMsgs(cmd) {
		switch msg.(type) {
		case doneMsg, actionMsg:
			m = step(t, m, msg)
		}
	}
	return m
}

// quickMsgs runs cmd (and a batch's commands) and returns the messages
// that come at once; a timer's is left out.
func quickMsgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, quickMsgs(c)...)
			}
			return out
		}
		return []tea.Msg{msg}
	case <-time.After(500 * time.Millisecond):
		return nil
	}
}

// ---- 3. commands: never broken inside a word, copied whole ----

// TestCommandLinesNeverBreakAWord: a command is broken only between words;
// a line that goes on ends with the mark; a word longer than a line stays
// whole (the pane scrolls it), unless hard (a check panel's query), which
// marks the break.
func TestCommandLinesNeverBreakAWord(t *testing.T) {
	cmd := "nohup /opt/terracotta/bigmemory-max-4.2.1/server/bin/start-tc-server.sh -f /opt/tc/tc-config.xml &"
	for _, width := range []int{20, 30, 45, 200} {
		lines := commandLines(cmd, width, "↩", false)
		var words []string
		for i, l := range lines {
			if i < len(lines)-1 {
				body, ok := strings.CutSuffix(l, " ↩")
				if !ok {
					t.Errorf("width %d: line %q goes on without the mark", width, l)
				}
				l = body
			}
			if w := ansi.StringWidth(l); w > width && strings.Contains(l, " ") {
				t.Errorf("width %d: line %q is %d wide but could break between words", width, l, w)
			}
			words = append(words, strings.Fields(l)...)
		}
		if strings.Join(words, " ") != cmd {
			t.Errorf("width %d: the lines do not hold the command word for word: %q", width, lines)
		}
	}
	hard := commandLines(cmd, 20, "↩", true)
	for _, l := range hard {
		if ansi.StringWidth(l) > 20 {
			t.Errorf("a hard line %q is wider than 20", l)
		}
	}
	if got := strings.ReplaceAll(strings.ReplaceAll(strings.Join(hard, ""), " ↩", " "), "↩", ""); got != cmd {
		t.Errorf("the hard lines do not hold the command: %q", hard)
	}
}

// TestLongCommandScrollsSidewaysAndCopies: at 80x24 the long command's path
// is cut at the pane's edge with a mark (not broken), → shows the rest, and
// y copies the whole command with OSC 52.
func TestLongCommandScrollsSidewaysAndCopies(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 80, 24)
	out := plain(m)
	full := "nohup /opt/terracotta/bigmemory-max-4.2.1/with-a-long-directory-name-inside/server/bin/start-tc-server.sh -f /opt/terracotta/config/tc-config.xml &"
	path := "/opt/terracotta/bigmemory-max-4.2.1/with-a-long-directory-name-inside/server/bin/start-tc-server.sh"
	var cmdLines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "$ nohup") || strings.Contains(l, "/opt/terracotta") || strings.Contains(l, "tc-config") {
			cmdLines = append(cmdLines, l)
		}
	}
	if len(cmdLines) == 0 || !strings.Contains(strings.Join(cmdLines, "\n"), "→") {
		t.Fatalf("the long path is not cut with a mark at the edge:\n%s", out)
	}
	for _, l := range cmdLines {
		// A piece of the path may show only at the edge, beside its mark.
		if i := strings.Index(l, "/opt/terracotta/bigmemory"); i >= 0 && !strings.Contains(l, path) && !strings.Contains(l, "→") {
			t.Errorf("the path is broken inside a word: %q", l)
		}
	}
	m = pressKeys(t, m, "right", "right")
	if out := plain(m); !strings.Contains(out, "tc-config.xml") || !strings.Contains(out, "←") {
		t.Errorf("→ did not scroll the command sideways:\n%s", out)
	}
	// The focus starts on the first item; shift+tab twice reaches the
	// first command, and y copies it whole.
	m = pressKeys(t, m, "shift+tab", "shift+tab")
	if got := m.focusedCommand(); got != 0 {
		t.Fatalf("focus on command %d, want 0", got)
	}
	nm, cmd := m.Update(keyMsg("y"))
	m = nm.(Model)
	if cmd == nil || !strings.Contains(plain(m), "copied to the clipboard (OSC 52)") {
		t.Fatalf("y did not copy:\n%s", plain(m))
	}
	tm := startConsole(t, ts.live, 80, 24)
	waitText(t, tm, "Check five things by hand")
	press(tm, "shift+tab", "shift+tab", "y")
	want := base64.StdEncoding.EncodeToString([]byte(full))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "\x1b]52;c;"+want) },
		teatest.WithDuration(5*time.Second))
}

// TestActionReadsTheSameInTheStepAndTheDialog: "x runs" in the step and the
// confirmation dialog show the same statement (checks.Action.Shown) and
// the same target with its address; the dialog names its step.
func TestActionReadsTheSameInTheStepAndTheDialog(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	m := sizedLive(t, ts.live, 100, 30)
	out := plain(m)
	for _, want := range []string{"x runs on slave (127.0.0.1:3306): START SLAVE"} {
		if !strings.Contains(out, want) {
			t.Errorf("the step lacks %q:\n%s", want, out)
		}
	}
	m = pressKeys(t, m, "x")
	dlg := plain(m)
	for _, want := range []string{"on: step 3 · Start the replica", "handrail will run, on slave (127.0.0.1:3306):", "  START SLAVE"} {
		if !strings.Contains(dlg, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, dlg)
		}
	}
}

// TestWideTerminalGivesTheInstructionsTheRoom: at 200 columns the step's
// text is laid out wider than its panels, and wider than 80.
func TestWideTerminalGivesTheInstructionsTheRoom(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 200, 50)
	textW, panelW, split := m.paneColumns()
	if !split || textW <= panelW || textW < 80 {
		t.Errorf("at 200 columns: text %d, panels %d, split %v", textW, panelW, split)
	}
}

// ---- 4. acts only on the current step; every dialog names its step ----

// TestBrowsingRefusesActs: while another step is shown, x, space and o act
// on nothing and say to return first; every dialog names its step.
func TestBrowsingRefusesActs(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	m := sizedLive(t, ts.live, 100, 30)
	n := len(ts.records(t))
	m = pressKeys(t, m, "k", "k") // back to step 1, read-only
	if !m.browsing() {
		t.Fatal("k did not browse")
	}
	for _, k := range []string{"x", "space", "o"} {
		m = pressKeys(t, m, k)
		out := plain(m)
		if m.dialog != nil || !strings.Contains(out, "return to the current step (c) first") {
			t.Errorf("%s while browsing: dialog %v\n%s", k, m.dialog != nil, out)
		}
	}
	if got := len(ts.records(t)); got != n {
		t.Errorf("keys while browsing wrote %d records", got-n)
	}
	m = pressKeys(t, m, "c")
	for _, k := range []string{"x", "a", "o", "q"} {
		mm := pressKeys(t, m, k)
		if !strings.Contains(plain(mm), "on: step 3 · Start the replica") {
			t.Errorf("the dialog of %s does not name its step:\n%s", k, plain(mm))
		}
	}
}

// ---- 5. the footer ----

// TestFooterOffersWhatWorksAndAlwaysHelpAndQuit: at 80x24 the footer ends
// with ? and q, offers n only when the gate is open and space only on an
// item, and nothing that acts once the session has ended.
func TestFooterOffersWhatWorksAndAlwaysHelpAndQuit(t *testing.T) {
	ts := newTrustSession(t)
	footer := func(m Model) string {
		lines := strings.Split(plain(m), "\n")
		return lines[len(lines)-1]
	}
	m := sizedLive(t, ts.live, 80, 24)
	f := footer(m)
	if !strings.HasSuffix(strings.TrimRight(f, " "), "? help · q quit") || strings.Contains(f, "n next") || !strings.HasPrefix(f, "space tick item") {
		t.Errorf("blocked step with items: footer %q", f)
	}
	for i := 1; i <= 5; i++ {
		if _, err := ts.live.Tick(fmt.Sprintf("item-%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	m = step(t, m, eventMsg{ev: Event{Snap: ts.live.Snapshot()}, n: 1})
	if f := footer(m); !strings.HasPrefix(f, "n next step") {
		t.Errorf("open gate: the footer does not start with n: %q", f)
	}
	if _, err := ts.live.Quit(); err != nil {
		t.Fatal(err)
	}
	m = step(t, m, eventMsg{ev: Event{Snap: ts.live.Snapshot()}, n: 1})
	f = footer(m)
	for _, gone := range []string{"n next", "space", "o override", "a add note", "x run"} {
		if strings.Contains(f, gone) {
			t.Errorf("ended session: the footer offers %q: %q", gone, f)
		}
	}
	if !strings.Contains(f, "? help · q quit") {
		t.Errorf("ended session: footer %q", f)
	}
	for _, w := range []int{60, 80, 120} {
		m = step(t, m, tea.WindowSizeMsg{Width: w, Height: 24})
		if f := footer(m); ansi.StringWidth(f) > w || !strings.Contains(f, "? help · q quit") {
			t.Errorf("at %d columns: footer %q", w, f)
		}
	}
}

// TestHintContrast: hint text (the footer, dim text, help) keeps a WCAG
// contrast ratio of at least 4.5:1 on common dark and light backgrounds.
func TestHintContrast(t *testing.T) {
	for _, dark := range []bool{true, false} {
		s := NewStyles(dark, UnicodeSymbols)
		bgs := []string{"#ffffff", "#fafafa", "#eeeeee", "#fdf6e3"}
		if dark {
			bgs = []string{"#000000", "#1c1c1c", "#262626", "#282c34", "#2e3436"}
		}
		hs := helpStyles(s)
		for name, fg := range map[string]color.Color{
			"Dim": s.Dim.GetForeground(), "HeaderDim": s.HeaderDim.GetForeground(), "FooterKey": s.FooterKey.GetForeground(),
			"help key": hs.FullKey.GetForeground(), "help desc": hs.FullDesc.GetForeground(), "help separator": hs.ShortSeparator.GetForeground(),
		} {
			for _, bg := range bgs {
				if r := contrast(fg, bg); r < 4.5 {
					t.Errorf("dark=%v: %s on %s: contrast %.2f, want at least 4.5", dark, name, bg, r)
				}
			}
		}
		// The banner brings its own background.
		var bb [3]uint8
		bgc := s.Banner.GetBackground()
		r, g, b, _ := bgc.RGBA()
		bb[0], bb[1], bb[2] = uint8(r>>8), uint8(g>>8), uint8(b>>8)
		if c := contrast(s.Banner.GetForeground(), fmt.Sprintf("#%02x%02x%02x", bb[0], bb[1], bb[2])); c < 4.5 {
			t.Errorf("dark=%v: the banner's text on its background: contrast %.2f", dark, c)
		}
	}
}

// ---- 6. the override dialog ----

// TestOverrideDialogAt80x24: every stage of the dialog is on screen at
// 80x24 (it scrolls inside), no category is chosen for the operator, a
// key typed while a button has the focus reaches the reason, and shift+tab
// goes back the way tab came.
func TestOverrideDialogAt80x24(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 80, 24)
	m = armDialog(t, pressKeys(t, m, "o"))
	if m.dialog == nil {
		t.Fatalf("o opened no dialog:\n%s", plain(m))
	}
	screen := func() string {
		out := plain(m)
		if n := len(strings.Split(out, "\n")); n > 24 {
			t.Errorf("the screen has %d lines at 80x24", n)
		}
		return out
	}
	m = pressKeys(t, m, "tab") // checks -> category
	m = pressKeys(t, m, "tab") // no category chosen
	if !strings.Contains(screen(), "choose a category") {
		t.Errorf("tab past the category went on without a choice:\n%s", plain(m))
	}
	m = pressKeys(t, m, "shift+tab")
	if d := m.dialog.(overrideDialog); d.stage != ovChecks {
		t.Errorf("shift+tab from the category: stage %d", d.stage)
	}
	m = pressKeys(t, m, "tab", "right", "tab") // category, known-issue, reason
	for _, r := range "DBA confirmed it" {
		m = pressKeys(t, m, string(r))
	}
	m = pressKeys(t, m, "tab") // to the Continue button
	m = pressKeys(t, m, "!")   // typed on a button: it goes to the reason
	if d := m.dialog.(overrideDialog); d.reason() != "DBA confirmed it!" || d.onBtn {
		t.Errorf("a key typed on the button: reason %q, on the button %v", d.reason(), d.onBtn)
	}
	m = pressKeys(t, m, "tab", "shift+tab")
	if d := m.dialog.(overrideDialog); d.onBtn || d.stage != ovReason {
		t.Errorf("shift+tab from the buttons: stage %d, on the buttons %v", d.stage, d.onBtn)
	}
	for _, r := range " on the phone" {
		m = pressKeys(t, m, string(r))
	}
	m = pressKeys(t, m, "tab", "enter")
	out := screen()
	for _, want := range []string{"Override the gate", "on: step 1 · Check five things by hand", "4. Confirm", "type yes", "known-issue"} {
		if !strings.Contains(out, want) {
			t.Errorf("the confirm stage at 80x24 lacks %q:\n%s", want, out)
		}
	}
	m = pressKeys(t, m, "y", "e", "s")
	nm, cmd := m.Update(keyMsg("enter"))
	m = nm.(Model)
	if cmd == nil || m.dialog != nil {
		t.Fatalf("yes did not confirm:\n%s", plain(m))
	}
	msg, ok := cmd().(doneMsg)
	if !ok || msg.err != nil {
		t.Fatalf("the override: %#v", msg)
	}
	m = step(t, m, msg)
	// The operator stays on the step, its gate open by override.
	if out := plain(m); !strings.Contains(out, "Check five things by hand") || !strings.Contains(out, "override recorded: the gate is open; n leaves the step") {
		t.Errorf("after the override:\n%s", out)
	}
	m = step(t, m, flashExpiredMsg(m.flashSeq))
	if out := plain(m); !strings.Contains(out, "! gate open by override: press n to leave the step (overridden: item-1,") {
		t.Errorf("after the override's flash:\n%s", out)
	}
}

// ---- 7. values in full ----

// TestValuesViewerShowsEveryValueInFull: a panel cuts a long error to its
// line; enter shows it whole, with the command's multi-line output, in a
// viewer that scrolls; a regex expectation reads "matches /…/".
func TestValuesViewerShowsEveryValueInFull(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	long := strings.Repeat("the master's binary log is gone and the replica cannot go on; ", 6) + "END-OF-ERROR"
	ts.drv.set("Slave_IO_Running", "No", "Last_IO_Errno", "2003", "Last_IO_Error", long)
	ts.drv.mu.Lock()
	ts.drv.raw = "line one of the output\nline two of the output\nline three of the output"
	ts.drv.mu.Unlock()
	var ev Event
	for deadline := time.Now().Add(5 * time.Second); ; {
		var err error
		if ev, err = ts.live.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if c, ok := ev.Snap.Check("replica-running"); ok && c.HasResult && strings.Contains(c.Result.Obs.Error+fmt.Sprint(c.Result.Obs.Rows), "END-OF-ERROR") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no answer with the long error")
		}
	}
	m := step(t, sizedLive(t, ts.live, 80, 24), eventMsg{ev: ev, n: 1})
	out := plain(m)
	if strings.Contains(out, "END-OF-ERROR") {
		t.Fatalf("the panel shows the whole long value: the test needs it cut:\n%s", out)
	}
	m = pressKeys(t, m, "enter")
	var seen strings.Builder
	for range 40 {
		seen.WriteString(plain(m))
		m = pressKeys(t, m, "f")
		m = step(t, m, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	all := strings.Join(strings.Fields(seen.String()), " ")
	for _, want := range []string{"END-OF-ERROR", "line one of the output", "line three of the output", "Every value of step 3 · Start the replica",
		"expected matches /^binlog\\.[0-9]+$/"} {
		if !strings.Contains(all, want) {
			t.Errorf("the viewer never showed %q", want)
		}
	}
	m = pressKeys(t, m, "esc")
	if m.values != nil {
		t.Error("esc did not close the viewer")
	}
}

// ---- 9. one step number ----

// TestStepNumbersAreTheRunbooks: the header and the step list give the
// runbook's numbers, the same as show and list: a skipped step keeps its
// number (the replica step is 3 of 4, not 2 of 3).
func TestStepNumbersAreTheRunbooks(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	out := plain(sizedLive(t, ts.live, 100, 30))
	for _, want := range []string{"step 3/4 ·", "▶ 3 Start the replica", "↷ 2 Drain the proxy", "3. Start the replica"} {
		if !strings.Contains(out, want) {
			t.Errorf("the console lacks %q:\n%s", want, out)
		}
	}
}

// ---- 10. a halted session says so where the eye is ----

// TestHaltedSessionSaysSo: the replica's IO thread fails for good; the
// session halts. The banner shows the runbook's instruction itself, the
// footer offers nothing that acts, and no spinner says a check is polled.
func TestHaltedSessionSaysSo(t *testing.T) {
	ts := newTrustSession(t)
	ts.toReplica(t)
	ts.drv.set("Slave_IO_Running", "No", "Last_IO_Errno", "1236", "Last_IO_Error", "Got fatal error 1236 from master")
	var ev Event
	for deadline := time.Now().Add(5 * time.Second); ev.Snap.Ended != session.EndHalted; {
		var err error
		ev, err = ts.live.Wait(t.Context())
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the session did not halt")
		}
	}
	m := step(t, sizedLive(t, ts.live, 80, 24), eventMsg{ev: ev, n: 1})
	out := plain(m)
	if !strings.Contains(out, "HALTED: Suspend the update until the replica starts and stops cleanly") {
		t.Errorf("the halt instruction is not on screen:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	footer := lines[len(lines)-1]
	for _, gone := range []string{"n next", "x run", "o override", "space", "a add", "r re-poll"} {
		if strings.Contains(footer, gone) {
			t.Errorf("the halted session's footer offers %q: %q", gone, footer)
		}
	}
	if m.needSpinner() || strings.Contains(out, "polling") {
		t.Errorf("a spinner still runs once halted:\n%s", out)
	}
}

// ---- 11. a journal that cannot be written ----

// TestJournalThatCannotBeWritten: the disk fills up; the console says, for
// as long as it runs, that nothing after the last record is recorded,
// refuses every key that needs a record, and never says "saved".
func TestJournalThatCannotBeWritten(t *testing.T) {
	ts := newTrustSession(t)
	m := sizedLive(t, ts.live, 100, 30)
	last := ts.live.Snapshot().LastRecord.Local().Format("15:04:05")
	ts.fj.fail.Store(true)
	m = doKey(t, m, "space")
	banner := "nothing after " + last + " is recorded: free space, then resume"
	if out := plain(m); !strings.Contains(out, banner) {
		t.Fatalf("no banner after the failed write:\n%s", out)
	}
	// The banner lasts past the flash; every key that needs a record is
	// refused, and none is written.
	m = step(t, m, flashExpiredMsg(m.flashSeq))
	if out := plain(m); !strings.Contains(out, banner) {
		t.Fatalf("the banner went with the flash:\n%s", out)
	}
	// Every key that would journal: the session keys, the recovery keys
	// (g, C, p, s) and A (decide an approval).
	for _, k := range []string{"a", "o", "r", "n", "space", "x", "A", "g", "C", "p", "s"} {
		m = doKey(t, m, k)
		if out := plain(m); m.dialog != nil || !strings.Contains(out, "not done: the journal cannot be written") || !strings.Contains(out, banner) {
			t.Errorf("%s after the failed write:\n%s", k, out)
		}
	}
	m = doKey(t, armDialog(t, doKey(t, m, "q")), "right")
	nm, cmd := m.Update(keyMsg("enter"))
	m = nm.(Model)
	for _, msg := range quickMsgs(cmd) {
		if d, ok := msg.(doneMsg); ok {
			m = step(t, m, d)
		}
	}
	if !m.quitting {
		t.Fatalf("q did not leave:\n%s", plain(m))
	}
	bye := m.Goodbye()
	if strings.Contains(bye, "saved") || !strings.Contains(bye, "NOT fully recorded") || !strings.Contains(bye, "no space left on device") ||
		!strings.Contains(bye, "nothing after "+last) {
		t.Errorf("goodbye after a failed write: %q", bye)
	}
	if !errors.Is(m.JournalFailed(), session.ErrJournalWrite) {
		t.Errorf("JournalFailed = %v", m.JournalFailed())
	}
}

// ---- 12. ctrl+c ----

// TestCtrlCLeavesFromEverywhere: ctrl+c in a dialog, in the help and on the
// console leaves at once, quits the session (resumable) and says it was
// interrupted.
func TestCtrlCLeavesFromEverywhere(t *testing.T) {
	for _, open := range []string{"a", "o", "?", ""} {
		t.Run("after "+open, func(t *testing.T) {
			ts := newTrustSession(t)
			tm := startConsole(t, ts.live, 100, 30)
			waitText(t, tm, "Check five things by hand")
			if open != "" {
				press(tm, open)
				time.Sleep(100 * time.Millisecond)
			}
			tm.Send(keyMsg("ctrl+c"))
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			fm := tm.FinalModel(t).(Model)
			if !fm.Interrupted() || fm.Snapshot().Ended != session.EndQuit {
				t.Errorf("ctrl+c: interrupted %v, ended %q", fm.Interrupted(), fm.Snapshot().Ended)
			}
			if bye := fm.Goodbye(); !strings.Contains(bye, "Interrupted") || !strings.Contains(bye, "handrail resume 20261122-020000-beef") {
				t.Errorf("goodbye %q", bye)
			}
		})
	}
}

// contrast is the WCAG 2 contrast ratio of fg on the background bg
// ("#rrggbb").
func contrast(fg color.Color, bg string) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		lin := func(v uint32) float64 {
			x := float64(v) / 0xffff
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	}
	var rgb [3]uint8
	if _, err := fmt.Sscanf(bg, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2]); err != nil {
		panic(err)
	}
	l1, l2 := lum(fg), lum(color.RGBA{rgb[0], rgb[1], rgb[2], 0xff})
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}
