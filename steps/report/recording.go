package report

import (
	_ "embed" // the vendored player
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/handrail/handrail/internal/asciicast"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

// The offline asciinema-player (player/README.md says where it comes from).
var (
	//go:embed player/asciinema-player.min.js
	playerJS string
	//go:embed player/asciinema-player.css
	playerCSS string
)

// maxEmbed caps the recordings a report embeds: a 30-minute session
// records well under 10 MB; past this the report links the files instead.
const maxEmbed = 64 << 20

// PlaybackIdle is the longest pause the report's player keeps, in seconds
// (longer ones, and the gaps between console runs, play as this long).
const PlaybackIdle = 2.0

// Recording is what the report says about a session's recordings
// (docs/recording.md): each part, whether it matches the journal's
// checkpoints, and the joined recording the HTML report embeds.
type Recording struct {
	Result journal.CastResult
	// Embed is set when the HTML report carries the player; Why says why
	// not, when it does not.
	Embed bool
	Why   string

	joined *asciicast.Joined
	parts  []int // the res.Parts index of each joined part
	runs   []castRun
}

// castRun is one console run: from its first record's time on, records
// belong to the recording part Part (-1: the run was not recorded).
type castRun struct {
	from time.Time
	part int
}

// castRuns finds the console runs of a journal from the records castRecord
// keeps, as journal.CastTimes does for a whole journal: a run begins with
// session.start, or with the journal.repair and session.resume a resume
// journals, and belongs to the part whose recording.start it holds.
func castRuns(recs []journal.Record, parts []journal.CastPart) []castRun {
	index := map[string]int{}
	for i, p := range parts {
		index[p.File] = i
	}
	runs := []castRun{{part: -1}} // the first run, from session.start
	for i, r := range recs {
		switch r.Type {
		case session.EvJournalRepair:
			runs = append(runs, castRun{from: r.Time, part: -1})
		case session.EvSessionResume:
			if i == 0 || recs[i-1].Type != session.EvJournalRepair {
				runs = append(runs, castRun{from: r.Time, part: -1})
			}
		case journal.TypeRecordingStart:
			var d journal.RecordingStart
			if r.Decode(&d) == nil {
				if k, ok := index[d.File]; ok {
					runs[len(runs)-1].part = k
				}
			}
		}
	}
	return runs
}

// castTime places a record of time t in the recordings (Part -1 when its
// run was not recorded).
func (rec *Recording) castTime(t time.Time) journal.CastTime {
	run := castRun{part: -1}
	for _, r := range rec.runs {
		if r.from.After(t) {
			break
		}
		run = r
	}
	if run.part < 0 {
		return journal.CastTime{Part: -1}
	}
	at := t.Sub(rec.Result.Parts[run.part].Started).Seconds()
	if at < 0 {
		at = 0
	}
	return journal.CastTime{Part: run.part, At: at}
}

// isRecordingRecord reports whether a journal record belongs to the
// recording (Build leaves them out of the timeline).
func isRecordingRecord(typ string) bool {
	switch typ {
	case journal.TypeRecordingStart, journal.TypeRecordingCheckpoint, journal.TypeRecordingOff:
		return true
	}
	return false
}

// castRecord reports whether recordingOf needs records of type typ: the
// recording records, and those that begin a console run (a resume's
// journal.repair and session.resume).
func castRecord(typ string) bool {
	return isRecordingRecord(typ) || typ == session.EvJournalRepair || typ == session.EvSessionResume
}

// recordingOf reads the recordings the journal at path names, beside it,
// and checks them; recs are the journal's records castRecord keeps, in
// order. It is nil when the session has no recording records at all.
func recordingOf(path string, recs []journal.Record) *Recording {
	res := journal.VerifyRecordings(path, recs)
	if !res.Recorded() && len(res.Off) == 0 {
		return nil
	}
	rec := &Recording{Result: res, runs: castRuns(recs, res.Parts)}
	if !res.Recorded() {
		rec.Why = "no console run of this session was recorded"
		return rec
	}
	var parts []asciicast.Part
	var size int64
	for i, p := range res.Parts {
		if p.Path == "" || p.Kind == journal.CastMissing || p.Kind == journal.CastUnsafe {
			continue
		}
		size += p.Size
		if size > maxEmbed {
			rec.Why = fmt.Sprintf("the recordings are larger than %d MB: open the .cast files with `handrail replay`", maxEmbed>>20)
			return rec
		}
		c, err := parseCastFile(p.Path)
		if err != nil {
			rec.Why = err.Error()
			return rec
		}
		parts = append(parts, asciicast.Part{Cast: c, Name: p.File})
		rec.parts = append(rec.parts, i)
	}
	if len(parts) == 0 {
		rec.Why = "no recording file can be read"
		return rec
	}
	rec.joined = asciicast.Join(parts, PlaybackIdle)
	rec.Embed = true
	return rec
}

func parseCastFile(path string) (*asciicast.Cast, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w", err)
	}
	defer f.Close() //nolint:errcheck // opened read-only: a failed close cannot lose data
	c, err := asciicast.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", filepath.Base(path), err)
	}
	return c, nil
}

// Place is where an event falls in the recording.
type Place struct {
	File string  // the part's file name
	At   float64 // seconds into that file
	Play float64 // seconds into the report's player (parts joined, pauses cut)
}

// PlaceOf is where the journal record of time t falls in the recording
// (false when that console run was not recorded).
func (r *Report) PlaceOf(t time.Time) (Place, bool) {
	rec := r.Recording
	if rec == nil {
		return Place{}, false
	}
	ct := rec.castTime(t)
	if ct.Part < 0 || ct.Part >= len(rec.Result.Parts) || rec.Result.Parts[ct.Part].Path == "" {
		return Place{}, false // not recorded, or a name CastPath refused
	}
	p := Place{File: rec.Result.Parts[ct.Part].File, At: ct.At}
	for k, pi := range rec.parts {
		if pi == ct.Part {
			p.Play = rec.joined.At(k, ct.At)
		}
	}
	return p, true
}

// recClock is a time in a recording: 1:02:03, 4:05.
func recClock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// CastRef is a link from the HTML report into the recording (the template
// "reclink" draws it).
type CastRef struct {
	Embed  bool   // to the embedded player's moment, else to the .cast file
	T      string // the player's time, seconds
	File   string
	At     string // the time in File
	PlayAt string // the time in the player
}

// CastLink is the link from an entry at time t into the recording (nil
// when its console run was not recorded).
func (r *Report) CastLink(t time.Time) *CastRef {
	p, ok := r.PlaceOf(t)
	if !ok {
		return nil
	}
	return &CastRef{Embed: r.Recording.Embed, T: fmt.Sprintf("%.3f", p.Play), File: p.File, At: recClock(p.At), PlayAt: recClock(p.Play)}
}

// castMD is the Markdown link from an entry at time t into the recording.
func (r *Report) castMD(t time.Time) string {
	p, ok := r.PlaceOf(t)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" · [▶ %s in %s](%s)", recClock(p.At), mdText(p.File), p.File)
}

// recordingMD writes the Markdown report's Recording section.
func (r *Report) recordingMD(w interface{ WriteString(string) (int, error) }) {
	rec := r.Recording
	if rec == nil {
		return
	}
	for _, line := range rec.Lines() {
		_, _ = w.WriteString("- " + mdText(line) + "\n") // the report's bufio.Writer keeps its first error
	}
}

// Lines say, in words, each part and whether it matches the journal.
func (rec *Recording) Lines() []string {
	var out []string
	for _, p := range rec.Result.Parts {
		switch {
		case !p.OK():
			out = append(out, fmt.Sprintf("%s: ALTERED: %s", p.File, p.Problem))
		case p.Tail > 0:
			out = append(out, fmt.Sprintf("%s: intact up to its last checkpoint (%d checkpoints); %d bytes after it are not covered (the run stopped before its final checkpoint)", p.File, p.Checkpoints, p.Tail))
		default:
			s := fmt.Sprintf("%s: intact (%d checkpoints, %d bytes", p.File, p.Checkpoints, p.Verified)
			if p.End != "" {
				s += ", ended " + p.End
			}
			out = append(out, s+")")
		}
	}
	for _, o := range rec.Result.Off {
		out = append(out, "one console run was not recorded: "+o)
	}
	if rec.Result.Problem != "" && len(rec.Result.Parts) == 0 {
		out = append(out, "ALTERED: "+rec.Result.Problem)
	}
	return out
}

// OK reports whether every recording matches the journal.
func (rec *Recording) OK() bool { return rec.Result.OK() }

// PlayerCSS is the vendored player's stylesheet.
func (rec *Recording) PlayerCSS() template.CSS { return template.CSS(playerCSS) } //nolint:gosec // vendored, checked against player/README.md

// PlayerJS is the vendored player, with the few raw control bytes its
// string literals hold written as \xNN escapes (the same string to
// JavaScript): the page then holds no control byte at all, and passes
// through the sanitizing rule whole (Report.HTML).
func (rec *Recording) PlayerJS() template.JS { return template.JS(playerJSEscaped) } //nolint:gosec // vendored, checked against player/README.md

// playerJSEscaped is playerJS with its raw control bytes escaped.
var playerJSEscaped = escapeJSControls(playerJS)

// escapeJSControls writes every C0 control byte but newline and tab, and
// DEL, as \xNN: in the vendored player they stand only inside string and
// template literals, where \xNN is the same character.
func escapeJSControls(js string) string {
	var b strings.Builder
	b.Grow(len(js))
	for i := 0; i < len(js); i++ {
		c := js[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			fmt.Fprintf(&b, "\\x%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Cast is the joined recording, for the player (html/template quotes it
// as a JavaScript string).
func (rec *Recording) Cast() string {
	if rec.joined == nil {
		return ""
	}
	return string(rec.joined.Cast("handrail session recording"))
}

// Size is the joined recording's width and height.
func (rec *Recording) Size() (int, int) {
	if rec.joined == nil {
		return 80, 24
	}
	return rec.joined.Width, rec.joined.Height
}

// Cols and Rows are Size's parts, for the template.
func (rec *Recording) Cols() int { w, _ := rec.Size(); return w }

// Rows is the joined recording's height.
func (rec *Recording) Rows() int { _, h := rec.Size(); return h }

// Files names the recording files, for a link when nothing is embedded.
func (rec *Recording) Files() []string {
	var out []string
	for _, p := range rec.Result.Parts {
		if p.Path != "" { // a name CastPath accepts
			out = append(out, p.File)
		}
	}
	return out
}

// recordingHTML is the HTML report's Recording section and the player's
// script, added to pageTmpl as the templates "recording" and
// "recording-script".
const recordingHTML = `{{define "reclink"}}{{with .}}{{if .Embed}}<a class="rec" href="#recording" data-t="{{.T}}" title="{{.File}} at {{.At}}">▶ {{.PlayAt}}</a>{{else}}<a class="rec" href="{{.File}}" title="at {{.At}} in {{.File}}">▶ {{.At}}</a>{{end}}{{end}}{{end}}
{{define "recording"}}{{with .Recording}}
<h2 id="recording">Recording{{template "badge" $}}</h2>
<ul>
{{- range .Lines}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- if .Embed}}
<p>What the operator saw. Each ▶ in the overrides and the timeline jumps here, to its moment; the player's chapters are the session's events.</p>
<div id="player"></div>
{{- else}}
<p>{{.Why}}. The recording files, beside the journal: {{range $i, $f := .Files}}{{if $i}}, {{end}}<a href="{{$f}}"><code>{{$f}}</code></a>{{end}} (play them with <code>handrail replay</code>).</p>
{{- end}}
{{- end}}{{end}}
{{define "recording-head"}}{{with .Recording}}{{if .Embed}}
<style>{{.PlayerCSS}}</style>
<style>a.rec{font-size:.8rem;margin-left:.5rem;text-decoration:none}#player{max-width:100%;margin:.5rem 0 1rem}</style>
{{- end}}{{end}}{{end}}
{{define "recording-script"}}{{with .Recording}}{{if .Embed}}
<script>{{.PlayerJS}}</script>
<script>
(function () {
  var player = AsciinemaPlayer.create({data: {{.Cast}}}, document.getElementById("player"),
    {cols: {{.Cols}}, rows: {{.Rows}}, fit: "width", terminalFontSize: "small"});
  document.querySelectorAll("a.rec[data-t]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      document.getElementById("recording").scrollIntoView();
      Promise.resolve(player.seek(parseFloat(a.dataset.t))).then(function () { player.play(); });
    });
  });
})();
</script>
{{- end}}{{end}}{{end}}`

func init() {
	template.Must(pageTmpl.New("recording").Parse(recordingHTML))
}
