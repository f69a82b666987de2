package loadgen

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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

// inProcessClient is a transport that serves requests with h, in process.
func inProcessClient(h http.Handler) transport.Client {
	return inProcessRedirecting(h, DefaultMaxRedirects)
}

// inProcessRedirecting is inProcessClient following up to max redirects.
func inProcessRedirecting(h http.Handler, max int) transport.Client {
	tr, err := transport.New(transport.Options{Kind: transport.KindNetHTTP, RoundTripper: handlerTransport{h}, MaxRedirects: max})
	if err != nil {
		panic(err)
	}
	return tr
}

var _ = testing.Short

// allClients are the HTTP clients every client test runs against.
var allClients = []string{ClientH1, ClientNetHTTP}
