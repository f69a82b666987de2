package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
)

// TestCopiedCurlReproducesTheFailure runs the dashboard on a real run
// against a server that fails one route (503 to the request as sent, 400
// to any other, 401 without the key). Picking that route, opening it and
// pressing c writes an OSC 52 sequence to the terminal; its text is a curl
// command that, run by a shell against the same server with API_KEY set,
// gets the same 503, and without it a 401: the key is in the command as
// $API_KEY, not in full, nor anywhere on screen.
func TestCopiedCurlReproducesTheFailure(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	const key = "sk-test-0123456789abcdef"
	const body = `{"amount":12.5,"note":"it's"}`
	srv := httptest.NewServer(paymentsDown(key, body))
	defer srv.Close()
	scn, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{srv.URL + "/ok", srv.URL + "/pay?a=1&b=2"}, Method: "POST",
		Headers: []string{"X-API-Key: " + key, "Content-Type: application/json"}, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := loadgen.New(loadgen.Config{Target: srv.URL, Mode: plan.ModeSteady, RPS: 40, Scenario: scn, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	tm := teatest.NewTestModel(t, New(eng, eng.Snapshots(), Options{}), teatest.WithInitialTermSize(120, 36))
	waitFor(t, tm, "POST /pay")
	keys(tm, keyDown, keyDown, keyEnter)
	waitFor(t, tm, "payments down") // a failure of the route, kept and shown
	tm.Send(runes("c"))
	cmd := copiedText(t, tm)
	tm.Send(runes("q"))
	view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
	if strings.Contains(string(cmd)+view, key) || !strings.Contains(strings.ToLower(string(cmd)), `"x-api-key: $api_key"`) {
		t.Errorf("the key is not redacted:\n%s", cmd)
	}
	if !strings.Contains(view, "COPIED to the clipboard") {
		t.Errorf("the screen does not say it copied:\n%s", view)
	}
	status := func(env ...string) string {
		c := exec.Command("sh", "-c", string(cmd)+" -s -o /dev/null -w '%{http_code}'")
		c.Env = append(os.Environ(), env...)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return string(out)
	}
	if got := status("API_KEY=" + key); got != "503" {
		t.Errorf("the copied command got %s with API_KEY set, want the failure's 503:\n%s", got, cmd)
	}
	if got := status("API_KEY="); got != "401" {
		t.Errorf("the copied command got %s without API_KEY, want 401: the key is not in it", got)
	}
}

// paymentsDown answers 401 without key, 503 to exactly POST
// /pay?a=1&b=2 with body as JSON, 400 to another request to /pay, and ok
// to any other path.
func paymentsDown(key, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		switch {
		case r.Header.Get("X-API-Key") != key:
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path != "/pay":
			w.Write([]byte("ok"))
		case r.Method == "POST" && string(got) == body && r.Header.Get("Content-Type") == "application/json" && r.URL.RawQuery == "a=1&b=2":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"payments down"}`))
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	})
}

// copiedText waits for the dashboard to write an OSC 52 sequence and
// returns the text it puts on the clipboard.
func copiedText(t *testing.T, tm *teatest.TestModel) []byte {
	t.Helper()
	var seq []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		_, rest, ok := bytes.Cut(b, []byte("\x1b]52;c;"))
		if i := bytes.IndexByte(rest, '\a'); ok && i >= 0 {
			seq = rest[:i]
			return true
		}
		return false
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	cmd, err := base64.StdEncoding.DecodeString(string(seq))
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}
