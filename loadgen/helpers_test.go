package loadgen

import (
	"math/rand/v2"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/internal/inprocess"
	"github.com/trafficgen/trafficgen/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// inProcessClient is a transport that serves requests with h, in process.
func inProcessClient(h http.Handler) transport.Client {
	return inprocess.Client(h, DefaultMaxRedirects)
}

var _ = testing.Short

// allClients are the HTTP clients every client test runs against.
var allClients = []string{ClientH1, ClientNetHTTP}
