//go:build !linux && !darwin

package serve

import (
	"errors"
	"net"
)

// peerUID: this platform cannot tell who is at the other end of a Unix
// socket, so `handrail approve` is not available on it.
func peerUID(*net.UnixConn) (string, error) {
	return "", errors.New("this platform cannot identify the other end of a Unix socket: approve from handrail serve instead")
}
