package stats

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficgen/trafficgen/curl"
	"github.com/trafficgen/trafficgen/internal/redact"
)

// What a route keeps of its failed requests, so that a person can read
// why they failed and send one again (docs/design.md, "Drill-down"). It is
// bounded whatever the server sends or the run lasts: each route keeps its
// MaxFailures most recent failures and one recent request that succeeded,
// each cut to these sizes before a byte is copied, into buffers that are
// reused from one failure to the next.
const (
	// MaxFailures is how many of a route's most recent failures it keeps.
	MaxFailures = 5
	// MaxFailureBody is how much of a failed answer's body is kept: the
	// sender asks the client for no more (loadgen).
	MaxFailureBody = 256
	// The request as sent: its URL, its header fields together, its body.
	maxKeptURL    = 1024
	maxKeptHeader = 2048
	maxKeptBody   = 1024
	maxKeptFields = 32
)

// HeaderFields is a request's header fields as a sender holds them
// (transport.Header has these methods).
type HeaderFields interface {
	Len() int
	Field(i int) (name, value []byte)
}

// SentRequest is a request as it went out. Its bytes are borrowed for
// the call that takes it: the recorder copies what it keeps.
type SentRequest struct {
	Method string
	URL    []byte
	Header HeaderFields
	Body   []byte
}

// Failure is a request a route kept: one of its most recent failures, or
// (Kind KindNone) a recent request that succeeded. Everything in it is
// safe to show and to store: the body is cut and cleaned, and the curl
// command has the API key, Authorization and cookies as the curl package
// writes them (environment references or placeholders), never in full.
type Failure struct {
	// Time is when it ended; Elapsed the run time then.
	Time    time.Time
	Elapsed time.Duration
	// Code is the HTTP status, 0 when none came; Kind why it failed.
	Code int
	Kind ErrorKind
	// Message is the error's message or the status ("503 Service
	// Unavailable"), cleaned (Clean).
	Message string `json:",omitempty"`
	Latency time.Duration
	// Body is the first bytes of the answer's body, cleaned; BodyCut says
	// there may have been more (Body then ends in "…").
	Body    string `json:",omitempty"`
	BodyCut bool   `json:",omitempty"`
	// Curl is the request as a curl command (curl.Command).
	Curl string
}

// Reason is the status or error and why, for one line: "503 Service
// Unavailable", "timeout: i/o timeout".
func (f Failure) Reason() string {
	if f.Kind == KindNone || f.Code > 0 && strings.HasPrefix(f.Message, strconv.Itoa(f.Code)) {
		return f.Message // the status says it
	}
	return KindCount{Kind: f.Kind, Message: f.Message}.Reason()
}

// keptRequest is one request in a ring: its buffers are reused, and what
// a snapshot copies out of it is redacted then.
type keptRequest struct {
	seq     uint64 // which request of the ring's this is; 0: none yet
	end     time.Time
	code    int
	kind    ErrorKind
	err     error
	latency time.Duration
	method  string
	url     []byte
	hdr     []byte
	fields  [maxKeptFields]struct{ nameEnd, end int32 }
	nf      int
	body    []byte
	resp    []byte
	cut     struct{ url, hdr, body, resp bool }
}

// failRing is a route's kept requests. Its lock is its own: a failure
// does not hold up the route's counters.
type failRing struct {
	mu     sync.Mutex
	n      uint64 // failures kept in all; the next goes to slots[n%MaxFailures]
	slots  [MaxFailures]keptRequest
	sample keptRequest
	// sampleSec is the second of the last sample taken (plus one), so a
	// success costs one atomic load unless a second has passed.
	sampleSec atomic.Int64

	// What the last Snapshot copied out, shared with it (guarded by
	// Recorder.mu): copied again only when a request was kept since.
	outN, outSample uint64
	out             []Failure
	outLast         *Failure
}

// keep copies res and req into k, each part cut to its bound first.
func (k *keptRequest) keep(seq uint64, res Result, req SentRequest, body []byte) {
	k.seq, k.end, k.code, k.kind, k.err, k.latency = seq, res.End, res.Code, res.Kind, res.Err, res.Latency
	k.method = req.Method
	k.url, k.cut.url = keepBytes(k.url, req.URL, maxKeptURL)
	k.body, k.cut.body = keepBytes(k.body, req.Body, maxKeptBody)
	k.resp, k.cut.resp = keepBytes(k.resp, body, MaxFailureBody)
	k.cut.resp = k.cut.resp || len(body) >= MaxFailureBody
	k.hdr, k.nf, k.cut.hdr = k.hdr[:0], 0, false
	if req.Header == nil {
		return
	}
	for i := range req.Header.Len() {
		name, value := req.Header.Field(i)
		if k.nf == maxKeptFields || len(k.hdr)+len(name)+len(value) > maxKeptHeader {
			k.cut.hdr = true
			return
		}
		k.hdr = append(k.hdr, name...)
		k.fields[k.nf].nameEnd = int32(len(k.hdr))
		k.hdr = append(k.hdr, value...)
		k.fields[k.nf].end = int32(len(k.hdr))
		k.nf++
	}
}

// keepBytes copies at most limit bytes of src into dst's buffer.
func keepBytes(dst, src []byte, limit int) ([]byte, bool) {
	return append(dst[:0], src[:min(len(src), limit)]...), len(src) > limit
}

// field returns the i-th kept header field.
func (k *keptRequest) field(i int) (name, value string) {
	start := int32(0)
	if i > 0 {
		start = k.fields[i-1].end
	}
	f := k.fields[i]
	return string(k.hdr[start:f.nameEnd]), string(k.hdr[f.nameEnd:f.end])
}

// Failed keeps a failed request for its route (res.Route): res as
// recorded, req as sent, body the start of the answer's body. The route
// keeps its MaxFailures most recent.
func (r *Recorder) Failed(res Result, req SentRequest, body []byte) {
	if fr := r.ring(res.Route); fr != nil {
		fr.mu.Lock()
		fr.n++
		fr.slots[(fr.n-1)%MaxFailures].keep(fr.n, res, req, body)
		fr.mu.Unlock()
	}
}

// WantsSample reports whether route would keep a request that succeeded
// at t, as the request a person can copy when the route has no failure:
// one a second. It is meant for every success, and costs an atomic load
// unless a second has passed since the last sample.
func (r *Recorder) WantsSample(route int, t time.Time) bool {
	fr := r.ring(route)
	if fr == nil {
		return false
	}
	sec := t.Unix() + 1
	old := fr.sampleSec.Load()
	return old != sec && fr.sampleSec.CompareAndSwap(old, sec)
}

// Sample keeps a request that succeeded, after WantsSample said so.
func (r *Recorder) Sample(res Result, req SentRequest, body []byte) {
	if fr := r.ring(res.Route); fr != nil {
		fr.mu.Lock()
		fr.sample.keep(fr.sample.seq+1, res, req, body)
		fr.mu.Unlock()
	}
}

func (r *Recorder) ring(route int) *failRing {
	eps := *r.st.Load().eps.Load()
	if route < 0 || route >= len(eps) {
		return nil
	}
	return &eps[route].fails
}

// snapshot returns the ring's failures, oldest first, and its sample,
// copied out and redacted, or what it returned last time when nothing
// was kept since. The caller holds Recorder.mu.
func (fr *failRing) snapshot(start time.Time) ([]Failure, *Failure) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.n != fr.outN {
		out := make([]Failure, 0, min(fr.n, MaxFailures))
		for i := fr.n - min(fr.n, MaxFailures); i < fr.n; i++ {
			out = append(out, fr.slots[i%MaxFailures].failure(start))
		}
		fr.out, fr.outN = out, fr.n
	}
	if fr.sample.seq != fr.outSample {
		f := fr.sample.failure(start)
		fr.outLast, fr.outSample = &f, fr.sample.seq
	}
	return fr.out, fr.outLast
}

// failure is k as a Failure: secrets out, body cleaned, the request as a
// curl command.
func (k *keptRequest) failure(start time.Time) Failure {
	sec := k.secrets()
	f := Failure{
		Time: k.end, Elapsed: max(k.end.Sub(start), 0), Code: k.code, Kind: k.kind, Latency: k.latency,
		Message: sec.scrub(failure{err: k.err, code: k.code}.message()),
		Body:    Clean(sec.scrub(string(k.resp))), BodyCut: k.cut.resp,
	}
	if f.BodyCut && f.Body != "" && !strings.HasSuffix(f.Body, "…") {
		f.Body += "…"
	}
	req := curl.Request{Method: k.method, URL: keptURL(sec.scrub(string(k.url))), Body: []byte(sec.scrub(string(k.body))),
		BodyTruncated: k.cut.body}
	for i := range k.nf {
		name, value := k.field(i)
		if isSecretHeader(name) {
			value = ""
		}
		req.Header = append(req.Header, curl.Header{Name: name, Value: sec.scrub(value)})
	}
	f.Curl = curl.Command(req, curl.DefaultSecrets)
	if k.cut.url || k.cut.hdr {
		f.Curl += " # cut: only the start of the request was kept"
	}
	return f
}

// secrets are the values a request must not show anywhere: its secret
// headers' values (the API key, Authorization, cookies), and the token of
// an Authorization value.
type secrets []string

// minSecret is the shortest value scrubbed from the rest of a request: a
// shorter one would match ordinary text.
const minSecret = 4

func (k *keptRequest) secrets() secrets {
	var out secrets
	for i := range k.nf {
		name, value := k.field(i)
		if !isSecretHeader(name) {
			continue
		}
		if len(value) >= minSecret {
			out = append(out, value)
		}
		if _, token, ok := strings.Cut(value, " "); ok && len(token) >= minSecret {
			out = append(out, token)
		}
	}
	return out
}

// scrub masks every secret in s (redact.Secret).
func (sec secrets) scrub(s string) string {
	for _, v := range sec {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redact.Secret(v))
		}
	}
	return s
}

func isSecretHeader(name string) bool {
	for _, s := range curl.DefaultSecrets {
		if strings.EqualFold(s.Header, name) {
			return true
		}
	}
	return false
}

// keptURL is a request's URL as a Failure keeps it: a password in its
// user info replaced (curl.Command then writes $URL_PASSWORD), and a user
// name alone, which is often a token, masked as redact.URL masks it.
func keptURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return redact.URL(s)
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redact.Mask)
		return u.String()
	}
	return redact.URL(s)
}
