package loadgen

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// fasthttp's per-host idle-connection cleaner ends on its own after the
	// idle timeout.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// handlerTransport serves requests in process by calling a handler, so
// tests can run inside a synctest bubble with a fake clock.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

func inProcessClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

var _ = testing.Short

// testDoer returns a client of the kind named (ClientH1, ClientFastHTTP
// or ClientNetHTTP) for conns connections, whose idle connections close
// when the test ends.
func testDoer(tb testing.TB, kind string, conns int, timeout time.Duration) Doer {
	return keepAliveDoer(tb, kind, conns, timeout, 50*time.Millisecond)
}

// keepAliveDoer is testDoer with the h1 and fasthttp clients' keep-alive
// idle time.
func keepAliveDoer(tb testing.TB, kind string, conns int, timeout, idle time.Duration) Doer {
	var d Doer = NewHTTPClient(conns, timeout)
	switch kind {
	case ClientH1:
		d = newH1Client(conns, timeout, idle)
	case ClientFastHTTP:
		d = newFastClient(conns, timeout, idle)
	}
	tb.Cleanup(d.(interface{ CloseIdleConnections() }).CloseIdleConnections)
	return d
}

// allClients are the HTTP clients every client test runs against.
var allClients = []string{ClientH1, ClientFastHTTP, ClientNetHTTP}
