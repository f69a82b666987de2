package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
)

// Ad-hoc URLs send exactly the request given: method, headers and body, to
// that URL, at the given rate.
func TestAdHocSendsExactlyThatRequest(t *testing.T) {
	for _, client := range allClients {
		t.Run(client, func(t *testing.T) { testAdHoc(t, client) })
	}
}

func testAdHoc(t *testing.T, client string) {
	var mu sync.Mutex
	var count, wrong int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		count++
		if r.Method != "POST" || r.URL.Path != "/x" || r.Header.Get("Content-Type") != "application/json" ||
			string(b) != `{"a":1}` || r.Header.Get("X-Api-Key") != "" {
			wrong++
		}
		mu.Unlock()
	}))
	defer srv.Close()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{
		URLs: []string{srv.URL + "/x"}, Method: "POST",
		Headers: []string{"Content-Type: application/json"}, Body: `{"a":1}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second, Scenario: scn, HTTPClient: client})
	mu.Lock()
	defer mu.Unlock()
	if wrong != 0 || count != int(s.Total) || s.Total < 195 || s.Total > 205 {
		t.Fatalf("server saw %d (%d wrong); reported %d; want 200 right ones", count, wrong, s.Total)
	}
	if len(s.Endpoints) != 1 || s.Endpoints[0].Route != "POST /x" {
		t.Fatalf("endpoints %+v", s.Endpoints)
	}
}
