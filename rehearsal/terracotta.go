package rehearsal

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TerracottaSpec is a Terracotta Server Array stripe (an active and its
// mirrors) and the WAN Orchestrators.
type TerracottaSpec struct {
	Servers []TCServerSpec `yaml:"servers"`
	// KitDir is the kit directory on the servers (params allowed): `rm`
	// of it, or of a directory holding it, removes the installed kit.
	KitDir string `yaml:"kit_dir,omitempty"`
	// Start: a started server answers after this (default 10s); Sync: a
	// mirror is PASSIVE-UNINITIALIZED this long before PASSIVE-STANDBY
	// (default 30s); Failover: a standby mirror is ACTIVE this long after
	// its active stops (default 5s); Stop: stop-tc-server takes this
	// (default 3s).
	Start    Dur `yaml:"start,omitempty"`
	Sync     Dur `yaml:"sync,omitempty"`
	Failover Dur `yaml:"failover,omitempty"`
	Stop     Dur `yaml:"stop,omitempty"`
	// Orchestrators are the WAN Orchestrator hosts (running at start).
	Orchestrators []string `yaml:"orchestrators,omitempty"`
}

// TCServerSpec is one Terracotta server.
type TCServerSpec struct {
	Host string `yaml:"host"`
	// Port is the management port server-stat.sh connects to (default
	// 9540); TSAPort the port clients use (default 9510).
	Port    int    `yaml:"port,omitempty"`
	TSAPort int    `yaml:"tsa_port,omitempty"`
	Role    string `yaml:"role"` // active, mirror or stopped
	Version string `yaml:"version"`
}

// Terracotta server states as server-stat.sh prints them.
const (
	tcActiveCoordinator    = "ACTIVE-COORDINATOR"
	tcPassiveUninitialized = "PASSIVE-UNINITIALIZED"
	tcPassiveStandby       = "PASSIVE-STANDBY"
)

type terracotta struct {
	spec    *TerracottaSpec
	kitDir  string
	servers []*tcServer
	orch    map[string]bool
}

type tcServer struct {
	host          string
	port, tsaPort int
	up            bool
	role, state   string
	version       string // the running server's version
	gen           int
}

func (w *world) addTerracotta(spec *TerracottaSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	tc := &terracotta{spec: spec, kitDir: bindParams(spec.KitDir, params), orch: map[string]bool{}}
	for i, s := range spec.Servers {
		srv := &tcServer{host: bindParams(s.Host, params), port: s.Port, tsaPort: s.TSAPort, version: bindParams(s.Version, params)}
		if srv.port == 0 {
			srv.port = 9540
		}
		if srv.tsaPort == 0 {
			srv.tsaPort = 9510
		}
		switch s.Role {
		case "active":
			srv.up, srv.role, srv.state = true, "ACTIVE", tcActiveCoordinator
		case "mirror":
			srv.up, srv.role, srv.state = true, "PASSIVE", tcPassiveStandby
		case "stopped":
		default:
			return fmt.Errorf("world.terracotta.servers[%d] (%s): role %q is not active, mirror or stopped", i, srv.host, s.Role)
		}
		tc.servers = append(tc.servers, srv)
		h, _ := w.host(hostTarget(srv.host))
		if h.products["terracotta"] == "" {
			h.products["terracotta"] = srv.version
		}
	}
	for _, o := range spec.Orchestrators {
		tc.orch[bindParams(o, params)] = true
	}
	w.tc = tc
	return nil
}

func (tc *terracotta) server(host string) *tcServer {
	for _, s := range tc.servers {
		if s.host == host {
			return s
		}
	}
	return nil
}

func (tc *terracotta) active() *tcServer {
	for _, s := range tc.servers {
		if s.up && s.role == "ACTIVE" {
			return s
		}
	}
	return nil
}

var versionInName = regexp.MustCompile(`(\d+\.\d+\.\d+(?:[.-][A-Za-z0-9]+)?)\.(?:tar\.gz|tgz|zip)$`)

// tcCommand answers the Terracotta kit's scripts and the unpacking of a kit.
func (w *world) tcCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	tc := w.tc
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".sh"), ".bat")
	switch base {
	case "server-stat":
		return w.serverStat(h, args), true
	case "version":
		v := h.products["terracotta"]
		if v == "" {
			return notFound(h, name), true
		}
		return cmdOut{stdout: "Terracotta Enterprise " + v + "\n"}, true
	case "start-tc-server":
		s := tc.server(h.host)
		if s == nil {
			return cmdOut{}, false
		}
		if h.products["terracotta"] == "" {
			return notFound(h, name), true
		}
		if s.up {
			return cmdOut{stderr: fmt.Sprintf("Server on %s:%d is already running\n", s.host, s.tsaPort), exit: 1}, true
		}
		w.tcStart(s, h.products["terracotta"])
		return cmdOut{stdout: fmt.Sprintf("Starting Terracotta Server %s...\n", h.products["terracotta"])}, true
	case "stop-tc-server":
		s := tc.server(h.host)
		if s == nil {
			return cmdOut{}, false
		}
		if !s.up {
			return cmdOut{stderr: fmt.Sprintf("Unable to connect to host '%s', port %d: the server is not running\n", s.host, s.port), exit: 1}, true
		}
		w.tcStop(s)
		return cmdOut{stdout: "Stopping server...\n"}, true
	case "tar", "unzip":
		for _, a := range args {
			if m := versionInName.FindStringSubmatch(a); m != nil {
				h.products["terracotta"] = m[1]
				return cmdOut{}, true
			}
		}
		return cmdOut{stderr: "tar: no Terracotta kit archive named in " + strings.Join(args, " ") + "\n", exit: 2}, true
	case "rm":
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				continue
			}
			p := strings.TrimSuffix(a, "/")
			if tc.kitDir != "" && (p == tc.kitDir || strings.HasPrefix(tc.kitDir, p+"/")) {
				delete(h.products, "terracotta")
			}
		}
		return cmdOut{}, true
	case "stop-wan", "start-wan":
		if _, ok := tc.orch[h.host]; !ok {
			return notFound(h, name), true
		}
		tc.orch[h.host] = base == "start-wan"
		return cmdOut{stdout: fmt.Sprintf("Orchestrator on %s %s\n", h.host, map[bool]string{true: "started", false: "stopped"}[tc.orch[h.host]])}, true
	}
	return cmdOut{}, false
}

// serverStat prints server-stat.sh's key: value lines for each -s host:port.
func (w *world) serverStat(h *hostModel, args []string) cmdOut {
	var addrs []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-s" && i+1 < len(args) {
			addrs = append(addrs, args[i+1])
			i++
		}
	}
	if len(addrs) == 0 {
		addrs = []string{h.host + ":9540"}
	}
	var b strings.Builder
	exit := 0
	for _, a := range addrs {
		host, portText, _ := strings.Cut(a, ":")
		port, _ := strconv.Atoi(portText)
		if port == 0 {
			port = 9540
		}
		s := w.tc.server(host)
		if s == nil || !s.up || port != s.port {
			fmt.Fprintf(&b, "%s.health: FAILED\n%s.error: Connection refused to %s:%d. Is the TSA running?\n", host, host, host, port)
			exit = 1
			continue
		}
		fmt.Fprintf(&b, "%s.health: OK\n%s.role: %s\n%s.state: %s\n%s.port: %d\n%s.group name: default-group\n",
			host, host, s.role, host, s.state, host, s.tsaPort, host)
	}
	return cmdOut{stdout: b.String(), exit: exit}
}

// tcStart brings a server up: it becomes the mirror of a running active and
// syncs, or the active when there is none.
func (w *world) tcStart(s *tcServer, version string) {
	tc := w.tc
	s.gen++
	g := s.gen
	w.after(or(tc.spec.Start, 10*time.Second), func() {
		if s.gen != g {
			return
		}
		s.up, s.version = true, version
		if tc.active() == nil {
			s.role, s.state = "ACTIVE", tcActiveCoordinator
			w.happen("%s started as the active server", s.host)
			return
		}
		s.role, s.state = "PASSIVE", tcPassiveUninitialized
		if w.strike(FaultTCSyncStuck, s.host, fmt.Sprintf("%s:%d", s.host, s.port)) != nil {
			return // never synchronises
		}
		w.after(or(tc.spec.Sync, 30*time.Second), func() {
			if s.gen != g || !s.up {
				return
			}
			if tc.active() == nil {
				return
			}
			s.state = tcPassiveStandby
		})
	})
}

// tcStop stops a server; when it was the active, a standby mirror takes over.
func (w *world) tcStop(s *tcServer) {
	tc := w.tc
	s.gen++
	g := s.gen
	w.after(or(tc.spec.Stop, 3*time.Second), func() {
		if s.gen != g {
			return
		}
		wasActive := s.role == "ACTIVE"
		s.up, s.role, s.state = false, "", ""
		if !wasActive {
			return
		}
		var standby *tcServer
		for _, o := range tc.servers {
			if o.up && o.state == tcPassiveStandby {
				standby = o
				break
			}
		}
		if standby == nil {
			w.happen("active %s stopped with no synchronised mirror: the stripe is down", s.host)
			return
		}
		sg := standby.gen
		w.after(or(tc.spec.Failover, 5*time.Second), func() {
			if standby.gen != sg || !standby.up {
				return
			}
			standby.role, standby.state = "ACTIVE", tcActiveCoordinator
			w.happen("failover: %s is now the active server", standby.host)
			for _, o := range tc.servers {
				if o != standby && o.up && o.role == "PASSIVE" {
					o.state = tcPassiveStandby
				}
			}
		})
	})
}
