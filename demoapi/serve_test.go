package demoapi

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log writer the test can read while Serve writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond every 10 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

var listenLine = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs Serve in the background and returns its base URL, its log
// and a function that stops it and returns Serve's error.
func startServe(t *testing.T, addr string, opts Options) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logw := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, addr, opts, logw) }()
	var url string
	ok := waitFor(5*time.Second, func() bool {
		select {
		case err := <-done:
			done <- err
			return true
		default:
		}
		if m := listenLine.FindStringSubmatch(logw.String()); m != nil {
			url = m[1]
			return true
		}
		return false
	})
	if !ok || url == "" {
		cancel()
		select {
		case err := <-done:
			t.Fatalf("Serve did not start: %v; log %q", err, logw.String())
		case <-time.After(5 * time.Second):
			t.Fatalf("Serve did not start; log %q", logw.String())
		}
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(ShutdownTimeout + 5*time.Second):
			t.Fatal("Serve did not return after cancel")
			return nil
		}
	}
	return url, logw, stop
}

func get(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestServeLogsAndStops: Serve logs one line per busy second with the count
// and status classes, never the full API key, and shuts down cleanly on
// cancel.
func TestServeLogsAndStops(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	url, logw, stop := startServe(t, "127.0.0.1:0", Options{Seed: 1})
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("listening on %s", url)
	}
	for range 5 {
		get(t, url+"/api/users/1", testKey)
	}
	get(t, url+"/api/users/1", "")
	get(t, url+"/api/users/999", testKey)

	served := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d served 7: 2xx=5 4xx=2 5xx=0$`)
	if !waitFor(3*time.Second, func() bool { return served.MatchString(logw.String()) }) {
		t.Errorf("no per-second line for 7 requests in log:\n%s", logw.String())
	}
	// Idle seconds are not logged.
	time.Sleep(1100 * time.Millisecond)
	if n := strings.Count(logw.String(), " served "); n != 1 {
		t.Errorf("%d served lines, want 1:\n%s", n, logw.String())
	}

	if err := stop(); err != nil {
		t.Errorf("Serve returned %v", err)
	}
	out := logw.String()
	if !strings.Contains(out, "stopped after serving 7 responses") {
		t.Errorf("no stop line:\n%s", out)
	}
	if strings.Contains(out, testKey) || !strings.Contains(out, maskKey(testKey)) {
		t.Errorf("log must show the key masked:\n%s", out)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Error("still listening after Serve returned")
	}
}

// TestServeGracefulShutdown: a request in flight when ctx is cancelled is
// still answered.
func TestServeGracefulShutdown(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	url, _, stop := startServe(t, "127.0.0.1:0", Options{LatencyScale: 1})
	// Make every orders request take 1–2 s.
	if err := postFault(url, `{"service":"orders","kind":"slow","factor":10}`); err != nil {
		t.Fatal(err)
	}
	code := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", url+"/api/orders/1", nil)
		req.Header.Set("X-API-Key", testKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			code <- -1
			return
		}
		res.Body.Close()
		code <- res.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // let the request arrive
	if err := stop(); err != nil {
		t.Errorf("Serve returned %v", err)
	}
	if c := <-code; c != 200 {
		t.Errorf("in-flight request got %d", c)
	}
}

func postFault(url, body string) error {
	res, err := http.Post(url+"/admin/faults", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		return errors.New(res.Status)
	}
	return nil
}

// TestServeDefaultAddr: with no address Serve binds 127.0.0.1:18080, never
// every interface.
func TestServeDefaultAddr(t *testing.T) {
	if DefaultAddr != "127.0.0.1:18080" {
		t.Fatalf("DefaultAddr %q", DefaultAddr)
	}
	ln, err := net.Listen("tcp", DefaultAddr)
	if err != nil {
		t.Skipf("port 18080 busy (%v); default address checked by constant only", err)
	}
	ln.Close()
	defer http.DefaultClient.CloseIdleConnections()
	url, _, stop := startServe(t, "", Options{})
	if url != "http://127.0.0.1:18080" {
		t.Errorf("default listen %s", url)
	}
	if c := get(t, url+"/health", ""); c != 200 {
		t.Errorf("health %d", c)
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
}

func TestServeListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Serve(context.Background(), ln.Addr().String(), Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "serve demo API") {
		t.Errorf("Serve on a busy port: %v", err)
	}
}

func TestLogLine(t *testing.T) {
	now := time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)
	none := map[Service]Fault{}
	if got := logLine(now, [6]int64{}, [6]int64{}, none); got != "" {
		t.Errorf("idle line %q", got)
	}
	got := logLine(now, [6]int64{0, 0, 10, 0, 1, 0}, [6]int64{0, 0, 110, 2, 4, 5}, map[Service]Fault{
		Payments: {Kind: FaultSlow, Factor: 5}, Users: {Kind: FaultOutage},
	})
	want := "15:04:05 served 110: 2xx=100 3xx=2 4xx=3 5xx=5 | faults: users outage, payments slow ×5\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestEmbedded(t *testing.T) {
	e, err := StartEmbedded(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	if !strings.HasPrefix(e.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", e.URL)
	}
	do := func(path string) int {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		req.Header.Set("X-API-Key", testKey)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := do("/api/users/1"); c != 200 {
		t.Errorf("users: %d", c)
	}
	e.API.SetFault(Users, Fault{Kind: FaultOutage})
	if c := do("/api/users/1"); c != 503 {
		t.Errorf("users during outage: %d", c)
	}
	e.API.SetFault(Users, Fault{})
	if c := do("/api/users/1"); c != 200 {
		t.Errorf("users after outage: %d", c)
	}
	if n := e.API.Served()["GET /api/users/{id}"]; n != 3 {
		t.Errorf("served %d", n)
	}
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := hc.Get(e.URL + "/health"); err == nil {
		t.Error("still serving after Close")
	}
}
