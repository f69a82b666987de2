package loadgen

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/valyala/fasthttp"
)

func TestHostKey(t *testing.T) {
	for _, tt := range []struct {
		host string
		tls  bool
		want string
	}{
		{"example.com", false, "example.com"},
		{"Example.COM", false, "example.com"},
		{"example.com:80", false, "example.com"},
		{"example.com:80", true, "example.com:80"},
		{"example.com:443", true, "example.com"},
		{"example.com:443", false, "example.com:443"},
		{"EXAMPLE.com:443", true, "example.com"},
		{"example.com:", false, "example.com"},
		{"example.com:", true, "example.com"},
		{"example.com:8080", false, "example.com:8080"},
		{"Example.com:8080", false, "example.com:8080"},
		{"example.com:080", false, "example.com"}, // the dialler reads 80
		{"EXAMPLE.com:08080", false, "example.com:8080"},
		{"example.com:0", false, "example.com:0"},
		{"example.com:+80", false, "example.com:+80"}, // not a number: left to the dialler
		{"127.0.0.1:80", false, "127.0.0.1"},
		{"[::1]", false, "[::1]"},
		{"[::1]:80", false, "[::1]"},
		{"[::1]:443", true, "[::1]"},
		{"[::1]:", false, "[::1]"},
		{"[::1]:8080", false, "[::1]:8080"},
		{"[FE80::1]:80", false, "[fe80::1]"},
		{"[FE80::1%25Eth0]:80", false, "[fe80::1%25Eth0]"}, // a zone keeps its case
		{"a:b:80", false, "a:b:80"},                        // not a host and port
	} {
		var buf [8]byte
		if got := string(hostKey(buf[:0], []byte(tt.host), tt.tls)); got != tt.want {
			t.Errorf("hostKey(%q, tls %v) = %q, want %q", tt.host, tt.tls, got, tt.want)
		}
	}
}

// A host already spelt as its key is its own key: nothing is copied.
func TestHostKeyDoesNotCopyANormalHost(t *testing.T) {
	for _, host := range []string{"example.com", "example.com:8080", "example.com:80", "[::1]:80"} {
		b := []byte(host)
		if k := hostKey(nil, b, false); len(k) > 0 && &k[0] != &b[0] {
			t.Errorf("hostKey(%q) copied the host", host)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		var buf [64]byte
		hostKey(buf[:0], []byte("Example.com:80"), false)
	}); n != 0 {
		t.Errorf("hostKey of an upper-case host allocated %v times", n)
	}
}

// Every spelling of a host and port is one pool, which dials the host
// and port (the scheme's when none is given) and names the host for TLS.
func TestSpellingsOfAHostDialIt(t *testing.T) {
	hc := newH1Client(1, time.Second, time.Minute)
	fc := newFastClient(1, time.Second, time.Minute)
	for _, tt := range []struct {
		tls        bool
		auths      []string
		addr, name string
		h1only     bool // a zone: fasthttp's URI decodes it before the map
	}{
		{false, []string{"example.com", "Example.com", "example.com:80", "EXAMPLE.COM:80", "example.com:"}, "example.com:80", "example.com", false},
		{true, []string{"example.com", "example.com:443", "Example.Com:443", "example.com:"}, "example.com:443", "example.com", false},
		{false, []string{"example.com:8080", "EXAMPLE.com:8080"}, "example.com:8080", "example.com", false},
		{false, []string{"[::1]", "[::1]:80", "[::1]:"}, "[::1]:80", "::1", false},
		{true, []string{"[::1]:8443"}, "[::1]:8443", "::1", false},
		{false, []string{"[fe80::1%25eth0]:8080", "[fe80::1%eth0]:8080"}, "[fe80::1%eth0]:8080", "fe80::1%eth0", true},
		{false, []string{"[fe80::1%25eth0]", "[FE80::1%25eth0]:80", "[fe80::1%25eth%30]:080", "[fe80::1%eth0]"}, "[fe80::1%eth0]:80", "fe80::1%eth0", true},
		{false, []string{"[fe80::1%2525]:8080"}, "[fe80::1%25]:8080", "fe80::1%25", true},
	} {
		h := hc.host(tt.tls, []byte(tt.auths[0]))
		f := fc.hosts.get(tt.tls, []byte(tt.auths[0]), fc.newHost)
		for _, auth := range tt.auths {
			if hc.host(tt.tls, []byte(auth)) != h {
				t.Errorf("h1: %s (tls %v) has a pool apart from %s", auth, tt.tls, tt.auths[0])
			}
			if !tt.h1only && fc.hosts.get(tt.tls, []byte(auth), fc.newHost) != f {
				t.Errorf("fasthttp: %s (tls %v) has a pool apart from %s", auth, tt.tls, tt.auths[0])
			}
		}
		if h.addr != tt.addr || h.name != tt.name {
			t.Errorf("h1: %s (tls %v) dials %s, name %s; want %s, %s", tt.auths[0], tt.tls, h.addr, h.name, tt.addr, tt.name)
		}
		if !tt.h1only && f.hc.Addr != tt.addr {
			t.Errorf("fasthttp: %s (tls %v) dials %s, want %s", tt.auths[0], tt.tls, f.hc.Addr, tt.addr)
		}
	}
}

// fasthttp's URI decodes an IPv6 zone itself: the client dials it as
// decoded, not decoded again (a zone named 25 is written %2525).
func TestFastDialsAZoneDecodedOnce(t *testing.T) {
	fc := newFastClient(1, time.Second, time.Minute)
	var u fasthttp.URI
	if err := u.Parse(nil, []byte("http://[fe80::1%2525]:8080/x")); err != nil {
		t.Fatal(err)
	}
	h, err := fc.use(&u)
	if err != nil {
		t.Fatal(err)
	}
	h.done()
	if h.hc.Addr != "[fe80::1%25]:8080" {
		t.Errorf("dials %s, want [fe80::1%%25]:8080", h.hc.Addr)
	}
}

// doGet sends scn's request (one GET to an absolute URL) with d, as a
// target url's, and returns the exchange.
func doGet(d Doer, scn *scenario.Scenario, url string) exchange {
	c := &client{doer: d, base: url}
	var sc scratch
	return c.do(context.Background(), scn.Endpoints[0], scn.NewRun().NewEnv(newTestRand(), nil), &sc)
}

func getScenario(t *testing.T, url string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// hostState is d's host map: how many hosts, and the requests in the
// first one (h1: its connections open or dialled and its waiters;
// fasthttp: the requests between lookup and answer).
func hostState(d Doer) (hosts, inUse int) {
	switch d := d.(type) {
	case *H1Client:
		d.hosts.each(func(h *h1Host) {
			hosts++
			h.mu.Lock()
			inUse = h.open + len(h.waiters)
			h.mu.Unlock()
		})
	case *FastClient:
		d.hosts.each(func(h *fastHost) {
			hosts++
			inUse = int(h.state.Load() & fastInUse)
		})
	}
	return hosts, inUse
}

// One host spelt in different cases is one pool: its requests share
// maxConns connections, and each is sent with its Host as written (h1;
// fasthttp sends the host lower-cased, as it always has).
func TestOneHostSpeltDifferentlyIsOnePool(t *testing.T) {
	for _, kind := range []string{ClientH1, ClientFastHTTP} {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			active, most := 0, 0
			sentHosts, conns := map[string]bool{}, map[string]bool{}
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				active++
				most = max(most, active)
				sentHosts[r.Host], conns[r.RemoteAddr] = true, true
				mu.Unlock()
				<-release
				mu.Lock()
				active--
				mu.Unlock()
			}))
			defer srv.Close()
			var once sync.Once
			free := func() { once.Do(func() { close(release) }) }
			defer free()

			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			auths := []string{"localhost:" + port, "LOCALHOST:" + port, "LocalHost:" + port, "localhost:" + port}
			d := testDoer(t, kind, 2, 5*time.Second)
			var wg sync.WaitGroup
			codes := make([]int, len(auths))
			for i, auth := range auths {
				url := "http://" + auth
				scn := getScenario(t, url+"/x")
				wg.Go(func() {
					ex := doGet(d, scn, url)
					codes[i] = ex.code
					if ex.err != nil {
						t.Errorf("%s: %v", url, ex.err)
					}
				})
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
				mu.Lock()
				a := active
				mu.Unlock()
				hosts, inUse := hostState(d)
				if a > 2 {
					free()
					wg.Wait()
					t.Fatalf("%d requests at once on a 2-connection client (%d pools)", a, hosts)
				}
				if a == 2 && hosts == 1 && inUse == len(auths) {
					break // two answered, two waiting for their connections
				}
				if time.Now().After(deadline) {
					free()
					wg.Wait()
					t.Fatalf("after 5 s: %d requests in the server, %d pools, %d requests in the first; want 2, 1, 4", a, hosts, inUse)
				}
			}
			free()
			wg.Wait()
			for i, code := range codes {
				if code != 200 {
					t.Errorf("request to %s: %d", auths[i], code)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if most > 2 || len(conns) > 2 {
				t.Errorf("%d requests at once over %d connections, want at most 2 of each", most, len(conns))
			}
			if kind == ClientH1 && len(sentHosts) != 3 {
				t.Errorf("Host headers sent: %v, want the 3 spellings", sentHosts)
			}
		})
	}
}

// A host unused for the idle time leaves the client's map, and a request
// after that makes it again.
func TestIdleHostIsForgotten(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	scn := getScenario(t, srv.URL+"/x")
	for _, kind := range []string{ClientH1, ClientFastHTTP} {
		t.Run(kind, func(t *testing.T) {
			d := keepAliveDoer(t, kind, 2, 2*time.Second, 50*time.Millisecond)
			if ex := doGet(d, scn, srv.URL); ex.code != 200 {
				t.Fatalf("request: %d %v (%v)", ex.code, ex.kind, ex.err)
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				hosts, _ := hostState(d)
				if hosts == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d hosts still kept 5 s after the last request (idle time 50 ms)", hosts)
				}
			}
			if ex := doGet(d, scn, srv.URL); ex.code != 200 {
				t.Fatalf("request after the host was forgotten: %d %v (%v)", ex.code, ex.kind, ex.err)
			}
			if hosts, _ := hostState(d); hosts > 1 { // 0 if forgotten again since
				t.Errorf("%d hosts after a new request, want 1", hosts)
			}
		})
	}
}

// A request that looked a host up just before it was evicted (marked,
// not yet out of the map) is sent through a new one.
func TestEvictedHostIsLookedUpAgain(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	scn := getScenario(t, srv.URL+"/x")
	auth := []byte(srv.Listener.Addr().String())

	t.Run(ClientH1, func(t *testing.T) {
		hc := newH1Client(2, 2*time.Second, time.Minute)
		defer hc.CloseIdleConnections()
		if ex := doGet(hc, scn, srv.URL); ex.code != 200 {
			t.Fatalf("request: %d %v (%v)", ex.code, ex.kind, ex.err)
		}
		hc.CloseIdleConnections()
		old := hc.host(false, auth)
		old.mu.Lock()
		old.evicted = true // what clean does, before it takes old out of the map
		old.mu.Unlock()
		if _, err := old.get(context.Background(), time.Now().Add(time.Second)); err != errEvicted {
			t.Fatalf("get on an evicted host: %v, want errEvicted", err)
		}
		if ex := doGet(hc, scn, srv.URL); ex.code != 200 {
			t.Fatalf("request after the eviction: %d %v (%v)", ex.code, ex.kind, ex.err)
		}
		if h := hc.host(false, auth); h == old {
			t.Error("the evicted host is still in the map")
		}
		if hosts, _ := hostState(hc); hosts != 1 {
			t.Errorf("%d hosts, want 1", hosts)
		}
	})

	t.Run(ClientFastHTTP, func(t *testing.T) {
		fc := newFastClient(2, 2*time.Second, time.Minute)
		defer fc.CloseIdleConnections()
		if ex := doGet(fc, scn, srv.URL); ex.code != 200 {
			t.Fatalf("request: %d %v (%v)", ex.code, ex.kind, ex.err)
		}
		old := fc.hosts.get(false, auth, fc.newHost)
		s := old.state.Load()
		if !old.state.CompareAndSwap(s, s|fastEvicted) { // what sweep does
			t.Fatal("state changed under the test")
		}
		if ex := doGet(fc, scn, srv.URL); ex.code != 200 {
			t.Fatalf("request after the eviction: %d %v (%v)", ex.code, ex.kind, ex.err)
		}
		if h := fc.hosts.get(false, auth, fc.newHost); h == old {
			t.Error("the evicted host is still in the map")
		}
		old.hc.CloseIdleConnections()
	})
}

// Requests that come and go around a short idle time, so that their host
// is evicted between them and again as they come, all succeed, and the
// host's connection limit holds throughout.
func TestHostEvictionUnderRequests(t *testing.T) {
	var mu sync.Mutex
	active, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		mu.Lock()
		active++
		most = max(most, active)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		active--
		mu.Unlock()
	}))
	defer srv.Close()
	for _, kind := range []string{ClientH1, ClientFastHTTP} {
		t.Run(kind, func(t *testing.T) {
			mu.Lock()
			most = 0
			mu.Unlock()
			d := keepAliveDoer(t, kind, 2, 2*time.Second, time.Millisecond)
			var urls [2]string
			var scns [2]*scenario.Scenario
			for i, name := range []string{"localhost", "LOCALHOST"} {
				urls[i] = strings.Replace(srv.URL, "127.0.0.1", name, 1)
				scns[i] = getScenario(t, urls[i]+"/x")
			}
			var wg sync.WaitGroup
			for g := range 3 {
				wg.Go(func() {
					for i := range 20 {
						j := (g + i) % 2
						if ex := doGet(d, scns[j], urls[j]); ex.code != 200 {
							t.Errorf("request %d: %d %v (%v)", i, ex.code, ex.kind, ex.err)
						}
						time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
					}
				})
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if most > 2 {
				t.Errorf("%d requests at once on a 2-connection client", most)
			}
		})
	}
}
