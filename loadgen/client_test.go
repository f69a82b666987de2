package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/transport"
)

func TestErrorKind(t *testing.T) {
	for f, want := range map[transport.Failure]stats.ErrorKind{
		transport.FailTimeout:        stats.KindTimeout,
		transport.FailCanceled:       stats.KindTimeout,
		transport.FailRefused:        stats.KindRefused,
		transport.FailReset:          stats.KindReset,
		transport.FailDNS:            stats.KindDNS,
		transport.FailTLS:            stats.KindTLS,
		transport.FailRedirects:      stats.KindRedirect,
		transport.FailMalformed:      stats.KindMalformed,
		transport.FailHeaderTooLarge: stats.KindHeaderTooLarge,
		transport.FailOther:          stats.KindOther,
	} {
		if got := errorKind(&transport.Error{Failure: f, Err: errors.New("x")}); got != want {
			t.Errorf("%v: kind %v, want %v", f, got, want)
		}
	}
}

// A scenario request is rendered into the transport's request in one
// place: the target and the path (an absolute URL in the scenario wins),
// the scenario's headers with a request's own replacing one of the same
// name, the body, and a body limit only for a request that captures. Once
// the buffers have grown, rendering allocates nothing.
func TestRender(t *testing.T) {
	scn, err := scenario.Load("r.yaml", []byte(`version: 1
name: r
headers: {X-API-Key: k1, Content-Type: application/json, Accept: "*/*"}
pools: {users: {seed: [7]}}
endpoints:
  - {method: POST, path: "/api/users/{{pool users}}", body: '{"n":{{seq}}}', headers: {accept: text/plain}, save: {users: id}}
`), scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	adhoc, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://other.test:8080/x"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{base: "http://api.test/v2", headers: scn.Headers}
	env := scn.NewRun().NewEnv(newTestRand(), nil)
	var sc scratch
	r := &sc.req
	c.render(r, scn.Endpoints[0], env, &sc)
	var fields []string
	for n, v := range r.Header.All() {
		fields = append(fields, string(n)+": "+string(v))
	}
	if r.Method != "POST" || string(r.URL) != "http://api.test/v2/api/users/7" || string(r.Body) != `{"n":1}` || r.BodyLimit != BodyLimit+1 ||
		strings.Join(fields, "|") != "X-API-Key: k1|Content-Type: application/json|accept: text/plain" {
		t.Errorf("rendered %s %s %q limit %d, fields %q", r.Method, r.URL, r.Body, r.BodyLimit, fields)
	}
	c.render(r, adhoc.Endpoints[0], env, &sc)
	if r.Method != "GET" || string(r.URL) != "http://other.test:8080/x" || len(r.Body) != 0 || r.BodyLimit != 0 || r.Header.Len() != 3 {
		t.Errorf("rendered %s %s %q limit %d, %d fields", r.Method, r.URL, r.Body, r.BodyLimit, r.Header.Len())
	}
	if n := testing.AllocsPerRun(100, func() { c.render(r, scn.Endpoints[0], env, &sc) }); n != 0 {
		t.Errorf("rendering allocated %v times", n)
	}
}

// A request keeps the answer's body and headers its checks read, and a
// request sampled for its route's shape the body; one without either
// keeps nothing.
func TestRenderKeepsWhatChecksRead(t *testing.T) {
	scn, err := scenario.Load("r.yaml", []byte(`endpoints:
  - {path: /h, checks: [{header: 'X-Cache=HIT'}, {status: 200}]}
  - {path: /j, checks: [{json: ok}]}
  - {path: /s, checks: [{status: 200}]}
`), scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{base: "http://api.test"}
	env := scn.NewRun().NewEnv(newTestRand(), nil)
	var sc scratch
	r := &sc.req
	tests := []struct {
		ep      int
		sample  bool
		limit   int
		headers string
	}{
		{0, false, 0, "X-Cache"},
		{1, false, BodyLimit + 1, ""},
		{2, false, 0, ""},
		{2, true, BodyLimit + 1, ""},
	}
	for _, tt := range tests {
		sc.sample = tt.sample
		c.render(r, scn.Endpoints[tt.ep], env, &sc)
		if r.BodyLimit != tt.limit || strings.Join(r.KeepHeaders, ",") != tt.headers {
			t.Errorf("%s (sampled %v): body limit %d, headers %q; want %d and %q",
				scn.Endpoints[tt.ep].Route, tt.sample, r.BodyLimit, r.KeepHeaders, tt.limit, tt.headers)
		}
	}
}

// A body nothing captures is read to the end but not kept: a worker that
// meets a 1 MB response holds none of it afterwards.
func TestUncapturedBodyNotKept(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, big)
	}))
	defer srv.Close()
	get, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{srv.URL + "/big"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range allClients {
		t.Run(kind, func(t *testing.T) {
			tr, err := transport.New(transport.Options{Kind: kind, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.CloseIdleConnections()
			c := &client{tr: tr, base: srv.URL}
			env := get.NewRun().NewEnv(newTestRand(), nil)
			var sc scratch
			for range 2 { // the second reuses the connection: the first was read to the end
				ex := c.do(context.Background(), get.Endpoints[0], env, &sc, time.Time{}, time.Time{})
				if ex.code != 200 || ex.err != nil || ex.body != nil || cap(sc.resp.Body) != 0 {
					t.Fatalf("exchange %d (%v), body %d bytes kept, scratch %d bytes; want 200 and nothing kept",
						ex.code, ex.err, len(ex.body), cap(sc.resp.Body))
				}
			}
		})
	}
}

// The default client is h1, except where net/http is needed: for HTTP/2,
// or where a proxy from the environment applies to a URL the scenario
// sends to (the target, or ad-hoc URLs, which come without one), so a
// user behind a proxy is not silently bypassed. net/http reads the proxy
// variables once per process, so each case runs in a child process.
func TestChooseClient(t *testing.T) {
	if os.Getenv("TG_CHOOSE_CLIENT") != "" {
		scn, err := scenario.Load("s.yaml", []byte("version: 1\nname: s\nendpoints: [{path: /x}]\n"), scenario.Options{})
		if urls := os.Getenv("TG_URLS"); urls != "" {
			scn, err = scenario.FromAdHoc(scenario.AdHoc{URLs: strings.Fields(urls)})
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		kind, why := chooseClient(os.Getenv("TG_KIND"), os.Getenv("TG_HTTP2") != "", requestURLs(os.Getenv("TG_TARGET"), scn))
		fmt.Printf("%s|%s\n", kind, why)
		return
	}
	const internal = "http://api.internal.test/v1"
	for _, tc := range []chooseCase{
		{nil, "", internal, "", ClientH1, false, false},
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", internal, "", ClientNetHTTP, false, true},
		{[]string{"HTTPS_PROXY=http://127.0.0.1:9"}, "", internal, "", ClientH1, false, false},
		{[]string{"HTTPS_PROXY=http://127.0.0.1:9"}, "", "https://api.internal.test", "", ClientNetHTTP, false, true},
		{[]string{"HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=.internal.test"}, "", internal, "", ClientH1, false, false},
		// loopback never goes through a proxy
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", "http://127.0.0.1:8080", "", ClientH1, false, false},
		// ad-hoc URLs come without a target: each one counts
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", "", "http://127.0.0.1:8080/x " + internal + "/y", ClientNetHTTP, false, true},
		{[]string{"HTTPS_PROXY=http://127.0.0.1:9"}, "", "", "http://api.internal.test/x https://api.internal.test/y", ClientNetHTTP, false, true},
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", "", "http://127.0.0.1:8080/x http://localhost:9/y", ClientH1, false, false},
		// HTTP/2 needs net/http
		{nil, "", internal, "", ClientNetHTTP, true, true},
		// asked for: kept, proxy or not
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, ClientH1, internal, "", ClientH1, false, false},
		{nil, ClientNetHTTP, internal, "", ClientNetHTTP, false, false},
	} {
		t.Run("", func(t *testing.T) {
			t.Parallel() // each case is a child process of its own
			tc.check(t)
		})
	}
}

// chooseCase is a case of TestChooseClient: the proxy environment, the
// client asked for, where the requests go, and the choice wanted.
type chooseCase struct {
	env                      []string
	kind, target, urls, want string
	http2, why               bool
}

// check runs the choice in a child process with the case's environment.
func (tc chooseCase) check(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestChooseClient$")
	http2 := ""
	if tc.http2 {
		http2 = "1"
	}
	cmd.Env = append(os.Environ(), "TG_CHOOSE_CLIENT=1", "TG_KIND="+tc.kind, "TG_TARGET="+tc.target, "TG_URLS="+tc.urls, "TG_HTTP2="+http2,
		"HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY=", "http_proxy=", "https_proxy=", "no_proxy=", "REQUEST_METHOD=")
	cmd.Env = append(cmd.Env, tc.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", tc.env, err, out)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	kind, why, _ := strings.Cut(line, "|")
	if kind != tc.want || (why != "") != tc.why {
		t.Errorf("env %v, asked %q (http2 %v), target %q, URLs %q: got %q (%q), want %q (reason given: %v)",
			tc.env, tc.kind, tc.http2, tc.target, tc.urls, kind, why, tc.want, tc.why)
	}
}
