package demoapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// benchHandler serves one route in process with latency scale 0, reusing the
// request and writer so the numbers are the handler's own.
func benchHandler(b *testing.B, method, path, body string) {
	benchHandlerKey(b, method, path, body, testKey)
}

func benchHandlerKey(b *testing.B, method, path, body, key string) {
	api := New(Options{Seed: 1})
	req := httptest.NewRequest(method, path, nil)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	w := &discardWriter{h: http.Header{}}
	var sr strings.Reader
	b.ReportAllocs()
	for b.Loop() {
		if body != "" {
			sr.Reset(body)
			req.Body = readCloser{&sr}
		}
		w.reset()
		api.ServeHTTP(w, req)
		if w.code >= 400 && w.code != 500 && key != "" {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkGetUser(b *testing.B)  { benchHandler(b, "GET", "/api/users/2", "") }
func BenchmarkGetOrder(b *testing.B) { benchHandler(b, "GET", "/api/orders/1", "") }
func BenchmarkListOrders(b *testing.B) {
	benchHandler(b, "GET", "/api/orders", "")
}
func BenchmarkPostUser(b *testing.B) {
	benchHandler(b, "POST", "/api/users", `{"name":"Alice Johnson","email":"alice.johnson@example.com"}`)
}
func BenchmarkPostOrder(b *testing.B) {
	benchHandler(b, "POST", "/api/orders", `{"userId":42,"product":"Laptop","amount":349.99,"status":"PENDING"}`)
}
func BenchmarkPostPayment(b *testing.B) {
	benchHandler(b, "POST", "/api/payments", `{"orderId":42,"amount":349.99,"status":"PENDING"}`)
}
func BenchmarkUnauthorized(b *testing.B) { benchHandlerKey(b, "GET", "/api/users/1", "", "") }

// BenchmarkDecodeOrder weighs the body scanner against json.Unmarshal.
func BenchmarkDecodeOrder(b *testing.B) {
	body := []byte(`{"userId":42,"product":"Laptop","amount":349.99,"status":"PENDING"}`)
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in orderBody
			if err := in.decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in orderBody
			if err := json.Unmarshal(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeOrder compares the hand-written encoder with encoding/json.
func BenchmarkEncodeOrder(b *testing.B) {
	o := order{userID: 42, product: "Laptop", status: "PENDING", amount: 349.99}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf = appendOrder(buf[:0], 1234, &o)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		type orderJSON struct {
			ID          int64   `json:"id"`
			OrderNumber string  `json:"orderNumber"`
			Status      string  `json:"status"`
			Amount      float64 `json:"amount"`
			UserID      int64   `json:"userId"`
			Product     string  `json:"product"`
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(orderJSON{1234, "ORDER-1234", o.status, o.amount, o.userID, o.product}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoopback measures whole HTTP round trips over loopback with
// keep-alive clients in parallel (latency scale 0), reporting req/s. Client
// and server share the machine, as they do with --embedded.
func BenchmarkLoopback(b *testing.B) {
	api := New(Options{Seed: 1})
	srv := httptest.NewServer(api)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var req *http.Request
			if n.Add(1)%2 == 0 {
				req, _ = http.NewRequest("POST", srv.URL+"/api/orders", strings.NewReader(`{"userId":1,"product":"Laptop","amount":349.99,"status":"PENDING"}`))
				req.Header.Set("Content-Type", "application/json")
			} else {
				req, _ = http.NewRequest("GET", srv.URL+"/api/users/2", nil)
			}
			req.Header.Set("X-API-Key", testKey)
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
