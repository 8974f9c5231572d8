package rehearsal

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TerracottaSpec is a Terracotta Server Array (stripes of one active and
// any number of mirrors) and the WAN Orchestrators.
type TerracottaSpec struct {
	Servers []TCServerSpec `yaml:"servers"`
	// KitDir is the kit directory on the servers (params allowed): `rm`
	// of it, or of a directory holding it, removes the installed kit.
	KitDir string `yaml:"kit_dir,omitempty"`
	// Start: a started server answers after this (default 10s); Sync: a
	// mirror is PASSIVE-UNINITIALIZED this long before PASSIVE-STANDBY
	// (default 30s); Failover: a standby mirror of the stripe is ACTIVE
	// this long after its active stops (default 5s); Stop: stop-tc-server
	// takes this (default 3s).
	Start    Dur `yaml:"start,omitempty"`
	Sync     Dur `yaml:"sync,omitempty"`
	Failover Dur `yaml:"failover,omitempty"`
	Stop     Dur `yaml:"stop,omitempty"`
	// ServerStat is the server-stat revision the kit ships (see
	// serverStatRevisions): rest (default), jmx or retry.
	ServerStat string `yaml:"server_stat,omitempty"`
	// Orchestrators are the WAN Orchestrator hosts (running at start).
	Orchestrators []string `yaml:"orchestrators,omitempty"`
}

// TCServerSpec is one Terracotta server.
type TCServerSpec struct {
	Host string `yaml:"host"`
	// Name is the tc-config <server name=...> (default host:tsa_port, as
	// Terracotta defaults it); Group its stripe's mirror-group name.
	Name  string `yaml:"name,omitempty"`
	Group string `yaml:"group"`
	// Port is the management port server-stat.sh connects to (default
	// 9540); TSAPort the port clients use (default 9510).
	Port    int    `yaml:"port,omitempty"`
	TSAPort int    `yaml:"tsa_port,omitempty"`
	Role    string `yaml:"role"` // active, mirror or stopped
	Version string `yaml:"version"`
}

// The server-stat revisions the simulator prints, each as its source in
// Terracotta-OSS terracotta-core (deploy/src/main/java/com/tc/server/util/
// ServerStat.java) prints it:
//   - rest (commit c43c5bd58e, the 4.2/4.3 REST client): a block keyed by
//     the server's name; a stopped server gives a block keyed by the -s
//     host with every field "unknown" and an error line, exit 0.
//   - jmx (commit f7d297e991, the 4.0/4.1 JMX client): keyed by the -s
//     host, `jmxport`; a stopped server's health is FAILED, exit 0.
//   - retry (a later 4.x revision): like rest with initialState, but a
//     stopped server makes the tool give up after ten tries, print the
//     exception on stderr and exit 1 with no block for it.
const (
	ServerStatREST  = "rest"
	ServerStatJMX   = "jmx"
	ServerStatRetry = "retry"
)

var serverStatRevisions = []string{ServerStatREST, ServerStatJMX, ServerStatRetry}

// Terracotta server states as server-stat.sh prints them.
const (
	tcActiveCoordinator    = "ACTIVE-COORDINATOR"
	tcPassiveUninitialized = "PASSIVE-UNINITIALIZED"
	tcPassiveStandby       = "PASSIVE-STANDBY"
)

type terracotta struct {
	spec     *TerracottaSpec
	kitDir   string
	revision string
	servers  []*tcServer
	orch     map[string]bool
}

type tcServer struct {
	host, name, group string
	port, tsaPort     int
	up                bool
	role, state       string
	version           string // the running server's version
	gen               int
}

func (w *world) addTerracotta(spec *TerracottaSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	tc := &terracotta{spec: spec, kitDir: bindParams(spec.KitDir, params), revision: spec.ServerStat, orch: map[string]bool{}}
	if tc.revision == "" {
		tc.revision = ServerStatREST
	}
	if !contains(serverStatRevisions, tc.revision) {
		return fmt.Errorf("world.terracotta.server_stat %q is not one of %s", tc.revision, strings.Join(serverStatRevisions, ", "))
	}
	for i, s := range spec.Servers {
		srv := &tcServer{host: bindParams(s.Host, params), name: bindParams(s.Name, params), group: bindParams(s.Group, params),
			port: s.Port, tsaPort: s.TSAPort, version: bindParams(s.Version, params)}
		if srv.port == 0 {
			srv.port = 9540
		}
		if srv.tsaPort == 0 {
			srv.tsaPort = 9510
		}
		if srv.name == "" {
			srv.name = fmt.Sprintf("%s:%d", srv.host, srv.tsaPort)
		}
		if srv.group == "" {
			return fmt.Errorf("world.terracotta.servers[%d] (%s): `group` (its stripe's mirror-group name) is required", i, srv.host)
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

// active is the running active server of group.
func (tc *terracotta) active(group string) *tcServer {
	for _, s := range tc.servers {
		if s.up && s.role == "ACTIVE" && s.group == group {
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
	case "terracotta":
		return w.tcShorthand(h, args), true
	case "stop-wan", "start-wan":
		if _, ok := tc.orch[h.host]; !ok {
			return notFound(h, name), true
		}
		tc.orch[h.host] = base == "start-wan"
		return cmdOut{stdout: fmt.Sprintf("Orchestrator on %s %s\n", h.host, map[bool]string{true: "started", false: "stopped"}[tc.orch[h.host]])}, true
	}
	return cmdOut{}, false
}

// serverStat prints what the kit's server-stat.sh prints for each server
// named by -s (comma-separated host[:port], as ManagementToolUtil splits
// them; the port defaults to 9540), in the world's server-stat revision.
func (w *world) serverStat(h *hostModel, args []string) cmdOut {
	var list []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-s" && i+1 < len(args) {
			list = append(list, strings.Split(args[i+1], ",")...)
			i++
		}
	}
	if len(list) == 0 {
		list = []string{"localhost:9540"}
	}
	tc := w.tc
	var b strings.Builder
	for _, a := range list {
		host, portText, _ := strings.Cut(strings.TrimSpace(a), ":")
		port, _ := strconv.Atoi(portText)
		if port == 0 {
			port = 9540
		}
		s := tc.server(host)
		if s == nil || !s.up || port != s.port {
			switch tc.revision {
			case ServerStatRetry:
				return cmdOut{stdout: b.String(), stderr: fmt.Sprintf("Exception in thread \"main\" java.io.IOException: Unable to get status for %s:%d after 10 tries\n", host, port), exit: 1}
			case ServerStatJMX:
				fmt.Fprintf(&b, "%[1]s.health: FAILED\n%[1]s.role: unknown\n%[1]s.state: unknown\n%[1]s.jmxport: %[2]d\n%[1]s.group name: unknown\n%[1]s.error: Failed to connect to %[1]s:%[2]d. Connection refused\n\n\n", host, port)
			default:
				fmt.Fprintf(&b, "%[1]s.health: unknown\n%[1]s.role: unknown\n%[1]s.state: unknown\n%[1]s.port: %[2]d\n%[1]s.group name: unknown\n%[1]s.error: Connection refused to %[1]s:%[2]d. Is the TSA running?\n\n", host, port)
			}
			continue
		}
		switch tc.revision {
		case ServerStatJMX:
			fmt.Fprintf(&b, "%[1]s.health: OK\n%[1]s.role: %[2]s\n%[1]s.state: %[3]s\n%[1]s.jmxport: %[4]d\n%[1]s.group name: %[5]s\n\n\n", host, s.role, s.state, port, s.group)
		case ServerStatRetry:
			fmt.Fprintf(&b, "%[1]s.health: OK\n%[1]s.role: %[2]s\n%[1]s.initialState: %[3]s\n%[1]s.state: %[3]s\n%[1]s.port: %[4]d\n%[1]s.group name: %[5]s\n\n", s.name, s.role, s.state, port, s.group)
		default:
			fmt.Fprintf(&b, "%[1]s.health: OK\n%[1]s.role: %[2]s\n%[1]s.state: %[3]s\n%[1]s.port: %[4]d\n%[1]s.group name: %[5]s\n\n", s.name, s.role, s.state, port, s.group)
		}
	}
	return cmdOut{stdout: b.String()}
}

// tcShorthand is the simulated operator's hands for what a runbook leaves
// to them: `terracotta stop-active GROUP` stops the server that is active
// in the stripe now (as stop-tc-server.sh on its host would);
// `terracotta start-stopped GROUP` starts the stripe's stopped servers.
func (w *world) tcShorthand(h *hostModel, args []string) cmdOut {
	tc := w.tc
	if len(args) != 2 {
		return cmdOut{stderr: "usage: terracotta stop-active|start-stopped GROUP\n", exit: 2}
	}
	switch args[0] {
	case "stop-active":
		s := tc.active(args[1])
		if s == nil {
			return cmdOut{stderr: "stripe " + args[1] + " has no active server\n", exit: 1}
		}
		w.tcStop(s)
		return cmdOut{stdout: "Stopping server " + s.name + "...\n"}
	case "start-stopped":
		var started []string
		for _, s := range tc.servers {
			if s.group == args[1] && !s.up {
				th, _ := w.host(hostTarget(s.host))
				w.tcStart(s, th.products["terracotta"])
				started = append(started, s.name)
			}
		}
		if len(started) == 0 {
			return cmdOut{stderr: "stripe " + args[1] + " has no stopped server\n", exit: 1}
		}
		return cmdOut{stdout: "Starting " + strings.Join(started, ", ") + "...\n"}
	}
	return cmdOut{stderr: "terracotta: unknown shorthand " + args[0] + "\n", exit: 2}
}

// tcStart brings a server up: it becomes the mirror of a running active and
// syncs, or the active when there is none.
func (w *world) tcStart(s *tcServer, version string) {
	tc := w.tc
	s.gen++
	g := s.gen
	w.after(or(tc.spec.Start, 10*time.Second), s.host, "Terracotta server starting", func() {
		if s.gen != g {
			return
		}
		s.up, s.version = true, version
		if tc.active(s.group) == nil {
			s.role, s.state = "ACTIVE", tcActiveCoordinator
			w.happen("%s started as the active server", s.host)
			return
		}
		s.role, s.state = "PASSIVE", tcPassiveUninitialized
		if w.strike(FaultTCSyncStuck, s.host, fmt.Sprintf("%s:%d", s.host, s.port)) != nil {
			return // never synchronises
		}
		w.after(or(tc.spec.Sync, 30*time.Second), s.host, "mirror synchronising", func() {
			if s.gen != g || !s.up {
				return
			}
			if tc.active(s.group) == nil {
				return
			}
			s.state = tcPassiveStandby
		})
	})
}

// tcStop stops a server; when it was the active, a standby mirror of its
// stripe takes over (the others stay PASSIVE-STANDBY).
func (w *world) tcStop(s *tcServer) {
	tc := w.tc
	s.gen++
	g := s.gen
	w.after(or(tc.spec.Stop, 3*time.Second), s.host, "Terracotta server stopping", func() {
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
			if o.up && o.group == s.group && o.state == tcPassiveStandby {
				standby = o
				break
			}
		}
		if standby == nil {
			w.happen("active %s stopped with no synchronised mirror: stripe %s is down", s.host, s.group)
			return
		}
		sg := standby.gen
		w.after(or(tc.spec.Failover, 5*time.Second), standby.host, "taking over as the active server", func() {
			if standby.gen != sg || !standby.up {
				return
			}
			standby.role, standby.state = "ACTIVE", tcActiveCoordinator
			w.happen("failover: %s is now the active server of stripe %s", standby.host, standby.group)
		})
	})
}
