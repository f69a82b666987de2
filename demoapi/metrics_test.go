package demoapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

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

// The capacity's queue is on /metrics: with 10 req/s of capacity and a
// queue limit of 0.3 s, five requests at once are one served now, three
// waiting (the last to wait 0.4 s, so a new one would too) and one shed;
// the queue drains a turn every 0.1 s.
func TestQueueMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{Seed: 1, LatencyScale: 1, Capacity: 10, QueueLimit: 300 * time.Millisecond})
		var wg sync.WaitGroup
		codes := make(chan int, 5)
		for range 5 {
			wg.Go(func() {
				req := httptest.NewRequest("GET", "/api/users", nil)
				req.Header.Set("X-API-Key", testKey)
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, req)
				codes <- rec.Code
			})
		}
		synctest.Wait()
		gauge := func(name string) float64 {
			t.Helper()
			text := scrape(t, api)
			for _, l := range strings.Split(text, "\n") {
				if v, ok := strings.CutPrefix(l, name+" "); ok {
					f, err := strconv.ParseFloat(v, 64)
					if err != nil {
						t.Fatal(err)
					}
					return f
				}
			}
			t.Fatalf("no %s in\n%s", name, text)
			return 0
		}
		if c, q, w, s := gauge("demoapi_capacity_requests_per_second"), gauge("demoapi_queue_length"),
			gauge("demoapi_queue_wait_seconds"), gauge("demoapi_shed_total"); c != 10 || q != 3 || w != 0.4 || s != 1 {
			t.Errorf("capacity %v, queue %v, wait %vs, shed %v; want 10, 3, 0.4 and 1", c, q, w, s)
		}
		time.Sleep(150 * time.Millisecond)
		if q, w := gauge("demoapi_queue_length"), gauge("demoapi_queue_wait_seconds"); q != 2 || w != 0.25 {
			t.Errorf("0.15 s later: queue %v, wait %vs; want 2 and 0.25", q, w)
		}
		wg.Wait()
		close(codes)
		var ok, shed int
		for c := range codes {
			switch c {
			case 200:
				ok++
			case 503:
				shed++
			}
		}
		if q := gauge("demoapi_queue_length"); q != 0 || ok != 4 || shed != 1 {
			t.Errorf("at the end: queue %v, %d answered and %d shed; want 0, 4 and 1", q, ok, shed)
		}
	})
}

// scrape is the text /metrics gives for api.
func scrape(t *testing.T, api *API) string {
	t.Helper()
	rec := httptest.NewRecorder()
	withMetrics(api).ServeHTTP(rec, httptest.NewRequest("GET", MetricsPath, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d", MetricsPath, rec.Code)
	}
	return rec.Body.String()
}
