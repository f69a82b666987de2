package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// An answer whose status is a failure's keeps ErrorBodyLimit bytes of its
// body; one that succeeds keeps BodyLimit (none here), after an interim
// 1xx too; and a redirect keeps the limits for the answer it leads to.
func TestErrorBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/fail", http.StatusFound)
			return
		case "/fail":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/early":
			w.WriteHeader(http.StatusEarlyHints)
		}
		w.Write([]byte(strings.Repeat("abcdefghij", 100)))
	}))
	defer srv.Close()
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 5 * time.Second, MaxRedirects: 3})
		for _, tt := range []struct {
			path, body string
			status     int
		}{
			{"/ok", "", 200},
			{"/early", "", 200},
			{"/fail", "abcdefghijabcdefghijabcde", 503},
			{"/moved", "abcdefghijabcdefghijabcde", 503},
		} {
			var resp Response
			req := &Request{Method: "GET", URL: []byte(srv.URL + tt.path), ErrorBodyLimit: 25}
			if err := c.Send(context.Background(), req, &resp); err != nil {
				t.Fatalf("%s %s: %v", kind, tt.path, err)
			}
			if resp.Status != tt.status || string(resp.Body) != tt.body {
				t.Errorf("%s %s: %d %q, want %d %q", kind, tt.path, resp.Status, resp.Body, tt.status, tt.body)
			}
		}
	}
}
