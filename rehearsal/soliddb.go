package rehearsal

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
)

// SolidSpec is a solidDB HotStandby pair.
type SolidSpec struct {
	Servers []SolidServerSpec `yaml:"servers"`
	// Netcopy, Catchup, Start and Switch are how long a netcopy, a catchup
	// after hsb connect, a server start and a role switch take (defaults
	// 40s, 20s, 10s, 3s).
	Netcopy Dur `yaml:"netcopy,omitempty"`
	Catchup Dur `yaml:"catchup,omitempty"`
	Start   Dur `yaml:"start,omitempty"`
	Switch  Dur `yaml:"switch,omitempty"`
	// AutoPrimaryAlone mirrors HotStandby.AutoPrimaryAlone: when set, a
	// Primary that loses its Secondary goes to PRIMARY ALONE by itself;
	// otherwise it waits in PRIMARY UNCERTAIN for `hsb set primary alone`.
	AutoPrimaryAlone bool `yaml:"auto_primary_alone,omitempty"`
}

// SolidServerSpec is one server of the pair.
type SolidServerSpec struct {
	Target string `yaml:"target"`
	// Host is the machine the server runs on (default: the target's
	// host), where `solid` starts it.
	Host string `yaml:"host,omitempty"`
	// State is the initial HotStandby state (PRIMARY ACTIVE, ...).
	State   string `yaml:"state,omitempty"`
	Version string `yaml:"version"`
	Down    bool   `yaml:"down,omitempty"`
}

// HotStandby states as `hsb state` prints them.
const (
	PrimaryActive    = "PRIMARY ACTIVE"
	PrimaryAlone     = "PRIMARY ALONE"
	PrimaryUncertain = "PRIMARY UNCERTAIN"
	SecondaryActive  = "SECONDARY ACTIVE"
	SecondaryAlone   = "SECONDARY ALONE"
	Standalone       = "STANDALONE"
)

var solidStates = []string{PrimaryActive, PrimaryAlone, PrimaryUncertain, SecondaryActive, SecondaryAlone, Standalone}

type solidServer struct {
	name    string
	host    string
	port    int
	up      bool
	state   string
	version string // binaries
	dbLevel string // the database file's version level (major.minor)
	// stale: the database is not a copy of the Primary's (after a failed
	// connect): only a netcopy repairs it.
	stale     bool
	copying   bool
	copied    bool
	catchup   bool
	switching bool
	gen       int // bumped when the server stops, so its pending events lapse
	peer      *solidServer
	pair      *SolidSpec
}

// level is a version's level: "6.5.0.3" -> "6.5".
func level(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

func (w *world) addSolid(spec *SolidSpec) error {
	if spec == nil {
		return nil
	}
	if len(spec.Servers) != 2 {
		return fmt.Errorf("world.soliddb: a HotStandby pair has 2 servers, not %d", len(spec.Servers))
	}
	var pair []*solidServer
	for i, s := range spec.Servers {
		t, err := w.target(s.Target)
		if err != nil {
			return fmt.Errorf("world.soliddb.servers[%d]: %w", i, err)
		}
		if t.Kind != checks.TargetSolid {
			return fmt.Errorf("world.soliddb.servers[%d]: target %s is a %s target, not soliddb", i, s.Target, t.Kind)
		}
		if !s.Down && !contains(solidStates, s.State) {
			return fmt.Errorf("world.soliddb.servers[%d]: state %q is not one of %s", i, s.State, strings.Join(solidStates, ", "))
		}
		host := t.Host
		if s.Host != "" {
			host = s.Host
		}
		srv := &solidServer{name: s.Target, host: host, port: t.Port, up: !s.Down, state: s.State,
			version: s.Version, dbLevel: level(s.Version), pair: spec}
		if srv.port == 0 {
			srv.port = 1964
		}
		w.solid[s.Target] = srv
		pair = append(pair, srv)
	}
	pair[0].peer, pair[1].peer = pair[1], pair[0]
	return nil
}

// solidByHost finds the server that runs on host (a host target's name or
// address), for `solid` typed on that machine.
func (w *world) solidByHost(names ...string) *solidServer {
	for _, s := range w.solid {
		if contains(names, s.host) || contains(names, s.name) {
			return s
		}
	}
	return nil
}

func (s *solidServer) refused() string {
	return fmt.Sprintf("SOLID Communication Error 21306: Server 'tcp %s %d' not found, connection failed", s.host, s.port)
}

func (s *solidServer) connected() bool {
	return s.state == PrimaryActive || s.state == SecondaryActive
}

// lose is what a server does when its partner goes away.
func (s *solidServer) lose() {
	switch s.state {
	case PrimaryActive:
		if s.pair.AutoPrimaryAlone {
			s.state = PrimaryAlone
		} else {
			s.state = PrimaryUncertain
		}
	case SecondaryActive:
		s.state = SecondaryAlone
	}
	s.catchup = false
}

type rcText struct {
	rc   int
	text string
}

// solidAdminRows executes an ADMIN COMMAND and answers its result set:
// `version` answers several rows (the server's version in the first; the
// real reply's layout is not documented), every other command one.
func (w *world) solidAdminRows(s *solidServer, cmd string) ([]rcText, error) {
	if normAdmin(cmd) == "version" {
		if !s.up {
			return nil, unreachedError{s.refused()}
		}
		return []rcText{{0, "Version: solidDB " + s.version}, {0, "Operating system: Linux 64bit"}}, nil
	}
	r, err := w.solidAdmin(s, cmd)
	if err != nil {
		return nil, err
	}
	return []rcText{r}, nil
}

// solsqlOutput prints a result set the way the fake solsql does: header,
// ruler, rows, "N rows fetched.".
func solsqlOutput(rows []rcText) string {
	w1, w2 := 2, 4
	for _, r := range rows {
		w1 = max(w1, len(strconv.Itoa(r.rc)))
		w2 = max(w2, len(r.text))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s %s\n%s %s\n", w1, "RC", "TEXT", strings.Repeat("-", w1), strings.Repeat("-", w2))
	for _, r := range rows {
		fmt.Fprintf(&b, "%*d %s\n", w1, r.rc, r.text)
	}
	fmt.Fprintf(&b, "%d rows fetched.\n", len(rows))
	return b.String()
}

// solidAdmin executes an ADMIN COMMAND. The SQL call succeeds whenever the
// syntax is valid; the RC carries the command's own result, as in solidDB.
func (w *world) solidAdmin(s *solidServer, cmd string) (rcText, error) {
	if !s.up {
		return rcText{}, unreachedError{s.refused()}
	}
	c := normAdmin(cmd)
	c = strings.Replace(c, "hotstandby ", "hsb ", 1)
	p := s.peer
	switch c {
	case "hsb state":
		return rcText{0, s.state}, nil
	case "hsb role":
		return rcText{0, strings.Fields(s.state)[0]}, nil
	case "hsb status copy", "hsb status netcopy":
		// 14003 ACTIVE while a copy runs: the High Availability Guide,
		// "HotStandby errors and status codes".
		switch {
		case s.copying:
			return rcText{14003, "ACTIVE"}, nil
		case s.copied:
			return rcText{0, "SUCCESS"}, nil
		}
		return rcText{0, "NOT ACTIVE"}, nil
	case "hsb status catchup":
		if s.catchup || (p.up && p.catchup) {
			return rcText{14003, "ACTIVE"}, nil
		}
		return rcText{0, "NOT ACTIVE"}, nil
	case "hsb status connect":
		switch {
		case s.catchup || (p.up && p.catchup):
			return rcText{14008, "CATCHUP"}, nil
		case s.connected():
			return rcText{0, "CONNECTED"}, nil
		}
		return rcText{14537, "BROKEN"}, nil
	case "hsb disconnect":
		if !s.connected() && !s.catchup && !p.catchup {
			return rcText{14536, "Operation failed, servers are not connected"}, nil
		}
		s.lose()
		p.lose()
		return rcText{0, "Disconnected"}, nil
	case "shutdown force", "shutdown":
		s.gen++
		gen := s.gen
		w.after(time.Second, s.host, "solidDB shutting down", func() {
			if s.gen != gen {
				return
			}
			s.up, s.state, s.copying, s.catchup = false, "", false, false
			if p.up {
				p.lose()
			}
		})
		return rcText{0, "Shutdown in progress"}, nil
	case "hsb set primary alone":
		switch s.state {
		case PrimaryAlone:
			// What a server already alone answers is not documented: the
			// simulator refuses with a non-zero RC, and the action judges
			// by `hsb state` afterwards, as the live one does.
			return rcText{14529, "Operation refused in state PRIMARY ALONE"}, nil
		case PrimaryUncertain, SecondaryAlone:
			s.state = PrimaryAlone
			return rcText{0, "Success"}, nil
		}
		return rcText{14529, fmt.Sprintf("Operation refused in state %s", s.state)}, nil
	case "hsb set secondary alone":
		switch s.state {
		case PrimaryUncertain, PrimaryAlone, SecondaryAlone:
			s.state = SecondaryAlone
			return rcText{0, "Success"}, nil
		}
		return rcText{14529, fmt.Sprintf("Operation refused in state %s", s.state)}, nil
	case "hsb netcopy":
		if s.state != PrimaryAlone {
			return rcText{14529, fmt.Sprintf("Netcopy is allowed in PRIMARY ALONE state only, the server is %s", s.state)}, nil
		}
		if !p.up || p.state != SecondaryAlone {
			return rcText{14503, "Secondary server is not available for netcopy"}, nil
		}
		if s.copying {
			return rcText{14525, "Netcopy is already active"}, nil
		}
		s.copying, s.copied = true, false
		sg, pg := s.gen, p.gen
		w.after(or(s.pair.Netcopy, 40*time.Second), s.host, "netcopy to "+p.name+" running", func() {
			s.copying = false
			if s.gen != sg || p.gen != pg {
				return // one of them stopped: the copy is lost
			}
			s.copied = true
			p.stale = false
			p.dbLevel = level(p.version)
			w.happen("netcopy %s -> %s completed", s.name, p.name)
		})
		return rcText{0, "Netcopy started"}, nil
	case "hsb connect":
		prim, sec := s, p
		if strings.HasPrefix(s.state, "SECONDARY") {
			prim, sec = p, s
			if s.version > p.version {
				return rcText{14530, "Connect refused: the Secondary runs a newer version; issue hsb connect on the Primary"}, nil
			}
		}
		if s.catchup || p.catchup {
			return rcText{0, "Catchup is active."}, nil
		}
		if prim.state != PrimaryAlone || !sec.up || sec.state != SecondaryAlone {
			return rcText{14537, fmt.Sprintf("Connect failed: Primary is %s, Secondary is %s", prim.state, stateOr(sec))}, nil
		}
		if sec.stale {
			return rcText{14526, "Connect failed: the Secondary's database is not a copy of the Primary's; copy it with hsb netcopy"}, nil
		}
		if f := w.strike(FaultSolidConnect, s.name, s.host); f != nil {
			sec.stale = true
			rc := f.Errno
			if rc == 0 {
				rc = 14526
			}
			msg := f.Message
			if msg == "" {
				msg = "Connect failed: the Secondary's database is not a copy of the Primary's; copy it with hsb netcopy"
			}
			return rcText{rc, msg}, nil
		}
		prim.catchup = true
		pg, sg := prim.gen, sec.gen
		w.after(or(s.pair.Catchup, 20*time.Second), prim.host, "catchup with "+sec.name+" running", func() {
			if !prim.catchup {
				return // disconnected meanwhile
			}
			prim.catchup = false
			if prim.gen != pg || sec.gen != sg || !prim.up || !sec.up {
				return
			}
			prim.state, sec.state = PrimaryActive, SecondaryActive
			w.happen("%s caught up with %s", sec.name, prim.name)
		})
		return rcText{0, "Connected, catchup started"}, nil
	case "hsb switch primary":
		if s.state != SecondaryActive {
			if s.state == PrimaryActive {
				return rcText{0, "Server is already primary"}, nil
			}
			return rcText{14529, fmt.Sprintf("Switch refused in state %s", s.state)}, nil
		}
		s.switching = true
		g := s.gen
		w.after(or(s.pair.Switch, 3*time.Second), s.host, "switching to Primary", func() {
			s.switching = false
			if s.gen != g || !s.up || !p.up {
				return
			}
			s.state, p.state = PrimaryActive, SecondaryActive
			w.happen("role switch: %s is Primary", s.name)
		})
		return rcText{0, "Switch started"}, nil
	case "hsb switch secondary":
		if s.state != PrimaryActive {
			return rcText{14529, fmt.Sprintf("Switch refused in state %s", s.state)}, nil
		}
		w.after(or(s.pair.Switch, 3*time.Second), s.host, "switching to Secondary", func() {
			if s.up && p.up {
				s.state, p.state = SecondaryActive, PrimaryActive
			}
		})
		return rcText{0, "Switch started"}, nil
	}
	return rcText{}, fmt.Errorf("simulator: ADMIN COMMAND '%s' is not modelled on solidDB (it knows hsb state, hsb status copy|catchup|connect, hsb disconnect|connect|netcopy, hsb set primary alone, hsb switch primary, shutdown force, version)", cmd)
}

func stateOr(s *solidServer) string {
	if !s.up {
		return "down"
	}
	return s.state
}

// normAdmin reads "ADMIN COMMAND 'hsb state';", "' hsb switch primary'" or
// "hsb state" alike.
func normAdmin(cmd string) string {
	c := strings.TrimSpace(cmd)
	c = strings.TrimSuffix(c, ";")
	if len(c) > 13 && strings.EqualFold(c[:13], "admin command") {
		c = c[13:]
	}
	c = strings.Trim(strings.TrimSpace(c), "'\"‘’")
	return strings.ToLower(strings.Join(strings.Fields(c), " "))
}

// solidStart is `solid [-x autoconvert]` on the server's machine. A server
// whose database is at an older version level than its binaries refuses to
// start without -x autoconvert, as solidDB does.
func (w *world) solidStart(s *solidServer, args []string) cmdOut {
	if s.up {
		return cmdOut{stderr: fmt.Sprintf("solid: a server is already running on port %d", s.port), exit: 1}
	}
	autoconvert := false
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-x" && (args[i+1] == "autoconvert" || args[i+1] == "convert") {
			autoconvert = true
		}
	}
	if level(s.version) != s.dbLevel && !autoconvert {
		return cmdOut{stderr: fmt.Sprintf("SOLID Fatal error: database version %s is older than the server's %s; start with -x autoconvert to convert it", s.dbLevel, level(s.version)), exit: 1}
	}
	s.gen++
	g := s.gen
	w.after(or(s.pair.Start, 10*time.Second), s.host, "solidDB starting", func() {
		if s.gen != g {
			return
		}
		s.up, s.state = true, SecondaryAlone
		s.copied, s.copying, s.catchup = false, false, false
		if autoconvert {
			s.dbLevel = level(s.version)
		}
		// A database converted to another version level is no copy of
		// its partner's: they connect only after a netcopy.
		if s.dbLevel != s.peer.dbLevel {
			s.stale = true
		}
	})
	return cmdOut{stdout: fmt.Sprintf("solidDB %s starting", s.version)}
}
