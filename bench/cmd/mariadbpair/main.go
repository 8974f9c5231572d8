// Command mariadbpair starts a real MariaDB primary and replica on loopback
// (internal/mariadbtest) for bench/run.sh, writes what a client needs to
// reach them to a file of shell assignments, and keeps them running until
// its standard input closes or it is signalled.
//
//	mariadbpair -env bench/out/pair.env </some/fifo
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/handrail/handrail/internal/mariadbtest"
)

func main() {
	env := flag.String("env", "", "write PRIMARY_PORT, REPLICA_PORT, BENCH_DB_USER and BENCH_DB_PASSWORD here (mode 0600)")
	flag.Parse()
	if *env == "" {
		fmt.Fprintln(os.Stderr, "mariadbpair: -env is required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	p, err := mariadbtest.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mariadbpair:", err)
		os.Exit(1)
	}
	defer func() { _ = p.Close() }() // always nil: it kills the servers and deletes the dir
	body := fmt.Sprintf("PRIMARY_PORT=%d\nREPLICA_PORT=%d\nBENCH_DB_USER=%s\nBENCH_DB_PASSWORD=%s\n",
		p.Primary.Port, p.Replica.Port, mariadbtest.AdminUser, p.AdminPassword)
	tmp := *env + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "mariadbpair:", err)
		return
	}
	if err := os.Rename(tmp, *env); err != nil { // appears whole, once the pair replicates
		fmt.Fprintln(os.Stderr, "mariadbpair:", err)
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}
