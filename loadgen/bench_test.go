package loadgen

import (
	"context"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/transport"
	"github.com/trafficgen/trafficgen/transport/transporttest"
)

// BenchmarkArrivals is the scheduler's arithmetic per request: advancing
// the rate integral and computing each request's due time, at 20,000/s
// in 1 ms steps (20 requests a step).
func BenchmarkArrivals(b *testing.B) {
	for _, poisson := range []bool{false, true} {
		b.Run("poisson="+strconv.FormatBool(poisson), func(b *testing.B) {
			start := time.Unix(0, 0)
			a := newArrivals(start, 20000, poisson, newTestRand())
			now := start
			n := 0
			due := func(time.Time) bool { n++; return true }
			b.ReportAllocs()
			for n < b.N {
				now = now.Add(time.Millisecond)
				a.advance(now, 20000, due, nil)
			}
		})
	}
}

// BenchmarkWorkerPool is the hand-off of one job from the scheduler to an
// idle worker and the worker's return to the idle stack: the open model's
// per-request cost outside the HTTP exchange.
func BenchmarkWorkerPool(b *testing.B) {
	var pool workerPool
	done := make(chan struct{}, 1)
	var wg sync.WaitGroup
	starting := true
	w, _ := pool.dispatch(job{due: time.Now()})
	wg.Go(func() {
		held := time.Duration(-1)
		for {
			_, ok := pool.next(w, &starting, held)
			held = time.Millisecond
			if !ok {
				done <- struct{}{} // idle now
				if _, ok = <-w.jobs; !ok {
					return
				}
			}
		}
	})
	<-done
	b.ReportAllocs()
	for b.Loop() {
		if nw, _ := pool.dispatch(job{due: time.Now()}); nw != nil {
			b.Fatal("a second worker started")
		}
		<-done
	}
	pool.close()
	wg.Wait()
}

// BenchmarkClient is one GET over loopback keep-alive, through client.do
// (rendering and transport) with each HTTP client, to a minimal
// in-process HTTP/1.1 responder (a canned answer, no allocation): the
// generator's own cost per request, plus the responder's few syscalls.
// Allocations are the client's. The request context can be cancelled, as
// the engine's is.
func BenchmarkClient(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go transporttest.Canned(ln, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 76\r\n\r\n"+
		`{"id":42,"name":"Ada Lovelace","email":"ada@example.com","status":"ACTIVE"}`+"\n"))
	base := "http://" + ln.Addr().String()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{base + "/api/users/1"}, Headers: []string{"X-API-Key: k"}})
	if err != nil {
		b.Fatal(err)
	}
	req := scn.Endpoints[0]
	for _, kind := range allClients {
		b.Run(kind, func(b *testing.B) {
			tr, err := transport.New(transport.Options{Kind: kind, MaxConnsPerHost: 8, Timeout: 5 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.CloseIdleConnections()
			c := &client{tr: tr, base: base, headers: scn.Headers}
			env := scn.NewRun().NewEnv(newTestRand(), nil)
			var sc scratch
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ReportAllocs()
			for b.Loop() {
				if ex := c.do(ctx, req, env, &sc, time.Time{}, time.Time{}); ex.code != 200 {
					b.Fatalf("status %d, err %v", ex.code, ex.err)
				}
			}
		})
	}
}

// BenchmarkSendChecks is Engine.send, the whole path of one request over
// loopback keep-alive to a canned JSON answer, without response checks
// and with three JSON-path checks (the body kept and read): what checks
// add to a request. The route's shape is learnt before the timer starts,
// so a few answers a second are compared with it, as in a run.
func BenchmarkSendChecks(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	body := `{"id":4711,"orderNumber":"ORDER-4711","userId":12,"product":"Laptop","amount":249.99,"status":"PENDING","items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}`
	go transporttest.Canned(ln, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body))
	for _, checks := range []string{"", `checks: [{json: 'id>0'}, {json: 'status=PENDING'}, {json: 'items.#>0'}]`} {
		name := "none"
		if checks != "" {
			name = "three-json"
		}
		b.Run(name, func(b *testing.B) {
			scn, err := scenario.Load("b.yaml", []byte("endpoints:\n  - path: /orders/1\n    "+checks+"\n"), scenario.Options{})
			if err != nil {
				b.Fatal(err)
			}
			tr, err := transport.New(transport.Options{Kind: ClientH1, MaxConnsPerHost: 8, Timeout: 5 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.CloseIdleConnections()
			e, err := New(Config{Target: "http://" + ln.Addr().String(), Scenario: scn, Client: tr})
			if err != nil {
				b.Fatal(err)
			}
			s := e.newSender(1, nil)
			c := call{req: scn.Endpoints[0], route: e.routes[0]}
			for e.routeChecks[c.route].state.Load() == shapeLearning {
				e.send(context.Background(), s, c)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if out := e.send(context.Background(), s, c); out.ex.kind != 0 {
					b.Fatalf("kind %v, err %v", out.ex.kind, out.ex.err)
				}
			}
			// The process's CPU time per request (the responder's
			// included): on a shared machine a steadier figure than the
			// wall time, which waits for a core.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
