package proc

import (
	"os"
	"strings"
)

// Env is the environment a child gets: the parent's, without each variable
// for which drop reports true (the session's secrets, see
// checks.Redactor.ChildEnv). drop nil keeps everything.
func Env(drop func(name, value string) bool) []string {
	env := os.Environ()
	if drop == nil {
		return env
	}
	out := env[:0]
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if !drop(name, value) {
			out = append(out, kv)
		}
	}
	return out
}

// sshKeep are the only variables the ssh client is given: what it needs to
// find the operator's keys, agent and configuration, and nothing its
// SendEnv could forward to the remote side (LANG and LC_* included, which
// Debian's ssh_config sends by default).
var sshKeep = []string{"PATH", "HOME", "USER", "LOGNAME", "SSH_AUTH_SOCK", "KRB5CCNAME", "TMPDIR", "XDG_RUNTIME_DIR"}

// SSHEnv keeps from env only the variables ssh itself needs (sshKeep), so
// that ssh forwards no variable to the remote host, whatever SendEnv the
// ssh configuration sets.
func SSHEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		for _, k := range sshKeep {
			if name == k {
				out = append(out, kv)
				break
			}
		}
	}
	return out
}
