// Package serve is `handrail serve`: an SSH server (Charm's wish) that gives
// each person of a team file, authenticated by their SSH key, a picker of
// live and recent sessions, the console read-only or driving, and the
// approver's side of the two-person rule. One Bubble Tea program runs per
// connection; sessions started or resumed here are driven inside this
// process, and every console on such a session shares its runtime's
// snapshots. See docs/serve.md.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/handrail/handrail/steps/session"
)

// Config is what `handrail serve` was started with.
type Config struct {
	Listen   string
	TeamPath string
	// StateDir holds the journals, the host key and runbooks/.
	StateDir string
	Version  string
	// Hostname names this host in the journal's operator records.
	Hostname string
}

// Server is a running `handrail serve`.
type Server struct {
	cfg     Config
	log     *slog.Logger
	hub     *Hub
	ssh     *ssh.Server
	ln      net.Listener
	hostKey gossh.Signer
	created bool

	teamMu    sync.Mutex
	team      *Team
	teamStamp time.Time
	teamSize  int64

	conns sync.WaitGroup
}

// New loads the team file (it must be valid), loads or generates the host
// key, and prepares the SSH server. Listen starts it.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	team, err := LoadTeam(cfg.TeamPath)
	if err != nil {
		return nil, err
	}
	signer, created, err := HostKey(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	s := &Server{cfg: cfg, log: log, hostKey: signer, created: created, team: team}
	if st, err := os.Stat(cfg.TeamPath); err == nil {
		s.teamStamp, s.teamSize = st.ModTime(), st.Size()
	}
	s.hub = NewHub(cfg, log)
	s.ssh, err = wish.NewServer(
		wish.WithAddress(cfg.Listen),
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithVersion("handrail-serve"),
		wish.WithPublicKeyAuth(s.auth),
		wish.WithMiddleware(s.session),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return s, nil
}

// HostKey is the host key's fingerprint, and whether it was generated now.
func (s *Server) HostKey() (string, bool) { return Fingerprint(s.hostKey.PublicKey()), s.created }

// Hub is the server's hub of hosted sessions.
func (s *Server) Hub() *Hub { return s.hub }

// Listen opens the listening socket.
func (s *Server) Listen() error {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", s.cfg.Listen, err)
	}
	s.ln = ln
	return nil
}

// Addr is where the server listens (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until ctx ends (SIGTERM), then stops cleanly:
// no new connection, every connection closed, every session driven here
// left interrupted and resumable, every journal closed.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.ssh.Serve(s.ln) }()
	select {
	case err := <-errc:
		s.stop()
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		s.stop()
		<-errc
		return nil
	}
}

// stopWait bounds how long a stop waits for the consoles to finish.
const stopWait = 10 * time.Second

func (s *Server) stop() {
	s.hub.mu.Lock()
	s.hub.closing = true
	s.hub.mu.Unlock()
	if err := s.ssh.Close(); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		s.log.Error("close the SSH server", "error", err)
	}
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(stopWait):
		s.log.Warn("some consoles did not finish in time")
	}
	s.hub.Shutdown("handrail serve stopped: the session is interrupted; resume it once serve is back")
}

// currentTeam is the team file, re-read when it changed on disk (rotating a
// key takes effect at the next connection). A changed file with findings is
// logged and the last good one kept.
func (s *Server) currentTeam() *Team {
	s.teamMu.Lock()
	defer s.teamMu.Unlock()
	st, err := os.Stat(s.cfg.TeamPath)
	if err != nil || (st.ModTime().Equal(s.teamStamp) && st.Size() == s.teamSize) {
		return s.team
	}
	t, err := LoadTeam(s.cfg.TeamPath)
	if err != nil {
		s.log.Error("team file changed but has findings: keeping the last good one", "file", s.cfg.TeamPath, "findings", err.Error())
		s.teamStamp, s.teamSize = st.ModTime(), st.Size()
		return s.team
	}
	s.log.Info("team file reloaded", "file", s.cfg.TeamPath, "people", len(t.People))
	s.team, s.teamStamp, s.teamSize = t, st.ModTime(), st.Size()
	return s.team
}

// auth accepts a key listed in the team file, and nothing else (no
// password, no keyboard-interactive).
func (s *Server) auth(ctx ssh.Context, key ssh.PublicKey) bool {
	p, ok := s.currentTeam().Lookup(key)
	if !ok {
		s.log.Info("key refused", "key", gossh.FingerprintSHA256(key), "from", ctx.RemoteAddr().String(), "user", ctx.User())
		return false
	}
	s.log.Debug("key accepted", "person", p.Name, "key", gossh.FingerprintSHA256(key))
	return true
}

// identity is who a connection is, as the journal records them: the team
// file's name, the key's fingerprint, the client's address.
func (s *Server) identity(p *Person, sess ssh.Session) session.Operator {
	addr := sess.RemoteAddr().String()
	if h, port, err := net.SplitHostPort(addr); err == nil {
		addr = h + " " + port
	}
	return session.Operator{Name: p.Name, Key: gossh.FingerprintSHA256(sess.PublicKey()), SSHClient: addr, Host: s.cfg.Hostname}
}

// session runs one SSH session: the picker and what it opens, as one
// Bubble Tea program on the session's terminal.
func (s *Server) session(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.conns.Add(1)
		defer s.conns.Done()
		p, ok := s.currentTeam().Lookup(sess.PublicKey())
		if !ok {
			wish.Fatalln(sess, "handrail serve: this key is not in the team file")
			return
		}
		if len(sess.Command()) > 0 {
			wish.Fatalln(sess, "handrail serve: it runs no commands; connect without one (ssh -t -p PORT HOST)")
			return
		}
		pty, winCh, isPty := sess.Pty()
		if !isPty {
			wish.Fatalln(sess, "handrail serve: it needs a terminal; connect with ssh -t")
			return
		}
		c := &conn{srv: s, person: p, who: s.identity(p, sess), env: sess.Environ(), out: newSwitchWriter(sess, sess.EmulatedPty(), pty.Window.Width, pty.Window.Height)}
		s.log.Info("connected", "person", p.Name, "key", c.who.Key, "from", c.who.SSHClient, "roles", strings.Join(p.Roles, ","))
		// The process's signals are serve's (a clean stop), never a console's.
		opts := append(bubbletea.MakeOptions(sess), tea.WithOutput(c.out), tea.WithContext(sess.Context()), tea.WithoutSignalHandler())
		prog := tea.NewProgram(newApp(c), opts...)
		go func() {
			for {
				select {
				case <-sess.Context().Done():
					return
				case w, ok := <-winCh:
					if !ok {
						return
					}
					c.out.resize(w.Width, w.Height) // recorded before the redraw it causes
					prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		_, err := prog.Run()
		prog.Kill()
		note := fmt.Sprintf("%s's connection dropped: the session is interrupted; an operator resumes it from the picker", p.Name)
		if s.hub.stopping() {
			note = "handrail serve stopped: the session is interrupted; resume it once serve is back"
		}
		c.end(note)
		if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
			s.log.Error("console", "person", p.Name, "error", err)
		}
		s.log.Info("disconnected", "person", p.Name, "from", c.who.SSHClient)
		next(sess)
	}
}
