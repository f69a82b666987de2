package transport

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Both clients send the same request and read the same answer: method,
// path, fields, body; status, the kept body and fields.
func TestClientsSendTheSame(t *testing.T) {
	srv := newRawServer(t, func(r rawRequest) string {
		return "HTTP/1.1 201 Created\r\nX-Seen: " + r.header.Get("X-Api-Key") + "\r\nX-Other: o\r\nContent-Length: 8\r\n\r\n{\"id\":7}"
	})
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			c := newTestClient(t, kind, Options{Timeout: 2 * time.Second})
			req := &Request{Method: "POST", URL: []byte(srv.url + "/api/users?x=1"), Body: []byte(`{"name":"a"}`), BodyLimit: 4, KeepHeaders: []string{"x-seen"}}
			req.Header.AddString("X-API-Key", "k1")
			req.Header.AddString("Content-Type", "application/json")
			var resp Response
			for range 2 { // the second over the kept-alive connection
				if err := c.Send(context.Background(), req, &resp); err != nil || resp.Status != 201 || string(resp.Body) != `{"id` ||
					strings.Join(resp.Header.Values("X-Seen"), ",") != "k1" || resp.Header.Len() != 1 {
					t.Fatalf("answer %d %q %v (%v)", resp.Status, resp.Body, resp.Header.Values("x-seen"), err)
				}
			}
			r := srv.requests()[len(srv.requests())-1]
			if r.method != "POST" || r.target != "/api/users?x=1" || r.header.Get("X-Api-Key") != "k1" || r.body != `{"name":"a"}` ||
				r.header.Get("Content-Type") != "application/json" || r.header.Get("Content-Length") != "12" || r.header.Get("User-Agent") != "trafficgen" {
				t.Fatalf("server saw %+v", r)
			}
		})
	}
}

// Refused connections and timeouts are told apart on both clients.
func TestClientErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 200 * time.Millisecond})
		for _, tt := range []struct {
			url  string
			want Failure
		}{{closed + "/x", FailRefused}, {slow.URL + "/x", FailTimeout}} {
			if _, err := get(c, tt.url); FailureOf(err) != tt.want {
				t.Errorf("%s %s: %v (%v), want %v", kind, tt.url, FailureOf(err), err, tt.want)
			}
		}
	}
}

// After a burst, requests one at a time reuse the connection used last,
// so the burst's other connections go idle and close instead of being
// cycled through, each kept open, and each checked for a close by the
// server before reuse.
func TestH1ReusesTheLastConnection(t *testing.T) {
	const burst = 8
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	var from []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if arrived++; arrived == burst {
			close(all)
		}
		from = append(from, r.RemoteAddr)
		mu.Unlock()
		<-all // the burst's requests wait for each other: one connection each
	}))
	defer srv.Close()
	c := newTestClient(t, KindH1, Options{MaxConnsPerHost: burst, Timeout: 2 * time.Second, IdleTimeout: time.Minute})
	send := func() {
		if resp, err := get(c, srv.URL+"/x"); err != nil {
			t.Errorf("request failed: %d (%v)", resp.Status, err)
		}
	}
	var wg sync.WaitGroup
	for range burst {
		wg.Go(send)
	}
	wg.Wait()
	for range 2 * burst {
		send()
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, a := range from[:burst] {
		seen[a] = true
	}
	if len(seen) != burst {
		t.Fatalf("the burst used %d connections, want %d", len(seen), burst)
	}
	after := map[string]bool{}
	for _, a := range from[burst:] {
		after[a] = true
	}
	if len(after) != 1 {
		t.Errorf("%d requests one at a time after the burst used %d connections, want 1", 2*burst, len(after))
	}
}

// NetHTTP serves requests through a RoundTripper given to it, in
// process, and says it uses no sockets then.
func TestNetHTTPOverARoundTripper(t *testing.T) {
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		io.WriteString(rec, r.Method+" "+r.URL.Path)
		return rec.Result(), nil
	})
	c := newTestClient(t, KindNetHTTP, Options{RoundTripper: rt})
	var resp Response
	if err := c.Send(context.Background(), &Request{Method: "GET", URL: []byte("http://t.test/x"), BodyLimit: 100}, &resp); err != nil || string(resp.Body) != "GET /x" {
		t.Fatalf("%d %q (%v)", resp.Status, resp.Body, err)
	}
	if c.(*NetHTTP).UsesSockets() || !newTestClient(t, KindNetHTTP, Options{}).(*NetHTTP).UsesSockets() {
		t.Error("UsesSockets is wrong")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// New refuses what its clients cannot do.
func TestNewRefuses(t *testing.T) {
	for _, o := range []Options{
		{Kind: "fasthttp"},
		{Kind: KindH1, HTTP2: true},
		{Kind: KindH1, RoundTripper: roundTripFunc(nil)},
		{MaxRedirects: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}
