package netprobe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handrail/handrail/checks"
)

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func field(t *testing.T, o checks.Observation, name string) checks.Field {
	t.Helper()
	if len(o.Rows) != 1 {
		t.Fatalf("want 1 row, got %+v (error %q)", o.Rows, o.Error)
	}
	f, ok := o.Rows[0].Get(name)
	if !ok {
		t.Fatalf("no field %q in %+v", name, o.Rows[0].Fields)
	}
	return f
}

func TestObserveHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("verbose") == "1" {
			_, _ = w.Write([]byte(`{"status":"green","nodes":[{"name":"a","lag":0},{"name":"b","lag":null}]}`)) // a short body fails the client's assertions
			return
		}
		_, _ = w.Write([]byte(`{"status":"green"}`)) // a short body fails the client's assertions
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	target := checks.Target{Name: "api", Kind: checks.TargetHTTP, URL: srv.URL + "/api/"}

	t.Run("json fields", func(t *testing.T) {
		c := checks.Check{Kind: checks.KindHTTP, Path: "health?verbose=1", Expect: checks.Expectations{
			{Field: "status", Expect: checks.Expect{Equals: new("200")}},
			{Field: "json.status", Expect: checks.Expect{Equals: new("green")}},
			{Field: "json.nodes.0.lag", Expect: checks.Expect{Le: new(5.0)}},
			{Field: "json.nodes.1.lag", Expect: checks.Expect{Null: true}},
		}}
		o := ObserveHTTP(ctxTimeout(t, 5*time.Second), target, c)
		if o.Error != "" {
			t.Fatal(o.Error)
		}
		if o.At.IsZero() || o.Latency <= 0 {
			t.Errorf("At %v Latency %v not set", o.At, o.Latency)
		}
		if v := checks.Evaluate(c, o); !v.Pass {
			t.Errorf("verdict %s: %+v", v.Reason, v.Fields)
		}
		if field(t, o, "json.nodes.1.name").Value != "b" {
			t.Error("json.nodes.1.name")
		}
	})
	t.Run("status is an answer", func(t *testing.T) {
		o := ObserveHTTP(ctxTimeout(t, 5*time.Second), checks.Target{URL: srv.URL}, checks.Check{Path: "/down"})
		if o.Error != "" || field(t, o, "status").Value != "503" || field(t, o, "body").Value != "maintenance\n" {
			t.Errorf("got %+v", o)
		}
		if _, ok := o.Rows[0].Get("json.status"); ok {
			t.Error("text body produced json fields")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		o := ObserveHTTP(ctxTimeout(t, 200*time.Millisecond), checks.Target{URL: srv.URL}, checks.Check{Path: "/slow"})
		if !strings.Contains(o.Error, "no answer within") || time.Since(start) > 2*time.Second {
			t.Errorf("error %q after %s", o.Error, time.Since(start))
		}
	})
	t.Run("refused and redacted", func(t *testing.T) {
		port := closedPort(t)
		tg := checks.Target{Name: "api", URL: "http://admin:s3cr3t-pw@127.0.0.1:" + strconv.Itoa(port)}
		o := ObserveHTTP(ctxTimeout(t, 2*time.Second), tg, checks.Check{Path: "/x"})
		if !strings.Contains(o.Error, "connection refused") {
			t.Errorf("error %q", o.Error)
		}
		if strings.Contains(o.Error, "s3cr3t-pw") {
			t.Errorf("password in error: %q", o.Error)
		}
	})
	t.Run("bad target", func(t *testing.T) {
		for _, tc := range []struct {
			tg   checks.Target
			path string
			want string
		}{
			{checks.Target{Name: "x"}, "", "has no url"},
			{checks.Target{Name: "x", URL: "ftp://h/"}, "", "not http or https"},
			{checks.Target{Name: "x", URL: "http://h/"}, "http://evil/", "must be a path"},
			{checks.Target{Name: "x", URL: "http://u:pw%zz@h/"}, "", "url is not valid"},
		} {
			o := ObserveHTTP(ctxTimeout(t, time.Second), tc.tg, checks.Check{Path: tc.path})
			if !strings.Contains(o.Error, tc.want) || strings.Contains(o.Error, "pw") {
				t.Errorf("%+v: error %q, want %q", tc.tg, o.Error, tc.want)
			}
		}
	})
}

func TestRequestURL(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"http://h:8080", "", "http://h:8080"},
		{"http://h:8080", "/health", "http://h:8080/health"},
		{"http://h:8080/api/", "/v1/x?a=1", "http://h:8080/api/v1/x?a=1"},
		{"https://h/api", "status", "https://h/api/status"},
	} {
		u, err := requestURL(checks.Target{URL: tc.base}, tc.path)
		if err != nil || u.String() != tc.want {
			t.Errorf("%s + %s = %v (%v), want %s", tc.base, tc.path, u, err, tc.want)
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

func TestObserveTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open := l.Addr().(*net.TCPAddr).Port
	closed := closedPort(t)

	c := checks.Check{Kind: checks.KindTCP, Expect: checks.Expectations{{Field: "state", Expect: checks.Expect{Equals: new("closed")}}}}
	tests := []struct {
		name   string
		target checks.Target
		port   int
		state  string
	}{
		{"open via target port", checks.Target{Host: "127.0.0.1", Port: open}, 0, StateOpen},
		{"check port wins", checks.Target{Host: "127.0.0.1", Port: closed}, open, StateOpen},
		{"closed", checks.Target{Host: "127.0.0.1", Port: closed}, 0, StateClosed},
		{"local means loopback", checks.Target{Host: "local"}, closed, StateClosed},
		{"host and port from url", checks.Target{URL: "http://127.0.0.1:" + strconv.Itoa(open) + "/x"}, 0, StateOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := c
			cc.Port = tt.port
			o := ObserveTCP(ctxTimeout(t, 2*time.Second), tt.target, cc)
			if o.Error != "" {
				t.Fatal(o.Error)
			}
			if o.At.IsZero() || o.Latency <= 0 {
				t.Errorf("At %v Latency %v not set", o.At, o.Latency)
			}
			if got := field(t, o, "state").Value; got != tt.state {
				t.Errorf("state %q, want %q", got, tt.state)
			}
			if v := checks.Evaluate(cc, o); v.Pass != (tt.state == StateClosed) {
				t.Errorf("verdict %+v", v)
			}
		})
	}
}

func TestObserveTCPNoAnswerIsNotClosed(t *testing.T) {
	// An expired deadline: the probe must say it got no answer, never
	// "closed".
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	o := ObserveTCP(ctx, checks.Target{Host: "127.0.0.1", Port: 1}, checks.Check{})
	if !strings.Contains(o.Error, "no answer within") || len(o.Rows) != 0 {
		t.Errorf("got %+v", o)
	}
	o = ObserveTCP(ctxTimeout(t, time.Second), checks.Target{Name: "db", Host: "127.0.0.1"}, checks.Check{})
	if !strings.Contains(o.Error, "no port to probe") {
		t.Errorf("no port: %q", o.Error)
	}
}
