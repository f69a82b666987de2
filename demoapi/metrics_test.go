package demoapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// `trafficgen serve` answers scrapes at /metrics on its own address with
// what it served, by route and by status class, and the faults in force;
// scrapes need no key and are not counted as served.
func TestServeMetrics(t *testing.T) {
	api := New(Options{Seed: 1})
	api.SetFault(Orders, Fault{Kind: FaultOutage})
	defer http.DefaultClient.CloseIdleConnections()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, api, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	url := "http://" + ln.Addr().String()
	get := func(path, key string) (int, string) {
		req, _ := http.NewRequest("GET", url+path, nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 3 {
		get("/api/users", testKey)
	}
	get("/api/users/1", "")     // 401
	get("/api/orders", testKey) // 503: the outage
	get("/nowhere", testKey)    // 404, counted as other
	get(MetricsPath, "")        // not counted
	code, text := get(MetricsPath, "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d %s", code, text)
	}
	for _, want := range []string{
		`demoapi_requests_total{route="GET /api/users"} 3`,
		`demoapi_requests_total{route="GET /api/users/{id}"} 1`,
		`demoapi_requests_total{route="GET /api/orders"} 1`,
		`demoapi_requests_total{route="other"} 1`,
		`demoapi_responses_total{status_class="2xx"} 3`,
		`demoapi_responses_total{status_class="4xx"} 2`,
		`demoapi_responses_total{status_class="5xx"} 1`,
		`demoapi_fault_active{kind="outage",service="orders"} 1`,
		`demoapi_fault_active{kind="outage",service="users"} 0`,
		`demoapi_store_records{service="users"} 3`,
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	var served int64
	for _, n := range api.Served() {
		served += n
	}
	if served != 6 {
		t.Errorf("served %d, want 6: the scrapes are not the API's traffic", served)
	}
	problems, err := testutil.CollectAndLint(api.Collector())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
