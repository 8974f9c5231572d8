package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// authCtx is the little of an SSH connection's context auth reads.
type authCtx struct{ ssh.Context }

func (authCtx) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (authCtx) User() string         { return "alice" }

func genKey(t *testing.T) gossh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeTeam writes the team file with a modification time of its own, so
// that a rewrite is seen as a change however fast it follows.
func writeTeam(t *testing.T, path, text string, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func aliceWith(keys ...gossh.PublicKey) string {
	s := "people:\n  - name: alice\n    keys:\n"
	for _, k := range keys {
		s += "      - " + string(gossh.MarshalAuthorizedKey(k))
	}
	return s + "    roles: [operator]\n"
}

// TestKeyRotation: serve re-reads the team file when it changes: a key
// added is accepted at the next connection, a key removed refused; a file
// with findings keeps the last good one.
func TestKeyRotation(t *testing.T) {
	dir := t.TempDir()
	team := filepath.Join(dir, "team.yaml")
	oldKey, newKey := genKey(t), genKey(t)
	t0 := time.Now().Add(-time.Hour)
	writeTeam(t, team, aliceWith(oldKey), t0)
	s, err := New(Config{Listen: "127.0.0.1:0", TeamPath: team, StateDir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := authCtx{}
	if !s.auth(ctx, oldKey) || s.auth(ctx, newKey) {
		t.Fatal("before the rotation: want the old key accepted and the new one refused")
	}

	writeTeam(t, team, aliceWith(oldKey, newKey), t0.Add(time.Minute))
	if !s.auth(ctx, oldKey) || !s.auth(ctx, newKey) {
		t.Error("with both keys listed: want both accepted")
	}
	writeTeam(t, team, aliceWith(newKey), t0.Add(2*time.Minute))
	if !s.auth(ctx, newKey) || s.auth(ctx, oldKey) {
		t.Error("after the old key was removed: want the new key accepted and the old one refused")
	}

	// A file with findings (an unknown role, the old key back) is logged
	// and the last good one kept.
	writeTeam(t, team, aliceWith(oldKey)+"  - name: mallory\n    keys: [\"not a key\"]\n    roles: [admin]\n", t0.Add(3*time.Minute))
	if !s.auth(ctx, newKey) || s.auth(ctx, oldKey) {
		t.Error("a team file with findings: want the last good one kept (new key accepted, old refused)")
	}
	// Fixed, it is read again.
	writeTeam(t, team, aliceWith(oldKey), t0.Add(4*time.Minute))
	if !s.auth(ctx, oldKey) || s.auth(ctx, newKey) {
		t.Error("the team file fixed: want it read again")
	}
}
