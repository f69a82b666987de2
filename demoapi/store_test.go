package demoapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStore(t *testing.T) {
	s := newStore(3, "a", "b")
	if s.len() != 2 {
		t.Fatalf("len %d", s.len())
	}
	if id := s.insert("c"); id != 3 {
		t.Fatalf("id %d", id)
	}
	if id := s.insert("d"); id != 4 { // evicts 1
		t.Fatalf("id %d", id)
	}
	if _, ok := s.get(1); ok {
		t.Error("1 not evicted")
	}
	for id, want := range map[int64]string{2: "b", 3: "c", 4: "d"} {
		if v, ok := s.get(id); !ok || v != want {
			t.Errorf("get(%d) = %q %v", id, v, ok)
		}
	}
	for _, id := range []int64{-1, 0, 5, 100} {
		if _, ok := s.get(id); ok {
			t.Errorf("get(%d) found", id)
		}
	}
	if !s.update(3, "C") || s.update(1, "x") || s.update(9, "x") {
		t.Error("update")
	}
	if !s.remove(2) || s.remove(2) || s.len() != 2 {
		t.Errorf("remove: len %d", s.len())
	}
	got := s.newest(nil, 10)
	if len(got) != 2 || got[0].id != 3 || got[0].v != "C" || got[1].id != 4 {
		t.Errorf("newest: %+v", got)
	}
	if got := s.newest(nil, 1); len(got) != 1 || got[0].id != 4 {
		t.Errorf("newest(1): %+v", got)
	}
	s.insert("e") // id 5 takes 2's empty slot
	if s.len() != 3 {
		t.Errorf("len %d", s.len())
	}
}

// TestStoreCap: a store stays at its cap after a million inserts, keeping
// exactly the newest records.
func TestStoreCap(t *testing.T) {
	const n, max = 1_000_000, DefaultMaxRecords
	s := newStore(max, seedOrders()...)
	for range n {
		s.insert(order{userID: 1, product: "p", status: "PENDING", amount: 1})
	}
	last := int64(n + 2)
	if s.len() != max || len(s.slots) != max || cap(s.slots) > 2*max {
		t.Errorf("len %d, slots %d (cap %d), want %d", s.len(), len(s.slots), cap(s.slots), max)
	}
	if _, ok := s.get(last - max); ok {
		t.Error("oldest not evicted")
	}
	for _, id := range []int64{last - max + 1, last} {
		if _, ok := s.get(id); !ok {
			t.Errorf("id %d missing", id)
		}
	}
}

// TestStoresStayAtCap POSTs to every store through the handler, with latency
// scale 0, until each has overflowed its cap many times over.
// Without -race and -short it sends the full 1,000,000 POSTs.
func TestStoresStayAtCap(t *testing.T) {
	const max = 1000
	total := 1_000_000
	if raceEnabled || testing.Short() {
		total = 60_000
	}
	api := New(Options{MaxRecords: max, Seed: 9})
	bodies := []struct{ path, body string }{
		{"/api/users", `{"name":"Load User","email":"load@example.com"}`},
		{"/api/orders", `{"userId":1,"product":"Laptop","amount":250.5,"status":"PENDING"}`},
		{"/api/payments", `{"orderId":1,"amount":250.5,"status":"PENDING"}`},
	}
	var sr strings.Reader
	req := httptest.NewRequest("POST", "/api/users", nil)
	req.Header.Set("X-API-Key", testKey)
	w := &discardWriter{h: http.Header{}}
	for i := range total {
		b := bodies[i%len(bodies)]
		sr.Reset(b.body)
		req.Body = readCloser{&sr}
		req.URL.Path = b.path
		w.reset()
		api.ServeHTTP(w, req)
		if w.code != 200 && w.code != 500 { // payments answer 500 now and then
			t.Fatalf("POST %d: %d", i, w.code)
		}
	}
	for s, n := range api.StoreSizes() {
		if n != max {
			t.Errorf("%s holds %d records, want the cap %d", s, n, max)
		}
	}
	if n := api.Served()["POST /api/orders"]; n != int64(total/3) {
		t.Errorf("served %d order POSTs, want %d", n, total/3)
	}
	t.Logf("%d POSTs", total)
}

// discardWriter is a ResponseWriter that keeps only the status, so tests and
// benchmarks measure the handler rather than a recorder.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	w.n += len(b)
	return len(b), nil
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
