package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/internal/wiretest"
)

// At its connection limit a request waits for the next connection
// released, and gets it: the server sees one connection.
func TestH1WaitsForAFreeConnection(t *testing.T) {
	var mu sync.Mutex
	from := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		from[r.RemoteAddr]++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	c := newTestH1(t, Options{MaxConnsPerHost: 1, Timeout: 5 * time.Second, IdleTimeout: time.Minute})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
				t.Errorf("request failed: %d (%v)", resp.Status, err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(from) != 1 {
		t.Errorf("4 requests on a 1-connection client came over %v", from)
	}
}

// A request that waits for a connection past its deadline gets a
// timeout and leaves the queue; a connection released goes to the first
// request waiting, and a connection closed gives its place to it.
func TestH1WaitTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := newTestH1(t, Options{MaxConnsPerHost: 1, Timeout: 2 * time.Second, IdleTimeout: time.Minute})
	h := c.pool(false, []byte(srv.Listener.Addr().String()))
	ctx, far := context.Background(), time.Now().Add(time.Minute)
	cn, err := h.get(ctx, far)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.get(ctx, time.Now().Add(50*time.Millisecond)); FailureOf(err) != FailTimeout {
		t.Fatalf("waiting past the deadline: %v, want a timeout", err)
	}
	got := make(chan *conn)
	wait := func() {
		c, err := h.get(ctx, far)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}
	go wait()
	waitFor(t, func() bool { return waiting(h) == 1 })
	h.put(cn)
	if c := <-got; c != cn {
		t.Fatalf("the waiter got %p, want the connection released (%p)", c, cn)
	}
	go wait()
	waitFor(t, func() bool { return waiting(h) == 1 })
	h.discard(cn)
	cn = <-got
	if cn == nil || cn.rw == nil {
		t.Fatal("the waiter got no new connection in the closed one's place")
	}
	h.put(cn)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open != 1 || len(h.idle) != 1 || len(h.waiters) != 0 {
		t.Errorf("pool: %d open, %d idle, %d waiting; want 1, 1, 0", h.open, len(h.idle), len(h.waiters))
	}
}

func waiting(h *hostPool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.waiters)
}

// A kept-alive connection idle for the idle time is closed.
func TestH1ClosesIdleConnections(t *testing.T) {
	closed := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			close(closed)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newTestH1(t, Options{MaxConnsPerHost: 4, Timeout: 2 * time.Second, IdleTimeout: 50 * time.Millisecond})
	if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
		t.Fatalf("request: %d (%v)", resp.Status, err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection was still open after 5 s (idle time 50 ms)")
	}
	h := c.pool(false, []byte(srv.Listener.Addr().String()))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open != 0 || len(h.idle) != 0 {
		t.Errorf("pool after the close: %d open, %d idle", h.open, len(h.idle))
	}
}

// https works with a certificate the TLS option trusts, and an untrusted
// one is a TLS error; both clients take the option.
func TestTLSOption(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			c := newTestClient(t, kind, Options{Timeout: 2 * time.Second})
			if resp, err := get(c, srv.URL+"/x"); FailureOf(err) != FailTLS {
				t.Errorf("untrusted certificate: %d (%v), want a TLS failure", resp.Status, err)
			}
			c = newTestClient(t, kind, Options{Timeout: 2 * time.Second, TLS: &tls.Config{RootCAs: roots}})
			for range 2 {
				if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
					t.Errorf("trusted certificate: %d (%v)", resp.Status, err)
				}
			}
		})
	}
}

// User info in the URL is sent as basic authentication.
func TestBasicAuthFromTheURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != "s@cret" {
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 2 * time.Second})
		if resp, err := get(c, "http://ann:s%40cret@"+srv.Listener.Addr().String()+"/x"); resp.Status != 200 {
			t.Errorf("%s: basic auth from the URL: %d (%v)", kind, resp.Status, err)
		}
	}
}

// A redirect whose body arrives after its headers still goes to its
// Location (the body is read through the buffer that held it).
func TestH1RedirectWithASlowBody(t *testing.T) {
	body := strings.Repeat("x", 6000)
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		for {
			r, ok := s.read(br)
			if !ok {
				return
			}
			if r.target == "/target" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 6000\r\n\r\n")
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, body)
		}
	})
	c := newTestClient(t, KindH1, Options{Timeout: 2 * time.Second, MaxRedirects: 1})
	if resp, err := get(c, srv.url+"/old"); resp.Status != 200 {
		t.Errorf("after a redirect with a slow body: %d (%v)", resp.Status, err)
	}
}

// An answer whose body breaks off keeps its status: a 503 cut short
// reports 503, with the error.
func TestStatusOfABrokenBody(t *testing.T) {
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if _, ok := s.read(br); ok {
			io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nabc")
		} // and the close
	})
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 2 * time.Second})
		if resp, err := get(c, srv.url+"/x"); resp.Status != 503 || FailureOf(err) != FailReset {
			t.Errorf("%s: a 503 cut short: %d (%v), want 503 and a reset", kind, resp.Status, err)
		}
	}
}

// A server that sends something on an idle kept-alive connection before
// closing it (a 408 Request Timeout) does not answer the next request:
// that goes over a new connection, and is neither failed nor resent.
func TestIdleConnectionThatTalksIsNotUsed(t *testing.T) {
	talked := make(chan struct{}, 2)
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if _, ok := s.read(br); ok {
			io.WriteString(c, okAnswer)
			io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			wiretest.Delivered(t, c)
			talked <- struct{}{}
			br.ReadByte() // until the client closes
		}
	})
	c := newTestClient(t, KindH1, Options{Timeout: 2 * time.Second})
	for i := range 2 {
		if resp, err := get(c, srv.url+"/x"); resp.Status != 200 || resp.Resent != 0 {
			t.Fatalf("request %d: %d resent %d (%v), want 200 not resent", i, resp.Status, resp.Resent, err)
		}
		<-talked
	}
	if n := srv.saw.Load(); n != 2 {
		t.Errorf("the server saw %d requests, want 2", n)
	}
}

// A redirect that leads to an error reports the error, not the
// redirect's status.
func TestRedirectToAnErrorHasNoStatus(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/gone"
	ln.Close()
	srv := newRawServer(t, func(rawRequest) string {
		return "HTTP/1.1 302 Found\r\nLocation: " + closed + "\r\nContent-Length: 0\r\n\r\n"
	})
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 2 * time.Second, MaxRedirects: 5})
		if resp, err := get(c, srv.url+"/old"); resp.Status != 0 || FailureOf(err) != FailRefused || len(resp.Redirects) != 1 {
			t.Errorf("%s: a redirect to a closed port gave %d after %d redirects (%v), want no status and refused after 1", kind, resp.Status, len(resp.Redirects), err)
		}
	}
}

// H1 does not go around a proxy named for a host: it fails the request,
// saying so (a redirect may lead to such a host), before dialling it.
func TestH1RefusesAProxiedHost(t *testing.T) {
	srv := newRawServer(t, ok)
	proxy := func(r *http.Request) (*url.URL, error) {
		if r.URL.Host == srv.addr {
			return url.Parse("http://user:pw@proxy.test:3128")
		}
		return nil, nil
	}
	c := newTestClient(t, KindH1, Options{Timeout: 2 * time.Second, Proxy: proxy})
	resp, err := get(c, srv.url+"/x")
	if err == nil || resp.Status != 0 || !strings.Contains(err.Error(), "proxy.test:3128") || strings.Contains(err.Error(), "pw") {
		t.Errorf("a proxied host: %d (%v), want an error naming the proxy, without its password", resp.Status, err)
	}
	if n := srv.saw.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}
}

// A caller's Response keeps its last URL split and the pool its host had
// (origin): sending to another host, or through another client, still
// goes where, and as, that request says.
func TestH1ResponseFollowsEachURLAndClient(t *testing.T) {
	a, b := newRawServer(t, ok), newRawServer(t, ok)
	c := newTestH1(t, Options{Timeout: 2 * time.Second})
	var resp Response
	for i, u := range []string{a.url + "/1", b.url + "/2", b.url + "/3", a.url + "/4", "ftp://x/", "ftp://x/", a.url + "/5"} {
		err := c.Send(context.Background(), &Request{Method: "GET", URL: []byte(u)}, &resp)
		if wantErr := strings.HasPrefix(u, "ftp"); wantErr && (err == nil || !strings.Contains(err.Error(), "unsupported protocol")) ||
			!wantErr && (err != nil || resp.Status != 200) {
			t.Fatalf("send %d to %s: %d, %v", i, u, resp.Status, err)
		}
	}
	paths := func(s *rawServer) (p []string) {
		for _, r := range s.requests() {
			p = append(p, r.target)
		}
		return p
	}
	if got, want := paths(a), []string{"/1", "/4", "/5"}; !slices.Equal(got, want) {
		t.Errorf("server a saw %v, want %v", got, want)
	}
	if got, want := paths(b), []string{"/2", "/3"}; !slices.Equal(got, want) {
		t.Errorf("server b saw %v, want %v", got, want)
	}
	// The same Response through a client that must refuse the host (a
	// proxy is named for it) is refused, not sent on the first's pool.
	proxied := newTestH1(t, Options{Timeout: 2 * time.Second, Proxy: func(*http.Request) (*url.URL, error) {
		return url.Parse("http://proxy.test:3128")
	}})
	err := proxied.Send(context.Background(), &Request{Method: "GET", URL: []byte(a.url + "/5")}, &resp)
	if err == nil || !strings.Contains(err.Error(), "proxy.test") {
		t.Errorf("through a client that refuses the host: %d, %v; want the proxy's refusal", resp.Status, err)
	}
	if n := a.saw.Load(); n != 3 {
		t.Errorf("server a saw %d requests, want 3", n)
	}
}

// A Send whose deadline passed before it tried to connect sent nothing:
// ErrUnsent, a timeout, and the server sees no connection. One that
// connected and then timed out, or was refused, did reach the server.
func TestH1UnsentOnlyWithoutAConnection(t *testing.T) {
	var conns atomic.Int64
	srv := newConnServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		io.Copy(io.Discard, br) // never answers
	})
	c := newTestH1(t, Options{Timeout: 2 * time.Second})
	send := func(url string, deadline time.Time) error {
		var resp Response
		return c.Send(context.Background(), &Request{Method: "GET", URL: []byte(url), Deadline: deadline}, &resp)
	}
	err := send(srv.url+"/late", time.Now().Add(-time.Millisecond))
	if !errors.Is(err, ErrUnsent) || FailureOf(err) != FailTimeout {
		t.Errorf("a Send past its deadline before connecting: %v (%v); want ErrUnsent, a timeout", err, FailureOf(err))
	}
	err = send(srv.url+"/slow", time.Now().Add(100*time.Millisecond))
	if errors.Is(err, ErrUnsent) || FailureOf(err) != FailTimeout {
		t.Errorf("a Send that timed out waiting for its answer: %v (%v); want a timeout, not ErrUnsent", err, FailureOf(err))
	}
	waitFor(t, func() bool { return conns.Load() >= 1 })
	if n := conns.Load(); n != 1 {
		t.Errorf("the server saw %d connections, want 1 (the unsent request's none)", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	if err := send(closed+"/x", time.Now().Add(time.Second)); errors.Is(err, ErrUnsent) || FailureOf(err) != FailRefused {
		t.Errorf("a refused Send: %v (%v); want refused, not ErrUnsent", err, FailureOf(err))
	}
}
