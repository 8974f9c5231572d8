// Command wire is the anchor for a replica poll's cost: a minimal
// go-sql-driver program that asks SHOW SLAVE STATUS over one reused
// connection and reads every column. bench/run.sh runs it beside handrail
// in the same run:
//
//	wire -polls 2000        # polls back to back; prints the client CPU per poll
//	wire -every 100ms -for 20s   # polls at a rate, as N checks at 1 Hz would
//	wire -polls 2000 -deadline 5s  # each poll under a deadline, as a check's is
//
// The DSN comes from the environment (BENCH_WIRE_DSN), never the command line.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

func main() {
	polls := flag.Int("polls", 0, "poll this many times back to back and print the client CPU per poll")
	every := flag.Duration("every", time.Second, "the time between polls (with -for)")
	runFor := flag.Duration("for", 0, "poll every -every for this long")
	deadline := flag.Duration("deadline", 0, "give each poll a context with this deadline (0: none)")
	flag.Parse()
	db, err := sql.Open("mysql", os.Getenv("BENCH_WIRE_DSN"))
	if err != nil {
		fail(err)
	}
	defer func() { _ = db.Close() }()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		fail(err)
	}
	defer func() { _ = conn.Close() }()
	poll := func() {
		qctx := ctx
		if *deadline > 0 {
			var cancel context.CancelFunc
			qctx, cancel = context.WithTimeout(ctx, *deadline)
			defer cancel()
		}
		rows, err := conn.QueryContext(qctx, "SHOW SLAVE STATUS")
		if err != nil {
			fail(err)
		}
		defer rows.Close() //nolint:errcheck // rows.Err is checked below
		cols, err := rows.Columns()
		if err != nil {
			fail(err)
		}
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				fail(err)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
		if n != 1 {
			fail(fmt.Errorf("SHOW SLAVE STATUS returned %d rows, want 1", n))
		}
	}
	switch {
	case *polls > 0:
		for range 50 { // warm up: the connection, the driver's buffers
			poll()
		}
		c0, t0 := cpu(), time.Now()
		for range *polls {
			poll()
		}
		c1, t1 := cpu(), time.Now()
		fmt.Printf("cpu_ns_per_poll=%d wall_ns_per_poll=%d\n", (c1-c0).Nanoseconds()/int64(*polls), t1.Sub(t0).Nanoseconds()/int64(*polls))
	case *runFor > 0:
		tick := time.NewTicker(*every)
		defer tick.Stop()
		end := time.After(*runFor)
		for {
			select {
			case <-tick.C:
				poll()
			case <-end:
				return
			}
		}
	default:
		fail(fmt.Errorf("give -polls N or -for DURATION"))
	}
}

// cpu is the CPU time this process has used, user and system.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wire:", err)
	os.Exit(1)
}
