package loadgen

import (
	"bufio"
	"context"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// h1Get sends one GET to url with hc and returns the exchange.
func h1Get(t *testing.T, hc *H1Client, url string) exchange {
	t.Helper()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{doer: hc, base: url}
	var sc scratch
	return c.do(context.Background(), scn.Endpoints[0], scn.NewRun().NewEnv(newTestRand(), nil), &sc)
}

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
	hc := newH1Client(1, 5*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if ex := h1Get(t, hc, srv.URL+"/x"); ex.code != 200 {
				t.Errorf("request failed: %d %v (%v)", ex.code, ex.kind, ex.err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(from) != 1 || from[firstKey(from)] != 4 {
		t.Errorf("4 requests on a 1-connection client came over %v", from)
	}
}

func firstKey(m map[string]int) string {
	for k := range m {
		return k
	}
	return ""
}

// A request that waits for a connection past its deadline gets a
// timeout and leaves the queue; a connection released goes to the first
// request waiting, and a connection closed gives its place to it.
func TestH1WaitTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	hc := newH1Client(1, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	h := hc.host(false, []byte(srv.Listener.Addr().String()))
	ctx, far := context.Background(), time.Now().Add(time.Minute)
	cn, err := h.get(ctx, far)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.get(ctx, time.Now().Add(50*time.Millisecond)); classify(err) != stats.KindTimeout {
		t.Fatalf("waiting past the deadline: %v, want a timeout", err)
	}
	got := make(chan *h1Conn)
	wait := func() {
		c, err := h.get(ctx, far)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}
	go wait()
	for waiting(h) == 0 {
		time.Sleep(time.Millisecond)
	}
	h.put(cn)
	if c := <-got; c != cn {
		t.Fatalf("the waiter got %p, want the connection released (%p)", c, cn)
	}
	go wait()
	for waiting(h) == 0 {
		time.Sleep(time.Millisecond)
	}
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

func waiting(h *h1Host) int {
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
	hc := newH1Client(4, 2*time.Second, 50*time.Millisecond)
	if ex := h1Get(t, hc, srv.URL+"/x"); ex.code != 200 {
		t.Fatalf("request: %d %v (%v)", ex.code, ex.kind, ex.err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection was still open after 5 s (idle time 50 ms)")
	}
	h := hc.host(false, []byte(srv.Listener.Addr().String()))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open != 0 || len(h.idle) != 0 {
		t.Errorf("pool after the close: %d open, %d idle", h.open, len(h.idle))
	}
}

// https works with a trusted certificate, and an untrusted one is a TLS
// error.
func TestH1TLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	defer srv.Close()
	hc := newH1Client(2, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	if ex := h1Get(t, hc, srv.URL+"/x"); ex.kind != stats.KindTLS {
		t.Errorf("untrusted certificate: %d %v (%v), want a TLS error", ex.code, ex.kind, ex.err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	hc.tlsConf.RootCAs = roots
	for range 2 {
		if ex := h1Get(t, hc, srv.URL+"/x"); ex.code != 200 {
			t.Errorf("trusted certificate: %d %v (%v)", ex.code, ex.kind, ex.err)
		}
	}
}

// User info in the URL is sent as basic authentication.
func TestH1BasicAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != "s@cret" {
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	hc := newH1Client(2, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	url := "http://ann:s%40cret@" + srv.Listener.Addr().String() + "/x"
	if ex := h1Get(t, hc, url); ex.code != 200 {
		t.Errorf("basic auth from the URL: %d %v (%v)", ex.code, ex.kind, ex.err)
	}
}

// A redirect whose body arrives after its headers still goes to its
// Location (the body is read through the buffer that held it).
func TestH1RedirectWithASlowBody(t *testing.T) {
	body := strings.Repeat("x", 6000)
	srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			s.saw.Add(1)
			if req.URL.Path == "/target" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 6000\r\n\r\n")
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, body)
		}
	})
	hc := newH1Client(2, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	if ex := h1Get(t, hc, "http://"+srv.addr+"/old"); ex.code != 200 {
		t.Errorf("after a redirect with a slow body: %d %v (%v)", ex.code, ex.kind, ex.err)
	}
}

// An answer whose body breaks off keeps its status: a 503 cut short
// counts as a 5xx, as with the other clients.
func TestH1KeepsTheStatusOfABrokenBody(t *testing.T) {
	srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
		if s.readRequest(br) {
			io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nabc")
		}
		c.Close()
	})
	hc := newH1Client(2, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	if ex := h1Get(t, hc, "http://"+srv.addr+"/x"); ex.code != 503 || ex.kind != stats.KindStatus5xx || ex.err == nil {
		t.Errorf("a 503 cut short: %d %v (%v), want 503 counted as 5xx", ex.code, ex.kind, ex.err)
	}
}

// A server that sends something on an idle kept-alive connection before
// closing it (a 408 Request Timeout) does not answer the next request:
// that goes over a new connection, and is neither failed nor resent.
func TestIdleConnectionThatTalksIsNotUsed(t *testing.T) {
	for _, kind := range []string{ClientH1, ClientFastHTTP} {
		t.Run(kind, func(t *testing.T) {
			srv := newRawServer(t, func(s *rawServer, c net.Conn, br *bufio.Reader) {
				if s.readRequest(br) {
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					time.Sleep(10 * time.Millisecond)
					io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
					time.Sleep(100 * time.Millisecond)
				}
				c.Close()
			})
			d := testDoer(t, kind, 2, 2*time.Second)
			scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://" + srv.addr + "/x"}})
			if err != nil {
				t.Fatal(err)
			}
			c := &client{doer: d, base: "http://" + srv.addr}
			var sc scratch
			env := scn.NewRun().NewEnv(newTestRand(), nil)
			for i := range 2 {
				if ex := c.do(context.Background(), scn.Endpoints[0], env, &sc); ex.code != 200 || ex.resent != 0 {
					t.Fatalf("request %d: %d %v resent %d (%v), want 200 not resent", i, ex.code, ex.kind, ex.resent, ex.err)
				}
				time.Sleep(40 * time.Millisecond) // the 408 arrives
			}
			if n := srv.saw.Load(); n != 2 {
				t.Errorf("the server saw %d requests, want 2", n)
			}
		})
	}
}

// Do keeps the whole body, not BodyLimit of it.
func TestH1DoKeepsTheWholeBody(t *testing.T) {
	big := strings.Repeat("y", 3*BodyLimit)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, big)
	}))
	defer srv.Close()
	hc := newH1Client(2, 2*time.Second, time.Minute)
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); len(b) != len(big) {
		t.Errorf("Do kept %d bytes of %d", len(b), len(big))
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, closed, http.StatusFound)
	}))
	defer srv.Close()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{srv.URL + "/old"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range allClients {
		c := &client{doer: testDoer(t, kind, 2, 2*time.Second), base: srv.URL}
		var sc scratch
		ex := c.do(context.Background(), scn.Endpoints[0], scn.NewRun().NewEnv(newTestRand(), nil), &sc)
		if ex.code != 0 || ex.kind != stats.KindRefused {
			t.Errorf("%s: a redirect to a closed port gave %d %v (%v), want no status and refused", kind, ex.code, ex.kind, ex.err)
		}
	}
}
