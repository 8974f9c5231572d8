// Command serve measures `handrail serve` with observers connected: the
// operator's key-press-to-frame latency with none and with N observers
// watching the session the operator drives, and the memory each observer
// costs the server. It builds the binary, starts it on loopback with a
// generated team (one operator, N observers, ed25519 keys), connects every
// person over SSH with a terminal, starts a ThinMan rehearsal as the
// operator, and opens it in every observer's console.
//
//	go run ./bench/serve            # 20 observers, 60 presses per measure
//	go run ./bench/serve -observers 20 -presses 100
//	go run ./bench/serve -bin bench/out/handrail -kv results.txt   # bench/run.sh
//
// Latency is from the key's bytes leaving the operator's SSH client to the
// first byte of the frame that answers it arriving there (over loopback,
// through the SSH encryption both ways). Two keys are measured: j (browse:
// the operator's screen alone changes) and space (ticks a manual item: the
// engine journals it with fsync and every observer's console redraws too).
// Memory is the server's resident set (VmRSS) before and after the
// observers open the session, divided by their number.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// frame is one frame at Bubble Tea's default 60 frames a second.
const frame = time.Second / 60

func main() {
	observers := flag.Int("observers", 20, "observers watching the operator's session")
	presses := flag.Int("presses", 60, "key presses per measurement")
	bin := flag.String("bin", "", "the handrail binary to measure (default: build one)")
	kv := flag.String("kv", "", "also append the figures to this file, one \"NAME KEY VALUE\" a line (bench/run.sh's results)")
	flag.Parse()
	if err := run(*observers, *presses, *bin, *kv); err != nil {
		fmt.Fprintln(os.Stderr, "bench/serve:", err)
		os.Exit(1)
	}
}

func run(nObs, presses int, prebuilt, kvPath string) error {
	dir, err := os.MkdirTemp("", "handrail-bench-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // a temp dir
	bin := filepath.Join(dir, "handrail")
	ctx := context.Background()
	if prebuilt != "" {
		if bin, err = filepath.Abs(prebuilt); err != nil {
			return err
		}
	} else if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	names := []string{"operator"}
	for i := 1; i <= nObs; i++ {
		names = append(names, fmt.Sprintf("observer%02d", i))
	}
	signers := map[string]gossh.Signer{}
	var team bytes.Buffer
	team.WriteString("people:\n")
	for i, n := range names {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		s, err := gossh.NewSignerFromKey(priv)
		if err != nil {
			return err
		}
		signers[n] = s
		role := "observer"
		if i == 0 {
			role = "operator"
		}
		fmt.Fprintf(&team, "  - name: %s\n    keys: [%q]\n    roles: [%s]\n", n, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))), role)
	}
	teamPath := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(teamPath, team.Bytes(), 0o600); err != nil {
		return err
	}
	srv := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--team", teamPath, "--state-dir", filepath.Join(dir, "state"))
	stderr, err := srv.StderrPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	addr, err := listenAddr(stderr)
	if err != nil {
		return err
	}

	op, err := connect(addr, signers["operator"])
	if err != nil {
		return err
	}
	defer op.close()
	if err := op.waitFor("Sessions", 10*time.Second); err != nil {
		return err
	}
	op.send("n")
	if err := op.waitFor("choose a runbook", 5*time.Second); err != nil {
		return err
	}
	op.send("\x1b[B\x1b[B\x1b[B") // gemstone, soliddb, terracotta, thinman-dual-db
	time.Sleep(200 * time.Millisecond)
	op.send("\r")
	if err := op.waitFor("rehearse: happy", 5*time.Second); err != nil {
		return err
	}
	op.send("\r")
	if err := op.waitFor("step 1/", 10*time.Second); err != nil {
		return err
	}
	time.Sleep(time.Second)

	var res []result
	for _, key := range []string{"j", " "} {
		r, err := measure(op, key, presses)
		if err != nil {
			return err
		}
		res = append(res, result{observers: 0, key: key, lat: r})
	}
	rss0, err := rss(srv.Process.Pid)
	if err != nil {
		return err
	}
	var obs []*client
	for _, n := range names[1:] {
		c, err := connect(addr, signers[n])
		if err != nil {
			return err
		}
		defer c.close()
		if err := c.waitFor("driven here", 10*time.Second); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		c.send("\r")
		if err := c.waitFor("WATCHING", 10*time.Second); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		obs = append(obs, c)
	}
	time.Sleep(3 * time.Second)
	rss1, err := rss(srv.Process.Pid)
	if err != nil {
		return err
	}
	for _, key := range []string{"j", " "} {
		r, err := measure(op, key, presses)
		if err != nil {
			return err
		}
		res = append(res, result{observers: len(obs), key: key, lat: r})
	}
	report(res, rss0, rss1, len(obs), presses)
	if kvPath != "" {
		return writeKV(kvPath, res, rss0, rss1, len(obs))
	}
	return nil
}

// writeKV appends the figures for bench/run.sh: per key and observer
// count the p50 and p95 in ms, and the server's memory in KiB.
func writeKV(path string, res []result, rss0, rss1 int64, nObs int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644) //nolint:gosec // the bench's own results file
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, r := range res {
		slices.Sort(r.lat)
		name := map[string]string{"j": "serve-browse", " ": "serve-tick"}[r.key]
		fmt.Fprintf(&b, "%s-%d p50_ms %.3f\n%s-%d p95_ms %.3f\n", name, r.observers, msf(pct(r.lat, 50)), name, r.observers, msf(pct(r.lat, 95)))
	}
	fmt.Fprintf(&b, "serve-rss alone_kib %d\nserve-rss observers_kib %d\nserve-rss per_observer_kib %.1f\n", rss0/1024, rss1/1024, float64(rss1-rss0)/1024/float64(max(1, nObs)))
	if _, err := f.WriteString(b.String()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type result struct {
	observers int
	key       string
	lat       []time.Duration
}

func report(res []result, rss0, rss1 int64, nObs, presses int) {
	fmt.Printf("## handrail serve with %d observers\n\n", nObs)
	fmt.Printf("`go run ./bench/serve` (%d presses per row; loopback SSH; %s).\n\n", presses, time.Now().UTC().Format("2006-01-02"))
	fmt.Println("| key | observers | p50 | p95 | max |")
	fmt.Println("|---|---|---|---|---|")
	p95 := map[string][2]time.Duration{}
	for _, r := range res {
		slices.Sort(r.lat)
		name := map[string]string{"j": "j/k (browse)", " ": "space (tick: journaled, fanned out)"}[r.key]
		fmt.Printf("| %s | %d | %s | %s | %s |\n", name, r.observers, ms(pct(r.lat, 50)), ms(pct(r.lat, 95)), ms(r.lat[len(r.lat)-1]))
		v := p95[r.key]
		if r.observers == 0 {
			v[0] = pct(r.lat, 95)
		} else {
			v[1] = pct(r.lat, 95)
		}
		p95[r.key] = v
	}
	fmt.Println()
	for _, k := range []string{"j", " "} {
		d := p95[k][1] - p95[k][0]
		verdict := "within one frame"
		if d > frame {
			verdict = "MORE than one frame"
		}
		name := map[string]string{"j": "j/k", " ": "space"}[k]
		fmt.Printf("- %s: %d observers add %s to the p95 latency: %s (%s).\n", name, nObs, ms(d), verdict, ms(frame))
	}
	fmt.Printf("- Server memory (VmRSS): %.1f MiB with the operator alone, %.1f MiB with %d observers: %.0f KiB per observer.\n",
		float64(rss0)/(1<<20), float64(rss1)/(1<<20), nObs, float64(rss1-rss0)/1024/float64(max(1, nObs)))
}

func pct(s []time.Duration, p int) time.Duration {
	i := (len(s)*p + 99) / 100
	return s[min(len(s)-1, max(0, i-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// measure presses key n times on a quiet console (each press right after
// a frame, so the once-a-second clock redraw rarely lands in between) and
// returns the time to the first byte of each answering frame.
func measure(c *client, key string, n int) ([]time.Duration, error) {
	var out []time.Duration
	for i := range n {
		if err := c.quiet(40*time.Millisecond, 3*time.Second); err != nil {
			return nil, err
		}
		k := key
		if key == "j" && i%2 == 1 {
			k = "k" // browse back up: every press changes the screen
		}
		t0 := time.Now()
		c.send(k)
		at, err := c.nextOutput(t0, 2*time.Second)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		out = append(out, at.Sub(t0))
		time.Sleep(60 * time.Millisecond)
	}
	return out, nil
}

var listenRe = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

func listenAddr(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := listenRe.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return m[1], nil
		}
	}
	return "", errors.New("handrail serve did not say where it listens")
}

// rss is a process's resident set size in bytes.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("memory of the server: %w (Linux /proc needed)", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// client is one person's SSH session with a terminal: what it received,
// and when bytes last arrived.
type client struct {
	conn  *gossh.Client
	sess  *gossh.Session
	stdin io.WriteCloser

	mu    sync.Mutex
	buf   bytes.Buffer
	last  time.Time
	reads []time.Time // when each read returned bytes (the newest few)
}

func connect(addr string, signer gossh.Signer) (*client, error) {
	cfg := &gossh.ClientConfig{User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second} //nolint:gosec // a throwaway server on loopback
	conn, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	sess, err := conn.NewSession()
	if err != nil {
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", 34, 120, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		return nil, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	c := &client{conn: conn, sess: sess, stdin: stdin}
	go func() {
		b := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(b)
			now := time.Now()
			c.mu.Lock()
			if n > 0 {
				c.buf.Write(b[:n])
				if c.buf.Len() > 1<<20 {
					keep := append([]byte(nil), c.buf.Bytes()[c.buf.Len()-(256<<10):]...)
					c.buf.Reset()
					c.buf.Write(keep)
				}
				c.last = now
				c.reads = append(c.reads, now)
				if len(c.reads) > 4096 {
					c.reads = append(c.reads[:0], c.reads[len(c.reads)-64:]...)
				}
			}
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return c, nil
}

func (c *client) close() {
	_ = c.sess.Close()
	_ = c.conn.Close()
}

func (c *client) send(s string) { _, _ = io.WriteString(c.stdin, s) }

// waitFor waits until the screen text received so far holds text.
func (c *client) waitFor(text string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		ok := strings.Contains(ansi.Strip(c.buf.String()), text)
		c.mu.Unlock()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%q did not appear within %s", text, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quiet waits until no byte arrived for d.
func (c *client) quiet(d, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		idle := time.Since(c.last)
		c.mu.Unlock()
		if idle >= d {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the console never went quiet")
		}
		time.Sleep(d - idle)
	}
}

// nextOutput waits for the first read of bytes after t0 and returns when
// it returned.
func (c *client) nextOutput(t0 time.Time, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		for _, at := range c.reads {
			if at.After(t0) {
				c.mu.Unlock()
				return at, nil
			}
		}
		c.mu.Unlock()
		if time.Now().After(deadline) {
			return time.Time{}, errors.New("no frame answered the key")
		}
		time.Sleep(200 * time.Microsecond)
	}
}
