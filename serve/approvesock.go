package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/handrail/handrail/steps/journal"
	"github.com/handrail/handrail/steps/policy"
	"github.com/handrail/handrail/steps/session"
	"github.com/handrail/handrail/tui"
)

// `handrail approve SESSION` (docs/serve.md): the local console that drives
// a session (`handrail run`, `rehearse`, `resume`) listens on a Unix socket
// beside the journal, <state-dir>/<session>.approve.sock. serve does not: a
// session serve drives is approved in serve's picker, by a person with the
// approver role. The kernel tells the socket who connected (the peer's uid):
// that OS user is the approver's identity, which no one can forge without
// root. The account that runs the driving process can never decide, whatever
// $USER or --operator said when the session started; the engine refuses the
// requester's own decision; the site policy may name who else may decide.
// The socket's directory decides who can reach it: a state directory shared
// by a group lets that group's members approve.

// SocketExt is the approval socket's suffix after the session id.
const SocketExt = ".approve.sock"

// SocketPath is session id's approval socket in stateDir.
func SocketPath(stateDir, id string) string { return filepath.Join(stateDir, id+SocketExt) }

// ApprovalService is what the socket decides through: tui.Live.
type ApprovalService interface {
	PendingApproval() (session.Approval, []session.Evidence, bool)
	DecideAs(who session.Operator, id uint64, grant bool, reason string) (tui.Snapshot, error)
}

var _ ApprovalService = (*tui.Live)(nil)

// approvalReq is one request line on the socket.
type approvalReq struct {
	Op     string `json:"op"` // "pending" or "decide"
	ID     uint64 `json:"id,omitempty"`
	Grant  bool   `json:"grant,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// PendingRequest is what `handrail approve` shows: the request and the
// evidence of the step's checks now.
type PendingRequest struct {
	Session  string             `json:"session"`
	Approval session.Approval   `json:"approval"`
	Evidence []session.Evidence `json:"evidence"`
}

type approvalResp struct {
	Error   string          `json:"error,omitempty"`
	Pending *PendingRequest `json:"pending,omitempty"`
	Done    bool            `json:"done,omitempty"`
}

// ApprovalSocket serves one session's approval socket.
type ApprovalSocket struct {
	ln      net.Listener
	path    string
	session string
	svc     ApprovalService
	policy  policy.Site
	host    string
	// driver is the uid of the process that drives the session: a peer
	// with that uid is the operator's own account, never an approver.
	driver string
	wg     sync.WaitGroup
}

// ListenApprovals opens session id's approval socket in stateDir (mode
// 0660: the directory's permissions decide who reaches it). A peer whose
// uid is this process's own is refused: it is the operator's account.
func ListenApprovals(stateDir, id string, svc ApprovalService, pol policy.Site) (*ApprovalSocket, error) {
	return ListenApprovalsDrivenBy(stateDir, id, svc, pol, os.Getuid())
}

// ListenApprovalsDrivenBy is ListenApprovals for a session whose driving
// process runs as uid driver: a peer with that uid is refused. Tests stand
// for a session another OS user drives with it.
func ListenApprovalsDrivenBy(stateDir, id string, svc ApprovalService, pol policy.Site, driver int) (*ApprovalSocket, error) {
	path := SocketPath(stateDir, id)
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
		// A socket left by a process that died: nobody listens on it.
		d := net.Dialer{Timeout: time.Second}
		if c, err := d.DialContext(context.Background(), "unix", path); err == nil {
			_ = c.Close()
			return nil, fmt.Errorf("approval socket %s: another process listens on it", path)
		}
		_ = os.Remove(path)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "unix", path)
	if err != nil {
		return nil, fmt.Errorf("approval socket: %w", err)
	}
	// Group members approve: the socket's directory decides who reaches it.
	if err := os.Chmod(path, 0o660); err != nil { //nolint:gosec // G302: a socket the group must reach
		return nil, errors.Join(fmt.Errorf("approval socket: %w", err), ln.Close())
	}
	host, _ := os.Hostname()
	s := &ApprovalSocket{ln: ln, path: path, session: id, svc: svc, policy: pol, host: host, driver: strconv.Itoa(driver)}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops listening and removes the socket.
func (s *ApprovalSocket) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

func (s *ApprovalSocket) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// maxRequest bounds one request line.
const maxRequest = 16 << 10

func (s *ApprovalSocket) serve(c net.Conn) {
	defer c.Close() //nolint:errcheck // the client reads the answers
	_ = c.SetDeadline(time.Now().Add(10 * time.Minute))
	enc := json.NewEncoder(c)
	who, err := s.peer(c)
	if err != nil {
		_ = enc.Encode(approvalResp{Error: err.Error()})
		return
	}
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 4096), maxRequest)
	for sc.Scan() {
		var req approvalReq
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			_ = enc.Encode(approvalResp{Error: "bad request: " + err.Error()})
			return
		}
		switch req.Op {
		case "pending":
			a, ev, ok := s.svc.PendingApproval()
			if !ok {
				_ = enc.Encode(approvalResp{})
				continue
			}
			_ = enc.Encode(approvalResp{Pending: &PendingRequest{Session: s.session, Approval: a, Evidence: ev}})
		case "decide":
			_, err := s.svc.DecideAs(who, req.ID, req.Grant, req.Reason)
			if err != nil {
				_ = enc.Encode(approvalResp{Error: err.Error()})
				continue
			}
			_ = enc.Encode(approvalResp{Done: true})
		default:
			_ = enc.Encode(approvalResp{Error: fmt.Sprintf("unknown op %q", req.Op)})
			return
		}
	}
}

// peer is the connecting OS user, when the site policy lets them decide.
func (s *ApprovalSocket) peer(c net.Conn) (session.Operator, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return session.Operator{}, errors.New("not a Unix socket connection")
	}
	uid, err := peerUID(uc)
	if err != nil {
		return session.Operator{}, fmt.Errorf("cannot tell who connected: %w", err)
	}
	u, err := user.LookupId(uid)
	if err != nil {
		return session.Operator{}, fmt.Errorf("uid %s has no user name: %w", uid, err)
	}
	if uid == s.driver {
		return session.Operator{}, fmt.Errorf("%s (uid %s) runs the process that drives this session: that account can never approve its requests, whatever operator name it gave; another OS user must run handrail approve", u.Username, uid)
	}
	if len(s.policy.ApproverUsers)+len(s.policy.ApproverGroups) > 0 && !s.allowed(u) {
		return session.Operator{}, fmt.Errorf("the site policy (%v) does not name %s among the approvers", s.policy.Files, u.Username)
	}
	return session.Operator{Name: u.Username, User: u.Username, Host: s.host}, nil
}

func (s *ApprovalSocket) allowed(u *user.User) bool {
	if slices.Contains(s.policy.ApproverUsers, u.Username) {
		return true
	}
	gids, err := u.GroupIds()
	if err != nil {
		return false
	}
	for _, gid := range gids {
		if g, err := user.LookupGroupId(gid); err == nil && slices.Contains(s.policy.ApproverGroups, g.Name) {
			return true
		}
	}
	return false
}

// ApprovalClient is `handrail approve`'s side of the socket.
type ApprovalClient struct {
	c   net.Conn
	dec *json.Decoder
}

// DialApprovals connects to session id's approval socket in stateDir.
func DialApprovals(stateDir, id string) (*ApprovalClient, error) {
	path := SocketPath(stateDir, id)
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(context.Background(), "unix", path)
	if err != nil {
		if _, serr := os.Stat(journal.SessionPath(stateDir, id)); serr == nil {
			return nil, fmt.Errorf("session %s takes no approvals here (%w): it is not running in a local console (handrail run, rehearse or resume), or its runbook and the site policy need none; a session serve drives is approved in serve's picker by a person with the approver role", id, err)
		}
		return nil, fmt.Errorf("approval socket of session %s: %w", id, err)
	}
	return &ApprovalClient{c: c, dec: json.NewDecoder(io.LimitReader(c, 64<<20))}, nil
}

// Close closes the connection.
func (a *ApprovalClient) Close() error { return a.c.Close() }

func (a *ApprovalClient) call(req approvalReq) (approvalResp, error) {
	// The socket may have refused this user and hung up before the
	// request is written: its answer is still there to read, and says why
	// better than the broken pipe does.
	werr := json.NewEncoder(a.c).Encode(req)
	var resp approvalResp
	if err := a.dec.Decode(&resp); err != nil {
		if werr != nil {
			err = werr
		}
		return approvalResp{}, fmt.Errorf("approval socket: %w", err)
	}
	if resp.Error != "" {
		return resp, errors.New(resp.Error)
	}
	if werr != nil {
		return approvalResp{}, fmt.Errorf("approval socket: %w", werr)
	}
	return resp, nil
}

// Pending is the request that waits, if any.
func (a *ApprovalClient) Pending() (*PendingRequest, error) {
	resp, err := a.call(approvalReq{Op: "pending"})
	return resp.Pending, err
}

// Decide records the decision of the OS user running this process.
func (a *ApprovalClient) Decide(id uint64, grant bool, reason string) error {
	_, err := a.call(approvalReq{Op: "decide", ID: id, Grant: grant, Reason: reason})
	return err
}
