// Package inprocess serves a transport's requests with an http.Handler in
// the same process: no socket, so that tests of the engine run inside a
// synctest bubble, on its fake clock.
package inprocess

import (
	"net/http"
	"net/http/httptest"

	"github.com/trafficgen/trafficgen/transport"
)

// RoundTripper serves each request with H. A request whose context is
// done, before or after H, fails as net/http's would.
type RoundTripper struct{ H http.Handler }

// RoundTrip serves r with H.
func (t RoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.H.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// Client is a transport.Client (NetHTTP) that serves requests with h and
// follows up to maxRedirects redirects.
func Client(h http.Handler, maxRedirects int) transport.Client {
	tr, err := transport.New(transport.Options{Kind: transport.KindNetHTTP, RoundTripper: RoundTripper{h}, MaxRedirects: maxRedirects})
	if err != nil {
		panic(err) // the options are fixed: only a programming error gets here
	}
	return tr
}
