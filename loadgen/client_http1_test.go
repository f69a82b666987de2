package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// The h1 and fasthttp paths send what the net/http path sends: method,
// path, scenario and request headers, body; and read status and body,
// following redirects.
func TestClientsMatchNetHTTP(t *testing.T) {
	type seen struct{ method, path, key, ctype, body string }
	got := make(chan seen, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/api/users/7", http.StatusFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.Header.Get("X-Api-Key"), r.Header.Get("Content-Type"), string(b)}
		w.WriteHeader(201)
		io.WriteString(w, `{"id":7}`)
	}))
	defer srv.Close()
	// The POST saves the new id, so its body is kept for the capture.
	post, err := scenario.Load("post.yaml", []byte(`version: 1
name: post
headers: {X-API-Key: k1, Content-Type: application/json}
pools: {users: {seed: [1]}}
endpoints:
  - {method: POST, path: /api/users, body: '{"name":"a"}', save: {users: id}}
`), scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	redirect, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{srv.URL + "/old"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range allClients {
		t.Run(kind, func(t *testing.T) {
			d := testDoer(t, kind, 4, 2*time.Second)
			c := &client{doer: d, base: srv.URL, headers: post.Headers}
			env := post.NewRun().NewEnv(newTestRand(), nil)
			var sc scratch
			ex := c.do(context.Background(), post.Endpoints[0], env, &sc)
			if ex.code != 201 || ex.kind != stats.KindNone || string(ex.body) != `{"id":7}` {
				t.Fatalf("exchange = %d %v %q (%v)", ex.code, ex.kind, ex.body, ex.err)
			}
			if s := <-got; s != (seen{"POST", "/api/users", "k1", "application/json", `{"name":"a"}`}) {
				t.Fatalf("server saw %+v", s)
			}
			c = &client{doer: d, base: srv.URL}
			ex = c.do(context.Background(), redirect.Endpoints[0], env, &sc)
			if ex.code != 201 || ex.body != nil {
				t.Fatalf("after a redirect: %d %q (%v); want 201 and no body kept (nothing captures it)", ex.code, ex.body, ex.err)
			}
			if s := <-got; s.path != "/api/users/7" || s.method != "GET" {
				t.Fatalf("redirect went to %+v", s)
			}
		})
	}
}

// Refused connections and timeouts are classified as with net/http.
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

	for _, kind := range allClients {
		d := testDoer(t, kind, 4, 200*time.Millisecond)
		for _, tt := range []struct {
			url  string
			want stats.ErrorKind
		}{{closed + "/x", stats.KindRefused}, {slow.URL + "/x", stats.KindTimeout}} {
			scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{tt.url}})
			if err != nil {
				t.Fatal(err)
			}
			c := &client{doer: d, base: tt.url}
			var sc scratch
			ex := c.do(context.Background(), scn.Endpoints[0], scn.NewRun().NewEnv(newTestRand(), nil), &sc)
			if ex.kind != tt.want {
				t.Errorf("%s %s: kind %v (%v), want %v", kind, tt.url, ex.kind, ex.err, tt.want)
			}
		}
	}
}

// Do adapts the h1 and fasthttp clients to the Doer interface.
func TestClientDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-In"))
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	for _, kind := range allClients {
		d := testDoer(t, kind, 2, time.Second)
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Header.Set("X-In", "v")
		resp, err := d.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "hello" || resp.Header.Get("X-Seen") != "v" {
			t.Fatalf("%s: got %d %q %v", kind, resp.StatusCode, b, resp.Header)
		}
	}
}

// After a burst, requests one at a time reuse the connection used last,
// so the burst's other connections go idle and close (idleConnTimeout)
// instead of being cycled through, each kept open, and each checked for
// a close by the server before reuse (trackedConn).
func TestClientReusesTheLastConnection(t *testing.T) {
	for _, kind := range []string{ClientH1, ClientFastHTTP} {
		t.Run(kind, func(t *testing.T) { testReusesTheLastConnection(t, kind) })
	}
}

func testReusesTheLastConnection(t *testing.T, kind string) {
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
	fc := keepAliveDoer(t, kind, burst, 2*time.Second, time.Minute)
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{srv.URL + "/x"}})
	if err != nil {
		t.Fatal(err)
	}
	send := func() {
		c := &client{doer: fc, base: srv.URL}
		var sc scratch
		if ex := c.do(context.Background(), scn.Endpoints[0], scn.NewRun().NewEnv(newTestRand(), nil), &sc); ex.kind != stats.KindNone {
			t.Errorf("request failed: %v (%v)", ex.kind, ex.err)
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
