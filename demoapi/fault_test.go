package demoapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// timed serves one request in process and reports how long it took on the
// (fake, inside synctest) clock.
func timed(t *testing.T, h http.Handler, method, path, body string) (resp, time.Duration) {
	t.Helper()
	start := time.Now()
	r := call(t, h, method, path, body, testKey)
	return r, time.Since(start)
}

func TestLatencyRanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{LatencyScale: 1, Seed: 3})
		for _, tc := range []struct {
			path   string
			lo, hi time.Duration
		}{
			{"/api/users/1", 10 * time.Millisecond, 100 * time.Millisecond},
			{"/api/orders/1", 20 * time.Millisecond, 200 * time.Millisecond},
			{"/api/payments/1", 50 * time.Millisecond, 500 * time.Millisecond},
		} {
			var sum time.Duration
			const n = 200
			for range n {
				_, d := timed(t, api, "GET", tc.path, "")
				if d < tc.lo || d > tc.hi {
					t.Fatalf("%s took %v, want %v–%v", tc.path, d, tc.lo, tc.hi)
				}
				sum += d
			}
			// Uniform: the mean is near the middle of the range.
			mid := (tc.lo + tc.hi) / 2
			if mean := sum / n; mean < mid*8/10 || mean > mid*12/10 {
				t.Errorf("%s mean %v, want about %v", tc.path, mean, mid)
			}
		}
		// Health checks are never delayed.
		if _, d := timed(t, api, "GET", "/health", ""); d != 0 {
			t.Errorf("health took %v", d)
		}

		half := New(Options{LatencyScale: 0.5, Seed: 3})
		for range 50 {
			if _, d := timed(t, half, "GET", "/api/users/1", ""); d < 5*time.Millisecond || d > 50*time.Millisecond {
				t.Fatalf("scale 0.5: users took %v", d)
			}
		}
	})
}

// TestFaultSwitching: each fault shows on the very next request and is gone
// on the one after it is cleared.
func TestFaultSwitching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{LatencyScale: 1, Seed: 5})

		api.SetFault(Users, Fault{Kind: FaultSlow, Factor: 5})
		if f := api.Faults()[Users]; f.String() != "slow ×5" {
			t.Errorf("Faults: %v", f)
		}
		for range 50 {
			r, d := timed(t, api, "GET", "/api/users/1", "")
			if r.code != 200 || d < 50*time.Millisecond || d > 500*time.Millisecond {
				t.Fatalf("slow ×5 users: %d in %v", r.code, d)
			}
		}
		if _, d := timed(t, api, "GET", "/api/orders/1", ""); d > 200*time.Millisecond {
			t.Errorf("orders slowed by a users fault: %v", d)
		}
		api.SetFault(Users, Fault{})
		for range 50 {
			if _, d := timed(t, api, "GET", "/api/users/1", ""); d > 100*time.Millisecond {
				t.Fatalf("users still slow after clear: %v", d)
			}
		}

		api.SetFault(Orders, Fault{Kind: FaultOutage})
		r, d := timed(t, api, "GET", "/api/orders/1", "")
		if r.code != 503 || d != 0 {
			t.Errorf("outage: %d after %v, want 503 at once", r.code, d)
		}
		wantError(t, "outage", r, 503)
		if h := call(t, api, "GET", "/health", "", "").object(t); h["status"] != "DEGRADED" {
			t.Errorf("health during outage: %v", h)
		}
		api.SetFault(Orders, Fault{})
		if r := call(t, api, "GET", "/api/orders/1", "", testKey); r.code != 200 {
			t.Errorf("after clearing outage: %d", r.code)
		}

		api.SetFault(Users, Fault{Kind: FaultErrors, Percent: 100})
		wantError(t, "errors 100%", call(t, api, "GET", "/api/users/1", "", testKey), 500)
		api.SetFault(Users, Fault{Kind: FaultErrors, Percent: 30})
		fails := 0
		for range 1000 {
			if call(t, api, "GET", "/api/users/1", "", testKey).code == 500 {
				fails++
			}
		}
		if fails < 250 || fails > 350 {
			t.Errorf("errors 30%%: %d of 1000 failed", fails)
		}
		api.SetFault(Users, Fault{})
		for range 200 {
			if r := call(t, api, "GET", "/api/users/1", "", testKey); r.code != 200 {
				t.Fatalf("after clearing errors: %d", r.code)
			}
		}

		api.SetFault(All, Fault{Kind: FaultOutage})
		for _, p := range []string{"/api/users", "/api/orders", "/api/payments"} {
			if r := call(t, api, "GET", p, "", testKey); r.code != 503 {
				t.Errorf("all outage %s: %d", p, r.code)
			}
		}
		if r := call(t, api, "GET", "/health/live", "", ""); r.code != 200 {
			t.Errorf("health during outage: %d", r.code)
		}
		api.SetFault(All, Fault{})
		for s, f := range api.Faults() {
			if f != (Fault{}) {
				t.Errorf("%s still %v", s, f)
			}
		}
	})
}

// TestSlowFaultAtZeroScale: a slow fault stays visible when the latency
// scale is 0, using the real latency times the factor.
func TestSlowFaultAtZeroScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{Seed: 1})
		if _, d := timed(t, api, "GET", "/api/users/1", ""); d != 0 {
			t.Fatalf("scale 0 slept %v", d)
		}
		api.SetFault(Users, Fault{Kind: FaultSlow, Factor: 2})
		if _, d := timed(t, api, "GET", "/api/users/1", ""); d < 20*time.Millisecond || d > 200*time.Millisecond {
			t.Errorf("slow ×2 at scale 0 took %v", d)
		}
	})
}

// TestCancelDuringLatency: a caller that gives up ends the wait, and gets no
// answer.
func TestCancelDuringLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{LatencyScale: 1})
		api.SetFault(Payments, Fault{Kind: FaultSlow, Factor: 1000})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", "/api/payments/1", nil)
		req.Header.Set("X-API-Key", testKey)
		rec := httptest.NewRecorder()
		start := time.Now()
		api.ServeHTTP(rec, req)
		if d := time.Since(start); d != 10*time.Millisecond {
			t.Errorf("handler returned after %v, want 10ms", d)
		}
		if rec.Body.Len() != 0 || len(api.Served()) != 0 {
			t.Errorf("abandoned request answered: %q, served %v", rec.Body, api.Served())
		}
	})
}

func TestCycleFault(t *testing.T) {
	api := New(Options{})
	// The order of an incident: errors, slow, outage, recovered.
	want := []string{"errors 50%", "slow ×5", "outage", "none", "errors 50%"}
	for _, w := range want {
		if got := api.CycleFault(Payments).String(); got != w {
			t.Fatalf("cycle: %q, want %q", got, w)
		}
		if got := api.Faults()[Payments].String(); got != w {
			t.Fatalf("Faults after cycle: %q, want %q", got, w)
		}
	}
	if api.Faults()[Users].Kind != FaultNone {
		t.Error("cycling payments changed users")
	}
	// All follows the users service and sets every service.
	if got := api.CycleFault(All).String(); got != "errors 50%" {
		t.Errorf("cycle all: %q", got)
	}
	if got := api.CycleFault(All).String(); got != "slow ×5" {
		t.Errorf("cycle all: %q", got)
	}
	for s, f := range api.Faults() {
		if f.String() != "slow ×5" {
			t.Errorf("%s: %v", s, f)
		}
	}
	if got := api.CycleFault("nope"); got != (Fault{}) {
		t.Errorf("unknown service: %v", got)
	}
}

func TestFaultStringAndParse(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{}, "none"},
		{Fault{Kind: FaultSlow, Factor: 5}, "slow ×5"},
		{Fault{Kind: FaultSlow, Factor: 2.5}, "slow ×2.5"},
		{Fault{Kind: FaultSlow}, "slow ×5"},
		{Fault{Kind: FaultErrors, Percent: 30}, "errors 30%"},
		{Fault{Kind: FaultErrors, Percent: 250}, "errors 100%"},
		{Fault{Kind: FaultOutage, Factor: 3}, "outage"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		svc  Service
		want string
		bad  bool
	}{
		{in: "payments=slow:5", svc: Payments, want: "slow ×5"},
		{in: "all=errors:12.5%", svc: All, want: "errors 12.5%"},
		{in: "Orders=outage", svc: Orders, want: "outage"},
		{in: "users=none", svc: Users, want: "none"},
		{in: "users=clear", svc: Users, want: "none"},
		{in: "users=slow", svc: Users, want: "slow ×5"},
		{in: "users", bad: true},
		{in: "shop=slow", bad: true},
		{in: "users=broken", bad: true},
		{in: "users=slow:-1", bad: true},
		{in: "users=errors:101", bad: true},
		{in: "users=outage:3", bad: true},
		{in: "users=slow:NaN", bad: true},
	} {
		svc, f, err := ParseFault(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseFault(%q) = %v %v, want an error", tc.in, svc, f)
			}
			continue
		}
		if err != nil || svc != tc.svc || f.String() != tc.want {
			t.Errorf("ParseFault(%q) = %v %v %v, want %v %v", tc.in, svc, f, err, tc.svc, tc.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Start the bubble's clock on a second boundary.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		api := New(Options{RateLimit: 3, APIKeys: []string{"key-one-000000", "key-two-000000"}})
		for i := range 3 {
			r := call(t, api, "GET", "/api/users/1", "", "key-one-000000")
			if r.code != 200 || r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != string(rune('2'-i)) {
				t.Fatalf("request %d: %d limit %q remaining %q", i, r.code, r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"))
			}
		}
		r := call(t, api, "GET", "/api/users/1", "", "key-one-000000")
		wantError(t, "over the limit", r, 429)
		if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("Retry-After") == "" {
			t.Errorf("429 headers: %v", r.header)
		}
		// Limits are per key.
		if r := call(t, api, "GET", "/api/users/1", "", "key-two-000000"); r.code != 200 {
			t.Errorf("other key: %d", r.code)
		}
		// Health checks are not limited.
		if r := call(t, api, "GET", "/health", "", "key-one-000000"); r.code != 200 {
			t.Errorf("health: %d", r.code)
		}
		time.Sleep(time.Second)
		if r := call(t, api, "GET", "/api/users/1", "", "key-one-000000"); r.code != 200 || r.header.Get("X-RateLimit-Remaining") != "2" {
			t.Errorf("next second: %d remaining %q", r.code, r.header.Get("X-RateLimit-Remaining"))
		}
		if api.Served()["GET /api/users/{id}"] != 6 {
			t.Errorf("served %v", api.Served())
		}
	})
	// Without a limit there are no headers.
	r := call(t, New(Options{}), "GET", "/api/users/1", "", testKey)
	if r.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("unlimited API sent X-RateLimit-Limit")
	}
}

// adminCall calls /admin/faults on api from remote, with an Authorization
// and a Content-Type when given.
func adminCall(t *testing.T, api *API, method, body, remote, auth, ctype string) resp {
	t.Helper()
	req := httptest.NewRequest(method, "/admin/faults", nil)
	if body != "" {
		req = httptest.NewRequest(method, "/admin/faults", stringsReader(body))
	}
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	return resp{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

const (
	adminToken                = "admin-secret-token"
	adminRemote, adminLocal   = "203.0.113.9:5000", "127.0.0.1:5000"
	adminLocal6, adminSlowReq = "[::1]:5000", `{"service":"payments","kind":"slow","factor":4}`
)

// TestAdminRefusesStrangers: a non-loopback caller without the token, or
// with an API key only, is refused and switches nothing.
func TestAdminRefusesStrangers(t *testing.T) {
	api := New(Options{AdminToken: adminToken})
	admin := func(method, body, auth, ctype string) resp {
		t.Helper()
		return adminCall(t, api, method, body, adminRemote, auth, ctype)
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer", adminToken, "Basic " + adminToken} {
		wantError(t, "remote GET auth="+auth, admin("GET", "", auth, ""), 403)
		wantError(t, "remote POST auth="+auth, admin("POST", adminSlowReq, auth, "application/json"), 403)
	}
	wantError(t, "remote DELETE", admin("DELETE", "", "", ""), 403)
	wantError(t, "remote PATCH", admin("PATCH", "", "", ""), 403)
	// An API key is not an admin credential.
	req := httptest.NewRequest("GET", "/admin/faults", nil)
	req.Header.Set("X-API-Key", testKey)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Errorf("API key opened admin: %d", rec.Code)
	}
	if api.Faults()[Payments].Kind != FaultNone {
		t.Fatal("a refused request switched a fault")
	}

	// Without a token, only loopback callers get in.
	open := New(Options{})
	req = httptest.NewRequest("GET", "/admin/faults", nil)
	req.Header.Set("Authorization", "Bearer ")
	rec = httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Errorf("empty token accepted: %d", rec.Code)
	}
}

// TestAdmin: a loopback caller, or one with the token, switches faults on
// and off; a malformed request is refused with its reason's status.
func TestAdmin(t *testing.T) {
	api := New(Options{AdminToken: adminToken})
	admin := func(method, body, remote, auth, ctype string) resp {
		t.Helper()
		return adminCall(t, api, method, body, remote, auth, ctype)
	}
	local := adminLocal
	r := admin("POST", adminSlowReq, local, "", "application/json")
	wantCode(t, "loopback POST", r, 200)
	if got := api.Faults()[Payments].String(); got != "slow ×4" {
		t.Errorf("after POST: %s", got)
	}
	faults := r.object(t)["faults"].(map[string]any)
	if p := faults["payments"].(map[string]any); p["kind"] != "slow" || p["factor"] != 4.0 || p["text"] != "slow ×4" {
		t.Errorf("answer: %s", r.body)
	}

	r = admin("POST", `{"service":"all","kind":"errors","percent":20}`, "203.0.113.9:1", "Bearer "+adminToken, "application/json; charset=utf-8")
	wantCode(t, "token POST", r, 200)
	for s, f := range api.Faults() {
		if f.String() != "errors 20%" {
			t.Errorf("%s: %v", s, f)
		}
	}
	wantCode(t, "loopback6 GET", admin("GET", "", adminLocal6, "", ""), 200)
	wantError(t, "form POST", admin("POST", adminSlowReq, local, "", "text/plain"), 415)
	wantError(t, "no content type", admin("POST", adminSlowReq, local, "", ""), 415)
	wantError(t, "bad kind", admin("POST", `{"service":"users","kind":"melt"}`, local, "", "application/json"), 400)
	wantError(t, "bad service", admin("POST", `{"service":"shop","kind":"slow"}`, local, "", "application/json"), 400)
	wantError(t, "bad factor", admin("POST", `{"service":"users","kind":"slow","factor":-2}`, local, "", "application/json"), 400)
	wantError(t, "bad JSON", admin("POST", `{`, local, "", "application/json"), 400)
	r = admin("PUT", "", local, "", "")
	wantError(t, "PUT", r, 405)
	if r.header.Get("Allow") != "GET, POST, DELETE" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}

	wantCode(t, "clear one", admin("POST", `{"service":"users","kind":"clear"}`, local, "", "application/json"), 200)
	if api.Faults()[Users].Kind != FaultNone || api.Faults()[Orders].Kind != FaultErrors {
		t.Errorf("clear users: %v", api.Faults())
	}
	wantCode(t, "DELETE", admin("DELETE", "", local, "", ""), 200)
	for s, f := range api.Faults() {
		if f.Kind != FaultNone {
			t.Errorf("%s after DELETE: %v", s, f)
		}
	}
}

// TestConcurrentUse hammers the handler from several goroutines while faults
// switch, for the race detector, and checks every answer is counted.
func TestConcurrentUse(t *testing.T) {
	api := New(Options{MaxRecords: 100, RateLimit: 1_000_000})
	const workers, each = 8, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var cycler sync.WaitGroup
	cycler.Go(func() {
		// Not slow: at scale 0 a slow fault sleeps the real latency.
		faults := []Fault{{Kind: FaultErrors, Percent: 50}, {Kind: FaultOutage}, {}}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				api.SetFault(Orders, faults[i%len(faults)])
				api.Faults()
				time.Sleep(100 * time.Microsecond)
			}
		}
	})
	paths := []struct{ method, path, body string }{
		{"POST", "/api/users", `{"name":"a","email":"b"}`},
		{"GET", "/api/users", ""},
		{"GET", "/api/users/2", ""},
		{"PUT", "/api/users/3", `{"name":"c","email":"d"}`},
		{"DELETE", "/api/users/150", ""},
		{"POST", "/api/orders", `{"userId":1,"product":"x","amount":1}`},
		{"GET", "/api/orders", ""},
		{"POST", "/api/payments", `{"orderId":1,"amount":1}`},
		{"GET", "/api/payments/1", ""},
	}
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				p := paths[(w+i)%len(paths)]
				call(t, api, p.method, p.path, p.body, testKey)
			}
		})
	}
	wg.Wait()
	close(stop)
	cycler.Wait()
	var sum int64
	for _, n := range api.Served() {
		sum += n
	}
	if sum != workers*each {
		t.Errorf("served %d, sent %d", sum, workers*each)
	}
	for s, n := range api.StoreSizes() {
		if n > 100 {
			t.Errorf("%s holds %d > 100", s, n)
		}
	}
}

func TestLatencyIsCapped(t *testing.T) {
	api := New(Options{LatencyScale: 1e300})
	f := &Fault{Kind: FaultSlow, Factor: 1e300}
	if d := api.latency(svcPayments, f, 0.99); d != maxLatencyMS*time.Millisecond {
		t.Errorf("latency %v", d)
	}
}

func TestEmptyAPIKeyIgnored(t *testing.T) {
	api := New(Options{APIKeys: []string{""}})
	req := httptest.NewRequest("GET", "/api/users/1", nil)
	req.Header["X-Api-Key"] = []string{""}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("blank key: %d", rec.Code)
	}
	if r := call(t, api, "GET", "/api/users/1", "", DefaultAPIKey); r.code != 200 {
		t.Errorf("default key: %d", r.code)
	}
}
