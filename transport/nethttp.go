package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// NetHTTP is a Client over Go's net/http: HTTP/2 (negotiated over TLS,
// or with prior knowledge for http:// when asked), h2c, and proxies from
// the environment; what H1 does not do. Redirects follow the same rule as
// H1's (follow), not net/http's own.
type NetHTTP struct {
	hc           *http.Client
	timeout      time.Duration
	maxRedirects int
	sockets      bool
}

func newNetHTTP(o Options) *NetHTTP {
	rt := o.RoundTripper
	_, sockets := rt.(*http.Transport)
	if rt == nil {
		rt, sockets = newHTTPTransport(o), true
	}
	if o.Log != nil {
		log.SetOutput(logLines(o.Log))
	}
	return &NetHTTP{
		hc: &http.Client{
			Transport:     rt,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: o.Timeout, maxRedirects: o.MaxRedirects, sockets: sockets,
	}
}

// newHTTPTransport returns net/http's transport as o asks for it: with
// HTTP2, one transport for https that negotiates HTTP/2 by ALPN, and one
// for http that speaks HTTP/2 with prior knowledge (h2c).
func newHTTPTransport(o Options) http.RoundTripper {
	build := func(h2c bool) *http.Transport {
		dial := (&net.Dialer{
			Timeout:   min(o.Timeout, 10*time.Second),
			KeepAlive: 30 * time.Second,
		}).DialContext
		if !h2c {
			dial = dialIdleChecked(dial, o.Note)
		}
		t := &http.Transport{
			Proxy:                  o.Proxy,
			DialContext:            dial,
			MaxResponseHeaderBytes: maxHeaderBytes,
			MaxIdleConns:           o.MaxConnsPerHost + 16,
			MaxIdleConnsPerHost:    o.MaxConnsPerHost + 16,
			IdleConnTimeout:        o.IdleTimeout,
			TLSHandshakeTimeout:    min(o.Timeout, 10*time.Second),
			ExpectContinueTimeout:  time.Second,
			DisableCompression:     true, // bodies are read for captures only
			ForceAttemptHTTP2:      true,
			WriteBufferSize:        16 << 10,
			ReadBufferSize:         16 << 10,
		}
		if o.TLS != nil {
			t.TLSClientConfig = o.TLS.Clone()
		}
		return t
	}
	if !o.HTTP2 {
		return build(false)
	}
	secure, plain := build(false), build(true)
	secure.Protocols = new(http.Protocols)
	secure.Protocols.SetHTTP1(true)
	secure.Protocols.SetHTTP2(true)
	plain.Protocols = new(http.Protocols)
	plain.Protocols.SetUnencryptedHTTP2(true)
	return byScheme{secure: secure, plain: plain}
}

// byScheme sends https requests through one transport and http through
// another.
type byScheme struct{ secure, plain *http.Transport }

func (b byScheme) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" {
		return b.secure.RoundTrip(r)
	}
	return b.plain.RoundTrip(r)
}

func (b byScheme) CloseIdleConnections() {
	b.secure.CloseIdleConnections()
	b.plain.CloseIdleConnections()
}

// Send implements Client.
func (c *NetHTTP) Send(ctx context.Context, req *Request, resp *Response) error {
	cs := resp.begin()
	d := deadline(ctx, req, sendTime(req), c.timeout)
	ctx, cancel := context.WithDeadline(ctx, d)
	defer cancel()
	if cs.trace == nil {
		cs.trace = newAttempts()
	}
	ctx = cs.trace.context(ctx)
	err := follow(ctx, c, d, c.maxRedirects, req, resp, cs)
	return asError(err)
}

// CloseIdleConnections implements Client.
func (c *NetHTTP) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// UsesSockets says whether requests go over this process's sockets: not
// with a RoundTripper of the caller's that is no *http.Transport.
func (c *NetHTTP) UsesSockets() bool { return c.sockets }

// hop sends r once through net/http.
func (c *NetHTTP) hop(ctx context.Context, _ time.Time, r *Request, resp *Response, cs *callerState) error {
	var res *http.Response
	for tries := 0; ; tries++ {
		hr, err := newHTTPRequest(ctx, r)
		if err != nil {
			return err
		}
		cs.trace.start()
		res, err = c.hc.Do(hr)
		resp.Resent += int(cs.trace.resent.Load())
		if err == nil {
			break
		}
		if tries < maxResends && cs.trace.unsent() && strings.Contains(err.Error(), "server closed idle connection") {
			// net/http handed the request a connection the server had
			// closed, and gave up on it, as it does on anything not to
			// be sent twice; nothing of it was written.
			continue
		}
		return netHTTPError(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSwitchingProtocols {
		// As H1: nothing asked for another protocol. Its body would be
		// the connection itself, read until the deadline.
		return badResponse("101 Switching Protocols to a request that asked for no upgrade")
	}
	resp.Status = res.StatusCode
	cs.location = append(cs.location[:0], res.Header.Get("Location")...)
	for _, name := range r.KeepHeaders {
		for _, v := range res.Header.Values(name) {
			resp.Header.AddString(name, v)
		}
	}
	var err error
	if resp.Body, err = readCapped(res.Body, resp.Body[:0], bodyLimitFor(res.StatusCode, r.BodyLimit, r.ErrorBodyLimit)); err != nil {
		return netHTTPError(err)
	}
	cs.trace.answered()
	return nil
}

// netHTTPError gives a failure of net/http's — which often says what was
// wrong in words only — the kind its words name, the kind's name in front
// of its message, and the words H1 uses for the same failure.
func netHTTPError(err error) error {
	f := FailureOf(err)
	msg := err.Error()
	switch {
	case f == FailMalformed && (strings.Contains(msg, `"\x15\x03`) || strings.Contains(msg, `"\x16\x03`)):
		// A TLS record where the status line should be.
		return &Error{Failure: FailTLS, Err: fmt.Errorf("%w (%v)", errTLSAnswer, err)}
	case strings.Contains(msg, "HTTP response to HTTPS client"):
		return &Error{Failure: FailTLS, Err: fmt.Errorf("%w (%v)", errPlainAnswer, err)}
	case (f == FailMalformed || f == FailHeaderTooLarge) && !strings.Contains(msg, f.String()):
		return &Error{Failure: f, Err: fmt.Errorf("%v: %w", f, err)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Failure: f, Err: closedEarly(err)}
	}
	return err
}

// newHTTPRequest makes r a request of net/http's.
func newHTTPRequest(ctx context.Context, r *Request) (*http.Request, error) {
	var body io.Reader
	if len(r.Body) > 0 {
		body = bytes.NewReader(r.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.Method, string(r.URL), body)
	if err != nil {
		return nil, err
	}
	for name, value := range r.Header.All() {
		if equalFold(name, "Host") {
			hr.Host = string(value)
			continue
		}
		hr.Header.Add(string(name), string(value))
	}
	if _, ok := r.Header.Get("User-Agent"); !ok {
		hr.Header.Set("User-Agent", userAgent)
	}
	return hr, nil
}

// readCapped reads r to the end, keeping at most limit bytes in dst.
func readCapped(r io.Reader, dst []byte, limit int) ([]byte, error) {
	if limit <= 0 {
		_, err := io.Copy(io.Discard, r)
		return dst, err
	}
	for {
		if len(dst) >= limit {
			_, err := io.Copy(io.Discard, r)
			return dst, err
		}
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), limit)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// attempts follows net/http's attempts at one request through an
// httptrace.ClientTrace. net/http sends an idempotent request again when
// its reused connection dies after the request was written and before the
// answer began; each such attempt is counted, as H1 counts its own
// (resendable). The hooks run on net/http's goroutines (with HTTP/2, on
// two at once), hence the atomics.
type attempts struct {
	trace   *httptrace.ClientTrace
	written atomic.Bool // the current attempt was written, no answer yet
	resent  atomic.Int32
	// conn is the connection of the current attempt when it is checked
	// while idle, and seq the attempt's number on it.
	conn atomic.Pointer[idleChecked]
	seq  atomic.Uint64
}

func newAttempts() *attempts {
	a := new(attempts)
	a.trace = &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			// net/http calls a request written once it is in its buffer:
			// the attempt before was sent only if a byte of it went out.
			if prev := a.conn.Load(); a.written.Swap(false) && (prev == nil || prev.sentAny(a.seq.Load())) {
				a.resent.Add(1)
			}
			ic, _ := info.Conn.(*idleChecked)
			a.conn.Store(ic)
			if ic != nil {
				a.seq.Store(ic.given(info.Reused))
			}
		},
		WroteRequest: func(w httptrace.WroteRequestInfo) {
			if w.Err == nil {
				a.written.Store(true)
			}
		},
		GotFirstResponseByte: func() { a.written.Store(false) },
	}
	return a
}

// context returns ctx with the trace.
func (a *attempts) context(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, a.trace)
}

// start resets the count for a hop.
func (a *attempts) start() {
	a.written.Store(false)
	a.resent.Store(0)
	a.conn.Store(nil)
}

// unsent says whether the hop's last attempt wrote nothing, on a
// connection that counts what it writes.
func (a *attempts) unsent() bool {
	ic := a.conn.Load()
	return ic != nil && !ic.sentAny(a.seq.Load())
}

// answered notes that the hop's answer was read whole: its connection is
// idle until the next request on it writes.
func (a *attempts) answered() {
	if ic := a.conn.Load(); ic != nil {
		ic.answered(a.seq.Load())
	}
}

// logLines passes the standard logger's lines to sink, without the
// logger's date and time.
type logLines func(string)

var logStamp = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(\.\d+)? `)

func (f logLines) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		f(logStamp.ReplaceAllString(line, ""))
	}
	return len(p), nil
}
