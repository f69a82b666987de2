package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	op := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: err}}
	}
	tests := []struct {
		err  error
		want Failure
	}{
		{op(syscall.ECONNREFUSED), FailRefused},
		{op(syscall.ECONNRESET), FailReset},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), FailReset},
		{&url.Error{Op: "Get", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, FailDNS},
		{&url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, FailTimeout},
		{&url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, FailCanceled},
		{op(os.ErrDeadlineExceeded), FailTimeout},
		{badResponse("chunk size %q", "+2"), FailMalformed},
		{errTooManyRedirects(10), FailRedirects},
		{errors.New("something else"), FailOther},
	}
	for _, tt := range tests {
		if got := FailureOf(tt.err); got != tt.want {
			t.Errorf("FailureOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
		if e := asError(tt.err).(*Error); e.Failure != tt.want || !errors.Is(e, tt.err) || e.Error() != tt.err.Error() {
			t.Errorf("asError(%v) = %+v", tt.err, e)
		}
	}
}

// readCapped keeps its limit and reads the rest.
func TestReadCappedKeepsTheLimit(t *testing.T) {
	big := make([]byte, 3*1000+17)
	r := &slowReader{b: big}
	got, err := readCapped(r, nil, 1000)
	if err != nil || len(got) != 1000 || len(r.b) != 0 {
		t.Fatalf("kept %d bytes (err %v), %d unread; want 1000, 0", len(got), err, len(r.b))
	}
	small, _ := readCapped(&slowReader{b: []byte(`{"id":7}`)}, got[:0], 1000)
	if string(small) != `{"id":7}` {
		t.Fatalf("small body = %q", small)
	}
}

// slowReader hands out at most 100 bytes a read.
type slowReader struct{ b []byte }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 100)], r.b)
	r.b = r.b[n:]
	return n, nil
}
