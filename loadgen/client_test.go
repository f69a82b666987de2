package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

func TestClassify(t *testing.T) {
	op := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: err}}
	}
	tests := []struct {
		err  error
		want stats.ErrorKind
	}{
		{op(syscall.ECONNREFUSED), stats.KindRefused},
		{op(syscall.ECONNRESET), stats.KindReset},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), stats.KindReset},
		{&url.Error{Op: "Get", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, stats.KindDNS},
		{&url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, stats.KindTimeout},
		{op(os.ErrDeadlineExceeded), stats.KindTimeout},
		{errors.New("something else"), stats.KindOther},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A TLS server whose certificate the client does not trust gives a TLS
// error, over real loopback.
func TestClassifyTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	c := NewHTTPClient(4, 2*time.Second)
	_, err := c.Get(srv.URL)
	if err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	if got := classify(err); got != stats.KindTLS {
		t.Fatalf("classify(%v) = %v, want tls", err, got)
	}
	c.CloseIdleConnections()
}

func TestReadCappedKeepsTheLimit(t *testing.T) {
	big := make([]byte, 3*BodyLimit+17)
	got, err := readCapped(&slowReader{b: big}, nil)
	if err != nil || len(got) != BodyLimit {
		t.Fatalf("kept %d bytes (err %v), want %d", len(got), err, BodyLimit)
	}
	small, _ := readCapped(&slowReader{b: []byte(`{"id":7}`)}, got[:0])
	if string(small) != `{"id":7}` {
		t.Fatalf("small body = %q", small)
	}
}

// slowReader hands out at most 1000 bytes a read.
type slowReader struct{ b []byte }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1000)], r.b)
	r.b = r.b[n:]
	return n, nil
}
