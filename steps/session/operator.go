package session

import (
	"os"
	"os/user"
	"strconv"
	"strings"
)

// Operator is who drives a session, from where.
type Operator struct {
	Name      string `json:"name"`
	User      string `json:"user"`
	Host      string `json:"host"`
	TTY       string `json:"tty"`
	SSHClient string `json:"ssh_client"`
	// Key is the SSH key fingerprint a person authenticated with to
	// `handrail serve` (empty for a local terminal).
	Key string `json:"key,omitempty"`
}

// DetectOperator fills in who and where from the OS: the OS account of the
// process's real uid (never $USER, which anyone may set: the two-person rule
// compares it), the host name, the terminal on stdin, and the SSH client
// address ($SSH_CLIENT or $SSH_CONNECTION). name is the operator's own name
// (--operator); it defaults to the user.
func DetectOperator(name string) Operator {
	op := Operator{Name: strings.TrimSpace(name), User: osUser()}
	if op.Name == "" {
		op.Name = op.User
	}
	op.Host, _ = os.Hostname()
	op.TTY = stdinTTY()
	op.SSHClient = sshClient(os.Getenv("SSH_CLIENT"), os.Getenv("SSH_CONNECTION"))
	return op
}

// osUser is the name of the process's real uid, or the uid itself when the
// system has no name for it. user.Current is not used: without cgo it
// falls back to $USER for a uid /etc/passwd lacks.
func osUser() string {
	uid := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(uid); err == nil && u.Username != "" {
		return u.Username
	}
	return uid
}

// stdinTTY names the terminal on stdin ("" when stdin is not a terminal).
func stdinTTY() string {
	if p, err := os.Readlink("/proc/self/fd/0"); err == nil {
		if strings.HasPrefix(p, "/dev/pts/") || strings.HasPrefix(p, "/dev/tty") {
			return p
		}
		return ""
	}
	return ""
}

// sshClient is the client's address and port: SSH_CLIENT is
// "addr port localport"; SSH_CONNECTION is "addr port localaddr localport".
func sshClient(client, conn string) string {
	for _, v := range []string{client, conn} {
		if f := strings.Fields(v); len(f) >= 2 {
			return f[0] + " " + f[1]
		}
	}
	return ""
}
