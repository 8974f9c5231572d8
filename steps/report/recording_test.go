package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/steps/journal"
)

// recordedFixture writes a session journal with one recorded console run
// (recording.start, checkpoints) and its .cast file, as the recording
// package would: a marker per event at the record's time. The screen holds
// text that tries to end the report's script.
func recordedFixture(t *testing.T) (jpath, castPath string) {
	t.Helper()
	dir := t.TempDir()
	jpath = filepath.Join(dir, "20261122-021500-ab12.jsonl")
	castPath = filepath.Join(dir, "20261122-021500-ab12.cast")
	started := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	at := started
	clock := func() time.Time { return at }
	w, _, err := journal.Create(jpath, "session.start", map[string]any{
		"session": "20261122-021500-ab12", "runbook": map[string]any{"id": "rb", "title": "Runbook"}, "mode": "live",
	}, journal.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cast, _ := asciicast.AppendHeader(nil, asciicast.Header{Width: 100, Height: 30})
	cp := func(after uint64, final bool) {
		sum := sha256.Sum256(cast)
		if _, err := w.Append(journal.TypeRecordingCheckpoint, journal.RecordingCheckpoint{File: filepath.Base(castPath), Bytes: int64(len(cast)), SHA256: hex.EncodeToString(sum[:]), After: after, Final: final}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Append(journal.TypeRecordingStart, journal.RecordingStart{File: filepath.Base(castPath), Part: 1, Started: started, Width: 100, Height: 30}); err != nil {
		t.Fatal(err)
	}
	cp(0, false)
	for _, e := range []struct {
		after     time.Duration
		typ, data string
		screen    string
	}{
		{2 * time.Second, "step.enter", `{"step":"stop","title":"Stop the replica"}`, "\x1b[HStop the replica"},
		{65 * time.Second, "note", `{"step":"stop","text":"lag is high"}`, "</script><script>alert(1)</script>"},
		{70 * time.Second, "override", `{"step":"stop","checks":["lag"],"category":"known-issue","reason":"the lag view is stale"}`, "OVERRIDE"},
	} {
		at = started.Add(e.after)
		rec, err := w.Append(e.typ, []byte(e.data))
		if err != nil {
			t.Fatal(err)
		}
		cast = asciicast.AppendEvent(cast, asciicast.Event{Time: e.after.Seconds(), Code: "m", Data: e.typ})
		cast = asciicast.AppendEvent(cast, asciicast.Event{Time: e.after.Seconds() + 0.1, Code: "o", Data: e.screen})
		if e.typ != "note" {
			cp(rec.Seq, false)
		}
	}
	at = started.Add(80 * time.Second)
	cp(0, true)
	if err := os.WriteFile(castPath, cast, 0o600); err != nil {
		t.Fatal(err)
	}
	return jpath, castPath
}

func renderBoth(t *testing.T, jpath string) (md, html string, rep *Report) {
	t.Helper()
	rep, err := Load(jpath)
	if err != nil {
		t.Fatal(err)
	}
	var m, h bytes.Buffer
	if err := rep.Markdown(&m); err != nil {
		t.Fatal(err)
	}
	if err := rep.HTML(&h); err != nil {
		t.Fatal(err)
	}
	return m.String(), h.String(), rep
}

func TestReportLinksIntoTheRecording(t *testing.T) {
	jpath, _ := recordedFixture(t)
	md, html, rep := renderBoth(t, jpath)
	if rep.Recording == nil || !rep.Recording.Embed || !rep.Recording.OK() {
		t.Fatalf("recording %+v", rep.Recording)
	}
	for _, rec := range []string{"recording.start", "recording.checkpoint"} {
		if strings.Contains(md, rec) {
			t.Errorf("the timeline shows %s records", rec)
		}
	}
	for _, want := range []string{
		"## Recording",
		"- 20261122-021500-ab12.cast: intact (4 checkpoints",
		// the timeline entries and the override, at their times in the file
		"entered · [▶ 0:02 in 20261122-021500-ab12.cast](20261122-021500-ab12.cast)",
		"lag is high · [▶ 1:05 in 20261122-021500-ab12.cast](20261122-021500-ab12.cast)",
		"- **When:** 2026-11-22 02:16:10 UTC · [▶ 1:10 in 20261122-021500-ab12.cast]",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown report lacks %q:\n%s", want, md)
		}
	}
	// The player plays pauses cut to 2 s: 0:02 stays, 1:05 plays at 4.1 s, 1:10 at 6.2 s.
	for _, want := range []string{
		`<div id="player"></div>`,
		`var AsciinemaPlayer=`,
		`.ap-wrapper`, // the player's stylesheet
		`data-t="2.000"`, `data-t="4.100"`, `data-t="6.200"`,
		`<h3>Override 1: step <code>stop</code> — known-issue<a class="rec" href="#recording" data-t="6.200"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	// The recording is data in a script: nothing in it can end the script.
	if n := strings.Count(html, "</script>"); n != 2 {
		t.Errorf("the page has %d </script>, want 2 (the player and its start): the recording broke out", n)
	}
	if strings.Contains(html, "<script>alert(1)") {
		t.Error("the recording's text reached the page as markup")
	}
}

func TestReportSaysARecordingWasAltered(t *testing.T) {
	jpath, castPath := recordedFixture(t)
	b, _ := os.ReadFile(castPath)
	if err := os.WriteFile(castPath, bytes.Replace(b, []byte("OVERRIDE"), []byte("override"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	md, html, _ := renderBoth(t, jpath)
	if !strings.Contains(md, "20261122-021500-ab12.cast: ALTERED: the recording was edited") || !strings.Contains(html, "ALTERED: the recording was edited") {
		t.Errorf("the reports do not say the recording was edited:\n%s", md)
	}
}

func TestReportWithoutTheRecordingFileLinksIt(t *testing.T) {
	jpath, castPath := recordedFixture(t)
	if err := os.Remove(castPath); err != nil {
		t.Fatal(err)
	}
	_, html, rep := renderBoth(t, jpath)
	if rep.Recording.Embed || strings.Contains(html, "AsciinemaPlayer") || !strings.Contains(html, "the recording is missing") {
		t.Errorf("embed %v, why %q", rep.Recording.Embed, rep.Recording.Why)
	}
	if !strings.Contains(html, `<a href="20261122-021500-ab12.cast"><code>20261122-021500-ab12.cast</code></a>`) {
		t.Error("the HTML report does not link the .cast file")
	}
}

// The vendored player is the one player/README.md describes.
func TestVendoredPlayerMatchesItsReadme(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("player", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| [^|]+ \\| `([0-9a-f]{64})` \\|$")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 2 {
		t.Fatalf("README rows %v", rows)
	}
	for _, r := range rows {
		b, err := os.ReadFile(filepath.Join("player", r[1]))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != r[2] {
			t.Errorf("player/%s does not hash to the README's %s", r[1], r[2])
		}
	}
	if lic, err := os.ReadFile(filepath.Join("player", "LICENSE")); err != nil || !strings.Contains(string(lic), "Apache License") {
		t.Errorf("player/LICENSE: %v", err)
	}
	if len(playerJS)+len(playerCSS) > 1<<20 {
		t.Errorf("the player adds %d bytes to the binary, more than 1 MB", len(playerJS)+len(playerCSS))
	}
}

// TestRecordedReportCarriesNoControl: the page with the player inline holds
// no raw control byte (the vendored player's few are written as \xNN, the
// same characters to JavaScript), so it passes the sanitizing rule whole.
func TestRecordedReportCarriesNoControl(t *testing.T) {
	jpath, _ := recordedFixture(t)
	_, html, _ := renderBoth(t, jpath)
	if !strings.Contains(html, "var AsciinemaPlayer=") {
		t.Fatal("the page has no player")
	}
	for i, r := range html {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("the page carries %U raw at byte %d: %q", r, i, html[max(0, i-40):min(len(html), i+40)])
		}
	}
	if want := `"ALiS\x01"`; !strings.Contains(html, want) {
		t.Errorf("the player's control bytes are not written as escapes (%s)", want)
	}
}
