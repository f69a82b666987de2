package transport

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// redirectTo answers with status and Location: to.
func redirectTo(status int, to string) string {
	return fmt.Sprintf("HTTP/1.1 %d Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", status, to)
}

// lastRequest returns what s read last.
func lastRequest(t *testing.T, s *rawServer) rawRequest {
	t.Helper()
	rs := s.requests()
	if len(rs) == 0 {
		t.Fatal("the server read no request")
	}
	return rs[len(rs)-1]
}

// A POST with a body answered by 301, 302 or 303 is followed as a GET
// without a body, a Content-Length or the body's type; 307 and 308 send
// the method and the body again. Checked on the bytes the server read,
// for both clients.
func TestRedirectsChangeTheMethodAsBrowsersDo(t *testing.T) {
	for _, kind := range allKinds {
		for _, status := range []int{301, 302, 303, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d", kind, status), func(t *testing.T) {
				srv := newRawServer(t, func(r rawRequest) string {
					if r.target == "/form" {
						return redirectTo(status, "/next")
					}
					return okAnswer
				})
				c := newTestClient(t, kind, Options{Timeout: 2 * time.Second, MaxRedirects: 5})
				req := &Request{Method: "POST", URL: []byte(srv.url + "/form"), Body: []byte("a=1&b=2")}
				req.Header.AddString("Content-Type", "application/x-www-form-urlencoded")
				req.Header.AddString("X-API-Key", "k")
				var resp Response
				if err := c.Send(context.Background(), req, &resp); err != nil || resp.Status != 200 {
					t.Fatalf("answer %d (%v)", resp.Status, err)
				}
				if len(resp.Redirects) != 1 || resp.Redirects[0].Status != status || resp.Redirects[0].At.IsZero() {
					t.Errorf("redirects %+v, want one %d", resp.Redirects, status)
				}
				next := lastRequest(t, srv)
				lower := strings.ToLower(next.head)
				switch status {
				case 307, 308:
					if next.method != "POST" || next.body != "a=1&b=2" || next.header.Get("Content-Length") != "7" ||
						next.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
						t.Errorf("after %d: %s with body %q\n%s", status, next.method, next.body, next.head)
					}
				default:
					if next.method != "GET" || next.body != "" || strings.Contains(lower, "content-length") || strings.Contains(lower, "content-type") {
						t.Errorf("after %d: %s with body %q\n%s", status, next.method, next.body, next.head)
					}
				}
				if next.target != "/next" || next.header.Get("X-Api-Key") != "k" {
					t.Errorf("after %d: went to %s with key %q, want /next with the key (same origin)", status, next.target, next.header.Get("X-Api-Key"))
				}
			})
		}
	}
}

// A redirect to another origin (here another port: a second listener)
// carries no credentials: no X-API-Key, Authorization, Cookie or
// Proxy-Authorization, and no basic authentication from the first URL's
// user info. Other fields go along. Once dropped, they stay dropped, also
// when a later redirect leads back to the first origin.
func TestRedirectToAnotherOriginDropsCredentials(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			var a *rawServer
			b := newRawServer(t, func(r rawRequest) string {
				if r.target == "/b" {
					return redirectTo(307, a.url+"/back")
				}
				return okAnswer
			})
			a = newRawServer(t, func(r rawRequest) string {
				switch r.target {
				case "/start":
					return redirectTo(302, "/same")
				case "/same":
					return redirectTo(302, b.url+"/b")
				}
				return okAnswer
			})
			c := newTestClient(t, kind, Options{Timeout: 2 * time.Second, MaxRedirects: 5})
			req := &Request{Method: "GET", URL: []byte("http://ann:pw@" + a.addr + "/start")}
			for _, f := range []string{"X-API-Key", "Authorization", "Cookie", "Proxy-Authorization", "X-Trace"} {
				if f != "Authorization" { // from the user info
					req.Header.AddString(f, "secret-"+f)
				}
			}
			var resp Response
			if err := c.Send(context.Background(), req, &resp); err != nil || resp.Status != 200 || len(resp.Redirects) != 3 {
				t.Fatalf("answer %d after %d redirects (%v)", resp.Status, len(resp.Redirects), err)
			}
			ra := a.requests()
			if len(ra) != 3 || b.saw.Load() != 1 {
				t.Fatalf("first origin read %d requests, second %d; want 3 and 1", len(ra), b.saw.Load())
			}
			for i, r := range ra[:2] { // the first origin, before leaving it
				if r.header.Get("X-Api-Key") == "" || r.header.Get("Cookie") == "" || !strings.HasPrefix(r.header.Get("Authorization"), "Basic ") {
					t.Errorf("request %d to the first origin lost its credentials:\n%s", i, r.head)
				}
			}
			for _, r := range []rawRequest{lastRequest(t, b), ra[2]} {
				for _, f := range []string{"X-Api-Key", "Authorization", "Cookie", "Proxy-Authorization"} {
					if v := r.header.Get(f); v != "" {
						t.Errorf("%s %s carried %s: %q\n%s", r.method, r.target, f, v, r.head)
					}
				}
				if r.header.Get("X-Trace") != "secret-X-Trace" {
					t.Errorf("%s %s lost X-Trace:\n%s", r.method, r.target, r.head)
				}
			}
		})
	}
}

// MaxRedirects bounds a redirect loop: 1 + max requests, each redirect
// followed recorded, then a too-many-redirects failure; with none to
// follow, the 3xx is the answer.
func TestRedirectLoop(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(kind, func(t *testing.T) {
			srv := newRawServer(t, func(rawRequest) string { return redirectTo(302, "/loop") })
			c := newTestClient(t, kind, Options{Timeout: 2 * time.Second, MaxRedirects: 3})
			resp, err := get(c, srv.url+"/loop")
			if FailureOf(err) != FailRedirects || resp.Status != 0 || len(resp.Redirects) != 3 || srv.saw.Load() != 4 {
				t.Errorf("a loop: %d after %d redirects (%v), the server read %d; want a failure after 3 redirects and 4 requests",
					resp.Status, len(resp.Redirects), err, srv.saw.Load())
			}
			if err == nil || !strings.Contains(err.Error(), "3 redirects") {
				t.Errorf("error %q does not say how many redirects", err)
			}
			c = newTestClient(t, kind, Options{Timeout: 2 * time.Second})
			resp, err = get(c, srv.url+"/loop")
			if err != nil || resp.Status != 302 || len(resp.Redirects) != 0 || srv.saw.Load() != 5 {
				t.Errorf("no redirects to follow: %d after %d redirects (%v), the server read %d; want the 302 after 1 request",
					resp.Status, len(resp.Redirects), err, srv.saw.Load()-4)
			}
		})
	}
}

// Other 3xx answers, and a redirect without a Location, are answers.
func TestRedirectsNotFollowed(t *testing.T) {
	srv := newRawServer(t, func(r rawRequest) string {
		switch r.target {
		case "/300":
			return redirectTo(300, "/x")
		case "/304":
			return "HTTP/1.1 304 Not Modified\r\nLocation: /x\r\n\r\n"
		}
		return "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n"
	})
	for _, kind := range allKinds {
		c := newTestClient(t, kind, Options{Timeout: 2 * time.Second, MaxRedirects: 5})
		for path, want := range map[string]int{"/300": 300, "/304": 304, "/302": 302} {
			if resp, err := get(c, srv.url+path); err != nil || resp.Status != want || len(resp.Redirects) != 0 {
				t.Errorf("%s %s: %d after %d redirects (%v), want %d as the answer", kind, path, resp.Status, len(resp.Redirects), err, want)
			}
		}
	}
}

// The redirect rule on its own: method, body, fields and origin.
func TestRedirectRule(t *testing.T) {
	cur := &Request{Method: "PUT", URL: []byte("https://ann:pw@api.test/a/b?q=1"), Body: []byte("x"), BodyLimit: 9, KeepHeaders: []string{"X"}}
	cur.Header.AddString("Content-Type", "text/plain")
	cur.Header.AddString("Host", "named.test")
	cur.Header.AddString("X-Api-Key", "k")
	for _, tt := range []struct {
		status         int
		location       string
		url, method    string
		body, key, typ bool
		host           bool
	}{
		{303, "c", "https://ann:pw@api.test/a/c", "GET", false, true, false, true},
		{307, "/c#frag", "https://ann:pw@api.test/c", "PUT", true, true, true, true},
		{308, "https://API.test:443/c", "https://API.test:443/c", "PUT", true, true, true, true},
		{301, "http://api.test/c", "http://api.test/c", "GET", false, false, false, false},
		{302, "https://api.test:8443/c", "https://api.test:8443/c", "GET", false, false, false, false},
		{307, "//other.test/c", "https://other.test/c", "PUT", true, false, true, false},
	} {
		var next Request
		if err := nextRequest(&next, cur, tt.status, []byte(tt.location)); err != nil {
			t.Fatal(err)
		}
		_, hasKey := next.Header.Get("X-Api-Key")
		_, hasType := next.Header.Get("Content-Type")
		_, hasHost := next.Header.Get("Host")
		if string(next.URL) != tt.url || next.Method != tt.method || (len(next.Body) > 0) != tt.body || hasKey != tt.key ||
			hasType != tt.typ || hasHost != tt.host || next.BodyLimit != 9 || len(next.KeepHeaders) != 1 {
			t.Errorf("%d to %s: %s %s body %q key %v type %v host %v", tt.status, tt.location, next.Method, next.URL, next.Body, hasKey, hasType, hasHost)
		}
	}
	var next Request
	if err := nextRequest(&next, cur, 302, []byte("ftp://api.test/x")); err == nil {
		t.Error("a redirect to ftp was followed")
	}
}
