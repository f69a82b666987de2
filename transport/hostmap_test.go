package transport

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
	hc := newTestH1(t, Options{MaxConnsPerHost: 1, Timeout: time.Second})
	for _, tt := range []struct {
		tls        bool
		auths      []string
		addr, name string
	}{
		{false, []string{"example.com", "Example.com", "example.com:80", "EXAMPLE.COM:80", "example.com:"}, "example.com:80", "example.com"},
		{true, []string{"example.com", "example.com:443", "Example.Com:443", "example.com:"}, "example.com:443", "example.com"},
		{false, []string{"example.com:8080", "EXAMPLE.com:8080"}, "example.com:8080", "example.com"},
		{false, []string{"[::1]", "[::1]:80", "[::1]:"}, "[::1]:80", "::1"},
		{true, []string{"[::1]:8443"}, "[::1]:8443", "::1"},
		{false, []string{"[fe80::1%25eth0]:8080", "[fe80::1%eth0]:8080"}, "[fe80::1%eth0]:8080", "fe80::1%eth0"},
		{false, []string{"[fe80::1%25eth0]", "[FE80::1%25eth0]:80", "[fe80::1%25eth%30]:080", "[fe80::1%eth0]"}, "[fe80::1%eth0]:80", "fe80::1%eth0"},
		{false, []string{"[fe80::1%2525]:8080"}, "[fe80::1%25]:8080", "fe80::1%25"},
	} {
		h := hc.pool(tt.tls, []byte(tt.auths[0]))
		for _, auth := range tt.auths {
			if hc.pool(tt.tls, []byte(auth)) != h {
				t.Errorf("%s (tls %v) has a pool apart from %s", auth, tt.tls, tt.auths[0])
			}
		}
		if h.addr != tt.addr || h.name != tt.name {
			t.Errorf("%s (tls %v) dials %s, name %s; want %s, %s", tt.auths[0], tt.tls, h.addr, h.name, tt.addr, tt.name)
		}
	}
}

// poolState is c's host map: how many pools, and the requests in the
// first one (its connections open or dialled and its waiters).
func poolState(c *H1) (pools, inUse int) {
	c.hosts.each(func(h *hostPool) {
		pools++
		h.mu.Lock()
		inUse = h.open + len(h.waiters)
		h.mu.Unlock()
	})
	return pools, inUse
}

// One host spelt in different cases is one pool: its requests share
// maxConns connections, and each is sent with its Host as written.
func TestOneHostSpeltDifferentlyIsOnePool(t *testing.T) {
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
	c := newTestH1(t, Options{MaxConnsPerHost: 2, Timeout: 5 * time.Second})
	var wg sync.WaitGroup
	codes := make([]int, len(auths))
	for i, auth := range auths {
		wg.Go(func() {
			resp, err := get(c, "http://"+auth+"/x")
			codes[i] = resp.Status
			if err != nil {
				t.Errorf("%s: %v", auth, err)
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		a := active
		mu.Unlock()
		pools, inUse := poolState(c)
		if a > 2 {
			free()
			wg.Wait()
			t.Fatalf("%d requests at once on a 2-connection client (%d pools)", a, pools)
		}
		if a == 2 && pools == 1 && inUse == len(auths) {
			break // two answered, two waiting for their connections
		}
		if time.Now().After(deadline) {
			free()
			wg.Wait()
			t.Fatalf("after 5 s: %d requests in the server, %d pools, %d requests in the first; want 2, 1, 4", a, pools, inUse)
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
	if len(sentHosts) != 3 {
		t.Errorf("Host headers sent: %v, want the 3 spellings", sentHosts)
	}
}

// A host unused for the idle time leaves the client's map, and a request
// after that makes it again.
func TestIdleHostIsForgotten(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c := newTestH1(t, Options{MaxConnsPerHost: 2, Timeout: 2 * time.Second, IdleTimeout: 50 * time.Millisecond})
	if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
		t.Fatalf("request: %d (%v)", resp.Status, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if pools, _ := poolState(c); pools == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the host still kept 5 s after the last request (idle time 50 ms)")
		}
	}
	if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
		t.Fatalf("request after the host was forgotten: %d (%v)", resp.Status, err)
	}
	if pools, _ := poolState(c); pools > 1 { // 0 if forgotten again since
		t.Errorf("%d pools after a new request, want 1", pools)
	}
}

// A request that looked a host up just before it was evicted (marked,
// not yet out of the map) is sent through a new pool.
func TestEvictedHostIsLookedUpAgain(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	auth := []byte(srv.Listener.Addr().String())
	c := newTestH1(t, Options{MaxConnsPerHost: 2, Timeout: 2 * time.Second, IdleTimeout: time.Minute})
	if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
		t.Fatalf("request: %d (%v)", resp.Status, err)
	}
	c.CloseIdleConnections()
	old := c.pool(false, auth)
	old.mu.Lock()
	old.evicted = true // what clean does, before it takes old out of the map
	old.mu.Unlock()
	if _, err := old.get(context.Background(), time.Now().Add(time.Second)); err != errEvicted {
		t.Fatalf("get on an evicted pool: %v, want errEvicted", err)
	}
	if resp, err := get(c, srv.URL+"/x"); resp.Status != 200 {
		t.Fatalf("request after the eviction: %d (%v)", resp.Status, err)
	}
	if h := c.pool(false, auth); h == old {
		t.Error("the evicted pool is still in the map")
	}
	if pools, _ := poolState(c); pools != 1 {
		t.Errorf("%d pools, want 1", pools)
	}
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
	c := newTestH1(t, Options{MaxConnsPerHost: 2, Timeout: 2 * time.Second, IdleTimeout: time.Millisecond})
	var urls [2]string
	for i, name := range []string{"localhost", "LOCALHOST"} {
		urls[i] = strings.Replace(srv.URL, "127.0.0.1", name, 1) + "/x"
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range 20 {
				if resp, err := get(c, urls[(g+i)%2]); resp.Status != 200 {
					t.Errorf("request %d: %d (%v)", i, resp.Status, err)
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
}
