//go:build linux

package command

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

const envCanary = "Canary-Env-7f3a9e"

// plantCanary puts the canary in the environment twice: under a name that
// says it is a password, and under a name that does not (a target's
// password_env may be called anything). It returns the redactor a session
// would have, which knows the value.
func plantCanary(t *testing.T) *checks.Redactor {
	t.Setenv("HANDRAIL_TEST_DB_PASSWORD", envCanary)
	t.Setenv("HANDRAIL_TEST_S1_LOGIN", envCanary)
	return checks.NewRedactor(envCanary)
}

// TestChildEnvironmentHoldsNoSecret reads /proc/<child>/environ of real
// children, a command's argv and a shell line's sh: the canary is in
// neither, while an ordinary variable is passed on.
func TestChildEnvironmentHoldsNoSecret(t *testing.T) {
	red := plantCanary(t)
	t.Setenv("HANDRAIL_TEST_PLAIN", "plain-value")
	r := Runner{Env: red.ChildEnv(os.Environ())}
	for _, c := range []checks.Check{
		{Argv: []string{"cat", "/proc/self/environ"}},
		{Shell: "cat /proc/$$/environ"},
	} {
		o := r.Observe(ctxTimeout(t, 5*time.Second), local, c)
		env := get(t, o, 0, "stdout")
		if strings.Contains(env, envCanary) {
			t.Errorf("%v: the canary reached the child's environment", c)
		}
		if !strings.Contains(env, "HANDRAIL_TEST_PLAIN=plain-value") {
			t.Errorf("%v: an ordinary variable was not passed on: %q", c, env)
		}
		a := r.Run(ctxTimeout(t, 5*time.Second), local, checks.Action{Argv: c.Argv, Shell: c.Shell})
		if strings.Contains(a.Output, envCanary) || !strings.Contains(a.Output, "HANDRAIL_TEST_PLAIN") {
			t.Errorf("action %v: the canary reached the child, or an ordinary variable did not", c)
		}
	}
	// Without the session's redactor, the variable named as a password is
	// still dropped.
	o := Observe(ctxTimeout(t, 5*time.Second), local, checks.Check{Argv: []string{"cat", "/proc/self/environ"}})
	if env := get(t, o, 0, "stdout"); strings.Contains(env, "HANDRAIL_TEST_DB_PASSWORD") {
		t.Error("a variable named as a password reached the child")
	}
}

// TestSSHForwardsNoVariable runs the real OpenSSH client against a
// listener that never answers and reads its /proc/<pid>/environ while it
// waits: only what ssh needs is there, so no SendEnv (Debian's ssh_config
// sends LANG and LC_*) can forward anything, the canary least of all.
func TestSSHForwardsNoVariable(t *testing.T) {
	real, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatal("the OpenSSH client is needed:", err)
	}
	red := plantCanary(t)
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_CANARY", envCanary)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer func() { _ = c.Close() }() // never answers
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	// A wrapper that execs the real client with the port: the process that
	// runs is ssh itself, with exactly the environment handrail gave it.
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "ssh")
	script := "#!/bin/sh\nexec '" + real + "' -p " + strconv.Itoa(port) + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	old := SSHProgram
	SSHProgram = wrapper
	t.Cleanup(func() { SSHProgram = old })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan checks.Observation, 1)
	go func() {
		done <- Runner{Env: red.ChildEnv(os.Environ())}.Observe(ctx, checks.Target{Kind: checks.TargetHost, Host: "127.0.0.1", SSHUser: "op"}, checks.Check{Argv: []string{"true"}})
	}()
	var environ string
	for i := 0; i < 500 && environ == ""; i++ {
		environ = childEnviron(t, "ssh")
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if environ == "" {
		t.Fatal("no ssh child was seen")
	}
	if strings.Contains(environ, envCanary) {
		t.Error("the canary reached ssh's environment")
	}
	for _, kv := range strings.Split(strings.TrimSuffix(environ, "\x00"), "\x00") {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH", "HOME", "USER", "LOGNAME", "SSH_AUTH_SOCK", "KRB5CCNAME", "TMPDIR", "XDG_RUNTIME_DIR":
		case "PWD": // set by the wrapper's /bin/sh, not by handrail
		default:
			t.Errorf("ssh was given %s, which its SendEnv could forward", name)
		}
	}
}

// childEnviron is /proc/<pid>/environ of this process's child named comm,
// "" when there is none yet.
func childEnviron(t *testing.T, comm string) string {
	t.Helper()
	me := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < 0 || s[open+1:end] != comm {
			continue
		}
		if f := strings.Fields(s[end+1:]); len(f) > 1 && f[1] == me {
			env, err := os.ReadFile(filepath.Join(d, "environ"))
			if err == nil && len(env) > 0 {
				return string(env)
			}
		}
	}
	return ""
}
