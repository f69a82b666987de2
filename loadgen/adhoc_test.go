package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
)

// Ad-hoc URLs send exactly the request given: method, headers and body, to
// that URL, at the given rate.
func TestAdHocSendsExactlyThatRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newExactServer()
		_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second, Scenario: exactScenario(t, "http://x.test"), Client: inProcessClient(srv)})
		if count, wrong := srv.counts(); wrong != 0 || count != int(s.Total) || s.Total != 200 {
			t.Fatalf("server saw %d (%d wrong); reported %d; want 200 right ones", count, wrong, s.Total)
		}
		if len(s.Endpoints) != 1 || s.Endpoints[0].Route != "POST /x" {
			t.Fatalf("endpoints %+v", s.Endpoints)
		}
	})
}

// Ad-hoc URLs are the target the start event, the dashboard and the
// summary show, user info masked.
func TestAdHocTargetIsShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://ann:hunter2@x.test/a", "http://x.test/b@2"}})
		if err != nil {
			t.Fatal(err)
		}
		_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 10, Duration: time.Second, Scenario: scn, Client: inProcessClient(http.NotFoundHandler())})
		const want = "http://xxxxx@x.test/a http://x.test/b"
		if s.Run.Target != want {
			t.Errorf("target %q, want %q", s.Run.Target, want)
		}
		if len(s.Run.Events) == 0 || !strings.HasSuffix(s.Run.Events[0].Text, "target "+want) {
			t.Errorf("first event %+v, want the start naming %s", s.Run.Events, want)
		}
	})
}

// The same through each HTTP client over loopback: what reaches the
// server is that request, byte for byte as the scenario says.
func TestAdHocRequestOverEachClient(t *testing.T) {
	for _, client := range allClients {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			srv := newExactServer()
			hs := httptest.NewServer(srv)
			defer hs.Close()
			_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 50, Duration: 200 * time.Millisecond, Scenario: exactScenario(t, hs.URL), HTTPClient: client})
			// A request still waiting for a worker at the end is not sent.
			if count, wrong := srv.counts(); wrong != 0 || count != int(s.Total) || s.Total == 0 || s.Total+s.Dropped != 10 {
				t.Fatalf("server saw %d (%d wrong); reported %d, dropped %d; want the 10 due, all right", count, wrong, s.Total, s.Dropped)
			}
		})
	}
}

// exactScenario is an ad-hoc POST of a JSON body to base/x.
func exactScenario(t *testing.T, base string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{
		URLs: []string{base + "/x"}, Method: "POST",
		Headers: []string{"Content-Type: application/json"}, Body: `{"a":1}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// exactServer counts requests, and those that are not exactScenario's.
type exactServer struct {
	mu           sync.Mutex
	count, wrong int
}

func newExactServer() *exactServer { return &exactServer{} }

func (e *exactServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.count++
	if r.Method != "POST" || r.URL.Path != "/x" || r.Header.Get("Content-Type") != "application/json" ||
		string(b) != `{"a":1}` || r.Header.Get("X-Api-Key") != "" {
		e.wrong++
	}
}

func (e *exactServer) counts() (count, wrong int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count, e.wrong
}
