package transport

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// hopper sends one request and reads its answer, without following a
// redirect: each client's part of Send. It sets resp.Status once the
// status arrived (also when the body then breaks off), keeps what req asks
// for, adds to resp.Resent, and leaves the answer's Location in
// cs.location.
type hopper interface {
	hop(ctx context.Context, deadline time.Time, req *Request, resp *Response, cs *callerState) error
}

// follow sends req through h and follows up to limit redirects, recording
// each in resp.Redirects. A redirect beyond limit fails the Send: the
// server answered 1 + limit requests.
func follow(ctx context.Context, h hopper, deadline time.Time, limit int, req *Request, resp *Response, cs *callerState) error {
	r := req
	for n := 0; ; n++ {
		cs.location = cs.location[:0]
		if err := h.hop(ctx, deadline, r, resp, cs); err != nil {
			return err
		}
		if limit == 0 || !followable(resp.Status) || len(cs.location) == 0 {
			return nil
		}
		if n == limit {
			resp.Status = 0 // a redirect's status is not the answer's
			return errTooManyRedirects(limit)
		}
		at := resp.Arrived
		if at.IsZero() {
			at = time.Now()
		}
		resp.Redirects = append(resp.Redirects, Redirect{Status: resp.Status, At: at})
		if err := nextRequest(&cs.next, r, resp.Status, cs.location); err != nil {
			return err
		}
		r = &cs.next
		resp.Status, resp.Arrived = 0, time.Time{}
		resp.Body = resp.Body[:0]
		resp.Header.Reset()
	}
}

// followable says whether a status is a redirect to follow, as net/http
// follows them: not 300 (a choice for the user), 304 (not modified), 305
// or 306.
func followable(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// sensitive are the fields that carry credentials: they go to the origin
// the user named and to no other (browsers and net/http drop them too;
// X-API-Key is the key this tool sends).
var sensitive = []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Www-Authenticate", "X-Api-Key"}

// bodyFields describe a body: they go with it when a redirect drops it.
var bodyFields = []string{"Content-Type", "Content-Encoding", "Content-Language", "Content-Location"}

// nextRequest makes next the request a redirect with status and location
// leads to from cur (next may be cur). 301, 302 and 303 send a GET (HEAD
// stays HEAD) without a body; 307 and 308 send the method and body again.
// A redirect to another origin (scheme, host or port) drops the sensitive
// fields and a Host given by the caller; once dropped they stay dropped
// for the rest of the chain, since each hop starts from the one before.
func nextRequest(next, cur *Request, status int, location []byte) error {
	base, err := url.Parse(string(cur.URL))
	if err != nil {
		return fmt.Errorf("redirect from an unparsable URL: %w", err)
	}
	ref, err := url.Parse(string(location))
	if err != nil {
		return fmt.Errorf("redirect to %.60q: %w", location, err)
	}
	to := base.ResolveReference(ref)
	if to.Scheme != "http" && to.Scheme != "https" {
		return fmt.Errorf("redirect to %.60q: unsupported protocol (want http or https)", to.Redacted())
	}
	to.Fragment, to.RawFragment = "", ""
	if next != cur {
		next.Method = cur.Method
		next.Header.copyFrom(&cur.Header)
		next.Body = append(next.Body[:0], cur.Body...)
		next.BodyLimit, next.KeepHeaders, next.Deadline = cur.BodyLimit, cur.KeepHeaders, cur.Deadline
		next.ErrorBodyLimit = cur.ErrorBodyLimit
	}
	next.URL = append(next.URL[:0], to.String()...)
	if !sameOrigin(base, to) {
		for _, name := range sensitive {
			next.Header.Del(name)
		}
		next.Header.Del("Host")
	}
	if status == 301 || status == 302 || status == 303 {
		if next.Method != "GET" && next.Method != "HEAD" {
			next.Method = "GET"
		}
		next.Body = next.Body[:0]
		for _, name := range bodyFields {
			next.Header.Del(name)
		}
	}
	return nil
}

// sameOrigin says whether a and b have one origin: scheme, host and port
// (the scheme's default port when none is written).
func sameOrigin(a, b *url.URL) bool {
	if a.Scheme != b.Scheme {
		return false
	}
	tls := a.Scheme == "https"
	var ka, kb [64]byte
	return string(hostKey(ka[:0], []byte(a.Host), tls)) == string(hostKey(kb[:0], []byte(b.Host), tls))
}
