package transport

import (
	"strings"
	"testing"
)

// wire renders a request for the wire as H1 writes it to auth.
func wire(t *testing.T, r *Request, auth, target, userinfo string) string {
	t.Helper()
	var ui []byte
	if userinfo != "" {
		ui = []byte(userinfo)
	}
	b, err := appendRequest(nil, r, []byte(auth), []byte(target), ui)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A request goes out as one write: request line, Host, the caller's
// fields (control bytes in values made spaces), the client's User-Agent
// unless one is given, the body's length (not the caller's).
func TestH1RequestWire(t *testing.T) {
	r := &Request{Method: "POST", Body: []byte(`{"a":1}`)}
	r.Header.AddString("X-API-Key", "k1")
	r.Header.AddString("Content-Type", "application/json")
	r.Header.AddString("X-Id", "7\r\nX-Injected: yes\x00") // a captured value with a line break and a NUL
	r.Header.AddString("Content-Length", "999")            // the body's own length is sent
	got := wire(t, r, "127.0.0.1:8080", "/api/users?x=1", "")
	want := "POST /api/users?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-API-Key: k1\r\nContent-Type: application/json\r\n" +
		"X-Id: 7  X-Injected: yes \r\nUser-Agent: trafficgen\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
	if got != want {
		t.Errorf("wire:\n%q\nwant\n%q", got, want)
	}

	// A Host and a User-Agent given are sent instead of the client's;
	// user info is basic authentication, unless Authorization is given.
	r = &Request{Method: "GET"}
	r.Header.AddString("Host", "api.example")
	r.Header.AddString("User-Agent", "mine/1")
	got = wire(t, r, "127.0.0.1:8080", "", "ann:s%40cret")
	want = "GET / HTTP/1.1\r\nHost: api.example\r\nUser-Agent: mine/1\r\nAuthorization: Basic YW5uOnNAY3JldA==\r\n\r\n"
	if got != want {
		t.Errorf("wire:\n%q\nwant\n%q", got, want)
	}
	r.Header.AddString("Authorization", "Bearer t")
	if got := wire(t, r, "h", "/", "ann:x"); strings.Count(got, "Authorization") != 1 || !strings.Contains(got, "Bearer t") {
		t.Errorf("an Authorization given and user info: %q", got)
	}
}

// A field name that is not a token, or a method that is not one, fails
// the request before anything is written.
func TestH1RefusesBadNames(t *testing.T) {
	r := &Request{Method: "GET"}
	r.Header.AddString("X-Test\r\nInjected", "1")
	if _, err := appendRequest(nil, r, []byte("h"), []byte("/"), nil); err == nil {
		t.Error("a field name with CRLF was written")
	}
	if _, err := appendRequest(nil, &Request{Method: "GET /x HTTP/1.1\r\n"}, []byte("h"), []byte("/"), nil); err == nil {
		t.Error("a method with spaces was written")
	}
}

// What may not appear in a request line is percent-encoded: a captured
// value put into a path cannot split the request. A POST without a body
// says Content-Length: 0; a GET without one says nothing.
func TestH1RequestLineIsSafe(t *testing.T) {
	r := &Request{Method: "POST"}
	got := wire(t, r, "h", "/a b\r\nX-Injected: yes\r\nX: é", "")
	want := "POST /a%20b%0D%0AX-Injected:%20yes%0D%0AX:%20%C3%A9 HTTP/1.1\r\nHost: h\r\nUser-Agent: trafficgen\r\nContent-Length: 0\r\n\r\n"
	if got != want {
		t.Errorf("wire:\n%q\nwant\n%q", got, want)
	}
	r.Method = "GET"
	if got := wire(t, r, "h", "?q=1", ""); strings.Contains(got, "Content-Length") || !strings.HasPrefix(got, "GET /?q=1 ") {
		t.Errorf("a GET without a body: %q", got)
	}
}

// An IPv6 zone names an interface of the sender's: it is not sent in
// Host (RFC 6874), unless the caller sets Host itself.
func TestH1HostHeaderHasNoZone(t *testing.T) {
	r := &Request{Method: "GET"}
	for auth, want := range map[string]string{
		"[fe80::1%25eth0]:8080": "[fe80::1]:8080",
		"[fe80::1%eth0]":        "[fe80::1]",
		"[::1]:8080":            "[::1]:8080",
	} {
		if got := wire(t, r, auth, "/", ""); !strings.Contains(got, "\r\nHost: "+want+"\r\n") {
			t.Errorf("%s: wire %q, want Host: %s", auth, got, want)
		}
	}
	r.Header.AddString("Host", "named")
	if got := wire(t, r, "[fe80::1%25eth0]", "/", ""); !strings.Contains(got, "\r\nHost: named\r\n") {
		t.Errorf("a Host set by the caller: wire %q", got)
	}
}

func TestSplitURL(t *testing.T) {
	tests := []struct {
		url, user, host, target string
		tls, bad                bool
	}{
		{url: "http://127.0.0.1:8080/a/b?c=d", host: "127.0.0.1:8080", target: "/a/b?c=d"},
		{url: "http://localhost", host: "localhost", target: ""},
		{url: "http://localhost?q=1#frag", host: "localhost", target: "?q=1"},
		{url: "HTTPS://[::1]:8443/x#y", host: "[::1]:8443", target: "/x", tls: true},
		{url: "http://ann:s%40cret@h:1/p", user: "ann:s%40cret", host: "h:1", target: "/p"},
		{url: "ftp://h/x", bad: true},
		{url: "http:///x", bad: true},
		{url: "http://h\r\nX: y/x", bad: true},
		{url: "http://:8080/x", bad: true},
		{url: "http://[]:8080/x", bad: true},
		{url: "http://[fe80::1%25eth0]:8080/x", host: "[fe80::1%25eth0]:8080", target: "/x"},
		{url: "http://[fe80::1%eth0]/x", host: "[fe80::1%eth0]", target: "/x"},
		{url: "http://[fe80::1%25]:8080/x", bad: true},
		{url: "http://[fe80::1%25%zz]/x", bad: true},
		{url: "http://[fe80::1%25%5D]/x", bad: true},
		{url: "http://[fe80::1%25a%0a]/x", bad: true},
	}
	for _, tt := range tests {
		isTLS, user, host, target, err := splitURL([]byte(tt.url))
		if (err != nil) != tt.bad {
			t.Errorf("%s: error %v", tt.url, err)
			continue
		}
		if !tt.bad && (isTLS != tt.tls || string(user) != tt.user || string(host) != tt.host || string(target) != tt.target) {
			t.Errorf("%s: tls %v user %q host %q target %q", tt.url, isTLS, user, host, target)
		}
	}
	if _, _, _, _, err := splitURL([]byte("http://ann:secret@:80/")); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("an error quotes the user info: %v", err)
	}
}

func TestH1HostAddress(t *testing.T) {
	c := newTestH1(t, Options{})
	for _, tt := range []struct {
		auth       string
		tls        bool
		addr, name string
	}{
		{"example.com", false, "example.com:80", "example.com"},
		{"example.com", true, "example.com:443", "example.com"},
		{"example.com:8443", true, "example.com:8443", "example.com"},
		{"[::1]", false, "[::1]:80", "::1"},
		{"[::1]:9", false, "[::1]:9", "::1"},
	} {
		h := c.pool(tt.tls, []byte(tt.auth))
		if h.addr != tt.addr || h.name != tt.name {
			t.Errorf("%s (tls %v): dials %s, name %s; want %s, %s", tt.auth, tt.tls, h.addr, h.name, tt.addr, tt.name)
		}
	}
	if a, b := c.pool(false, []byte("example.com")), c.pool(false, []byte("example.com")); a != b {
		t.Error("one host got two connection pools")
	}
}
