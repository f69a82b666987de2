package transport

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// With HTTP2, NetHTTP speaks HTTP/2: negotiated over TLS, and with prior
// knowledge (h2c) over plain TCP; without it, HTTP/1.1 over plain TCP.
func TestNetHTTPSpeaksHTTP2(t *testing.T) {
	proto := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) })
	secure := httptest.NewUnstartedServer(proto)
	secure.EnableHTTP2 = true
	secure.StartTLS()
	defer secure.Close()
	plain := httptest.NewUnstartedServer(proto)
	plain.Config.Protocols = new(http.Protocols)
	plain.Config.Protocols.SetHTTP1(true)
	plain.Config.Protocols.SetUnencryptedHTTP2(true)
	plain.Start()
	defer plain.Close()
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	for _, tt := range []struct {
		http2      bool
		url, proto string
	}{
		{true, secure.URL, "HTTP/2.0"},
		{true, plain.URL, "HTTP/2.0"},
		{false, plain.URL, "HTTP/1.1"},
	} {
		c := newTestClient(t, KindNetHTTP, Options{HTTP2: tt.http2, TLS: &tls.Config{RootCAs: roots}, Timeout: 2 * time.Second})
		var resp Response
		err := c.Send(t.Context(), &Request{Method: "GET", URL: []byte(tt.url + "/x"), BodyLimit: 64}, &resp)
		if err != nil || string(resp.Body) != tt.proto {
			t.Errorf("HTTP2 %v, %s: %d %q (%v), want %s", tt.http2, tt.url, resp.Status, resp.Body, err, tt.proto)
		}
	}
}

// net/http's own log lines (it writes them through the standard logger)
// reach the Log option, without the logger's date.
func TestNetHTTPLogLines(t *testing.T) {
	defer log.SetOutput(os.Stderr)
	var lines []string
	newTestClient(t, KindNetHTTP, Options{Log: func(l string) { lines = append(lines, l) }})
	log.Print("Unsolicited response received on idle HTTP channel starting with \"HTTP/1.1 200\"")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Unsolicited response") {
		t.Errorf("lines %q", lines)
	}
}
