package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The serve tests run `handrail serve` on loopback and connect to it with
// the real OpenSSH client (Debian's openssh-client), one tmux terminal per
// person, each with an ed25519 key generated for the test. The team:
// alice operates (and may approve others' requests), bob approves, carol
// observes; eve's key is in no team file.

// servePeople are the team file's people and roles.
var servePeople = []struct{ name, roles string }{
	{"alice", "[operator, approver]"},
	{"bob", "[approver, observer]"},
	{"carol", "[observer]"},
}

type serveFix struct {
	t        *testing.T
	dir      string
	stateDir string
	teamPath string
	port     string
	log      string
	stop     func() // SIGTERM to serve, and wait until it exited cleanly
	launches int
}

// startServe generates the keys and the team file, puts a copy of the
// ThinMan runbook whose every override needs approval in the state
// directory's runbooks/, and starts handrail serve on a free loopback port.
func startServe(t *testing.T) *serveFix {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("e2e: the OpenSSH client (ssh) is not installed: run ./scripts/test.sh, which installs it (apt-get install openssh-client)")
	}
	dir := t.TempDir()
	f := &serveFix{t: t, dir: dir, stateDir: filepath.Join(dir, "state")}
	var team strings.Builder
	team.WriteString("people:\n")
	for _, who := range []string{"alice", "bob", "carol", "eve"} {
		key := filepath.Join(dir, who)
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who+"@e2e", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		pub, err := os.ReadFile(key + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range servePeople {
			if p.name == who {
				fmt.Fprintf(&team, "  - name: %s\n    keys: [%q]\n    roles: %s\n", who, strings.TrimSpace(string(pub)), p.roles)
			}
		}
	}
	f.teamPath = filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(f.teamPath, []byte(team.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f.twoPersonRunbook()
	f.launch()
	if !strings.Contains(f.logText(), "generated a host key: SHA256:") {
		t.Errorf("serve should print the fingerprint of the host key it generated:\n%s", f.logText())
	}
	st, err := os.Stat(filepath.Join(f.stateDir, "serve_host_ed25519_key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("host key: %v, mode %v; want a file of mode 0600", err, st.Mode())
	}
	return f
}

// launch starts handrail serve on a free loopback port, its output in a
// log of its own, and waits until it listens. It is stopped at the test's
// end unless stop stopped it.
func (f *serveFix) launch() {
	t := f.t
	t.Helper()
	f.launches++
	f.log = filepath.Join(f.dir, fmt.Sprintf("serve-%d.log", f.launches))
	logf, err := os.Create(f.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(handrail(t), "serve", "--listen", "127.0.0.1:0", "--team", f.teamPath, "--state-dir", f.stateDir)
	cmd.Env = tmuxEnv(nil)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start handrail serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); _ = logf.Close() }()
	var once sync.Once
	f.port = ""
	f.stop = func() { once.Do(func() { f.stopCmd(cmd, exited) }) }
	t.Cleanup(f.stop)
	listenRe := regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)`)
	deadline := time.Now().Add(wait)
	for f.port == "" {
		if m := listenRe.FindStringSubmatch(f.logText()); m != nil {
			f.port = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handrail serve did not say where it listens within %s:\n%s", wait, f.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *serveFix) stopCmd(cmd *exec.Cmd, exited chan error) {
	t := f.t
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("handrail serve did not stop cleanly on SIGTERM: %v\n%s", err, f.logText())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Errorf("handrail serve did not stop within 20s of SIGTERM\n%s", f.logText())
	}
}

// twoPersonRunbook copies the bundled ThinMan runbook and its happy
// scenario into the state directory as thinman-two-person, with every
// override marked approval: required.
func (f *serveFix) twoPersonRunbook() {
	t := f.t
	rb, err := os.ReadFile("../runbooks/thinman-dual-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := os.ReadFile("../runbooks/scenarios/thinman-dual-db/happy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(rb), "id: thinman-dual-db\n", "id: thinman-two-person\napproval:\n  overrides: required\n", 1)
	if text == string(rb) {
		t.Fatal("the bundled ThinMan runbook no longer starts with its id line")
	}
	scDir := filepath.Join(f.stateDir, "runbooks", "scenarios", "thinman-two-person")
	if err := os.MkdirAll(scDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.stateDir, "runbooks", "thinman-two-person.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	scText := strings.Replace(string(sc), "runbook: thinman-dual-db", "runbook: thinman-two-person", 1)
	if err := os.WriteFile(filepath.Join(scDir, "happy.yaml"), []byte(scText), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *serveFix) logText() string {
	b, _ := os.ReadFile(f.log)
	return string(b)
}

// ssh opens a terminal in which who connects with the real OpenSSH client.
func (f *serveFix) ssh(who string, w, h int) console {
	f.t.Helper()
	argv := []string{"ssh", "-F", "/dev/null", "-t", "-p", f.port, "-i", filepath.Join(f.dir, who),
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new",
		"-o", "UserKnownHostsFile=" + filepath.Join(f.dir, "known_hosts"), "-o", "LogLevel=ERROR",
		who + "@127.0.0.1"}
	return console{startTerm(f.t, who, w, h, nil, argv...), f.stateDir}
}

// pick moves the picker's cursor to the line holding text and presses
// enter.
func (c console) pick(text string) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		s := c.screen()
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "▶ ") && strings.Contains(l, text) {
				c.keys("Enter")
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: no line with %q to pick:\n%s", c.name, text, frame(s))
		}
		c.keys("Down")
		time.Sleep(150 * time.Millisecond)
	}
}

// startRehearsal starts a rehearsal of runbook id's happy scenario from
// the picker and waits for its first step.
func (c console) startRehearsal(id string) string {
	c.t.Helper()
	c.waitFor("Sessions")
	c.keys("n")
	c.waitFor("choose a runbook")
	c.pick(id)
	c.waitFor("rehearse: happy")
	c.pick("rehearse: happy")
	c.waitStep(stepBackup)
	return sessionID(c.t, c.stateDir)
}

// recordsOf lists the journal's records of type typ.
func recordsOf(t *testing.T, stateDir, id, typ string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(journalText(t, stateDir, id)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"type":"`+typ+`"`) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// override asks to override the first step's unticked backup item: o, the
// check, a category, a reason, yes.
func (c console) override() {
	c.t.Helper()
	c.keys("o")
	c.waitFor("Override the gate")
	time.Sleep(dialogArm)
	c.keys("Tab")
	c.waitFor("▸ 2. Category")
	c.keys("Right", "Right", "Tab")
	c.waitFor("▸ 3. Reason")
	c.keys("-l", "the backup ran at 01:00 and the DBA verified it")
	c.keys("Tab")
	c.keys("Enter")
	c.waitFor("type yes")
	c.keys("-l", "yes")
	c.keys("Enter")
}

func TestServeRefusesUnknownKey(t *testing.T) {
	t.Parallel()
	f := startServe(t)
	eve := f.ssh("eve", 100, 30)
	eve.waitFor("Permission denied (publickey)")
	if code := eve.waitExit(wait); code != 255 {
		t.Errorf("ssh with a key not in the team file exited %d, want 255", code)
	}
	if !strings.Contains(f.logText(), "key refused") {
		t.Errorf("serve's log should say it refused the key:\n%s", f.logText())
	}
	if m, _ := filepath.Glob(filepath.Join(f.stateDir, "*.jsonl")); len(m) != 0 {
		t.Errorf("a refused key left journals: %v", m)
	}
}

// TestServeObserverWatchesRehearsal: carol watches the rehearsal alice
// drives, live, with the values alice sees, and can change nothing; her
// join and leave are journaled and the report lists her.
func TestServeObserverWatchesRehearsal(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-dual-db")

	obs := f.ssh("carol", w, h)
	s := obs.waitFor(id)
	if !strings.Contains(s, "alice") || !strings.Contains(s, "driven here") {
		t.Errorf("the picker should list alice's session as driven here:\n%s", frame(s))
	}
	obs.pick(id)
	obs.waitStep(stepBackup)
	obs.waitFor("WATCHING (read-only)")

	op.tickAll(manualItems[stepBackup])
	obs.waitFor("[x] A complete backup")
	op.next(stepBackup)
	obs.waitStep(stepInstallers)
	op.tickAll(manualItems[stepInstallers])
	op.next(stepInstallers)
	obs.waitStep(stepStopReplica)
	// The values the operator sees, as they change: the simulated replica
	// stops after STOP REPLICA.
	op.runAction("STOP REPLICA")
	op.waitFor(gateReady)
	s = obs.waitFor("Slave_IO_Running:  No")
	requireRow(t, s, "Slave_IO_Running:", "No", "✔")

	// What a key could journal: anything but the poller's own records
	// (check.status when values change, the check.fresh heartbeat), which
	// go on while the test runs.
	acts := func() int {
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(journalText(t, f.stateDir, id)), "\n") {
			if !strings.Contains(l, `"type":"check.status"`) && !strings.Contains(l, `"type":"check.fresh"`) {
				n++
			}
		}
		return n
	}
	records := acts()
	for _, k := range []string{"n", "x", "Space"} {
		obs.keys(k)
		obs.waitFor("watch mode is read-only")
		obs.waitUntil("the read-only flash to pass", wait, func(s string) bool { return !strings.Contains(s, "watch mode is read-only") })
	}
	if got := acts(); got != records {
		t.Errorf("keys in the observer's console added %d journal records", got-records)
	}
	if got := stepOf(op.screen()); got != stepStopReplica {
		t.Errorf("keys in the observer's console moved the operator to step %d", got)
	}

	obs.keys("q")
	obs.waitFor("Sessions")
	op.next(stepStopReplica)
	op.waitStep(stepStopReplica + 1)

	joins, leaves := recordsOf(t, f.stateDir, id, "watch.join"), recordsOf(t, f.stateDir, id, "watch.leave")
	if len(joins) != 1 || len(leaves) != 1 {
		t.Fatalf("want one watch.join and one watch.leave, got %d and %d", len(joins), len(leaves))
	}
	for _, r := range append(joins, leaves...) {
		if !strings.Contains(r, `"name":"carol"`) || !strings.Contains(r, `"key":"SHA256:`) || !strings.Contains(r, `"ssh_client":"127.0.0.1 `) {
			t.Errorf("a watch record should say who (name and key) and from where: %s", r)
		}
	}
	start := recordsOf(t, f.stateDir, id, "session.start")[0]
	if !strings.Contains(start, `"name":"alice"`) || !strings.Contains(start, `"key":"SHA256:`) || !strings.Contains(start, `"ssh_client":"127.0.0.1 `) {
		t.Errorf("session.start should name the authenticated operator, her key and her address: %s", start)
	}
	rep, errOut, code := cli(t, nil, "report", id, "--state-dir", f.stateDir)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(rep, "Watched by") || !strings.Contains(rep, "carol") {
		t.Errorf("the report should list who watched:\n%s", rep)
	}
}

// TestServeApprovalWaitsForApprover: an override the runbook marks
// approval: required waits, visibly, until bob approves it from a third
// connection; then it is carried out, journaled with bob's identity.
func TestServeApprovalWaitsForApprover(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-two-person")
	obs := f.ssh("carol", w, h)
	obs.waitFor(id)
	obs.pick(id)
	obs.waitStep(stepBackup)

	op.override()
	op.waitFor("waiting for approval")
	if n := len(recordsOf(t, f.stateDir, id, "approval.request")); n != 1 {
		t.Fatalf("want one approval.request, got %d", n)
	}
	time.Sleep(time.Second)
	if got := stepOf(op.screen()); got != stepBackup {
		t.Fatalf("the override went through without approval: step %d", got)
	}
	// The observer sees the request wait too, and cannot decide it.
	obs.waitFor("waiting for approval")
	obs.keys("A")
	obs.waitFor("only a person with the approver role decides")

	app := f.ssh("bob", w, h)
	app.waitFor(id)
	app.pick(id)
	app.waitFor("A to decide")
	app.keys("A")
	app.waitFor("Approval request")
	s := app.waitFor("override backup-done")
	if !strings.Contains(s, "alice") {
		t.Errorf("the approval dialog should name who asks:\n%s", frame(s))
	}
	time.Sleep(dialogArm)
	app.keys("Left")
	app.waitFor("approve   ( ) reject")
	app.keys("Tab")
	app.keys("-l", "checked the backup log attached to the ticket")
	app.keys("Tab", "Enter")
	app.waitFor("decision recorded")

	// The granted override opened the gate; the operator leaves the step.
	op.waitFor("gate open by override")
	op.next(stepBackup)
	op.waitStep(stepInstallers)
	obs.waitStep(stepInstallers)
	grants := recordsOf(t, f.stateDir, id, "approval.grant")
	if len(grants) != 1 {
		t.Fatalf("want one approval.grant, got %d", len(grants))
	}
	for _, want := range []string{`"name":"bob"`, `"key":"SHA256:`, `"reason":"checked the backup log attached to the ticket"`, `"evidence":[`} {
		if !strings.Contains(grants[0], want) {
			t.Errorf("approval.grant lacks %s: %s", want, grants[0])
		}
	}
	j := journalText(t, f.stateDir, id)
	if g, o := strings.Index(j, `"type":"approval.grant"`), strings.Index(j, `"type":"override"`); o < 0 || o < g {
		t.Errorf("the override should be journaled after the grant")
	}
	if out, _, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir); code != 0 {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	// The operator's recording marks the request and bob's grant, as
	// journaled.
	_, _, events := readCast(t, filepath.Join(f.stateDir, id+".cast"))
	markers := map[string][]string{}
	for _, e := range events {
		if e.Code == "m" {
			markers[markerKind(e.Data)] = append(markers[markerKind(e.Data)], e.Data)
		}
	}
	if len(markers["approval.request"]) != 1 || len(markers["approval.grant"]) != 1 || !strings.Contains(markers["approval.grant"][0], "by bob") {
		t.Errorf("approval markers in the operator's recording: %q", markers)
	}
}

// TestServeNoSelfApproval: alice has the approver role, yet she can never
// approve her own request, neither in her console nor from a second
// connection with her key.
func TestServeNoSelfApproval(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-two-person")
	op.override()
	op.waitFor("waiting for approval")
	op.keys("A")
	op.waitFor("you asked for it")

	again := f.ssh("alice", w, h)
	again.waitFor(id)
	again.pick(id)
	s := again.waitFor("waiting for approval")
	if strings.Contains(s, "A to decide") {
		t.Errorf("alice's second console offers her own request to decide:\n%s", frame(s))
	}
	again.keys("A")
	again.waitFor("you asked for it")

	time.Sleep(time.Second)
	if n := len(recordsOf(t, f.stateDir, id, "approval.grant")); n != 0 {
		t.Errorf("alice's own request was granted (%d approval.grant)", n)
	}
	if got := stepOf(op.screen()); got != stepBackup {
		t.Errorf("the override went through: step %d", got)
	}
}

// TestServeOperatorDropLeavesResumable: killing the operator's ssh client
// leaves the session interrupted (no session.end) and resumable; the
// observer is told and her watch.leave is journaled then, and leaving
// afterwards changes nothing; the operator resumes from the picker on a new
// connection.
func TestServeOperatorDropLeavesResumable(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-dual-db")
	op.tickAll(manualItems[stepBackup])
	op.next(stepBackup)
	obs := f.ssh("carol", w, h)
	obs.waitFor(id)
	obs.pick(id)
	obs.waitStep(stepInstallers)

	if err := syscall.Kill(op.pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("kill the operator's ssh client: %v", err)
	}
	// The killed client leaves its screen as it was; its exit line is
	// printed wherever the cursor was, and may wrap: read it joined.
	if code := op.waitExit(wait); code == 0 {
		t.Errorf("the killed ssh client exited 0")
	}
	obs.waitFor("connection dropped")
	deadline := time.Now().Add(wait)
	for {
		out, _, _ := cli(t, nil, "sessions", "--state-dir", f.stateDir)
		if strings.Contains(out, "interrupted (rehearsal)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dropped session should be listed interrupted:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := len(recordsOf(t, f.stateDir, id, "session.end")); n != 0 {
		t.Fatalf("a dropped operator's session has %d session.end", n)
	}
	// carol's visit ends at the drop: the close journals her watch.leave,
	// and after it only the recording's final checkpoint.
	leaves := recordsOf(t, f.stateDir, id, "watch.leave")
	if len(leaves) != 1 || !strings.Contains(leaves[0], `"name":"carol"`) {
		t.Fatalf("want carol's watch.leave journaled at the drop, got %v", leaves)
	}
	text := journalText(t, f.stateDir, id)
	for _, line := range strings.Split(strings.TrimSpace(text[strings.Index(text, leaves[0])+len(leaves[0]):]), "\n") {
		if line != "" && !strings.Contains(line, `"type":"recording.`) {
			t.Errorf("after carol's watch.leave the drop journaled: %s", line)
		}
	}
	records := strings.Count(text, "\n")
	obs.keys("q")
	obs.waitFor("Sessions")
	if got := strings.Count(journalText(t, f.stateDir, id), "\n"); got != records {
		t.Errorf("the observer leaving a closed session added %d records", got-records)
	}

	op = f.ssh("alice", w, h)
	op.waitFor(id)
	op.pick(id)
	op.waitStep(stepInstallers)
	resumes := recordsOf(t, f.stateDir, id, "session.resume")
	if len(resumes) != 1 || !strings.Contains(resumes[0], `"name":"alice"`) || !strings.Contains(resumes[0], `"key":"SHA256:`) ||
		!strings.Contains(resumes[0], `"ssh_client":"127.0.0.1 `) {
		t.Fatalf("want one session.resume by alice with her key and address, got %v", resumes)
	}
	op.tickAll(manualItems[stepInstallers])
	op.next(stepInstallers)
	if out, _, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir); code != 0 {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}

// TestServeSIGTERMLeavesResumable: SIGTERM to serve while alice drives a
// session and carol watches it: serve exits 0, both clients are let go, the
// session is interrupted with no session.end (carol's watch.leave is
// journaled), its journal and recording verify, and alice resumes it from
// the picker of the next serve.
func TestServeSIGTERMLeavesResumable(t *testing.T) {
	t.Parallel()
	const w, h = 120, 34
	f := startServe(t)
	op := f.ssh("alice", w, h)
	id := op.startRehearsal("thinman-dual-db")
	op.tickAll(manualItems[stepBackup])
	op.next(stepBackup)
	obs := f.ssh("carol", w, h)
	obs.waitFor(id)
	obs.pick(id)
	obs.waitStep(stepInstallers)

	f.stop()
	if !strings.Contains(f.logText(), "stopped; sessions that were being driven are interrupted and resumable") {
		t.Errorf("serve's last word on SIGTERM:\n%s", f.logText())
	}
	op.waitExit(wait)
	obs.waitExit(wait)
	if n := len(recordsOf(t, f.stateDir, id, "session.end")); n != 0 {
		t.Fatalf("a session serve stopped driving has %d session.end", n)
	}
	if leaves := recordsOf(t, f.stateDir, id, "watch.leave"); len(leaves) != 1 || !strings.Contains(leaves[0], `"name":"carol"`) {
		t.Errorf("want carol's watch.leave journaled at the stop, got %v", leaves)
	}
	if out, _, _ := cli(t, nil, "sessions", "--state-dir", f.stateDir); !strings.Contains(out, "interrupted (rehearsal)") {
		t.Errorf("the session should be listed interrupted:\n%s", out)
	}
	if out, errOut, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir); code != 0 {
		t.Fatalf("verify after the stop: exit %d\n%s%s", code, out, errOut)
	}

	f.launch()
	op = f.ssh("alice", w, h)
	op.waitFor(id)
	op.pick(id)
	op.waitStep(stepInstallers)
	if n := len(recordsOf(t, f.stateDir, id, "session.resume")); n != 1 {
		t.Fatalf("want one session.resume, got %d", n)
	}
	op.tickAll(manualItems[stepInstallers])
	op.next(stepInstallers)
	if out, errOut, code := cli(t, nil, "verify", id, "--state-dir", f.stateDir); code != 0 {
		t.Errorf("verify after the resume: exit %d\n%s%s", code, out, errOut)
	}
}
