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
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
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
			d := testDoer(t, kind, 1, 2*time.Second)
			c := &client{doer: d, base: srv.URL}
			env := get.NewRun().NewEnv(newTestRand(), nil)
			var sc scratch
			for range 2 { // the second reuses the connection: the first was read to the end
				ex := c.do(context.Background(), get.Endpoints[0], env, &sc)
				if ex.code != 200 || ex.err != nil || ex.body != nil || cap(sc.resp) != 0 {
					t.Fatalf("exchange %d (%v), body %d bytes kept, scratch %d bytes; want 200 and nothing kept",
						ex.code, ex.err, len(ex.body), cap(sc.resp))
				}
			}
		})
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

// The default client is h1, except where a proxy from the
// environment applies to the target: net/http honours it, so a user
// behind a proxy is not silently bypassed. net/http reads the proxy
// variables once per process, so each case runs in a child process.
func TestChooseClient(t *testing.T) {
	if os.Getenv("TG_CHOOSE_CLIENT") != "" {
		kind, why := ChooseClient(os.Getenv("TG_KIND"), os.Getenv("TG_TARGET"))
		fmt.Printf("%s|%s\n", kind, why)
		return
	}
	for _, tc := range []struct {
		env          []string
		kind, target string
		want         string
		why          bool
	}{
		{nil, "", "http://api.internal.test/v1", ClientH1, false},
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", "http://api.internal.test/v1", ClientNetHTTP, true},
		{[]string{"HTTPS_PROXY=http://127.0.0.1:9"}, "", "http://api.internal.test/v1", ClientH1, false},
		{[]string{"HTTPS_PROXY=http://127.0.0.1:9"}, "", "https://api.internal.test/v1", ClientNetHTTP, true},
		{[]string{"HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=.internal.test"}, "", "http://api.internal.test/v1", ClientH1, false},
		// loopback never goes through a proxy
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, "", "http://127.0.0.1:8080", ClientH1, false},
		// asked for: kept, proxy or not
		{[]string{"HTTP_PROXY=http://127.0.0.1:9"}, ClientFastHTTP, "http://api.internal.test/v1", ClientFastHTTP, false},
		{nil, ClientNetHTTP, "http://api.internal.test/v1", ClientNetHTTP, false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestChooseClient$")
		cmd.Env = append(os.Environ(), "TG_CHOOSE_CLIENT=1", "TG_KIND="+tc.kind, "TG_TARGET="+tc.target,
			"HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY=", "http_proxy=", "https_proxy=", "no_proxy=", "REQUEST_METHOD=")
		cmd.Env = append(cmd.Env, tc.env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.env, err, out)
		}
		line, _, _ := strings.Cut(string(out), "\n")
		kind, why, _ := strings.Cut(line, "|")
		if kind != tc.want || (why != "") != tc.why {
			t.Errorf("env %v, asked %q, target %s: got %q (%q), want %q (reason given: %v)", tc.env, tc.kind, tc.target, kind, why, tc.want, tc.why)
		}
	}
}
