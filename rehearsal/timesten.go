package rehearsal

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// TimesTenSpec is one TimesTen host during a client/server online upgrade
// with replication: the old installation serves the clients, the new one is
// installed beside it (same server port) and receives the data store's
// updates through replication.
type TimesTenSpec struct {
	Host string `yaml:"host"`
	// Port is the TimesTen Server port both versions listen on.
	Port int           `yaml:"port"`
	Old  TTInstallSpec `yaml:"old"`
	New  TTInstallSpec `yaml:"new"`
	// Lag is how far the subscriber trails while clients write (default
	// 5s); once writes stop it has caught up Lag later.
	Lag Dur `yaml:"lag,omitempty"`
	// RepStart: the receiver shows State Start this long after the
	// replication agent starts (default 5s). ServerStart/ServerStop: a
	// server listens / frees the port this long after ttDaemonAdmin
	// (default 3s, 2s).
	RepStart    Dur `yaml:"rep_start,omitempty"`
	ServerStart Dur `yaml:"server_start,omitempty"`
	ServerStop  Dur `yaml:"server_stop,omitempty"`
	// Clients is how many client/server connections the old data store
	// serves at start (default 4); `timesten disconnect-clients` on the
	// host, the applications being stopped or drained, ends them.
	Clients int `yaml:"clients,omitempty"`
}

// TTInstallSpec is one TimesTen installation and the data store copy it
// serves.
type TTInstallSpec struct {
	Home    string `yaml:"home"`
	Version string `yaml:"version"`
	DSN     string `yaml:"dsn"`
	// Installed: present at start (the old one is; the new one appears
	// with `upgrade timesten VERSION`). Running: its server listens.
	Installed bool `yaml:"installed,omitempty"`
	Running   bool `yaml:"running,omitempty"`
}

type ttInstall struct {
	TTInstallSpec
	gen int
}

type timesten struct {
	spec     *TimesTenSpec
	host     string
	port     int
	old, new *ttInstall
	// repAt: when the replication agents started (zero: not yet);
	// caughtUp: when the subscriber will have every update committed so
	// far. While clients write (the old server runs) it trails by Lag.
	repAt    time.Time
	caughtUp time.Time
	writing  bool
	lagFault time.Duration // a subscriber-behind fault's lag
	// clients is how many client/server connections the old data store
	// serves (Clients, until `timesten disconnect-clients`).
	clients int
}

func (w *world) addTimesTen(spec *TimesTenSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	b := func(s string) string { return bindParams(s, params) }
	tt := &timesten{spec: spec, host: b(spec.Host), port: spec.Port}
	if tt.host == "" || tt.port == 0 {
		return fmt.Errorf("world.timesten: `host` and `port` are required")
	}
	mk := func(s TTInstallSpec) *ttInstall {
		s.Home, s.Version, s.DSN = b(s.Home), b(s.Version), b(s.DSN)
		return &ttInstall{TTInstallSpec: s}
	}
	tt.old, tt.new = mk(spec.Old), mk(spec.New)
	tt.writing = tt.old.Running
	tt.clients = spec.Clients
	if tt.clients == 0 {
		tt.clients = 4
	}
	w.tt = tt
	return nil
}

func (tt *timesten) lag() time.Duration {
	if tt.lagFault > 0 {
		return tt.lagFault
	}
	return or(tt.spec.Lag, 5*time.Second)
}

// backlog is how long the subscriber still needs to catch up at now.
func (tt *timesten) backlog(now time.Time) time.Duration {
	if tt.writing {
		return tt.lag()
	}
	if d := tt.caughtUp.Sub(now); d > 0 {
		return d
	}
	return 0
}

func (tt *timesten) portOpen(host string, port int) bool {
	return host == tt.host && port == tt.port && (tt.old.Running || tt.new.Running)
}

func (tt *timesten) installNew(host, version string) {
	if host == tt.host && version == tt.new.Version {
		tt.new.Installed = true
	}
}

// install finds the installation a command's path belongs to.
func (tt *timesten) install(cmd string) *ttInstall {
	for _, in := range []*ttInstall{tt.old, tt.new} {
		if in.Home != "" && strings.HasPrefix(cmd, strings.TrimSuffix(in.Home, "/")+"/") {
			return in
		}
	}
	return nil
}

// ttCommand answers the TimesTen utilities of either installation.
func (w *world) ttCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	tt := w.tt
	if h.host != tt.host {
		return cmdOut{}, false
	}
	base := path.Base(name)
	switch base {
	case "ttVersion", "ttDaemonAdmin", "ttRepAdmin", "ttIsql", "ttAdmin", "ttStatus":
	case "timesten":
		if len(args) == 1 && args[0] == "disconnect-clients" {
			n := tt.clients
			tt.clients = 0
			return cmdOut{stdout: fmt.Sprintf("%d client applications disconnected from %s\n", n, tt.old.DSN)}, true
		}
		return cmdOut{stderr: "usage: timesten disconnect-clients\n", exit: 2}, true
	default:
		return cmdOut{}, false
	}
	in := tt.install(name)
	if in == nil {
		in = tt.old // on PATH: the old installation's environment
	}
	if !in.Installed {
		return notFound(h, name), true
	}
	switch base {
	case "ttVersion":
		return cmdOut{stdout: fmt.Sprintf("TimesTen Release %s (64 bit Linux/x86_64) (%s:%d)\n", in.Version, path.Base(in.Home), tt.port)}, true
	case "ttDaemonAdmin":
		return w.ttDaemonAdmin(in, args), true
	case "ttAdmin":
		if len(args) == 2 && args[0] == "-repStart" {
			if tt.repAt.IsZero() {
				tt.repAt = w.now.Add(or(tt.spec.RepStart, 5*time.Second))
				if f := w.strike(FaultTTBehind, tt.host, tt.new.DSN); f != nil {
					tt.lagFault = time.Duration(f.Delay)
				}
			}
			return cmdOut{stdout: "RAM Residence Policy            : inUse\nReplication Agent Policy        : manual\nReplication Manually Started    : True\n"}, true
		}
	case "ttRepAdmin":
		if len(args) >= 3 && args[0] == "-receiver" && args[1] == "-list" {
			return w.ttReceivers(args[2]), true
		}
	case "ttIsql":
		return w.ttIsql(args), true
	case "ttStatus":
		return w.ttStatus(in), true
	}
	return cmdOut{stderr: fmt.Sprintf("%s: usage not modelled by the simulator: %s\n", base, strings.Join(args, " ")), exit: 1}, true
}

func (w *world) ttDaemonAdmin(in *ttInstall, args []string) cmdOut {
	tt := w.tt
	if len(args) != 1 {
		return cmdOut{stderr: "Usage: ttDaemonAdmin [-start | -stop | -startserver | -stopserver]\n", exit: 1}
	}
	other := tt.old
	if in == tt.old {
		other = tt.new
	}
	switch args[0] {
	case "-stopserver":
		if !in.Running {
			return cmdOut{stderr: "TimesTen Server is not running\n", exit: 1}
		}
		in.gen++
		g := in.gen
		w.after(or(tt.spec.ServerStop, 2*time.Second), tt.host, "TimesTen server "+in.Version+" stopping", func() {
			if in.gen != g {
				return
			}
			in.Running = false
			if in == tt.old && tt.writing {
				// The clients' writes end with the old server: the
				// subscriber catches up on what is left.
				tt.writing = false
				tt.caughtUp = w.now.Add(tt.lag())
			}
		})
		return cmdOut{stdout: "TimesTen Server stopped.\n"}
	case "-startserver":
		if in.Running {
			return cmdOut{stderr: "TimesTen Server is already running\n", exit: 1}
		}
		if other.Running {
			return cmdOut{stderr: fmt.Sprintf("TimesTen Server could not start: port %d is in use by another server\n", tt.port), exit: 1}
		}
		in.gen++
		g := in.gen
		w.after(or(tt.spec.ServerStart, 3*time.Second), tt.host, "TimesTen server "+in.Version+" starting", func() {
			if in.gen == g {
				in.Running = true
			}
		})
		return cmdOut{stdout: "TimesTen Server started.\n"}
	}
	return cmdOut{stderr: "ttDaemonAdmin: " + args[0] + " is not modelled by the simulator\n", exit: 1}
}

// ttReceivers is `ttRepAdmin -receiver -list DSN` as the old data store
// sees its subscriber.
func (w *world) ttReceivers(dsn string) cmdOut {
	tt := w.tt
	if dsn != tt.old.DSN {
		return cmdOut{stderr: fmt.Sprintf("Data store %s has no replication scheme\n", dsn), exit: 1}
	}
	state := "Stop"
	if !tt.repAt.IsZero() && !w.now.Before(tt.repAt) {
		state = "Start"
	}
	logs := 1 + int(tt.backlog(w.now)/(30*time.Second))
	return cmdOut{stdout: fmt.Sprintf(`Peer name        Host name                Port   State Proto Track
---------------- ------------------------ ------ ------- ----- -----
%-16s %-24s Auto   %-7s    24     0

Last Msg Sent Last Msg Recv Latency TPS     RecordsPS Logs
------------- ------------- ------- ------- --------- ----
00:00:01      00:00:01      0.02         12      140 %4d
`, tt.new.DSN, tt.host, state, logs)}
}

// ttIsql answers the replication built-ins a runbook calls.
func (w *world) ttIsql(args []string) cmdOut {
	tt := w.tt
	var sql, dsn string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-e":
			sql = strings.ToLower(args[i+1])
		case "-connStr", "-connstr":
			dsn = strings.TrimPrefix(args[i+1], "DSN=")
		}
	}
	switch {
	case strings.Contains(sql, "ttrepsubscriberwait"):
		if tt.repAt.IsZero() {
			return cmdOut{stdout: "< 02 >\n1 row found.\n"}
		}
		// The call waits up to its timeout (the last argument, 20s in
		// the runbook) for the subscriber to catch up.
		wait := 20 * time.Second
		if tt.backlog(w.now) <= wait && !tt.writing {
			return cmdOut{stdout: "< 00 >\n1 row found.\n"}
		}
		return cmdOut{stdout: "< 01 >\n1 row found.\n"}
	case strings.Contains(sql, "ttrepstateget"):
		st := "IDLE"
		if !tt.repAt.IsZero() {
			st = "ACTIVE"
			if dsn == tt.new.DSN {
				st = "STANDBY"
			}
		}
		return cmdOut{stdout: fmt.Sprintf("< %s >\n1 row found.\n", st)}
	}
	return cmdOut{stderr: "ttIsql: statement not modelled by the simulator\n", exit: 1}
}

// ttStatus is `ttStatus` of an installation, in the layout of Oracle's
// sample output for releases 6 and 7: a header, then per data store the
// connection count and one line per connection, its type first. Each
// client/server connection is a "Server" line; the simulator leaves out the
// client information that follows it in Oracle's sample, whose full text
// is not public.
func (w *world) ttStatus(in *ttInstall) cmdOut {
	tt := w.tt
	var b strings.Builder
	fmt.Fprintf(&b, "TimesTen status report as of %s\n\n", w.now.Format(time.ANSIC))
	fmt.Fprintf(&b, "Daemon pid 1988 port %d instance %s\n", tt.port-2, path.Base(in.Home))
	if !in.Running {
		b.WriteString("TimesTen server is not running\n")
	} else {
		fmt.Fprintf(&b, "TimesTen server pid 2228 started on port %d\n", tt.port)
	}
	ruler := strings.Repeat("-", 72) + "\n"
	b.WriteString(ruler)
	lines := []string{
		"Subdaemon pid 15035 context 0x62328 connected (KEY 0x0c000fdf)",
		"Subdaemon pid 15035 context 0xdadb8 connected (KEY 0x0c000fdf)",
		"Subdaemon pid 15035 context 0xfadc8 connected (KEY 0x0c000fdf)",
	}
	if in == tt.old {
		if !tt.repAt.IsZero() {
			lines = append(lines, "Replication pid 16001 context 0x3ab60 connected (KEY 0x040036f0)")
		}
		if in.Running {
			for i := 0; i < tt.clients; i++ {
				lines = append(lines, fmt.Sprintf("Server pid %d context 0x48f%04x connected (KEY 0x040036f0)", 19376+i, 0x68+i))
			}
		}
	}
	fmt.Fprintf(&b, "Data store /var/TimesTen/%s\n", strings.ToLower(in.DSN))
	fmt.Fprintf(&b, "There are %d connections to the data store\n", len(lines))
	b.WriteString("Data store is in shared mode\nShared Memory KEY 0x040036f0 ID 152810\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("Replication policy: Manual\nCache agent restart policy: manual\n")
	b.WriteString(ruler)
	return cmdOut{stdout: b.String()}
}
