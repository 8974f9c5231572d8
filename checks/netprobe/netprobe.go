// Package netprobe holds the network probes: http (status and JSON fields of
// a response) and tcp (is a port open or closed).
package netprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/handrail/handrail/checks"
	"github.com/handrail/handrail/checks/command"
)

// Field names the probes yield.
const (
	FieldStatus = "status"
	FieldBody   = "body"
	FieldState  = "state"
	// JSONPrefix starts every field taken from a JSON body: json.a.b.0.c.
	JSONPrefix = "json."

	StateOpen   = "open"
	StateClosed = "closed"
)

// maxBody caps what is read of a response body.
const maxBody = 1 << 20

// client is shared by every http check so connections to a target are
// reused between polls (one pool per host inside the transport).
var client = &http.Client{
	Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	},
}

// ObserveHTTP GETs the target's URL joined with c.Path. Fields: `status`
// (the code as text, e.g. "200"), `body` (the text, up to 1 MiB), and when
// the body is JSON, one field per dotted path prefixed with "json."
// (`json.cluster.health`). Any status is an answer; a connection failure or
// no answer before the deadline is an Observation.Error. The URL in an
// error never carries a password.
func ObserveHTTP(ctx context.Context, t checks.Target, c checks.Check) (obs checks.Observation) {
	start := time.Now()
	defer func() { obs.At, obs.Latency = time.Now(), time.Since(start) }()

	u, err := requestURL(t, c.Path)
	if err != nil {
		obs.Error = err.Error()
		return obs
	}
	shown := u.Redacted()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		obs.Error = fmt.Sprintf("GET %s: %v", shown, err)
		return obs
	}
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		obs.Error = fmt.Sprintf("GET %s: %s", shown, netError(ctx, err, time.Since(start)))
		obs.State = checks.StateUnreachable
		return obs
	}
	defer resp.Body.Close() //nolint:errcheck // the body has been read (bounded); a failed close changes no observation
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		obs.Error = fmt.Sprintf("GET %s: reading the body: %s", shown, netError(ctx, err, time.Since(start)))
		obs.State = checks.StateUnreachable
		return obs
	}
	obs.Raw = string(body)
	row := checks.Row{Fields: []checks.Field{
		{Name: FieldStatus, Value: strconv.Itoa(resp.StatusCode)},
		{Name: FieldBody, Value: string(body)},
	}}
	if looksJSON(resp.Header.Get("Content-Type"), body) {
		// A body that is not valid JSON yields no json.* fields: an
		// expectation on one then says "not returned".
		if fields, err := command.FlattenJSON(body, JSONPrefix); err == nil {
			row.Fields = append(row.Fields, fields...)
		}
	}
	obs.Rows = []checks.Row{row}
	return obs
}

func requestURL(t checks.Target, path string) (*url.URL, error) {
	if t.URL == "" {
		return nil, fmt.Errorf("target %q has no url: an http check needs `url:` on its target", t.Name)
	}
	base, err := url.Parse(t.URL)
	if err != nil {
		return nil, fmt.Errorf("target %q: url is not valid: %w", t.Name, redactParseError(err))
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("target %q: url scheme %q is not http or https", t.Name, base.Scheme)
	}
	if path == "" {
		return base, nil
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("check path %q is not valid: %w", path, err)
	}
	if ref.IsAbs() || ref.Host != "" {
		return nil, fmt.Errorf("check path %q must be a path under the target's url, not a whole URL", path)
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + "/" + strings.TrimPrefix(ref.Path, "/")
	u.RawPath = ""
	if ref.RawQuery != "" {
		u.RawQuery = ref.RawQuery
	}
	return &u, nil
}

// redactParseError drops the URL text (which may hold a password) from a
// url.Parse error.
func redactParseError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return errors.New("cannot parse")
}

func looksJSON(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "json") {
		return true
	}
	s := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// netError says in words why a network operation failed, without the URL
// (the caller names it, redacted).
func netError(ctx context.Context, err error, took time.Duration) string {
	if ctx.Err() != nil || isTimeout(err) {
		return fmt.Sprintf("no answer within %s", roundSecs(took))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func roundSecs(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// ObserveTCP connects to the check's port (or the target's) on the target's
// host. Field `state`: "open" when the connection is accepted, "closed" when
// it is refused (nothing listens: "the server is really down"). No answer
// before the deadline is an Error ("no answer within 5s"), not "closed": a
// firewall that drops packets proves nothing about the server. Other
// failures (unknown host, no route) are Errors too.
func ObserveTCP(ctx context.Context, t checks.Target, c checks.Check) (obs checks.Observation) {
	start := time.Now()
	defer func() { obs.At, obs.Latency = time.Now(), time.Since(start) }()

	addr, err := tcpAddress(t, c.Port)
	if err != nil {
		obs.Error = err.Error()
		return obs
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	state := StateOpen
	switch {
	case err == nil:
		// The probe only asks whether the port accepts; the connection
		// carried nothing, so a failed close changes no observation.
		_ = conn.Close()
	case errors.Is(err, syscall.ECONNREFUSED):
		state = StateClosed
	default:
		obs.Error = fmt.Sprintf("tcp %s: %s", addr, dialError(ctx, err, time.Since(start)))
		obs.State = checks.StateUnreachable
		return obs
	}
	obs.Raw = state
	obs.Rows = []checks.Row{{Fields: []checks.Field{{Name: FieldState, Value: state}}}}
	return obs
}

func dialError(ctx context.Context, err error, took time.Duration) string {
	if ctx.Err() != nil || isTimeout(err) {
		return fmt.Sprintf("no answer within %s", roundSecs(took))
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// tcpAddress is host:port for a tcp check: the check's port, else the
// target's; the host is the target's, or the one in its url.
func tcpAddress(t checks.Target, port int) (string, error) {
	host := t.Host
	if port == 0 {
		port = t.Port
	}
	if t.URL != "" && (host == "" || port == 0) {
		u, err := url.Parse(t.URL)
		if err == nil {
			if host == "" {
				host = u.Hostname()
			}
			if port == 0 {
				port, _ = strconv.Atoi(u.Port())
				if port == 0 && u.Scheme == "https" {
					port = 443
				} else if port == 0 && u.Scheme == "http" {
					port = 80
				}
			}
		}
	}
	if host == "" || host == "local" {
		host = "127.0.0.1"
	}
	if port <= 0 || port > 65535 {
		return "", fmt.Errorf("target %q: no port to probe: give the check a `port:` or the target one", t.Name)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}
