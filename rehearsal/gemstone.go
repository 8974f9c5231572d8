package rehearsal

import (
	"fmt"
	"path"
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
	// StatusScript is the topaz script that prints restoreStatusInfo at:
	// 13 (params allowed).
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

type gemstone struct {
	spec          *GemStoneSpec
	master, slave string
	origin        GSInstallSpec
	target        GSInstallSpec
	script        string
	homes         map[string]map[string]bool // host -> installed homes
	failoverAt    time.Time                  // zero until failOverToSlave
	replayedAt    time.Time                  // zero until the slave replayed it
}

func (w *world) addGemStone(spec *GemStoneSpec, params map[string]string) error {
	if spec == nil {
		return nil
	}
	b := func(s string) string { return bindParams(s, params) }
	gs := &gemstone{spec: spec, master: b(spec.Master), slave: b(spec.Slave),
		origin: GSInstallSpec{b(spec.Origin.Home), b(spec.Origin.Version)},
		target: GSInstallSpec{b(spec.Target.Home), b(spec.Target.Version)},
		script: b(spec.StatusScript), homes: map[string]map[string]bool{}}
	if gs.master == "" || gs.slave == "" || gs.origin.Home == "" || gs.target.Home == "" {
		return fmt.Errorf("world.gemstone: master, slave, origin.home and target.home are required")
	}
	for _, h := range []string{gs.master, gs.slave} {
		gs.homes[h] = map[string]bool{gs.origin.Home: true}
	}
	w.gs = gs
	return nil
}

func (gs *gemstone) install(host, version string) {
	if version == gs.target.Version && gs.homes[host] != nil {
		gs.homes[host][gs.target.Home] = true
	}
}

// gsCommand answers topaz runs and the Smalltalk the simulated operator
// types into topaz ("SystemRepository failOverToSlave").
func (w *world) gsCommand(h *hostModel, name string, args []string) (cmdOut, bool) {
	gs := w.gs
	homes := gs.homes[h.host]
	if homes == nil {
		return cmdOut{}, false
	}
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
			w.after(replay, func() {
				gs.replayedAt = w.now
				w.happen("the slave replayed the failover record")
			})
		}
		return cmdOut{stdout: "true\n"}, true
	case path.Base(name) == "topaz":
		home := strings.TrimSuffix(path.Dir(path.Dir(name)), "/")
		if strings.Contains(name, "/") && !homes[home] {
			return notFound(h, name), true
		}
		script := ""
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-S" {
				script = args[i+1]
			}
		}
		if script == "" || script != gs.script {
			return cmdOut{stderr: fmt.Sprintf("topaz: the simulator runs only the status script %s\n", gs.script), exit: 1}, true
		}
		if h.host != gs.slave {
			return cmdOut{stdout: "restoreStatusInfo13: 0\n"}, true
		}
		v := "0"
		if !gs.replayedAt.IsZero() && !gs.replayedAt.After(w.now) {
			v = fmt.Sprint(gs.failoverAt.Unix())
		}
		return cmdOut{stdout: "restoreStatusInfo13: " + v + "\n"}, true
	}
	return cmdOut{}, false
}
