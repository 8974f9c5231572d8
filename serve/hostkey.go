package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// HostKeyFile is the host key's file name in the state directory.
const HostKeyFile = "serve_host_ed25519_key"

// HostKey loads serve's host key from dir, generating an ed25519 key on
// first start (created=true). The file is mode 0600, opened without
// following a symlink, and refused when it is not a regular file or when
// anyone but its owner may read it.
func HostKey(dir string) (signer gossh.Signer, created bool, err error) {
	path := filepath.Join(dir, HostKeyFile)
	data, err := readPrivate(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := generateHostKey(path); err != nil {
			return nil, false, err
		}
		created = true
		data, err = readPrivate(path)
	}
	if err != nil {
		return nil, false, err
	}
	signer, err = gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("host key %s: %w (move it away to have a new one generated; clients will then warn that the key changed)", path, err)
	}
	return signer, created, nil
}

// readPrivate reads a private file without following a symlink.
func readPrivate(path string) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	defer f.Close() //nolint:errcheck // read-only
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("host key %s: not a regular file (%s)", path, st.Mode().Type())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("host key %s: mode %04o lets others read it: chmod 600 %s", path, perm, path)
	}
	return io.ReadAll(io.LimitReader(f, 64<<10))
}

func generateHostKey(path string) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "handrail serve host key")
	if err != nil {
		return fmt.Errorf("generate host key: %w", err)
	}
	f, err := openNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write host key %s: %w", path, err)
	}
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		return errors.Join(fmt.Errorf("write host key %s: %w", path, err), f.Close(), os.Remove(path))
	}
	if err := f.Sync(); err != nil {
		return errors.Join(fmt.Errorf("write host key %s: %w", path, err), f.Close(), os.Remove(path))
	}
	return f.Close()
}

// Fingerprint is the host key's SHA256 fingerprint, as ssh prints it.
func Fingerprint(k gossh.PublicKey) string { return gossh.FingerprintSHA256(k) }
