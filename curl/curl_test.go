package curl

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestCommandRendering(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want string
	}{
		{"get", Request{Method: "GET", URL: "http://127.0.0.1:8080/api/users/1"},
			"curl http://127.0.0.1:8080/api/users/1"},
		{"post with key", Request{Method: "POST", URL: "http://127.0.0.1:8080/api/orders?x=1&y=2",
			Header: []Header{{"X-API-Key", "supersecret123"}, {"Content-Type", "application/json"}},
			Body:   []byte(`{"product":"Bob's laptop"}`)},
			`curl -X POST 'http://127.0.0.1:8080/api/orders?x=1&y=2' -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' --data-binary '{"product":"Bob'\''s laptop"}'`},
		{"cookie and bearer", Request{Method: "DELETE", URL: "http://h/x", Header: []Header{{"cookie", "s=1"}, {"authorization", "Bearer abc"}}},
			`curl -X DELETE http://h/x -H 'cookie: <redacted>' -H "authorization: $AUTHORIZATION"`},
		{"head", Request{Method: "HEAD", URL: "http://h/"}, "curl --head http://h/"},
		{"password in url", Request{Method: "GET", URL: "http://ann:hunter2@h/x"},
			`curl http://ann:"$URL_PASSWORD"@h/x`},
		{"cut body", Request{Method: "PUT", URL: "http://h/x", Body: []byte("abc"), BodyTruncated: true},
			"curl -X PUT http://h/x --data-binary abc # body cut: only its start was kept"},
	}
	for _, tt := range tests {
		got := Command(tt.r, DefaultSecrets)
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		for _, secret := range []string{"supersecret123", "Bearer abc", "s=1", "hunter2"} {
			if strings.Contains(got, secret) {
				t.Errorf("%s: %q shows %q", tt.name, got, secret)
			}
		}
	}
}

// TestCommandReproducesTheRequest runs the rendered command with a shell
// and curl against a server that checks the key and echoes what it got.
func TestCommandReproducesTheRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	const key = "k-'$(echo pwned)'-\"x\""
	type seen struct{ method, key, ctype, body string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Get("X-API-Key"), r.Header.Get("Content-Type"), string(b)}
		if r.Header.Get("X-API-Key") != key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	body := "{\"note\":\"it's a \\\"test\\\"\\n\",\n\"$HOME\":`id`}"
	cmd := Command(Request{Method: "POST", URL: srv.URL + "/x?a=1&b=2",
		Header: []Header{{"X-API-Key", key}, {"Content-Type", "application/json"}}, Body: []byte(body)}, DefaultSecrets)
	out, err := exec.Command("sh", "-c", cmd+" -s -o /dev/null -w '%{http_code}'").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", cmd, err, out)
	}
	if string(out) != "401" {
		t.Errorf("without API_KEY in the environment: status %s, want 401", out)
	}
	<-got
	c := exec.Command("sh", "-c", cmd+" -s -o /dev/null -w '%{http_code}'")
	c.Env = append(os.Environ(), "API_KEY="+key)
	out, err = c.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	s := <-got
	if string(out) != "418" || s.method != "POST" || s.key != key || s.ctype != "application/json" || s.body != body {
		t.Errorf("status %s, server saw %+v", out, s)
	}
}
