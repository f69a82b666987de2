package demoapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// client talks to a real (loopback) server, as the generator does.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (c *client) do(method, path, body, key string) resp {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp{code: res.StatusCode, header: res.Header, body: b}
}

// doPayments retries the real payment service's random 500s (about 5%),
// which do not change the store.
func (c *client) doPayments(method, path, body string) resp {
	c.t.Helper()
	for range 20 {
		if r := c.do(method, path, body, testKey); r.code != http.StatusInternalServerError {
			return r
		}
	}
	c.t.Fatalf("%s %s: 20 500s in a row", method, path)
	return resp{}
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func wantCode(t *testing.T, what string, r resp, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.code, code, r.body)
	}
	if code != http.StatusNoContent && r.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Content-Type %q", what, r.header.Get("Content-Type"))
	}
}

func wantFields(t *testing.T, what string, m map[string]any, fields ...string) {
	t.Helper()
	slices.Sort(fields)
	if got := keysOf(m); !slices.Equal(got, fields) {
		t.Errorf("%s: fields %v, want %v", what, got, fields)
	}
}

func wantError(t *testing.T, what string, r resp, code int) {
	t.Helper()
	wantCode(t, what, r, code)
	if msg, _ := r.object(t)["error"].(string); msg == "" {
		t.Errorf("%s: no \"error\" message in %s", what, r.body)
	}
}

func list(t *testing.T, r resp) []map[string]any {
	t.Helper()
	arr, ok := r.json(t).([]any)
	if !ok {
		t.Fatalf("not a JSON array: %s", r.body)
	}
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i] = v.(map[string]any)
	}
	return out
}

func ids(items []map[string]any) []float64 {
	var out []float64
	for _, it := range items {
		out = append(out, it["id"].(float64))
	}
	return out
}

var (
	userFields    = []string{"id", "name", "email"}
	orderFields   = []string{"id", "orderNumber", "status", "amount", "userId", "product"}
	paymentFields = []string{"id", "paymentId", "status", "amount", "orderId"}
)

// TestContract checks every route over real HTTP: status codes, JSON fields,
// id sequences, auth, health, 404/400/405.
func TestContract(t *testing.T) {
	api := New(Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := &client{t: t, base: srv.URL, hc: srv.Client()}

	t.Run("health is open", func(t *testing.T) { contractHealth(t, c) })
	t.Run("auth", func(t *testing.T) { contractAuth(t, c, api) })
	t.Run("users", func(t *testing.T) { contractUsers(t, c) })
	t.Run("orders", func(t *testing.T) { contractOrders(t, c) })
	t.Run("payments", func(t *testing.T) { contractPayments(t, c) })
	t.Run("wrong method", func(t *testing.T) { contractWrongMethod(t, c) })
	t.Run("unknown path", func(t *testing.T) { contractUnknownPath(t, c) })
	t.Run("served", func(t *testing.T) { contractServed(t, c, api) })
}

// contractHealth: the health routes answer UP without a key.
func contractHealth(t *testing.T, c *client) {
	for _, p := range []string{"/health", "/health/ready", "/health/live"} {
		r := c.do("GET", p, "", "")
		wantCode(t, p, r, 200)
		if r.object(t)["status"] != "UP" {
			t.Errorf("%s: %s", p, r.body)
		}
	}
}

// contractAuth: every API route wants the key, and a refused POST stores nothing.
func contractAuth(t *testing.T, c *client, api *API) {
	for _, p := range []string{"/api/users", "/api/users/1", "/api/orders", "/api/orders/1", "/api/payments", "/api/payments/1", "/nowhere"} {
		wantError(t, "no key "+p, c.do("GET", p, "", ""), 401)
		wantError(t, "bad key "+p, c.do("GET", p, "", "wrong-key"), 401)
	}
	wantError(t, "no key POST", c.do("POST", "/api/users", `{"name":"a","email":"b"}`, ""), 401)
	if n := api.StoreSizes()[Users]; n != 3 {
		t.Errorf("unauthorised POST changed the store: %d users", n)
	}
}

// contractUsers: the users service: list, get, create, put, delete, and its errors.
func contractUsers(t *testing.T, c *client) {
	r := c.do("GET", "/api/users", "", testKey)
	wantCode(t, "list", r, 200)
	users := list(t, r)
	if got := ids(users); !slices.Equal(got, []float64{1, 2, 3}) {
		t.Fatalf("seed user ids %v", got)
	}
	for _, u := range users {
		wantFields(t, "listed user", u, userFields...)
	}

	r = c.do("GET", "/api/users/2", "", testKey)
	wantCode(t, "get", r, 200)
	u := r.object(t)
	wantFields(t, "user", u, userFields...)
	if u["id"] != 2.0 || u["name"] != "Jane Smith" || u["email"] != "jane.smith@example.com" {
		t.Errorf("user 2: %v", u)
	}

	for i, want := range []float64{4, 5} {
		body := fmt.Sprintf(`{"name":"New User %d","email":"new%d@example.com"}`, i, i)
		r = c.do("POST", "/api/users", body, testKey)
		wantCode(t, "create", r, 200)
		u = r.object(t)
		wantFields(t, "created user", u, userFields...)
		if u["id"] != want || u["name"] != fmt.Sprintf("New User %d", i) {
			t.Errorf("created %v, want id %v", u, want)
		}
	}

	r = c.do("PUT", "/api/users/4", `{"name":"Renamed","email":"r@example.com"}`, testKey)
	wantCode(t, "put", r, 200)
	if u = r.object(t); u["id"] != 4.0 || u["name"] != "Renamed" || u["email"] != "r@example.com" {
		t.Errorf("put answered %v", u)
	}
	if u = c.do("GET", "/api/users/4", "", testKey).object(t); u["name"] != "Renamed" {
		t.Errorf("after put: %v", u)
	}

	r = c.do("DELETE", "/api/users/4", "", testKey)
	wantCode(t, "delete", r, 204)
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	wantError(t, "get deleted", c.do("GET", "/api/users/4", "", testKey), 404)
	wantError(t, "delete deleted", c.do("DELETE", "/api/users/4", "", testKey), 404)
	wantError(t, "put deleted", c.do("PUT", "/api/users/4", `{"name":"x","email":"y"}`, testKey), 404)
	wantError(t, "get unknown", c.do("GET", "/api/users/999", "", testKey), 404)
	wantError(t, "get non-numeric", c.do("GET", "/api/users/abc", "", testKey), 404)
	wantError(t, "get zero", c.do("GET", "/api/users/0", "", testKey), 404)
	wantError(t, "post bad JSON", c.do("POST", "/api/users", `{"name":`, testKey), 400)
	wantError(t, "post wrong type", c.do("POST", "/api/users", `{"name":5}`, testKey), 400)
	wantError(t, "put bad JSON", c.do("PUT", "/api/users/1", `nope`, testKey), 400)

	// The next id carries on after the deleted one.
	if u = c.do("POST", "/api/users", `{"name":"n","email":"e"}`, testKey).object(t); u["id"] != 6.0 {
		t.Errorf("id after delete: %v", u["id"])
	}
	if got := ids(list(t, c.do("GET", "/api/users", "", testKey))); !slices.Equal(got, []float64{1, 2, 3, 5, 6}) {
		t.Errorf("list after delete: %v", got)
	}
}

// contractOrders: the orders service: list, get, create, and its errors.
func contractOrders(t *testing.T, c *client) {
	orders := list(t, c.do("GET", "/api/orders", "", testKey))
	if got := ids(orders); !slices.Equal(got, []float64{1, 2}) {
		t.Fatalf("seed order ids %v", got)
	}
	for _, o := range orders {
		wantFields(t, "listed order", o, orderFields...)
	}
	if orders[0]["orderNumber"] != "ORDER-001" || orders[1]["orderNumber"] != "ORDER-002" {
		t.Errorf("seed order numbers: %v", orders)
	}
	for _, want := range []float64{3, 4} {
		r := c.do("POST", "/api/orders", `{"userId":2,"product":"Keyboard","amount":123.45,"status":"PENDING"}`, testKey)
		wantCode(t, "create", r, 200)
		o := r.object(t)
		wantFields(t, "created order", o, orderFields...)
		if o["id"] != want || o["orderNumber"] != fmt.Sprintf("ORDER-%03d", int(want)) ||
			o["status"] != "PENDING" || o["amount"] != 123.45 || o["userId"] != 2.0 || o["product"] != "Keyboard" {
			t.Errorf("created order %v", o)
		}
	}
	o := c.do("GET", "/api/orders/4", "", testKey).object(t)
	wantFields(t, "order", o, orderFields...)
	if o["orderNumber"] != "ORDER-004" {
		t.Errorf("order 4: %v", o)
	}
	wantError(t, "unknown", c.do("GET", "/api/orders/77", "", testKey), 404)
	wantError(t, "bad JSON", c.do("POST", "/api/orders", `{"userId":}`, testKey), 400)
	wantError(t, "fractional userId", c.do("POST", "/api/orders", `{"userId":1.5}`, testKey), 400)
}

// contractPayments: the payments service: list, get, create, and its errors.
func contractPayments(t *testing.T, c *client) {
	payments := list(t, c.doPayments("GET", "/api/payments", ""))
	if got := ids(payments); !slices.Equal(got, []float64{1, 2}) {
		t.Fatalf("seed payment ids %v", got)
	}
	for _, p := range payments {
		wantFields(t, "listed payment", p, paymentFields...)
	}
	if payments[0]["paymentId"] != "PAY-001" || payments[1]["paymentId"] != "PAY-002" {
		t.Errorf("seed payment ids: %v", payments)
	}
	for _, want := range []float64{3, 4, 5} {
		r := c.doPayments("POST", "/api/payments", `{"orderId":3,"amount":"42.10","status":"PENDING"}`)
		wantCode(t, "create", r, 200)
		p := r.object(t)
		wantFields(t, "created payment", p, paymentFields...)
		if p["id"] != want || p["paymentId"] != fmt.Sprintf("PAY-%03d", int(want)) ||
			(p["status"] != "SUCCESS" && p["status"] != "FAILED") || p["amount"] != 42.1 || p["orderId"] != 3.0 {
			t.Errorf("created payment %v", p)
		}
	}
	p := c.doPayments("GET", "/api/payments/5", "").object(t)
	if p["paymentId"] != "PAY-005" {
		t.Errorf("payment 5: %v", p)
	}
	r := c.doPayments("GET", "/api/payments/55", "")
	wantError(t, "unknown", r, 404)
	wantError(t, "bad JSON", c.doPayments("POST", "/api/payments", `[`), 400)
}

// contractWrongMethod: a method a route does not take is a 405 naming those it does.
func contractWrongMethod(t *testing.T, c *client) {
	for _, tc := range []struct{ method, path, allow string }{
		{"PATCH", "/api/users", "GET, POST"},
		{"DELETE", "/api/users", "GET, POST"},
		{"PATCH", "/api/users/1", "GET, PUT, DELETE"},
		{"POST", "/api/users/1", "GET, PUT, DELETE"},
		{"PUT", "/api/orders", "GET, POST"},
		{"DELETE", "/api/orders/1", "GET"},
		{"PUT", "/api/payments", "GET, POST"},
		{"DELETE", "/api/payments/1", "GET"},
		{"POST", "/health", "GET"},
	} {
		r := c.do(tc.method, tc.path, "", testKey)
		wantError(t, tc.method+" "+tc.path, r, 405)
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

// contractUnknownPath: an unknown path is a 404.
func contractUnknownPath(t *testing.T, c *client) {
	wantError(t, "unknown", c.do("GET", "/api/widgets", "", testKey), 404)
	wantError(t, "trailing slash", c.do("GET", "/api/users/", "", testKey), 404)
}

// contractServed: the served counts add up, per route and per status class.
func contractServed(t *testing.T, c *client, api *API) {
	served := api.Served()
	var sum int64
	for _, n := range served {
		sum += n
	}
	total, _ := api.statusCounts()
	if sum != total {
		t.Errorf("served per route sums to %d, status classes to %d", sum, total)
	}
	if served["GET /api/users/{id}"] < 6 || served["POST /api/users"] < 3 || served[OtherRoute] < 10 {
		t.Errorf("served: %v", served)
	}
	for k := range served {
		if k != OtherRoute && !strings.Contains(k, " /") {
			t.Errorf("served key %q is not METHOD /path", k)
		}
	}
}

// TestPaymentRates: with a fixed seed, about 10% of created payments are
// declined and about 5% of payments requests answer 500.
func TestPaymentRates(t *testing.T) {
	api := New(Options{Seed: 42})
	var attempts, errors, declined, created int
	for created < 2000 && attempts < 4000 {
		attempts++
		r := call(t, api, "POST", "/api/payments", `{"orderId":1,"amount":10.5,"status":"PENDING"}`, testKey)
		switch r.code {
		case 200:
			created++
			if r.object(t)["status"] == "FAILED" {
				declined++
			}
		case 500:
			errors++
		default:
			t.Fatalf("status %d: %s", r.code, r.body)
		}
	}
	declinedPct := 100 * float64(declined) / float64(created)
	errorPct := 100 * float64(errors) / float64(attempts)
	t.Logf("%d payments: %.1f%% declined; %d requests: %.1f%% 500s", created, declinedPct, attempts, errorPct)
	if declinedPct < 5 || declinedPct > 15 {
		t.Errorf("declined %.1f%%, want 5–15%%", declinedPct)
	}
	if errorPct < 2 || errorPct > 8 {
		t.Errorf("500s %.1f%%, want 2–8%%", errorPct)
	}
	// Other services have no random errors.
	for range 500 {
		if r := call(t, api, "GET", "/api/orders/1", "", testKey); r.code != 200 {
			t.Fatalf("orders: %d", r.code)
		}
	}
}

// TestSeedReproducible: the same seed gives the same answers when requests
// are served one after another.
func TestSeedReproducible(t *testing.T) {
	run := func() string {
		api := New(Options{Seed: 7})
		var b strings.Builder
		for range 200 {
			r := call(t, api, "POST", "/api/payments", `{"orderId":1,"amount":1}`, testKey)
			fmt.Fprintf(&b, "%d %s\n", r.code, r.body)
		}
		return b.String()
	}
	if run() != run() {
		t.Error("two runs with seed 7 differ")
	}
}

func TestBodies(t *testing.T) {
	api := New(Options{Seed: 1})
	for _, tc := range []struct {
		name, path, body string
		code             int
	}{
		{"numeric strings", "/api/orders", `{"userId":"3","product":"p","amount":"10.50"}`, 200},
		{"missing fields are zero", "/api/orders", `{}`, 200},
		{"null number", "/api/orders", `{"userId":null,"amount":null}`, 200},
		{"unknown fields ignored", "/api/users", `{"name":"a","email":"b","age":3}`, 200},
		{"NaN string", "/api/orders", `{"amount":"NaN"}`, 400},
		{"Inf string", "/api/orders", `{"amount":"Infinity"}`, 400},
		{"huge number", "/api/orders", `{"amount":1e400}`, 400},
		{"bool amount", "/api/orders", `{"amount":true}`, 400},
		{"trailing garbage", "/api/users", `{"name":"a"} x`, 400},
		{"empty body", "/api/users", ``, 400},
		{"array", "/api/users", `[]`, 400},
		{"not JSON", "/api/users", `name=a`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, api, "POST", tc.path, tc.body, testKey)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
		})
	}
	o := call(t, api, "POST", "/api/orders", `{"userId":"3","product":"p","amount":"10.50"}`, testKey).object(t)
	if o["userId"] != 3.0 || o["amount"] != 10.5 || o["status"] != "PENDING" {
		t.Errorf("order from strings: %v", o)
	}
	big := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
	if r := call(t, api, "POST", "/api/users", big, testKey); r.code != 400 {
		t.Errorf("oversized body: %d", r.code)
	}
	// Strings survive the round trip, escapes and all.
	name := "Zoë \"Q\" \\ \n\t\u2028 <b>&"
	body := fmt.Sprintf(`{"name":%q,"email":"z@example.com"}`, name)
	body = strings.ReplaceAll(body, `\u2028`, "\u2028")
	if u := call(t, api, "POST", "/api/users", body, testKey).object(t); u["name"] != name {
		t.Errorf("name %q, want %q", u["name"], name)
	}
}

func TestListIsBounded(t *testing.T) {
	api := New(Options{})
	for range 120 {
		if r := call(t, api, "POST", "/api/users", `{"name":"a","email":"b"}`, testKey); r.code != 200 {
			t.Fatal(r.code)
		}
	}
	got := ids(list(t, call(t, api, "GET", "/api/users", "", testKey)))
	if len(got) != listSize || got[0] != 74 || got[len(got)-1] != 123 || !slices.IsSorted(got) {
		t.Errorf("list: %d items %v … %v", len(got), got[0], got[len(got)-1])
	}
}
