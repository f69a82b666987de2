package stats

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fields is a request's header fields for a test.
type fields [][2][]byte

func (f fields) Len() int                         { return len(f) }
func (f fields) Field(i int) (name, value []byte) { return f[i][0], f[i][1] }

func field(name, value string) [2][]byte { return [2][]byte{[]byte(name), []byte(value)} }

const testKey = "sk-live-0123456789abcdef"

func testRequest(path string) SentRequest {
	return SentRequest{Method: "POST", URL: []byte("http://127.0.0.1:1" + path),
		Header: fields{field("X-API-Key", testKey), field("Authorization", "Bearer tok-9876543210"), field("Content-Type", "application/json")},
		Body:   []byte(`{"amount":12.5,"echo":"` + testKey + `"}`)}
}

// A route keeps its MaxFailures newest failures, oldest first, each with
// its reason, the start of its body and the request as a curl command;
// the key, the bearer token and the cookie show nowhere in full.
func TestFailuresKeptAndRedacted(t *testing.T) {
	r := New()
	pay := r.Register("POST", "POST /pay")
	ok := r.Register("GET", "GET /ok")
	start := r.Start()
	for i := range 8 {
		res := Result{Route: pay, Code: 503, Kind: KindStatus5xx, Latency: time.Duration(i+1) * time.Millisecond,
			End: start.Add(time.Duration(i) * 100 * time.Millisecond)}
		r.RecordUnsent(res)
		body := fmt.Sprintf(`{"error":"down %d","key":"%s"}`+"\x1b[31m", i, testKey)
		r.Failed(res, testRequest(fmt.Sprintf("/pay?i=%d", i)), []byte(body))
	}
	timeout := Result{Route: pay, Kind: KindTimeout, Err: errors.New("i/o timeout"), Latency: time.Second, End: start.Add(900 * time.Millisecond)}
	r.RecordUnsent(timeout)
	r.Failed(timeout, testRequest("/pay?i=8"), nil)
	s := r.Snapshot(start.Add(2 * time.Second))
	fs := s.Endpoints[pay].Failures
	if len(fs) != MaxFailures {
		t.Fatalf("%d failures kept, want %d", len(fs), MaxFailures)
	}
	for i, f := range fs {
		if want := fmt.Sprintf("i=%d", i+4); !strings.Contains(f.Curl, want) {
			t.Errorf("failure %d: %s, want the request with %s (oldest first)", i, f.Curl, want)
		}
		for _, secret := range []string{testKey, "tok-9876543210", "\x1b"} {
			if strings.Contains(f.Curl+f.Body+f.Message, secret) {
				t.Errorf("failure %d shows %q: %+v", i, secret, f)
			}
		}
		if !strings.Contains(f.Curl, `-H "X-API-Key: $API_KEY"`) || !strings.Contains(f.Curl, `"Authorization: $AUTHORIZATION"`) {
			t.Errorf("failure %d: %s, want the key and Authorization as environment references", i, f.Curl)
		}
	}
	if f := fs[3]; f.Code != 503 || f.Reason() != "503 Service Unavailable" || !strings.HasPrefix(f.Body, `{"error":"down 7","key":"sk-l…def"}`) ||
		f.Latency != 8*time.Millisecond || f.Elapsed != 700*time.Millisecond {
		t.Errorf("failure 3: %+v", f)
	}
	if f := fs[4]; f.Kind != KindTimeout || f.Reason() != "timeout: i/o timeout" || f.Body != "" {
		t.Errorf("the timeout: %+v", f)
	}
	if k := s.Endpoints[pay].Kinds; len(k) != 2 || k[0].Kind != KindTimeout || k[1].Message != "503 Service Unavailable" {
		t.Errorf("kinds of the route: %+v", k)
	}
	if c := s.Endpoints[pay].Codes; len(c) != 2 || c[0] != (CodeCount{0, 1}) || c[1] != (CodeCount{503, 8}) {
		t.Errorf("codes of the route: %+v", c)
	}
	if len(s.Endpoints[ok].Failures) != 0 || s.Endpoints[ok].Sample != nil {
		t.Errorf("a route without failures: %+v", s.Endpoints[ok].RouteDetail)
	}
	// Nothing kept since: the next snapshot shares what the last one made.
	if again := r.Snapshot(start.Add(2100 * time.Millisecond)).Endpoints[pay].Failures; &again[0] != &fs[0] {
		t.Error("the failures were copied again with nothing new")
	}
}

// A success is kept as the route's sample at most once a second.
func TestSampleOncePerSecond(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /x")
	start := r.Start()
	kept := 0
	for i := range 30 {
		at := start.Add(time.Duration(i) * 100 * time.Millisecond)
		if r.WantsSample(id, at) {
			kept++
			res := Result{Route: id, Code: 200, Latency: time.Millisecond, End: at}
			r.Sample(res, SentRequest{Method: "GET", URL: []byte(fmt.Sprintf("http://h/x?i=%d", i))}, []byte("hello"))
		}
	}
	if kept < 3 || kept > 4 {
		t.Errorf("%d samples in 3 s, want one a second", kept)
	}
	s := r.Snapshot(start.Add(3 * time.Second))
	if sm := s.Endpoints[id].Sample; sm == nil || sm.Kind != KindNone || sm.Body != "hello" || !strings.HasPrefix(sm.Curl, "curl 'http://h/x?i=2") {
		t.Errorf("sample: %+v", sm)
	}
}

// A password in the URL becomes $URL_PASSWORD, a user name alone is
// masked, and a request too large to keep says it was cut.
func TestFailureURLAndCuts(t *testing.T) {
	r := New()
	id := r.Register("GET", "GET /x")
	res := Result{Route: id, Code: 500, Kind: KindStatus5xx, End: r.Start()}
	r.Failed(res, SentRequest{Method: "GET", URL: []byte("http://ann:hunter2@h/x")}, nil)
	r.Failed(res, SentRequest{Method: "GET", URL: []byte("http://tok123456789@h/x")}, nil)
	long := SentRequest{Method: "PUT", URL: []byte("http://h/x"), Body: bytes.Repeat([]byte("b"), 3*maxKeptBody)}
	r.Failed(res, long, bytes.Repeat([]byte("r"), 3*MaxFailureBody))
	fs := r.Snapshot(r.Start().Add(time.Second)).Endpoints[id].Failures
	if fs[0].Curl != `curl http://ann:"$URL_PASSWORD"@h/x` || fs[1].Curl != "curl http://xxxxx@h/x" {
		t.Errorf("user info: %s | %s", fs[0].Curl, fs[1].Curl)
	}
	if !strings.HasSuffix(fs[2].Curl, "# body cut: only its start was kept") || len(fs[2].Curl) > 2*maxKeptBody || !fs[2].BodyCut {
		t.Errorf("a large request: %d bytes: %.80s…, body cut %v", len(fs[2].Curl), fs[2].Curl, fs[2].BodyCut)
	}
}

// Every request failing with a large body, a million times, leaves the
// heap as it was after the first few: the rings are bounded, and what
// they keep is cut before it is copied. (At 5,000 failures a second this
// is over three minutes of a run; under the race detector, a fifth.)
func TestFailuresMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a million failures")
	}
	total := 1_000_000
	if raceEnabled {
		total /= 5
	}
	r := New()
	var ids []int
	for i := range 11 {
		ids = append(ids, r.Register("POST", fmt.Sprintf("POST /r%d", i)))
	}
	body := bytes.Repeat([]byte("x"), 1<<20) // the whole answer: the ring cuts it before it copies
	req := testRequest("/pay")
	start := r.Start()
	fail := func(i int) {
		res := Result{Route: ids[i%len(ids)], Code: 500, Kind: KindStatus5xx, Latency: time.Millisecond,
			End: start.Add(time.Duration(i) * 200 * time.Microsecond)}
		r.RecordUnsent(res)
		r.Failed(res, req, body)
		if i%1000 == 0 {
			r.Snapshot(res.End)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for i := range 20_000 { // every ring full, every histogram warm
		fail(i)
	}
	before := heap()
	for i := 20_000; i < total; i++ {
		fail(i)
	}
	after := heap()
	runtime.KeepAlive(r)
	runtime.KeepAlive(body)
	t.Logf("heap %d KiB after 20,000 failures, %d KiB after %d", before>>10, after>>10, total)
	if after > before+1<<20 {
		t.Errorf("heap grew by %d KiB over %d failures", (after-before)>>10, total-20_000)
	}
}

// BenchmarkWantsSample is what keeping failures costs a request that
// succeeded: one check a request, a sample a second.
func BenchmarkWantsSample(b *testing.B) {
	r := New()
	id := r.Register("GET", "GET /")
	at := r.Start()
	b.ReportAllocs()
	for b.Loop() {
		if r.WantsSample(id, at) {
			r.Sample(Result{Route: id, Code: 200, End: at}, testRequest("/"), nil)
		}
	}
}

// BenchmarkFailed is what keeping a failure costs: its request and the
// start of its body copied into the ring's buffers.
func BenchmarkFailed(b *testing.B) {
	r := New()
	id := r.Register("POST", "POST /pay")
	req, body := testRequest("/pay"), bytes.Repeat([]byte("x"), 1<<20)
	res := Result{Route: id, Code: 503, Kind: KindStatus5xx, End: r.Start()}
	b.ReportAllocs()
	for b.Loop() {
		r.Failed(res, req, body)
	}
}
