package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// The test server's two truths: each request's arrival truth is its own
// (not an earlier request's on the same connection) and contains the
// handler's time.
func TestServerTruths(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go serveTest(l, testHandler(20*time.Millisecond, 0, 0, 1))
	base := "http://" + l.Addr().String()
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer cl.CloseIdleConnections()
	get := func(path string) []byte {
		t.Helper()
		res, err := cl.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Three requests on one kept-alive connection, 300 ms apart: a stamp
	// kept from an earlier one would make a later one's arrival truth at
	// least 320 ms.
	for i := range 3 {
		if i > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		if b := get("/x"); string(b) != Body {
			t.Fatalf("body %q", b)
		}
	}
	var tr Truth
	if err := json.Unmarshal(get("/truth"), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Count != 3 || tr.P50Ms < 20 {
		t.Fatalf("handler truth %+v: want 3 requests of at least 20 ms", tr)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// The kernel turns its receive timestamps on a moment after the
	// first socket asks (a deferred switch), so the very first request
	// may go unstamped, and uncounted.
	if tr.ArrivalCount < 2 {
		t.Fatalf("arrival truth counted %d requests of 3", tr.ArrivalCount)
	}
	if tr.ArrivalP99Ms > 200 {
		t.Errorf("arrival truth p99 %.2f ms: an earlier request's arrival was used", tr.ArrivalP99Ms)
	}
	if tr.ArrivalP50Ms < tr.P50Ms || tr.ArrivalP99Ms < tr.P99Ms {
		t.Errorf("arrival truth %.2f / %.2f ms is less than the handler's %.2f / %.2f",
			tr.ArrivalP50Ms, tr.ArrivalP99Ms, tr.P50Ms, tr.P99Ms)
	}
}
