// Command pollcpu measures one handrail replica poll's client CPU, the way
// the console's poller makes it: the live driver (its pool, the prober, the
// redactor) observes a mysql.replica check and checks.Evaluate judges the
// answer against the bench runbooks' expectations. It prints the same line
// as the wire anchor (bench/anchors/wire), which bench/run.sh runs beside it.
//
//	BENCH_DB_USER=… BENCH_DB_PASSWORD=… pollcpu -port 3307 -polls 2000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/live"
)

func main() {
	port := flag.Int("port", 3306, "the replica's TCP port on 127.0.0.1")
	polls := flag.Int("polls", 2000, "poll this many times back to back")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured polls here")
	flag.Parse()
	targets := map[string]checks.Target{"replica": {Name: "replica", Kind: checks.TargetMySQL, Host: "127.0.0.1", Port: *port,
		UserEnv: "BENCH_DB_USER", PasswordEnv: "BENCH_DB_PASSWORD"}}
	red := checks.NewRedactor()
	creds, err := checks.ResolveAllCredentials(targets, os.Getenv, os.ReadFile, nil, red)
	if err != nil {
		fail(err)
	}
	d := live.New(targets, creds, live.Options{Redactor: red})
	defer func() { _ = d.Close() }()
	yes, zero, lag := "Yes", "0", 30.0
	c := checks.Check{ID: "replica-01", Kind: checks.KindMySQLReplica, Target: "replica", Expect: checks.Expectations{
		{Field: "Slave_IO_Running", Expect: checks.Expect{Equals: &yes}},
		{Field: "Slave_SQL_Running", Expect: checks.Expect{Equals: &yes}},
		{Field: "Last_IO_Errno", Expect: checks.Expect{Equals: &zero}},
		{Field: "Seconds_Behind_Master", Expect: checks.Expect{Le: &lag}},
	}}
	ctx := context.Background()
	poll := func() {
		obs := d.Observe(ctx, c)
		if obs.Error != "" || obs.State != "" {
			fail(fmt.Errorf("poll: %s%s", obs.Error, obs.State))
		}
		if v := checks.Evaluate(c, obs); len(v.Fields) != len(c.Expect) {
			fail(fmt.Errorf("judged %d fields, want %d", len(v.Fields), len(c.Expect)))
		}
	}
	for range 50 { // warm up: the pool, the server's version, the driver's buffers
		poll()
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
	}
	c0, t0 := cpu(), time.Now()
	for range *polls {
		poll()
	}
	c1, t1 := cpu(), time.Now()
	pprof.StopCPUProfile()
	fmt.Printf("cpu_ns_per_poll=%d wall_ns_per_poll=%d\n", (c1-c0).Nanoseconds()/int64(*polls), t1.Sub(t0).Nanoseconds()/int64(*polls))
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
	fmt.Fprintln(os.Stderr, "pollcpu:", err)
	os.Exit(1)
}
