// Command genjournal writes real-shape session journals for the journal
// scaling benchmark (bench/journal-scale.sh), and is that benchmark's
// anchor: a minimal streaming chain check.
//
//	genjournal -out DIR -records 100000   # DIR/runbook.yaml, DIR/state/<id>.jsonl
//	genjournal -chain FILE                # hash and link every line, nothing else
//	genjournal -measure CMD ARGS...       # run CMD: wall s, CPU s, peak RSS KiB
//
// The journal is written by the real engine (session.New, Observe, Next,
// Note, Quit) through journal.Encoder, which is the Writer's format without
// the lock and the fsync per record. Every check.status carries a
// mysql.replica observation: the row SHOW ALL REPLICAS STATUS returns on
// MariaDB 10.11, as the real probe reads it (testdata/replica-status.json,
// captured from the real replica by TestFixtureIsARealReplicaStatus), with
// positions and lag that move from poll to poll. The checks flap, so every
// poll journals a check.status, and the gate opens and closes with them: the
// journal of a long session whose replica would not settle. The session is
// quit at the end, so `handrail resume` continues it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/steps"
	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/session"
)

//go:embed testdata/replica-status.json
var fixtureJSON []byte

// runbookYAML is the session's runbook. Its target listens nowhere (port 9
// on loopback): a resume in the benchmark connects, is refused, and quits.
const runbookYAML = `id: replica-bench
title: Replica journal benchmark
source: bench/cmd/genjournal
params:
  - {name: replica_host, prompt: Replica host}
targets:
  replica: {kind: mysql, host: "${replica_host}", port: 9, user: repl, password_env: HANDRAIL_BENCH_PASSWORD}
steps:
  - id: stop-replica
    title: Stop the replica
    checks:
      - {id: io-stopped, kind: mysql.replica, target: replica, expect: {Slave_IO_Running: "No"}}
      - {id: sql-stopped, kind: mysql.replica, target: replica, expect: {Slave_SQL_Running: "No"}}
  - id: wait-catch-up
    title: Wait for the replica to catch up
    checks:
      - {id: io, kind: mysql.replica, target: replica, expect: {Slave_IO_Running: "Yes"}}
      - {id: sql, kind: mysql.replica, target: replica, expect: {Slave_SQL_Running: "Yes"}}
      - {id: lag, kind: mysql.replica, target: replica, expect: {Seconds_Behind_Master: {le: 5}}}
`

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "genjournal:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("genjournal", flag.ContinueOnError)
	dir := fs.String("out", "", "directory to write runbook.yaml and state/<session>.jsonl into")
	records := fs.Int("records", 100_000, "records to write (about 3 KB each)")
	chain := fs.String("chain", "", "check the hash chain of this journal and exit (the benchmark's anchor)")
	measure := fs.Bool("measure", false, "run the command given after the flags and print its wall time, CPU time (s) and peak RSS (KiB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *measure {
		return measureCmd(fs.Args(), out)
	}
	if *chain != "" {
		n, head, err := chainCheck(*chain)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "records %d\nhead %s\n", n, head)
		return err
	}
	if *dir == "" {
		return errors.New("-out DIR is required")
	}
	path, id, err := generate(*dir, *records)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "session %s\njournal %s\n", id, path)
	return err
}

func loadFixture(path string) (checks.Observation, error) {
	b := fixtureJSON
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return checks.Observation{}, err
		}
	}
	var obs checks.Observation
	if err := json.Unmarshal(b, &obs); err != nil {
		return obs, fmt.Errorf("replica status fixture: %w", err)
	}
	if len(obs.Rows) == 0 {
		return obs, errors.New("replica status fixture: no row")
	}
	return obs, nil
}

func replicaCheck(id, field, want string) checks.Check {
	return checks.Check{ID: id, Kind: checks.KindMySQLReplica, Target: "replica",
		Expect: checks.Expectations{{Field: field, Expect: checks.Expect{Equals: &want}}}}
}

// counted counts the records the engine journals.
type counted struct {
	enc *journal.Encoder
	n   int
}

func (c *counted) Append(typ string, data any) (journal.Record, error) {
	c.n++
	return c.enc.Append(typ, data)
}

// generate writes the runbook and a journal of about n records.
func generate(dir string, n int) (string, string, error) {
	fixture, err := loadFixture("")
	if err != nil {
		return "", "", err
	}
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return "", "", err
	}
	rbPath, err := filepath.Abs(filepath.Join(dir, "runbook.yaml"))
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(rbPath, []byte(runbookYAML), 0o600); err != nil {
		return "", "", err
	}
	rb, err := steps.Load(rbPath)
	if err != nil {
		return "", "", err
	}
	clock := time.Date(2026, 11, 22, 2, 15, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	id := journal.NewSessionID(clock)
	path := filepath.Join(state, id+journal.Ext)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	j := &counted{enc: journal.NewEncoder(bw, journal.WithClock(now))}
	e, err := session.New(session.Config{SessionID: id, Runbook: rb, Params: map[string]string{"replica_host": "127.0.0.1"},
		Operator: session.Operator{Name: "Bench Operator", User: "bench", Host: "bench-host", TTY: "/dev/pts/1"},
		Ticket:   "CHG-BENCH", Mode: session.ModeLive, Version: "bench", Journal: j, Clock: now})
	if err != nil {
		return "", "", errors.Join(err, f.Close())
	}
	if err := drive(e, j, n, fixture, func(d time.Duration) time.Time { clock = clock.Add(d); return clock }); err != nil {
		return "", "", errors.Join(err, f.Close())
	}
	if err := bw.Flush(); err != nil {
		return "", "", errors.Join(err, f.Close())
	}
	return path, id, f.Close()
}

// drive polls the current step's checks round after round until about n
// records are written, moving on to the second step half way, and quits.
func drive(e *session.Engine, j *counted, n int, fixture checks.Observation, tick func(time.Duration) time.Time) error {
	moved := false
	for round := 0; j.n < n-2; round++ {
		at := tick(time.Second)
		if !moved && j.n >= n/2 {
			// Let the gate open on the first step, then move on.
			_, st, _ := e.Current()
			for _, c := range st.Checks {
				if _, err := e.Observe(poll(e, c, fixture, round, at, true)); err != nil {
					return err
				}
			}
			if err := e.Next(); err != nil {
				return fmt.Errorf("next step: %w", err)
			}
			moved = true
			continue
		}
		if round%500 == 499 {
			if err := e.Note(fmt.Sprintf("round %d: the replica still flaps; paged the DBA again", round)); err != nil {
				return err
			}
		}
		_, st, _ := e.Current()
		for i, c := range st.Checks {
			if _, err := e.Observe(poll(e, c, fixture, round, at, (round+i)%2 == 0)); err != nil {
				return err
			}
		}
	}
	return e.Quit()
}

// poll is one observation of check c: the fixture row with positions and
// lag of this round, its expectation met or not as pass says.
func poll(e *session.Engine, c checks.Check, fixture checks.Observation, round int, at time.Time, pass bool) checks.Result {
	v, _, _ := e.Current()
	obs := fixture
	row := fixture.Rows[0]
	fields := append([]checks.Field(nil), row.Fields...)
	pos := strconv.Itoa(4_000_000 + round*517)
	for i := range fields {
		switch fields[i].Name {
		case "Read_Master_Log_Pos", "Exec_Master_Log_Pos":
			fields[i].Value = pos
		case "Seconds_Behind_Master":
			fields[i].Value, fields[i].Null = strconv.Itoa(round%300), false
		}
	}
	// Meet or miss this check's expectation.
	for _, fe := range c.Expect {
		for i := range fields {
			if fields[i].Name != fe.Field {
				continue
			}
			switch {
			case fe.Expect.Equals != nil && pass:
				fields[i].Value = *fe.Expect.Equals
			case fe.Expect.Equals != nil:
				fields[i].Value = map[string]string{"Yes": "No", "No": "Yes"}[*fe.Expect.Equals]
			case pass:
				fields[i].Value = "0"
			default:
				fields[i].Value = "412"
			}
		}
	}
	obs.Rows = []checks.Row{{Key: row.Key, Fields: fields}}
	obs.Latency = time.Duration(900+round%400) * time.Microsecond
	obs.At = at
	verdict := checks.Evaluate(c, obs)
	status := checks.StatusWaiting
	if verdict.Pass {
		status = checks.StatusPass
	}
	return checks.Result{Step: v.Key, CheckID: c.ID, Gen: e.Generation(), Obs: obs, Verdict: verdict, Status: status}
}

// measureCmd runs a command with its output discarded (stdin empty) and
// prints "wall cpu rss": seconds, seconds, KiB (the kernel's ru_maxrss;
// -1 where it is not known).
func measureCmd(argv []string, out io.Writer) error {
	if len(argv) == 0 {
		return errors.New("-measure needs a command")
	}
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	st := cmd.ProcessState
	cpu := st.UserTime() + st.SystemTime()
	_, err = fmt.Fprintf(out, "%.3f %.3f %d\n", wall.Seconds(), cpu.Seconds(), maxRSS(st))
	return err
}

// chainCheck is the anchor: read each line, hash its bytes up to the hash
// field, compare with the hash it carries and with the next line's prev.
// Nothing else: no parse of the fields, no check of the data.
func chainCheck(path string) (int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close() //nolint:errcheck // read-only
	const tail = len(`,"hash":"`) + 64 + len(`"}`)
	br := bufio.NewReaderSize(f, 256<<10)
	prev := ""
	n := 0
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err == io.EOF {
			return n, prev, nil
		}
		if err != nil {
			return n, prev, err
		}
		n++
		line = line[:len(line)-1]
		if len(line) < tail+len(`,"prev":""`) {
			return n, prev, fmt.Errorf("line %d: too short", n)
		}
		body := line[:len(line)-tail]
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])
		if string(line[len(line)-tail+len(`,"hash":"`):len(line)-2]) != h {
			return n, prev, fmt.Errorf("line %d: hash mismatch", n)
		}
		want := []byte(`,"prev":"` + prev + `"`)
		if !bytes.HasSuffix(body, want) {
			return n, prev, fmt.Errorf("line %d: prev does not link", n)
		}
		prev = h
	}
}
