package rehearsal

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/handrail/handrail/checks"
)

// HostSpec is one machine commands run on.
type HostSpec struct {
	// Host is the machine's name as targets and argv name it (params
	// allowed: "${primary_host}").
	Host string `yaml:"host"`
	// Services are the machine's services, by service (key) name, and
	// whether they run ("running" or "stopped").
	Services map[string]string `yaml:"services,omitempty"`
	// DisplayNames gives a service's display name (what services.msc
	// and a vendor's manual show) by its key name. `sc query` takes only
	// the key name; `net start|stop` takes either.
	DisplayNames map[string]string `yaml:"display_names,omitempty"`
	// Products maps a product to its installed version: thinman,
	// terracotta (the unpacked kit), timesten, gemstone, soliddb.
	Products map[string]string `yaml:"products,omitempty"`
	// Install is how long an installer runs (default 2m); services the
	// installer stopped are back Restart after it ends (default 30s).
	Install Dur `yaml:"install,omitempty"`
	Restart Dur `yaml:"restart,omitempty"`
	// Ports lists further open ports (besides the modelled servers').
	Ports []int `yaml:"ports,omitempty"`
}

type hostModel struct {
	spec     HostSpec
	host     string
	services map[string]string
	products map[string]string
	busy     bool // an installer is running
}

func (w *world) addHosts(specs []HostSpec, params map[string]string) error {
	for i, s := range specs {
		h := &hostModel{spec: s, host: bindParams(s.Host, params), services: map[string]string{}, products: map[string]string{}}
		if h.host == "" {
			return fmt.Errorf("world.hosts[%d]: `host` is required", i)
		}
		for k, v := range s.Services {
			if v != "running" && v != "stopped" {
				return fmt.Errorf("world.hosts[%d] (%s): service %s is %q: write running or stopped", i, h.host, k, v)
			}
			h.services[k] = v
		}
		for k := range s.DisplayNames {
			if _, ok := s.Services[k]; !ok {
				return fmt.Errorf("world.hosts[%d] (%s): display_names names %q, which is not one of its services (give the service's key name)", i, h.host, k)
			}
		}
		for k, v := range s.Products {
			h.products[k] = bindParams(v, params)
		}
		w.hosts[h.host] = h
	}
	return nil
}

// host is the machine a host target names. A machine the scenario did not
// declare is created bare on first use: commands on it answer "not found"
// unless a modelled server (Terracotta, solidDB, ...) lives there.
func (w *world) host(t checks.Target) (*hostModel, error) {
	name := w.bindItem(t.Host)
	if name == "" || strings.Contains(name, "${") {
		return nil, fmt.Errorf("simulator: target %s has no host bound (%q)", t.Name, t.Host)
	}
	h := w.hosts[name]
	if h == nil {
		h = &hostModel{host: name, services: map[string]string{}, products: map[string]string{}}
		w.hosts[name] = h
	}
	return h, nil
}

// portOpen reports whether something listens on host:port in the world.
func (w *world) portOpen(t checks.Target, port int) bool {
	host := w.bindItem(t.Host)
	for _, m := range w.mysql {
		if m.host == host && m.port == port && m.up {
			return true
		}
	}
	for _, s := range w.solid {
		if s.host == host && s.port == port && s.up {
			return true
		}
	}
	if w.tc != nil {
		if s := w.tc.server(host); s != nil && s.up && (port == s.port || port == s.tsaPort) {
			return true
		}
	}
	if w.tt != nil && w.tt.portOpen(host, port) {
		return true
	}
	if h := w.hosts[host]; h != nil {
		for _, p := range h.spec.Ports {
			if p == port {
				return true
			}
		}
	}
	return false
}

type cmdOut struct {
	stdout, stderr string
	exit           int
	// noAnswer says, in the simulator's words, why nothing answered: a
	// probe that meets it reports it as its error (no answer: unreachable).
	noAnswer string
}

func notFound(h *hostModel, name string) cmdOut {
	why := fmt.Sprintf("nothing on %s answers %s (simulator: it is not installed or not modelled there)", h.host, name)
	return cmdOut{stderr: fmt.Sprintf("sh: 1: %s: not found (simulator: nothing on %s answers it)\n", name, h.host), exit: 127, noAnswer: why}
}

// exec runs an argv, or a shell line, on h. A shell line is split into
// commands at && || ; and |, with POSIX quoting; `nohup` and a trailing &
// are honoured; `grep` filters a pipeline's output.
func (w *world) exec(h *hostModel, argv []string, shell string) cmdOut {
	if shell == "" {
		return w.execArgv(h, argv)
	}
	pipeline, err := splitShell(shell)
	if err != nil {
		return cmdOut{stderr: "sh: " + err.Error() + "\n", exit: 2}
	}
	var last cmdOut
	prev := ""
	for _, seg := range pipeline {
		run := prev != "&&" && prev != "||" || (prev == "&&" && last.exit == 0) || (prev == "||" && last.exit != 0)
		if run {
			if seg.pipeFrom && len(seg.argv) > 0 && path.Base(seg.argv[0]) == "grep" {
				last = grep(last, seg.argv[1:])
			} else {
				last = w.execArgv(h, seg.argv)
			}
		}
		prev = seg.op
	}
	return last
}

type shellSeg struct {
	argv     []string
	op       string // the operator after this command: && || ; | or ""
	pipeFrom bool   // this command reads the previous one's output
}

// splitShell tokenises a POSIX shell line enough for runbook commands.
func splitShell(s string) ([]shellSeg, error) {
	var segs []shellSeg
	var cur []string
	var word strings.Builder
	inWord, pipeFrom := false, false
	flushWord := func() {
		if inWord {
			cur = append(cur, word.String())
			word.Reset()
			inWord = false
		}
	}
	flushCmd := func(op string) {
		flushWord()
		if len(cur) > 0 || op != "" {
			segs = append(segs, shellSeg{argv: cur, op: op, pipeFrom: pipeFrom})
		}
		pipeFrom = op == "|"
		cur = nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			word.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				word.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			inWord = true
			i = j
		case c == '\\' && i+1 < len(s):
			word.WriteByte(s[i+1])
			inWord = true
			i++
		case c == ' ' || c == '\t' || c == '\n':
			flushWord()
		case c == '&' && i+1 < len(s) && s[i+1] == '&':
			flushCmd("&&")
			i++
		case c == '|' && i+1 < len(s) && s[i+1] == '|':
			flushCmd("||")
			i++
		case c == ';':
			flushCmd(";")
		case c == '|':
			flushCmd("|")
		case c == '&':
			flushCmd(";") // background: the simulated command starts all the same
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flushCmd("")
	return segs, nil
}

func grep(in cmdOut, args []string) cmdOut {
	var pat string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			pat = a
			break
		}
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return cmdOut{stderr: "grep: " + err.Error(), exit: 2}
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(in.stdout, "\n"), "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return cmdOut{exit: 1}
	}
	return cmdOut{stdout: strings.Join(out, "\n") + "\n"}
}

var thinmanInstaller = regexp.MustCompile(`^ThinMan(Secondary)?_(\d+\.\d+\.\d+)\.exe$`)

// execArgv runs one command on h, dispatching on its base name.
func (w *world) execArgv(h *hostModel, argv []string) cmdOut {
	for len(argv) > 0 && (argv[0] == "nohup" || argv[0] == "sudo" || argv[0] == "exec") {
		argv = argv[1:]
	}
	if len(argv) == 0 {
		return cmdOut{}
	}
	name := path.Base(strings.ReplaceAll(argv[0], `\`, "/"))
	args := argv[1:]
	if (name == "sh" || name == "bash") && len(args) >= 2 && args[0] == "-c" {
		return w.exec(h, nil, args[1])
	}
	if m := thinmanInstaller.FindStringSubmatch(name); m != nil {
		return w.thinmanInstall(h, m[1] != "", m[2])
	}
	switch strings.TrimSuffix(strings.TrimSuffix(name, ".sh"), ".bat") {
	case "cd", "true", ":", "ls", "services.msc":
		return cmdOut{}
	case "echo":
		return cmdOut{stdout: strings.Join(args, " ") + "\n"}
	case "sc", "sc.exe":
		return w.scCommand(h, args)
	case "net":
		if len(args) == 2 && (args[0] == "start" || args[0] == "stop") {
			return w.scCommand(h, []string{args[0], h.keyName(args[1])})
		}
	case "shutdown":
		return w.reboot(h)
	case "upgrade":
		return w.upgrade(h, args)
	case "solid":
		if s := w.solidByHost(h.host); s != nil {
			return w.solidStart(s, args)
		}
	case "server-stat", "start-tc-server", "stop-tc-server", "version", "start-wan", "stop-wan", "tar", "rm", "unzip", "terracotta":
		if w.tc != nil {
			if out, ok := w.tcCommand(h, name, args); ok {
				return out
			}
		}
	}
	if w.tt != nil {
		if out, ok := w.ttCommand(h, argv[0], args); ok {
			return out
		}
	}
	if w.gs != nil {
		if out, ok := w.gsCommand(h, argv[0], args); ok {
			return out
		}
	}
	return notFound(h, argv[0])
}

// thinmanInstall is ThinMan_x.y.z.exe: the installer stops the ThinMan
// services, updates, and restarts them by itself.
func (w *world) thinmanInstall(h *hostModel, secondary bool, version string) cmdOut {
	if h.busy {
		return cmdOut{stderr: "another installation is in progress", exit: 1}
	}
	old := h.products["thinman"]
	h.busy = true
	var stopped []string
	for name, st := range h.services {
		if strings.HasPrefix(strings.ReplaceAll(name, " ", ""), "ThinMan") && st == "running" {
			h.services[name] = "stopped"
			stopped = append(stopped, name)
		}
	}
	w.after(or(h.spec.Install, 2*time.Minute), h.host, "installer running", func() {
		h.busy = false
		h.products["thinman"] = version
		w.happen("ThinMan %s installed on %s", version, h.host)
		w.after(or(h.spec.Restart, 30*time.Second), h.host, "ThinMan services restarting", func() {
			for _, s := range stopped {
				h.services[s] = "running"
			}
		})
	})
	kind := "Primary"
	if secondary {
		kind = "Secondary"
	}
	return cmdOut{stdout: fmt.Sprintf("ThinMan %s Server setup: updating %s to %s\n", kind, orDash(old), version)}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// keyName is the key name of the service whose key or display name is
// name (Windows compares both without case), or name itself when no
// service has it: what `net start|stop` accepts.
func (h *hostModel) keyName(name string) string {
	if k, ok := h.serviceKey(name); ok {
		return k
	}
	for k, d := range h.spec.DisplayNames {
		if strings.EqualFold(d, name) {
			return k
		}
	}
	return name
}

// serviceKey finds the service whose key name is name, without case.
func (h *hostModel) serviceKey(name string) (string, bool) {
	if _, ok := h.services[name]; ok {
		return name, true
	}
	for k := range h.services {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// scNoService is what sc.exe prints, with exit code 1060, for a name that
// is no service's key name: ERROR_SERVICE_DOES_NOT_EXIST (Microsoft,
// "System Error Codes (1000-1299)"), after sc's "[SC] <call> FAILED 1060:"
// line as published sc.exe captures show it.
const scNoService = "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n\nThe specified service does not exist as an installed service.\n"

// scCommand answers Windows `sc query|start|stop NAME` from the host's
// services, in sc.exe's own layout (the status block sc.exe prints, as
// static-web-server/static-web-server docs/content/features/windows-service.md
// shows it). NAME is the service's key name only, as Microsoft documents
// it (Windows Server "Sc query": "the service name returned by the
// getkeyname operation"; OpenService: "not the service display name",
// compared without case): a display name such as "ThinMan Server" answers
// 1060, as does any name no service has.
func (w *world) scCommand(h *hostModel, args []string) cmdOut {
	if len(args) < 2 {
		return cmdOut{stderr: "DESCRIPTION:\n        SC is a command line program used for communicating with the\n        Service Control Manager and services.\n", exit: 1}
	}
	if len(args) > 2 {
		return cmdOut{stderr: fmt.Sprintf("simulator: sc %s takes one service (key) name, got %q: quote a name that holds spaces\n", args[0], strings.Join(args[1:], " ")), exit: 1}
	}
	name, ok := h.serviceKey(args[1])
	if !ok {
		return cmdOut{stdout: scNoService, exit: 1060}
	}
	switch args[0] {
	case "start":
		h.services[name] = "running"
	case "stop":
		h.services[name] = "stopped"
	case "query":
	default:
		return cmdOut{stderr: "[SC] unknown operation " + args[0], exit: 1}
	}
	state, controls := "4  RUNNING", "\n                            (STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)"
	if h.services[name] == "stopped" {
		state, controls = "1  STOPPED", ""
	}
	return cmdOut{stdout: fmt.Sprintf("\nSERVICE_NAME: %s\n    TYPE               : 10  WIN32_OWN_PROCESS\n    STATE              : %s%s\n    WIN32_EXIT_CODE    : 0  (0x0)\n    SERVICE_EXIT_CODE  : 0  (0x0)\n    CHECKPOINT         : 0x0\n    WAIT_HINT          : 0x0\n", name, state, controls)}
}

// reboot stops every service and brings the running ones back.
func (w *world) reboot(h *hostModel) cmdOut {
	var was []string
	for name, st := range h.services {
		if st == "running" {
			was = append(was, name)
			h.services[name] = "stopped"
		}
	}
	sort.Strings(was)
	w.after(or(h.spec.Restart, 30*time.Second)+time.Minute, h.host, "rebooting", func() {
		for _, s := range was {
			h.services[s] = "running"
		}
		w.happen("%s rebooted", h.host)
	})
	return cmdOut{}
}

// upgrade is the simulator's shorthand for "the operator installed PRODUCT
// VERSION's binaries on this machine" (an installer, a copy of
// executables): `upgrade soliddb 7.0.0.8`.
func (w *world) upgrade(h *hostModel, args []string) cmdOut {
	if len(args) != 2 {
		return cmdOut{stderr: "usage: upgrade PRODUCT VERSION", exit: 2}
	}
	product, version := args[0], args[1]
	switch product {
	case "soliddb":
		s := w.solidByHost(h.host)
		if s == nil {
			return cmdOut{stderr: "no solidDB server on " + h.host, exit: 1}
		}
		if s.version == version {
			return cmdOut{stdout: fmt.Sprintf("solidDB %s is already installed on %s\n", version, h.host)}
		}
		if s.up {
			return cmdOut{stderr: "cannot replace the binaries of a running solidDB server: shut it down first", exit: 1}
		}
		s.version = version
	case "timesten":
		if w.tt != nil {
			w.tt.installNew(h.host, version)
		}
	case "gemstone":
		if w.gs != nil {
			w.gs.install(h.host, version)
		}
	}
	h.products[product] = version
	return cmdOut{stdout: fmt.Sprintf("%s %s installed on %s\n", product, version, h.host)}
}

// bindItem substitutes the current foreach item in a target's host.
func (w *world) bindItem(s string) string {
	return bindParams(s, w.itemVars)
}

// describeOthers lists hosts and Terracotta servers for test failures.
func (w *world) describeOthers() []string {
	var lines []string
	for n, h := range w.hosts {
		lines = append(lines, fmt.Sprintf("host %s services=%v products=%v", n, h.services, h.products))
	}
	if w.tc != nil {
		for _, s := range w.tc.servers {
			lines = append(lines, fmt.Sprintf("tc %s up=%v role=%s state=%s v=%s", s.host, s.up, s.role, s.state, s.version))
		}
	}
	return lines
}

// hostTarget is a host target for a machine the world knows by name.
func hostTarget(host string) checks.Target {
	return checks.Target{Name: host, Kind: checks.TargetHost, Host: host}
}
