package mariadbtest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"
)

// live holds every pair not yet closed, so a signal can close them all.
var (
	liveMu sync.Mutex
	live   = map[*Pair]struct{}{}
)

func register(p *Pair) {
	liveMu.Lock()
	live[p] = struct{}{}
	liveMu.Unlock()
}

func unregister(p *Pair) {
	liveMu.Lock()
	delete(live, p)
	liveMu.Unlock()
}

// CloseAll closes every pair still open.
func CloseAll() {
	liveMu.Lock()
	ps := make([]*Pair, 0, len(live))
	for p := range live {
		ps = append(ps, p)
	}
	liveMu.Unlock()
	for _, p := range ps {
		_ = p.Close() // always nil: it kills the servers and deletes the dir
	}
}

// RunMain is a TestMain body: it starts a pair into *pp, runs the tests,
// closes the pair and returns the exit code for os.Exit. A failed start is
// a failed test run (exit 1), never a skip. SIGINT and SIGTERM close every
// pair before exiting; a SIGKILLed test binary takes its servers with it
// through Pdeathsig.
func RunMain(m *testing.M, pp **Pair) int { return RunMainWith(m, pp, Options{}) }

// RunMainWith is RunMain with options (a planted admin password).
func RunMainWith(m *testing.M, pp **Pair, o Options) int {
	stop := closeOnSignal()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	p, err := StartWith(ctx, o)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mariadbtest:", err)
		return 1
	}
	*pp = p
	defer p.Close()
	return m.Run()
}

// closeOnSignal closes every pair and exits on SIGINT/SIGTERM.
func closeOnSignal() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			CloseAll()
			fmt.Fprintf(os.Stderr, "mariadbtest: %v: servers stopped\n", sig)
			os.Exit(2)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
