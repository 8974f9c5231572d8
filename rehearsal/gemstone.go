package rehearsal

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// GemStoneSpec is a GemStone/S 64 master and its hot standby slave, with
// the origin and target installations.
type GemStoneSpec struct {
	Master string        `yaml:"master"` // host
	Slave  string        `yaml:"slave"`  // host
	Origin GSInstallSpec `yaml:"origin"`
	Target GSInstallSpec `yaml:"target"`
	// Stone is the stone's name on both hosts (params allowed).
	Stone string `yaml:"stone"`
	// LogReceiver and LogSender are the names gslist shows for those
	// processes (params allowed).
	LogReceiver string `yaml:"logreceiver"`
	LogSender   string `yaml:"logsender"`
	// StatusScript is the topaz initialization file that prints
	// restoreStatusInfo at: 13 (params allowed).
	StatusScript string `yaml:"status_script"`
	// Replay is how long the slave takes to replay the failover record
	// after failOverToSlave (default 20s).
	Replay Dur `yaml:"replay,omitempty"`
}

// GSInstallSpec is one GemStone installation ($GEMSTONE).
type GSInstallSpec struct {
	Home    string `yaml:"home"`
	Version string `yaml:"version"`
}

// gsProcess is one GemStone server process gslist lists.
type gsProcess struct {
	name, typ, version string
	pid, port          int
	started            time.Time
}

type gemstone struct {
	spec          *GemStoneSpec
	master, slave string
	stone         string
	receiver      string
	sender        string
	origin        GSInstallSpec
	target        GSInstallSpec
	script        string
	homes         map[string]map[string]bool       // host -> installed homes
	procs         map[string]map[string]*gsProcess // host -> process name -> process
	nextPid       int
	failoverAt    time.Time // zero until failOverToSlave
	replayedAt    time.Time // zero until the slave replayed it
}

func (w *world) addGemStone(spec *GemStoneSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	b := func(s string) string { return bindParams(s, params) }
	gs := &gemstone{spec: spec, master: b(spec.Master), slave: b(spec.Slave),
		stone: b(spec.Stone), receiver: b(spec.LogReceiver), sender: b(spec.LogSender),
		origin: GSInstallSpec{b(spec.Origin.Home), b(spec.Origin.Version)},
		target: GSInstallSpec{b(spec.Target.Home), b(spec.Target.Version)},
		script: b(spec.StatusScript), homes: map[string]map[string]bool{},
		procs: map[string]map[string]*gsProcess{}, nextPid: 19495}
	if gs.master == "" || gs.slave == "" || gs.origin.Home == "" || gs.target.Home == "" || gs.stone == "" {
		return fmt.Errorf("world.gemstone: master, slave, stone, origin.home and target.home are required")
	}
	for _, h := range []string{gs.master, gs.slave} {
		gs.homes[h] = map[string]bool{gs.origin.Home: true}
		gs.procs[h] = map[string]*gsProcess{}
		gs.start(w, h, gs.stone, "Stone", gs.origin.Version)
	}
	if gs.sender != "" {
		gs.start(w, gs.master, gs.sender, "Logsender", gs.origin.Version)
	}
	if gs.receiver != "" {
		gs.start(w, gs.slave, gs.receiver, "Logreceiver", gs.origin.Version)
	}
	w.gs = gs
	return nil
}

func (gs *gemstone) install(host, version string) {
	if version == gs.target.Version && gs.homes[host] != nil {
		gs.homes[host][gs.target.Home] = true
	}
}

// start runs a GemStone process; the Type words for the logsender and
// logreceiver are the simulator's own (gslist's could not be confirmed).
func (gs *gemstone) start(w *world, host, name, typ, version string) {
	gs.nextPid++
	gs.procs[host][name] = &gsProcess{name: name, typ: typ, version: version, pid: gs.nextPid, port: 50000 + gs.nextPid%10000, started: w.now}
}

// versionOf is the version of the installation a command path belongs to.
func (gs *gemstone) versionOf(cmd string) (string, bool) {
	for _, in := range []GSInstallSpec{gs.origin, gs.target} {
		if strings.HasPrefix(cmd, strings.TrimSuffix(in.Home, "/")+"/") {
			return in.Version, true
		}
	}
	return "", false
}

// gsCommand answers topaz runs, gslist, the start/stop scripts and the
// Smalltalk the simulated operator types into topaz ("SystemRepository
// failOverToSlave").
func (w *world) gsCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	gs := w.gs
	homes := gs.homes[h.host]
	if homes == nil {
		return cmdOut{}, false
	}
	base := path.Base(name)
	if strings.Contains(name, "/") {
		home := strings.TrimSuffix(path.Dir(path.Dir(name)), "/")
		switch base {
		case "topaz", "gslist", "startstone", "stopstone", "startlogreceiver", "stoplogreceiver", "startlogsender", "stoplogsender":
			if !homes[home] {
				return notFound(h, name), true
			}
		}
	}
	version, _ := gs.versionOf(name)
	procs := gs.procs[h.host]
	switch {
	case name == "SystemRepository" && len(args) == 1 && args[0] == "failOverToSlave":
		if h.host != gs.master {
			return cmdOut{stderr: "failOverToSlave: this system is not the master\n", exit: 1}, true
		}
		if gs.failoverAt.IsZero() {
			gs.failoverAt = w.now
			replay := or(gs.spec.Replay, 20*time.Second)
			if f := w.strike(FaultGemSlowReplay, gs.slave, gs.master); f != nil {
				replay = time.Duration(f.Delay)
			}
			w.after(replay, gs.slave, "replaying the failover record", func() {
				gs.replayedAt = w.now
				w.happen("the slave replayed the failover record")
			})
		}
		return cmdOut{stdout: "true\n"}, true
	case base == "gslist":
		return gs.gslist(procs), true
	case base == "startstone", base == "startlogreceiver", base == "startlogsender":
		pname, typ := gs.stone, "Stone"
		switch base {
		case "startlogreceiver":
			pname, typ = gs.receiver, "Logreceiver"
		case "startlogsender":
			pname, typ = gs.sender, "Logsender"
		}
		if p := procs[pname]; p != nil {
			return cmdOut{stderr: fmt.Sprintf("%s: %s is already running (pid %d)\n", base, pname, p.pid), exit: 1}, true
		}
		gs.start(w, h.host, pname, typ, version)
		return cmdOut{stdout: fmt.Sprintf("%s: %s started, version %s\n", base, pname, version)}, true
	case base == "stopstone", base == "stoplogreceiver", base == "stoplogsender":
		pname := map[string]string{"stopstone": gs.stone, "stoplogreceiver": gs.receiver, "stoplogsender": gs.sender}[base]
		if procs[pname] == nil {
			return cmdOut{stderr: fmt.Sprintf("%s: %s is not running\n", base, pname), exit: 1}, true
		}
		delete(procs, pname)
		return cmdOut{stdout: fmt.Sprintf("%s: %s stopped\n", base, pname)}, true
	case base == "topaz":
		return gs.topaz(w, h, args), true
	}
	return cmdOut{}, false
}

// topazFlags are the topaz flags a runbook may use, as the GemStone/S 64
// Topaz manual documents them ("Topaz Command-Line Syntax"): -l linked,
// -q quiet, -i ignore .topazini, -I the initialization file to use instead.
// The value says whether the flag takes an argument.
var topazFlags = map[string]bool{"-l": false, "-q": false, "-i": false, "-I": true}

// topaz runs the status initialization file (-I) the runbook asks for,
// printing what topaz prints: the login, the printit and its result on its
// own line, the logout. Any other flag or argument is refused, so a runbook
// that strays from the documented flags fails in rehearsal (the refusal's
// wording is the simulator's: what topaz prints then is not documented).
func (gs *gemstone) topaz(w *world, h *hostModel, args []string) cmdOut {
	script, ignoreIni := "", false
	for i := 0; i < len(args); i++ {
		ignoreIni = ignoreIni || args[i] == "-i"
		takesArg, ok := topazFlags[args[i]]
		if !ok {
			return cmdOut{stderr: fmt.Sprintf("simulator: topaz %q is not one of the documented flags -l -q -i -I (GemStone/S 64 Topaz manual, \"Topaz Command-Line Syntax\")\n", args[i]), exit: 1}
		}
		if takesArg {
			if i+1 == len(args) {
				return cmdOut{stderr: fmt.Sprintf("simulator: topaz %s needs the initialization file\n", args[i]), exit: 1}
			}
			i++
			script = args[i]
		}
	}
	if ignoreIni && script != "" {
		return cmdOut{stderr: "simulator: topaz -i and -I are alternatives (the manual's syntax: [ -i | -I topazini ])\n", exit: 1}
	}
	if script == "" || script != gs.script {
		return cmdOut{stderr: fmt.Sprintf("topaz: the simulator runs only the status initialization file %s (-I)\n", gs.script), exit: 1}
	}
	if gs.procs[h.host][gs.stone] == nil {
		return cmdOut{stderr: fmt.Sprintf("simulator: the stone %s is not running on %s: topaz cannot log in\n", gs.stone, h.host), exit: 1}
	}
	v := "0"
	if h.host == gs.slave && !gs.replayedAt.IsZero() && !gs.replayedAt.After(w.now) {
		v = fmt.Sprint(gs.failoverAt.Unix())
	}
	return cmdOut{stdout: fmt.Sprintf("[%s] gci login: currSession 1 rpc gem processId %d\nsuccessful login\ntopaz 1> printit\nSystemRepository restoreStatusInfo at: 13\n%%\n%s\ntopaz 1> exit\nLogging out session 1.\n",
		w.now.UTC().Format("01/02/06 15:04:05.000 MST"), gs.procs[h.host][gs.stone].pid+1, v)}
}

// gslist is `gslist -lc`: a header, a ruler, one line per process.
func (gs *gemstone) gslist(procs map[string]*gsProcess) cmdOut {
	var b strings.Builder
	b.WriteString("Status   Version    Owner    Pid   Port   Started     Type       Name\n")
	b.WriteString("------- --------- --------- ----- ----- ------------ ------      ----\n")
	names := make([]string, 0, len(procs))
	for n := range procs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := procs[n]
		fmt.Fprintf(&b, "exists  %-9s gemstone  %5d %5d %s %-11s %s\n", p.version, p.pid, p.port, p.started.Format("Jan 02 15:04"), p.typ, p.name)
	}
	return cmdOut{stdout: b.String()}
}
